"""Claim `fixed-batch-required`: "A stateful model needs every batch to hold the same number of
samples; a partial last batch breaks it."
"""

from __future__ import annotations

import re

from app.engine.checks.keras_only import (
    Result,
    error_text,
    finding,
    numpy,
    seeded_rnn,
    uniform,
)

CLAIM = "fixed-batch-required"


def _predict(batch: int, samples: int) -> tuple[int | None, str | None]:
    """Rows predict() returned for `samples` at a stateful batch size `batch`, or its error."""
    model, _ = seeded_rnn(batch, 2, 4, stateful=True)
    try:
        return len(numpy(model.predict(uniform(samples, 2, 1), batch_size=batch, verbose=0))), None
    except Exception as exc:  # what Keras raises is the evidence
        said = error_text(exc)
        # TensorFlow's graph error names its node; the sentence keeps what a learner can read
        shapes = re.search(r"Incompatible shapes: \[[^\]]*\] vs\. \[[^\]]*\]", said)
        return None, shapes.group(0) if shapes else said


def check_here() -> Result:
    import keras

    rows, partial_error = _predict(2, 9)
    _, error = _predict(4, 10)
    broken = (partial_error or rows != 9) and error
    return {
        "verdict": "holds" if broken else "does_not_hold",
        **finding(
            CLAIM,
            "raises" if partial_error else "finding",
            backend=keras.backend.backend(),
            rows=rows or 0,
            partial_error=partial_error or "",
            error=error or "",
        ),
        "evidence": {
            "samples": 9,
            "batch_size": 2,
            "predict_rows": rows,
            "error_9_samples_batch_2": partial_error,
            "error_10_samples_batch_4": error,
        },
    }
