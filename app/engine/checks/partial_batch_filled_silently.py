"""Claim `partial-batch-filled-silently`: "predict() on a stateful model fills a partial last
batch silently and returns extra rows."
"""

from __future__ import annotations

from app.engine.checks.keras_only import Result, error_text, finding, seeded_rnn, uniform

CLAIM = "partial-batch-filled-silently"


def check_here() -> Result:
    import keras

    model, _ = seeded_rnn(2, 3, 4, stateful=True)
    backend = keras.backend.backend()
    try:
        rows = int(model.predict(uniform(5, 3, 1), batch_size=2, verbose=0).shape[0])
    except ValueError as exc:
        error = error_text(exc)
        return {
            "verdict": "does_not_hold",
            **finding(CLAIM, "raises", backend=backend, error=error),
            "evidence": {"samples": 5, "batch_size": 2, "error": error},
        }
    return {
        "verdict": "holds" if rows != 5 else "does_not_hold",
        **finding(CLAIM, "filled", backend=backend, rows=rows),
        "evidence": {"samples": 5, "batch_size": 2, "rows_returned": rows},
    }
