"""The verifier's reference: Keras's own recurrent layer code on given weights and states.

One stock Keras layer per kind (LSTM, GRU, SimpleRNN; `return_sequences=True,
return_state=True`, stateless) is called inside a tf.function whose signature leaves every
size open: rows, timesteps, features and units. While that function is traced, the cell's
weights (and `units`, which GRUCell slices with) are the function's arguments instead of the
template's own variables, so the traced graph is exactly the layer's `call` -> `inner_loop`
-> `backend.rnn` -> `cell.call` on the weights, inputs and initial states it is given, and no
scenario, structure, seed or batch size traces it again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import tensorflow as tf

from app.engine.keras_model import LAYER_CLASSES

_TEMPLATES: dict[str, Any] = {}


def _template(kind: str) -> Any:
    if kind not in _TEMPLATES:
        layer = LAYER_CLASSES[kind](
            1, return_sequences=True, return_state=True, name=f"twin_{kind}"
        )
        layer.build((None, None, 1))
        _TEMPLATES[kind] = layer
    return _TEMPLATES[kind]


@contextlib.contextmanager
def _reading(cell: Any, **values: Any) -> Iterator[None]:
    """The cell reads these tensors instead of its own attributes, for one trace."""
    saved = {name: cell.__dict__[name] for name in values}
    try:
        for name, value in values.items():
            object.__setattr__(cell, name, value)  # no Keras tracking: not a new variable
        yield
    finally:
        for name, value in saved.items():
            object.__setattr__(cell, name, value)


def call(kind: str, x: Any, states: list[Any], kernel: Any, recurrent: Any, bias: Any) -> Any:
    """Inside a tf.function trace: Keras's layer on these weights -> [sequence, *final states].

    `bias` of a GRU must have a known first axis (2: input and recurrent bias), which
    GRUCell splits on.
    """
    layer = _template(kind)
    weights = {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias}
    with _reading(layer.cell, **weights, units=tf.shape(recurrent)[0]):
        return list(layer(x, initial_state=states, training=False))
