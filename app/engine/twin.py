"""Keras's own recurrent layer code on given weights and states: the numbers a trace shows.

One stock Keras layer per kind (LSTM, GRU, SimpleRNN; `return_sequences=True,
return_state=True`, stateless) is called inside a tf.function whose signature leaves every
size open: rows, timesteps, features and units. While that function is traced, the cell's
weights (and `units`, which GRUCell slices with) are the function's arguments instead of the
template's own variables, so the traced graph is exactly the layer's `call` -> `inner_loop`
-> `backend.rnn` -> `cell.call` on the weights, inputs and initial states it is given, and no
scenario, structure, seed or batch size traces it again.

The layer returns every timestep's `h` but only the last `c`, and no gates. So the same cell
is also stepped by hand (`cell.call` once per timestep, on the states it returned): that gives
Keras's own `c` at every timestep. Keras exposes no gates; `_gates` evaluates them with the
cell's own weights and activation functions on Keras's stepped states, and the verifier checks
that they rebuild Keras's `c` and `h` (see verify.py).
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
    """Inside a tf.function trace: Keras's layer and cell on these weights ->
    [layer's sequence, *layer's final states, *cell-stepped state sequences, gates or None].

    `bias` of a GRU must have a known first axis (2: input and recurrent bias), which
    GRUCell splits on.
    """
    layer = _template(kind)
    weights = {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias}
    with _reading(layer.cell, **weights, units=tf.shape(recurrent)[0]):
        out = list(layer(x, initial_state=states, training=False))
        stepped = _step_cell(kind, layer.cell, x, states)
    return [*out, *stepped]


def _step_cell(kind: str, cell: Any, x: Any, states: list[Any]) -> list[Any]:
    """`cell.call` once per timestep -> [*state sequences (rows, T, units), gates]."""
    steps = tf.shape(x)[1]
    xs = tf.transpose(x, [1, 0, 2])
    n = len(states)
    arrays = [tf.TensorArray(tf.float32, size=steps) for _ in range(n + 1)]

    def body(t: Any, *carry: Any) -> Any:
        prev, acc = list(carry[:n]), list(carry[n:])
        gates = _gates(kind, cell, xs[t], prev)
        _, new = cell.call(xs[t], prev, training=False)
        new = list(new) if isinstance(new, list | tuple) else [new]
        acc = [a.write(t, v) for a, v in zip(acc, [*new, gates], strict=True)]
        return (t + 1, *new, *acc)

    out = tf.while_loop(lambda t, *_: t < steps, body, (tf.constant(0), *states, *arrays))
    return [_rows_first(a.stack()) for a in out[1 + n :]]


def _rows_first(s: Any) -> Any:
    perm = tf.concat([[1, 0], tf.range(2, tf.rank(s))], axis=0)
    return tf.transpose(s, perm)


def _gates(kind: str, cell: Any, x: Any, prev: list[Any]) -> Any:
    """The gates of one step, (rows, gate, units), as the cell's `call` forms them: its own
    weights (read through `_reading`) and its own activation functions."""
    h = prev[0]
    if kind == "LSTM":
        z = tf.matmul(x, cell.kernel) + tf.matmul(h, cell.recurrent_kernel) + cell.bias
        zi, zf, zg, zo = tf.split(z, 4, axis=1)
        act, rec = cell.activation, cell.recurrent_activation
        return tf.stack([rec(zi), rec(zf), act(zg), rec(zo)], axis=1)
    if kind == "GRU":  # reset_after=True, Keras 3's default
        mx = tf.matmul(x, cell.kernel) + cell.bias[0]
        inner = tf.matmul(h, cell.recurrent_kernel) + cell.bias[1]
        xz, xr, xh = tf.split(mx, 3, axis=1)
        rz, rr, rh = tf.split(inner, 3, axis=1)
        z = cell.recurrent_activation(xz + rz)
        r = cell.recurrent_activation(xr + rr)
        return tf.stack([z, r, cell.activation(xh + r * rh)], axis=1)
    # SimpleRNN has no gates: an empty (rows, 0, units) block keeps one shape for every kind
    return tf.zeros([tf.shape(h)[0], 0, tf.shape(h)[1]])
