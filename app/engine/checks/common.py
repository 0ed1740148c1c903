"""What the claim checks share: a small Keras model, inputs, a trace, the finding's words."""

from __future__ import annotations

from typing import Any

import keras

from app.engine import tracer
from app.engine.checks.keras_only import Result, finding, max_abs, uniform
from app.scenario import Scenario


def small_model(
    batch: int | None,
    steps: int,
    features: int,
    units: int,
    stateful: bool,
    kind: str = "LSTM",
    **kw: Any,
) -> tuple[keras.Model, Any]:
    """One recurrent layer on `Input(batch_shape=(batch, steps, features))`, seeded weights."""
    inputs = keras.Input(batch_shape=(batch, steps, features))
    layer = getattr(keras.layers, kind)(
        units,
        stateful=stateful,
        kernel_initializer=keras.initializers.GlorotUniform(seed=1),
        recurrent_initializer=keras.initializers.Orthogonal(seed=2),
        **kw,
    )
    out = layer(inputs)
    return keras.Model(inputs, out), layer


def trace(raw: dict[str, Any]) -> dict[str, Any]:
    """The verified trace of a scenario (the explorer's engine)."""
    return tracer.run(Scenario.model_validate(raw)).to_dict()


def stateful_poem() -> dict[str, Any]:
    return trace(
        {
            "model": {"layers": [{"units": 4}]},
            "data": {"preset": "poem"},
            "batching": {"batch_size": 2, "timesteps": 5},
        }
    )


__all__ = ["Result", "finding", "max_abs", "small_model", "trace", "uniform"]
