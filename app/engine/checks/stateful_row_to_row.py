"""Claim `stateful-row-to-row`: "With stateful=True, the final state of sample i in a batch is the
initial state of sample i in the next batch."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, finding, max_abs, stateful_poem

CLAIM = "stateful-row-to-row"


def check() -> Result:
    t = stateful_poem()
    b0, b1 = t["batches"]
    keras_after = np.asarray(b0["layers"][0]["keras_final"]["h"])
    initial = np.asarray(b1["layers"][0]["initial"]["h"])
    diff = max_abs(initial - keras_after)
    return {
        "verdict": "holds" if diff == 0 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {
            "initial_h_batch1": initial.tolist(),
            "keras_state_after_batch0": keras_after.tolist(),
            "max_abs_diff": diff,
        },
    }
