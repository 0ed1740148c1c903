"""Claim `batch-input-shape-accepted`: "A recurrent layer takes batch_input_shape=(batch, timesteps,
features) to fix its batch size, as in Keras 2."
"""

from __future__ import annotations

from app.engine.checks.keras_only import Result, error_text, finding

CLAIM = "batch-input-shape-accepted"


def check_here() -> Result:
    import keras

    backend = keras.backend.backend()
    try:
        keras.layers.LSTM(4, stateful=True, batch_input_shape=(2, 3, 1))
    except Exception as exc:  # Keras's refusal is the finding
        error = error_text(exc).replace("{", "").replace("}", "")  # a finding's braces: its own
        return {
            "verdict": "does_not_hold",
            **finding(CLAIM, "refused", backend=backend, error=error),
            "evidence": {"error": error},
        }
    return {
        "verdict": "holds",
        **finding(CLAIM, "accepted", backend=backend),
        "evidence": {"error": None},
    }
