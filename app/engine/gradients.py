"""Gradients at the boundary: for every training batch, the gradient of the batch's loss with
respect to every layer's h (and c) at every row and timestep. Truncated backpropagation through
time, made visible: the state crosses a stateful batch boundary, the gradient never does.

Computed with Keras's own code on the batch's recorded weights and initial states: each layer's
cell (`cell.call`, stepped by hand as in twin.py), the model's head and its compiled loss. The
loss this gives is compared with the loss Keras reported for the batch (verify.py), so these are
the gradients of the loss Keras trained on.

A zero probe is added to each state after each timestep: the gradient with respect to the probe
is the gradient with respect to that state through every path (the next timestep, the layer
above, the head). The gradient with respect to the batch's initial state is what would flow back
into the previous batch; Keras drops it (the state variable is read, not differentiated through).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from app.engine import twin
from app.engine.keras_model import STATE_NAMES, Built
from app.engine.recompute import LayerResult
from app.engine.records import BatchRecord

TRAINING_OPS = ("fit", "train_on_batch")
_X = tf.TensorSpec([None, None, None], tf.float32)
_M = tf.TensorSpec([None, None], tf.float32)
_BIAS = {
    "LSTM": tf.TensorSpec([None], tf.float32),
    "GRU": tf.TensorSpec([2, None], tf.float32),
    "SimpleRNN": tf.TensorSpec([None], tf.float32),
}
_FUNCTIONS: dict[Any, Any] = {}  # by layer kind, or by head variant


@dataclass
class LayerGrad:
    """d loss / d state, per state name (h, then c): every timestep, and the initial state."""

    states: list[np.ndarray]  # (rows, T, units) each
    initial: list[np.ndarray] | None  # stateful: (rows, units) each, what Keras drops


@dataclass
class BatchGrad:
    layers: list[LayerGrad]
    loss: float  # the loss these are the gradients of (compared with Keras's in verify.py)


def _step(kind: str, cell: Any, x: Any, states: list[Any], probes: list[Any]) -> list[Any]:
    """`cell.call` once per timestep, each new state plus its (zero) probe -> state sequences
    (rows, T, units): h first, which is also the layer's output sequence."""
    steps = tf.shape(x)[1]
    xs = tf.transpose(x, [1, 0, 2])
    ps = [tf.transpose(p, [1, 0, 2]) for p in probes]
    n = len(states)
    arrays = [tf.TensorArray(tf.float32, size=steps) for _ in range(n)]

    def body(t: Any, *carry: Any) -> Any:
        prev, acc = list(carry[:n]), list(carry[n:])
        _, new = cell.call(xs[t], prev, training=False)
        new = list(new) if isinstance(new, list | tuple) else [new]
        new = [s + p[t] for s, p in zip(new, ps, strict=True)]
        return (t + 1, *new, *[a.write(t, v) for a, v in zip(acc, new, strict=True)])

    out = tf.while_loop(lambda t, *_: t < steps, body, (tf.constant(0), *states, *arrays))
    return [tf.transpose(a.stack(), [1, 0, 2]) for a in out[1 + n :]]


def _cell_steps(kind: str, x: Any, states: list[Any], weights: list[Any], probes: list[Any]) -> Any:
    cell = twin._template(kind).cell
    kernel, recurrent, bias = weights
    named = {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias}
    with twin._reading(cell, **named, units=tf.shape(recurrent)[0]):
        return _step(kind, cell, x, states, probes)


def layer_function(kind: str) -> Any:
    """(x, *initial states, kernel, recurrent kernel, bias, upstream) -> [output sequence,
    d/dx, *d/d initial states, *d/d state sequences] of sum(output · upstream), on Keras's cell
    of `kind`: the layer's forward and backward pass in one graph (an eager tape around a graph
    call costs ~10× more). One concrete function with open sizes, traced once per kind."""
    if kind not in _FUNCTIONS:
        n = len(STATE_NAMES[kind])

        @tf.function(input_signature=[_X] + [_M] * n + [_M, _M, _BIAS[kind], _X], autograph=False)
        def vjp(x: Any, *args: Any) -> Any:
            states, weights, upstream = list(args[:n]), list(args[n : n + 3]), args[n + 3]
            rows = tf.maximum(tf.shape(x)[0], tf.shape(states[0])[0])  # a lone row broadcasts
            shape = tf.stack([rows, tf.shape(x)[1], tf.shape(weights[1])[0]])
            probes = [tf.zeros(shape) for _ in range(n)]
            with tf.GradientTape() as tape:
                tape.watch([x, *states, *probes])
                seq = _cell_steps(kind, x, states, weights, probes)[0]
                target = tf.reduce_sum(seq * upstream)
            dx, d_states, d_probes = tape.gradient(
                target, [x, states, probes], unconnected_gradients=tf.UnconnectedGradients.ZERO
            )
            return [seq, dx, *d_states, *d_probes]

        _FUNCTIONS[kind] = vjp.get_concrete_function()
    return _FUNCTIONS[kind]


