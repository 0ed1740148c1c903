"""What the claim checks share: a small Keras model, inputs, a trace, the finding's words."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from app.claims import BY_ID
from app.engine import tracer
from app.scenario import Scenario

Result = dict[str, Any]


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


def uniform(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


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


def max_abs(a: Any) -> float:
    return float(np.max(np.abs(np.asarray(a)))) if np.asarray(a).size else 0.0


def finding(claim_id: str, variant: str = "finding", **params: Any) -> Result:
    """The check's finding in English (its template in app/claims.py filled with `params`),
    plus what a translation needs: the variant (finding_key) and the values (finding_params)."""
    return {
        "finding": BY_ID[claim_id].findings[variant].format(**params),
        "finding_key": variant,
        "finding_params": params,
    }
