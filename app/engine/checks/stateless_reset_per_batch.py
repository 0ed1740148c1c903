"""Claim `stateless-reset-per-batch`: "With stateful=False, all states are reset together after
each batch."
"""

from __future__ import annotations

from app.engine.checks.common import Result, finding, max_abs, trace

CLAIM = "stateless-reset-per-batch"


def check() -> Result:
    t = trace(
        {
            "model": {"layers": [{"units": 4, "stateful": False}]},
            "data": {"preset": "ramp", "length": 40},
            "batching": {"batch_size": 2, "timesteps": 5},
        }
    )
    starts = [
        max_abs(b["layers"][0]["initial"]["h"]) + max_abs(b["layers"][0]["initial"]["c"])
        for b in t["batches"]
    ]
    holds = max(starts) == 0.0
    return {
        "verdict": "holds" if holds else "does_not_hold",
        **finding(CLAIM, batches=len(starts)),
        "evidence": {"batches": len(starts), "max_abs_initial_state": max(starts)},
    }
