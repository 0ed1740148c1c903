"""Claim `fixed-batch-required`: "A stateful model needs every batch to hold the same number of
samples; a partial last batch breaks it."
"""

from __future__ import annotations

import re

from app.engine.checks.common import Result, finding, trace
from app.errors import KerasRejected

CLAIM = "fixed-batch-required"


def check() -> Result:
    base = {
        "model": {"layers": [{"units": 4}]},
        "data": {"preset": "ramp", "length": 18},
        "schedule": {"ops": [{"op": "predict"}]},
    }
    t = trace({**base, "batching": {"batch_size": 2, "timesteps": 2, "layout": "consecutive"}})
    rows = sum(len(b["outputs"]) for b in t["batches"])
    try:
        trace(
            {
                **base,
                "data": {"preset": "ramp", "length": 20},
                "batching": {"batch_size": 4, "timesteps": 2, "layout": "consecutive"},
            }
        )
        error = None
    except KerasRejected as exc:
        # TensorFlow's graph error names its node; the sentence keeps what a learner can read
        shapes = re.search(r"Incompatible shapes: \[[^\]]*\] vs\. \[[^\]]*\]", exc.message)
        error = shapes.group(0) if shapes else exc.message
    return {
        "verdict": "holds",
        **finding(CLAIM, rows=rows, error=error),
        "evidence": {
            "samples": 9,
            "batch_size": 2,
            "predict_rows": rows,
            "error_10_samples_batch_4": error,
        },
    }
