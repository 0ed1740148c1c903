"""Claim `predict-resets`: "predict(), train_on_batch() (and predict_classes()) reset the
states."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.common import Result, finding, max_abs, small_model, uniform

CLAIM = "predict-resets"


def check() -> Result:
    model, layer = small_model(2, 5, 1, 4, stateful=True)
    model.compile(optimizer="adam", loss="mse")
    x = uniform(2, 5, 1)
    model.predict(x, batch_size=2, verbose=0)
    after_predict = layer.states[0].numpy().copy()
    model.train_on_batch(x, np.zeros((2, 4), np.float32))
    after_train = layer.states[0].numpy().copy()
    kept = max_abs(after_predict) > 0 and max_abs(after_train) > 0
    return {
        "verdict": "does_not_hold" if kept else "holds",
        **finding(CLAIM),
        "evidence": {
            "max_abs_state_after_predict": max_abs(after_predict),
            "max_abs_state_after_train_on_batch": max_abs(after_train),
            "model_has_predict_classes": hasattr(model, "predict_classes"),
        },
    }
