"""Claim `wrong-shape-state-silent`: "Putting a state of shape (2,) into an LSTM of 8 units raises
no error."
"""

from __future__ import annotations

import keras
import numpy as np

from app.engine.checks.common import Result, finding, small_model, uniform

CLAIM = "wrong-shape-state-silent"


def check() -> Result:
    model, layer = small_model(10, 96, 2, 8, stateful=True, return_sequences=True)
    x = uniform(10, 96, 2)
    model(x)
    try:
        layer.states[0].assign(np.zeros((2,), np.float32))
        assign_error = None
    except ValueError as exc:
        assign_error = str(exc).split(". Target variable")[0]
    layer.states[0] = keras.Variable(np.zeros((2,), np.float32))  # the seed's way: rebinding
    try:
        model(x)
        call_error = None
    except Exception as exc:  # TF's shape error, reported as evidence
        call_error = " ".join(str(exc).replace("\x1b[1m", "").replace("\x1b[0m", "").split())[:300]
    return {
        "verdict": "does_not_hold" if assign_error and call_error else "holds",
        **finding(CLAIM),
        "evidence": {"assign_error": assign_error, "next_call_error": call_error},
    }
