"""Claim `reset-carries-not-zero`: "reset_states() does not set the states to zero but carries the
previous batch's final state."
"""

from __future__ import annotations

from app.engine.checks.keras_only import Result, finding, max_abs, seeded_rnn, states_of, uniform

CLAIM = "reset-carries-not-zero"


def check_here() -> Result:
    model, layer = seeded_rnn(2, 5, 4, stateful=True)
    model(uniform(2, 5, 1))
    before = sum(max_abs(s) for s in states_of(layer))
    layer.reset_state()
    after = sum(max_abs(s) for s in states_of(layer))
    return {
        "verdict": "does_not_hold" if after == 0 and before > 0 else "holds",
        **finding(CLAIM),
        "evidence": {
            "max_abs_state_before_reset": before,
            "max_abs_state_after_reset": after,
            "model_has_reset_states": hasattr(model, "reset_states"),
            "layer_has_reset_states": hasattr(layer, "reset_states"),
        },
    }
