"""Claim `reset-carries-not-zero`: "reset_states() does not set the states to zero but carries the
previous batch's final state."
"""

from __future__ import annotations

from app.engine.checks.common import Result, finding, max_abs, small_model, uniform

CLAIM = "reset-carries-not-zero"


def check() -> Result:
    model, layer = small_model(2, 5, 1, 4, stateful=True)
    model(uniform(2, 5, 1))
    before = max_abs(layer.states[0].numpy()) + max_abs(layer.states[1].numpy())
    layer.reset_state()
    after = max_abs(layer.states[0].numpy()) + max_abs(layer.states[1].numpy())
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
