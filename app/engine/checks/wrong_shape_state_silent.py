"""Claim `wrong-shape-state-silent`: "Putting a state of shape (2,) into an LSTM of 8 units raises
no error."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.keras_only import Result, error_text, finding, seeded_rnn, uniform

CLAIM = "wrong-shape-state-silent"


def check_here() -> Result:
    import keras

    model, layer = seeded_rnn(10, 96, 8, stateful=True, features=2, return_sequences=True)
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
    except Exception as exc:  # the backend's shape error, reported as evidence
        call_error = error_text(exc)
    return {
        "verdict": "does_not_hold" if assign_error and call_error else "holds",
        **finding(CLAIM, "finding" if call_error else "silent", backend=keras.backend.backend()),
        "evidence": {"assign_error": assign_error, "next_call_error": call_error},
    }
