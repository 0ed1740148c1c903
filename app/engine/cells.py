"""Per-timestep recurrences in TensorFlow ops, on a layer's real weights.

Keras's layers return only the last `c` and no gates, so the trace steps the cell math itself
(the same formulas as Keras 3's LSTMCell / GRUCell(reset_after=True) / SimpleRNNCell) and the
verifier checks the results against Keras. Each function is compiled once with an
input_signature of unknown sizes, so no batch size, unit count or seed ever retraces it
(`recompute.py` calls them layer by layer, beside Keras's own layer code).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

_M = tf.TensorSpec([None, None], tf.float32)
_X = tf.TensorSpec([None, None, None], tf.float32)
_V = tf.TensorSpec([None], tf.float32)


def _stack(ta: tf.TensorArray) -> tf.Tensor:
    # (T, rows, ...) -> (rows, T, ...)
    s = ta.stack()
    perm = tf.concat([[1, 0], tf.range(2, tf.rank(s))], axis=0)
    return tf.transpose(s, perm)


@tf.function(input_signature=[_X, _M, _M, _M, _M, _V], reduce_retracing=True)
def _lstm(x: Any, h: Any, c: Any, kernel: Any, recurrent: Any, bias: Any) -> Any:
    xz = tf.einsum("btf,fg->btg", x, kernel) + bias
    steps = tf.shape(x)[1]
    hs = tf.TensorArray(tf.float32, size=steps)
    cs = tf.TensorArray(tf.float32, size=steps)
    gs = tf.TensorArray(tf.float32, size=steps)
    for t in tf.range(steps):
        z = xz[:, t] + tf.matmul(h, recurrent)
        zi, zf, zg, zo = tf.split(z, 4, axis=1)
        i, f, g, o = tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)
        c = f * c + i * g
        h = o * tf.tanh(c)
        hs = hs.write(t, h)
        cs = cs.write(t, c)
        gs = gs.write(t, tf.stack([i, f, g, o], axis=1))
    return _stack(hs), _stack(cs), _stack(gs)


@tf.function(input_signature=[_X, _M, _M, _M, _M], reduce_retracing=True)
def _gru(x: Any, h: Any, kernel: Any, recurrent: Any, bias: Any) -> Any:
    xz = tf.einsum("btf,fg->btg", x, kernel) + bias[0]
    steps = tf.shape(x)[1]
    hs = tf.TensorArray(tf.float32, size=steps)
    gs = tf.TensorArray(tf.float32, size=steps)
    for t in tf.range(steps):
        xz_, xr_, xh_ = tf.split(xz[:, t], 3, axis=1)
        inner = tf.matmul(h, recurrent) + bias[1]
        rz, rr, rh = tf.split(inner, 3, axis=1)
        z = tf.sigmoid(xz_ + rz)
        r = tf.sigmoid(xr_ + rr)
        hh = tf.tanh(xh_ + r * rh)
        h = z * h + (1.0 - z) * hh
        hs = hs.write(t, h)
        gs = gs.write(t, tf.stack([z, r, hh], axis=1))
    return _stack(hs), _stack(gs)


@tf.function(input_signature=[_X, _M, _M, _M, _V], reduce_retracing=True)
def _simple(x: Any, h: Any, kernel: Any, recurrent: Any, bias: Any) -> Any:
    xz = tf.einsum("btf,fg->btg", x, kernel) + bias
    steps = tf.shape(x)[1]
    hs = tf.TensorArray(tf.float32, size=steps)
    for t in tf.range(steps):
        h = tf.tanh(xz[:, t] + tf.matmul(h, recurrent))
        hs = hs.write(t, h)
    return (_stack(hs),)


RECURRENCES = {"LSTM": _lstm, "GRU": _gru, "SimpleRNN": _simple}
_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}


def zero_states(kind: str, rows: int = 1, units: int = 1) -> list[np.ndarray]:
    return [np.zeros((rows, units), np.float32) for _ in range(2 if kind == "LSTM" else 1)]


def zero_weights(kind: str, features: int = 1, units: int = 1) -> list[np.ndarray]:
    """Arrays shaped like a Keras layer's (kernel, recurrent kernel, bias)."""
    width = _GATES[kind] * units
    bias = (2, width) if kind == "GRU" else (width,)
    return [
        np.zeros((features, width), np.float32),
        np.zeros((units, width), np.float32),
        np.zeros(bias, np.float32),
    ]


def step(
    kind: str, x: np.ndarray, initial: list[np.ndarray], weights: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Run one layer over a sequence batch: returns h (rows,T,U), c or None, gates or None.

    Rows broadcast the way Keras's own cell does: a 1-row input against an n-row state gives n
    rows (what Keras does with a 1-sample last batch in fit/predict).
    """
    kernel, recurrent, bias = weights
    if kind == "LSTM":
        h, c, g = _lstm(x, initial[0], initial[1], kernel, recurrent, bias)
        return h.numpy(), c.numpy(), g.numpy()
    if kind == "GRU":
        h, g = _gru(x, initial[0], kernel, recurrent, bias)
        return h.numpy(), None, g.numpy()
    (h,) = _simple(x, initial[0], kernel, recurrent, bias)
    return h.numpy(), None, None
