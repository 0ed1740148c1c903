"""Claim `reset-state-takes-values`: "layer.reset_state(states=...) sets a stateful layer's states
to the given values, as the RNN docstring says."
"""

from __future__ import annotations

import numpy as np

from app.engine.checks.keras_only import Result, error_text, finding, max_abs, numpy, seeded_rnn

CLAIM = "reset-state-takes-values"


def check_here() -> Result:
    import keras

    model, layer = seeded_rnn(2, 3, 4, stateful=True)
    backend = keras.backend.backend()
    wanted = np.full((2, 4), 0.5, np.float32)
    try:
        layer.reset_state(states=[wanted, wanted])
    except TypeError as exc:
        error = error_text(exc)
        return {
            "verdict": "does_not_hold",
            **finding(CLAIM, "refused", backend=backend, error=error),
            "evidence": {"error": error, "model_has_reset_states": hasattr(model, "reset_states")},
        }
    got = max_abs(numpy(layer.states[0]) - wanted)
    return {
        "verdict": "holds" if got < 1e-6 else "does_not_hold",
        **finding(CLAIM, "accepted", backend=backend),
        "evidence": {"max_abs_state_minus_given": got},
    }
