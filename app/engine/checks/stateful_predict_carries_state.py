"""Claim `stateful-predict-carries-state`: "A stateful layer carries its state from one
predict() call to the next."
"""

from __future__ import annotations

from app.engine.checks.keras_only import (
    Result,
    finding,
    max_abs,
    numpy,
    seeded_rnn,
    short,
    uniform,
)

CLAIM = "stateful-predict-carries-state"


def check_here() -> Result:
    import keras

    x = uniform(2, 3, 1)
    model, layer = seeded_rnn(2, 3, 4, stateful=True)
    first = model.predict(x, batch_size=2, verbose=0)
    second = model.predict(x, batch_size=2, verbose=0)
    diff, state = max_abs(second - first), max_abs(numpy(layer.states[0]))
    called, _ = seeded_rnn(2, 3, 4, stateful=True)
    call_diff = max_abs(numpy(called(x)) - numpy(called(x)))
    carried = diff > 1e-6 and state > 0
    backend = keras.backend.backend()
    return {
        "verdict": "holds" if carried else "does_not_hold",
        **finding(
            CLAIM,
            "carries" if carried else "not_carried",
            backend=backend,
            diff=short(diff),
            call_diff=short(call_diff),
        ),
        "evidence": {
            "max_abs_predict_2_minus_predict_1": diff,
            "max_abs_state_after_predict": state,
            "max_abs_call_2_minus_call_1": call_diff,
        },
    }
