"""Claim `fit-takes-batch-from-model`: "fit() without batch_size= on a model built with a fixed
keras.Input(batch_shape=(B, ...)) feeds batches of B."
"""

from __future__ import annotations

from app.engine.checks.keras_only import Result, error_text, finding, uniform

CLAIM = "fit-takes-batch-from-model"
SAMPLES = 8  # fewer than fit()'s default batch_size of 32: fed as one batch of 8


def check_here() -> Result:
    import keras

    backend = keras.backend.backend()
    inputs = keras.Input(batch_shape=(2, 3, 1))
    outputs = keras.layers.Dense(1)(keras.layers.LSTM(4, stateful=True)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    x, y = uniform(SAMPLES, 3, 1), uniform(SAMPLES, 1, seed=1)
    try:
        model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    except Exception as exc:  # Keras's refusal is the finding
        error = error_text(exc)
        return {
            "verdict": "does_not_hold",
            **finding(CLAIM, "refused", backend=backend, samples=SAMPLES, error=error),
            "evidence": {"samples": SAMPLES, "batch_shape": [2, 3, 1], "error": error},
        }
    return {
        "verdict": "holds",
        **finding(CLAIM, "ran", backend=backend, samples=SAMPLES),
        "evidence": {"samples": SAMPLES, "batch_shape": [2, 3, 1], "error": None},
    }
