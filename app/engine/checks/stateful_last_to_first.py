"""Claim `stateful-last-to-first`: "With stateful=True, the state of the last sample of a batch
passes to the first sample of the next batch."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, finding, max_abs, stateful_poem

CLAIM = "stateful-last-to-first"


def check() -> Result:
    t = stateful_poem()
    b0, b1 = t["batches"]
    last_row = np.asarray(b0["layers"][0]["keras_final"]["h"][-1])
    first_initial = np.asarray(b1["layers"][0]["initial"]["h"][0])
    diff = max_abs(first_initial - last_row)
    return {
        "verdict": "holds" if diff < 1e-7 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {
            "batch0_last_row_final_h": last_row.tolist(),
            "batch1_row0_initial_h": first_initial.tolist(),
            "max_abs_diff": diff,
        },
    }
