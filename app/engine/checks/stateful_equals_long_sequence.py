"""Claim `stateful-equals-long-sequence`: "Two batches of 10 sequences × 7 steps through a stateful
layer equal 10 sequences of 14 steps."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, finding, max_abs, trace

CLAIM = "stateful-equals-long-sequence"


def check() -> Result:
    data = {"preset": "ramp", "n_sequences": 10, "length": 14}
    chunked = trace(
        {
            "model": {"layers": [{"units": 8}]},
            "data": data,
            "batching": {"batch_size": 10, "timesteps": 7},
        }
    )
    long = trace(
        {
            "model": {"layers": [{"units": 8, "stateful": False}]},
            "data": data,
            "batching": {"batch_size": 10, "timesteps": 14},
        }
    )
    h = np.concatenate([np.asarray(b["layers"][0]["h"]) for b in chunked["batches"]], axis=1)
    diff = max_abs(h - np.asarray(long["batches"][0]["layers"][0]["h"]))
    return {
        "verdict": "holds" if diff <= 1e-6 else "does_not_hold",
        **finding(CLAIM),
        "evidence": {"max_abs_diff_all_steps": diff, "tolerance": 1e-6},
    }
