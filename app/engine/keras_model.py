"""Build the real Keras model of a scenario, its verifying twin and its compiled batch loop.

Models are cached by structure and seed and restored to their initial weights, zero states
and a fresh optimizer before each run, so a run never sees another run's state.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from app.scenario import ModelSpec

LAYER_CLASSES = {
    "LSTM": keras.layers.LSTM,
    "GRU": keras.layers.GRU,
    "SimpleRNN": keras.layers.SimpleRNN,
}
STATE_NAMES = {"LSTM": ("h", "c"), "GRU": ("h",), "SimpleRNN": ("h",)}
GATE_NAMES = {"LSTM": ("i", "f", "g", "o"), "GRU": ("z", "r", "hh"), "SimpleRNN": ()}
CACHE_SIZE = 8
LEARNING_RATE = 0.01


@dataclass
class Built:
    spec: ModelSpec
    batch_size: int
    timesteps: int
    features: int
    head_units: int
    model: keras.Model
    rnns: list[Any]
    head: Any | None
    initial_weights: list[np.ndarray]
    twin: Any  # compiled: (x, *initial states) -> [seq, *states] per layer
    twin_layers: list[Any]
    loop: Any  # compiled: xs -> (states after each batch, outputs)

    @property
    def stateful(self) -> list[bool]:
        return [layer.stateful for layer in self.rnns]

    changed: bool = False  # weights or optimizer touched since construction
    twin_weights: list[list[np.ndarray]] | None = None  # what the twin holds now

    shapes_seen_other: bool = False  # Keras's compiled functions saw a batch of another size

    def fresh_functions(self) -> None:
        """Drop Keras's compiled train/predict functions: the next call traces anew."""
        self.model.train_function = None
        self.model.predict_function = None
        self.model.test_function = None

    def restore(self) -> None:
        """Back to the state right after construction: weights, zero states, fresh optimizer."""
        for layer in self.rnns:
            if layer.stateful:
                layer.reset_state()
        if not self.changed:
            return
        self.model.set_weights(self.initial_weights)
        opt = self.model.optimizer
        if opt is not None and opt.built:
            for v in opt.variables:  # iteration count, moments: back to a fresh optimizer
                v.assign(np.zeros(v.shape, dtype=v.dtype))
            opt.learning_rate.assign(LEARNING_RATE)  # a variable too: not zero!
        self.changed = False

    def load_twin(self, weights: list[list[np.ndarray]]) -> None:
        if self.twin_weights is not None and all(
            np.array_equal(a, b)
            for old, new in zip(self.twin_weights, weights, strict=False)
            for a, b in zip(old, new, strict=True)
        ):
            return
        for layer, w in zip(self.twin_layers, weights, strict=False):
            layer.set_weights(w)
        self.twin_weights = weights


_cache: OrderedDict[tuple[Any, ...], Built] = OrderedDict()


def get(
    spec: ModelSpec,
    batch_size: int,
    timesteps: int,
    features: int,
    head_units: int,
    task: str,
    seed: int,
) -> Built:
    key = (spec.model_dump_json(), batch_size, timesteps, features, head_units, task, seed)
    built = _cache.pop(key, None)
    if built is None:
        built = _build(spec, batch_size, timesteps, features, head_units, task, seed)
    else:
        built.restore()
    _cache[key] = built
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return built


def _layer(kind: str, units: int, seed: int, index: int, **kw: Any) -> Any:
    # Seeded initializers: same scenario + seed -> same weights on any worker, no global RNG.
    init = {
        "kernel_initializer": keras.initializers.GlorotUniform(seed=seed * 16 + 2 * index),
        "recurrent_initializer": keras.initializers.Orthogonal(seed=seed * 16 + 2 * index + 1),
    }
    return LAYER_CLASSES[kind](units, **init, **kw)


def _build(spec: ModelSpec, b: int, t: int, f: int, head_units: int, task: str, seed: int) -> Built:
    inputs = keras.Input(batch_shape=(b, t, f), name="x")
    x = inputs
    rnns = []
    for i, ls in enumerate(spec.layers):
        layer = _layer(
            ls.kind,
            ls.units,
            seed,
            i,
            stateful=ls.stateful,
            return_sequences=spec.returns_sequences(i),
            name=f"rnn{i}",
        )
        x = layer(x)
        rnns.append(layer)
    head = None
    if spec.head:
        head = keras.layers.Dense(
            head_units,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed * 16 + 15),
            name="head",
        )
        x = head(x)
    model = keras.Model(inputs, x, name="scenario_model")
    loss = (
        keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        if task == "classification"
        else "mse"
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss=loss)
    twin, twin_layers = _twin(spec, t, f)
    built = Built(
        spec,
        b,
        t,
        f,
        head_units,
        model,
        rnns,
        head,
        model.get_weights(),
        twin,
        twin_layers,
        _loop(model, rnns, b, t, f),
    )
    return built


def _twin(spec: ModelSpec, t: int, f: int) -> tuple[Any, list[Any]]:
    """Stateless copies of the layers that take explicit initial states and return everything.

    Keras's own layer code on the same weights, inputs and initial states is the reference
    the trace is checked against.
    """
    x_in = keras.Input(shape=(t, f))
    state_inputs, outputs, layers = [], [], []
    x = x_in
    for i, ls in enumerate(spec.layers):
        states = [keras.Input(shape=(ls.units,)) for _ in STATE_NAMES[ls.kind]]
        layer = LAYER_CLASSES[ls.kind](
            ls.units, return_sequences=True, return_state=True, name=f"twin{i}"
        )
        seq, *final = layer(x, initial_state=states)
        state_inputs += states
        outputs += [seq, *final]
        layers.append(layer)
        x = seq
    twin = keras.Model([x_in, *state_inputs], outputs)
    signature = [tf.TensorSpec([None, t, f], tf.float32)] + [
        tf.TensorSpec([None, ls.units], tf.float32)
        for ls in spec.layers
        for _ in STATE_NAMES[ls.kind]
    ]

    @tf.function(input_signature=signature)
    def run(*args: Any) -> Any:
        return twin(list(args), training=False)

    # The concrete function skips tf.function's per-call dispatch (~0.4 ms a call here).
    return run.get_concrete_function(), layers


def _loop(model: keras.Model, rnns: list[Any], b: int, t: int, f: int) -> Any:
    """The model called batch after batch inside one compiled function.

    Each iteration is exactly `model(x_b, training=False)` (what predict_on_batch runs), so the
    stateful layers update their own state variables; the loop only reads those variables
    after every batch (nothing runs between two batches, so the state before batch k is the
    state read after batch k-1).
    """
    state_vars = [v for layer in rnns if layer.stateful for v in layer.states]

    @tf.function(input_signature=[tf.TensorSpec([None, b, t, f], tf.float32)])
    def run(xs: Any) -> Any:
        n = tf.shape(xs)[0]
        after = tf.TensorArray(tf.float32, size=n)
        outs = tf.TensorArray(tf.float32, size=n)
        for k in tf.range(n):
            outs = outs.write(k, model(xs[k], training=False))
            if state_vars:
                after = after.write(k, tf.concat([tf.identity(v.value) for v in state_vars], 1))
        if not state_vars:
            return tf.zeros([n, b, 0]), outs.stack()
        return after.stack(), outs.stack()

    return run.get_concrete_function()
