"""Claim `stateless-reset-per-sample`: "With stateful=False, the state is reset after every sample:
1000 sequences in batches of 200 means 1000 resets."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, finding, max_abs, small_model, uniform

CLAIM = "stateless-reset-per-sample"


def check() -> Result:
    model, _ = small_model(None, 5, 1, 4, stateful=False)
    x = uniform(1000, 5, 1)
    batched = np.asarray(model.predict(x, batch_size=200, verbose=0))
    alone = np.concatenate([np.asarray(model(x[i : i + 1])) for i in range(0, 1000, 97)])
    diff = max_abs(batched[::97] - alone)
    holds = diff < 1e-5
    return {
        "verdict": "holds" if holds else "does_not_hold",
        **finding(CLAIM),
        "evidence": {
            "samples": 1000,
            "batch_size": 200,
            "batches": 5,
            "max_abs_diff_batched_vs_alone": diff,
        },
    }
