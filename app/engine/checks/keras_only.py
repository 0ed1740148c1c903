"""What checks share that runs on any Keras backend: keras and numpy only (no TensorFlow, no
tracer), so every check also runs under KERAS_BACKEND=jax or torch (app/engine/backends.py)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from app.claims import BY_ID

Result = dict[str, Any]


def seeded_rnn(
    batch: int | None,
    steps: int,
    units: int,
    stateful: bool,
    kind: str = "LSTM",
    features: int = 1,
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
    return keras.Model(inputs, layer(inputs)), layer


def twin(layer: Any, x: np.ndarray, states: list[np.ndarray]) -> np.ndarray:
    """What a stateless copy of `layer` (same weights) outputs on `x` started from `states`:
    the state a stateful run must have started from, if its outputs are the same."""
    copy = type(layer).from_config({**layer.get_config(), "stateful": False})
    copy.build(x.shape)
    copy.set_weights(layer.get_weights())
    return numpy(copy(x, initial_state=[keras.ops.convert_to_tensor(s) for s in states]))


def states_of(layer: Any) -> list[np.ndarray]:
    """A stateful layer's states as numpy (h, and c for an LSTM), copied."""
    return [numpy(s).copy() for s in layer.states]


def uniform(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def numpy(x: Any) -> np.ndarray:
    """A backend tensor or variable as numpy (keras.ops works on every backend)."""
    return np.asarray(keras.ops.convert_to_numpy(x))


def short(x: float) -> float:
    """Three significant digits: a finding's figure, the same in every language."""
    return float(f"{x:.3g}")


def max_abs(a: Any) -> float:
    return float(np.max(np.abs(np.asarray(a)))) if np.asarray(a).size else 0.0


def error_text(exc: BaseException) -> str:
    """An exception's type and what it says, without the terminal colours and the "Exception
    encountered when calling ..." preamble Keras wraps around a layer's own message."""
    text = str(exc).replace("\x1b[1m", "").replace("\x1b[0m", "")
    text = text.split("\n\nArguments received by", 1)[0]
    text = text.split(" Hint: ", 1)[0]  # PyTorch's advice on debugging autograd, not the error
    if "Graph execution error" in text:  # TensorFlow: its cause is the last line of its own
        said = [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.strip().startswith(("File ", "[[", "Detected at", "Graph"))
        ]
        text = said[-1].split(" [[")[0] if said else text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("Exception encountered when calling"):
        lines = lines[1:]
    return f"{type(exc).__name__}: {' '.join(lines)}"[:300]


def finding(claim_id: str, variant: str = "finding", **params: Any) -> Result:
    """The check's finding in English (its template in content/claims/ filled with `params`),
    plus what a translation needs: the variant (finding_key) and the values (finding_params)."""
    return {
        "finding": BY_ID[claim_id].findings[variant].format(**params),
        "finding_key": variant,
        "finding_params": params,
    }
