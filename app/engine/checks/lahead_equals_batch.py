"""Claim `lahead-equals-batch`: "In the Keras stateful example, the carried state is only right
when lahead == batch_size."
"""

from __future__ import annotations

from app.engine.checks.common import Result, finding, trace

CLAIM = "lahead-equals-batch"


def check() -> Result:
    found = {}
    for lahead, batch in ((1, 1), (1, 2), (2, 1), (2, 2)):
        t = trace(
            {
                "model": {"layers": [{"units": 4}]},
                "data": {
                    "preset": "moving_average",
                    "tsteps": 2,
                    "lahead": lahead,
                    "input_len": 12,
                },
                "batching": {"batch_size": batch, "timesteps": lahead},
            }
        )
        kinds = {
            tr["reason"] or tr["kind"]
            for b in t["batches"][1:]
            for tr in b["layers"][0]["transfers"]
        }
        found[f"lahead={lahead}, batch_size={batch}"] = sorted(kinds)
    ok = found["lahead=1, batch_size=1"] == ["continues"] == found["lahead=2, batch_size=2"]
    return {
        "verdict": "holds" if ok else "does_not_hold",
        **finding(CLAIM),
        "evidence": found,
    }
