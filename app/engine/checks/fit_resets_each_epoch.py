"""Claim `fit-resets-each-epoch`: "fit() resets the states of a stateful model at the end of each
epoch."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, finding, max_abs, trace

CLAIM = "fit-resets-each-epoch"


def check() -> Result:
    t = trace(
        {
            "model": {"layers": [{"units": 4}]},
            "data": {"preset": "poem"},
            "batching": {"batch_size": 2, "timesteps": 5},
            "schedule": {"ops": [{"op": "fit", "epochs": 2}]},
        }
    )
    first_of_epoch1 = next(b for b in t["batches"] if b["epoch"] == 1)
    last_of_epoch0 = [b for b in t["batches"] if b["epoch"] == 0][-1]
    carried = np.asarray(first_of_epoch1["layers"][0]["initial"]["h"])
    diff = max_abs(carried - np.asarray(last_of_epoch0["layers"][0]["keras_final"]["h"]))
    return {
        "verdict": "does_not_hold" if diff == 0 and max_abs(carried) > 0 else "holds",
        **finding(CLAIM),
        "evidence": {
            "max_abs_initial_state_epoch2": max_abs(carried),
            "diff_to_state_after_epoch1": diff,
        },
    }
