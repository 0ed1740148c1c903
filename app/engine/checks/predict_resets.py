"""Claim `predict-resets`: "predict(), train_on_batch() (and predict_classes()) reset the
states."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.keras_only import (
    Result,
    error_text,
    finding,
    max_abs,
    seeded_rnn,
    states_of,
    uniform,
)

CLAIM = "predict-resets"


def check_here() -> Result:
    import keras

    model, layer = seeded_rnn(2, 5, 4, stateful=True)
    model.compile(optimizer="adam", loss="mse")
    x = uniform(2, 5, 1)
    model(x)  # a state to keep or lose, set the same way on every backend
    before = max_abs(states_of(layer)[0])
    model.predict(x, batch_size=2, verbose=0)
    after_predict = max_abs(states_of(layer)[0])
    try:
        model.train_on_batch(x, np.zeros((2, 4), np.float32))
        after_train, error = max_abs(states_of(layer)[0]), None
    except Exception as exc:  # PyTorch: a stateful LSTM does not train (keras#20875)
        after_train, error = None, error_text(exc)
    kept = after_predict > 0 and (after_train is None or after_train > 0)
    variant = "finding" if error is None else "train_raises"
    return {
        "verdict": "does_not_hold" if kept else "holds",
        **finding(
            CLAIM,
            variant if kept else "resets",
            backend=keras.backend.backend(),
            error=error or "",
        ),
        "evidence": {
            "max_abs_state_before_predict": before,
            "max_abs_state_after_predict": after_predict,
            "max_abs_state_after_train_on_batch": after_train,
            "train_on_batch_error": error,
            "model_has_predict_classes": hasattr(model, "predict_classes"),
        },
    }
