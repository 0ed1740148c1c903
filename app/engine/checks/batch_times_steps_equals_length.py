"""Claim `batch-times-steps-equals-length`: "batch_size × timesteps must equal the data length." """

from __future__ import annotations

from app.engine.checks.common import Result, finding, trace

CLAIM = "batch-times-steps-equals-length"


def check() -> Result:
    t = trace(
        {
            "model": {"layers": [{"units": 4}]},
            "data": {"preset": "ramp", "length": 40},
            "batching": {"batch_size": 2, "timesteps": 5},
        }
    )
    n = len(t["batches"])
    return {
        "verdict": "does_not_hold",
        **finding(
            CLAIM,
            batches=n,
            rows_times_steps=2 * 5,
            max_abs_diff=f"{t['verification']['max_abs_diff']:.1e}",
        ),
        "evidence": {"length": 40, "batch_size": 2, "timesteps": 5, "batches": n},
    }