def head_function(built: Built) -> Any:
    """(last layer's output sequence, head kernel, head bias, targets) -> [loss, d loss / d
    sequence]: the model's head (a linear Dense layer) and its compiled loss, one graph per
    (task, last layer returns sequences, head), open sizes."""
    spec = built.spec
    last = spec.returns_sequences(len(spec.layers) - 1)
    classify = isinstance(built.model.loss, keras.losses.SparseCategoricalCrossentropy)
    key = ("head", classify, last, spec.head)
    if key not in _FUNCTIONS:
        loss_fn = _loss(built)
        rank = (1 if classify else 2) + int(last)  # (rows, [T,] [1])
        y_spec = tf.TensorSpec([None] * rank, tf.int32 if classify else tf.float32)

        @tf.function(input_signature=[_X, _M, tf.TensorSpec([None], tf.float32), y_spec])
        def head_and_loss(seq: Any, kernel: Any, bias: Any, y: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(seq)
                out = seq if last else seq[:, -1]
                if spec.head:
                    out = tf.tensordot(out, kernel, 1) + bias
                loss = loss_fn(y, out)
            return [loss, tape.gradient(loss, seq)]

        _FUNCTIONS[key] = head_and_loss.get_concrete_function()
    return _FUNCTIONS[key]


def _loss(built: Built) -> Any:
    """The compiled loss, reduced as Keras's train step reduces it (mean over the batch)."""
    loss = built.model.loss
    if isinstance(loss, keras.losses.Loss):
        return loss
    from keras.src.losses.losses import LossFunctionWrapper  # what compile() wraps it in

    return LossFunctionWrapper(keras.losses.get(loss))


def batch_gradients(
    built: Built,
    rec: BatchRecord,
    shown: list[LayerResult],
    weights: list[list[np.ndarray]],
    y: np.ndarray,
) -> BatchGrad:
    """The gradients of one training batch's loss, on the weights it was trained from. The
    forward pass is the one shown (each layer's initial states and Keras's output sequence,
    recompute.py); the head and loss give d loss / d the top layer's output, then each layer's
    backward pass, from the top, hands d loss / d its input down to the layer below."""
    spec = built.spec
    top = shown[-1].h
    kernel, bias = weights[-1] if spec.head else (np.zeros((1, 1), np.float32), np.zeros(1))
    loss, upstream = head_function(built)(top, kernel, bias.astype(np.float32), tf.constant(y))
    layers: list[LayerGrad] = []
    for i in reversed(range(len(spec.layers))):
        x = rec.x if i == 0 else shown[i - 1].h
        init = shown[i].initial
        n = len(init)
        out = layer_function(spec.layers[i].kind)(x, *init, *weights[i], upstream)
        upstream = out[1]
        d_init, d_states = out[2 : 2 + n], out[2 + n :]
        # a stateless layer's zeros come from no previous batch: nothing to drop there
        dropped = [g.numpy() for g in d_init] if built.rnns[i].stateful else None
        layers.insert(0, LayerGrad([g.numpy() for g in d_states], dropped))
    return BatchGrad(layers, float(loss))


def gradients(
    built: Built,
    records: list[BatchRecord],
    results: list[list[LayerResult]],
    weights: list[list[list[np.ndarray]]],
    targets: np.ndarray,
) -> list[BatchGrad | None]:
    """Per record: its gradients if it is a training batch, else None."""
    return [
        batch_gradients(built, rec, res, weights[rec.weights_version], targets[rec.samples])
        if rec.op in TRAINING_OPS
        else None
        for rec, res in zip(records, results, strict=True)
    ]


def warm_up() -> None:
    """Trace every kind's forward and backward pass once (process start-up, not per scenario);
    the head functions are traced by the first training scenario of each task."""
    for kind in STATE_NAMES:
        n, g = len(STATE_NAMES[kind]), _GATES[kind]
        bias = tf.zeros((2, g)) if kind == "GRU" else tf.zeros(g)
        states = [tf.zeros((1, 1)) for _ in range(n)]
        x = tf.zeros((1, 1, 1))
        layer_function(kind)(x, *states, tf.zeros((1, g)), tf.zeros((1, g)), bias, x)


_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
