"""Build the real Keras model of a scenario and its compiled batch loop.

Models are cached by structure (not by seed): before each run a cached model gets the initial
weights of the run's seed (from the same seeded initializers a fresh build calls), zero states
and a fresh optimizer, so a run never sees another run's state, and a new seed, new data or
another number of batches reuse the model and every function compiled for it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from app.engine.tfenv import configure_graphs
from app.scenario import ModelSpec

configure_graphs(tf)

LAYER_CLASSES = {
    "LSTM": keras.layers.LSTM,
    "GRU": keras.layers.GRU,
    "SimpleRNN": keras.layers.SimpleRNN,
}
STATE_NAMES = {"LSTM": ("h", "c"), "GRU": ("h",), "SimpleRNN": ("h",)}
GATE_NAMES = {"LSTM": ("i", "f", "g", "o"), "GRU": ("z", "r", "hh"), "SimpleRNN": ()}
CACHE_SIZE = 8  # model structures
SEEDS_KEPT = 4  # initial weights of recent seeds, per structure
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
    seed: int  # the seed whose initial weights `initial` holds
    initial: list[list[np.ndarray]]  # per layer (rnns, then head): weights after construction
    changed: bool = False  # weights or optimizer touched since the last restore
    shapes_seen_other: bool = False  # Keras's compiled functions saw a batch of another size
    _loop: Any = None
    _seeded: OrderedDict[int, list[list[np.ndarray]]] = field(default_factory=OrderedDict)

    @property
    def stateful(self) -> list[bool]:
        return [layer.stateful for layer in self.rnns]

    @property
    def layers(self) -> list[Any]:
        """Layers with weights, in the order of `initial` and of the trace's weights."""
        return [*self.rnns, *([self.head] if self.head is not None else [])]

    @property
    def loop(self) -> Any:
        """Compiled on first use: a schedule without `call` ops never traces it."""
        if self._loop is None:
            b, t, f = self.batch_size, self.timesteps, self.features
            self._loop = _loop(self.model, self.rnns, b, t, f)
        return self._loop

    def prepare_training(self) -> None:
        """Build the optimizer's variables before Keras's first train step: created inside the
        train_function's first trace instead, they make tf.function trace the whole train step
        twice (same zeros either way). Not at construction: inference never needs them."""
        opt = self.model.optimizer
        if not opt.built:
            opt.build(self.model.trainable_variables)

    def fresh_functions(self) -> None:
        """Drop Keras's compiled train/predict functions: the next call traces anew."""
        self.model.train_function = None
        self.model.predict_function = None
        self.model.test_function = None

    def restore(self, seed: int) -> None:
        """Back to the state right after a construction with `seed`: its initial weights,
        zero states, a fresh optimizer."""
        for layer in self.rnns:
            if layer.stateful:
                layer.reset_state()
        if seed != self.seed:
            self.initial = self._weights_for(seed)
            self.seed = seed
            self.changed = True
        if not self.changed:
            return
        for layer, arrays in zip(self.layers, self.initial, strict=True):
            layer.set_weights(arrays)
        opt = self.model.optimizer
        if opt is not None and opt.built:
            for v in opt.variables:  # iteration count, moments: back to a fresh optimizer
                v.assign(np.zeros(v.shape, dtype=v.dtype))
            opt.learning_rate.assign(LEARNING_RATE)  # a variable too: not zero!
        self.changed = False

    def _weights_for(self, seed: int) -> list[list[np.ndarray]]:
        """What a fresh build with `seed` starts from: the same seeded initializers called on
        the same shapes. Biases do not depend on the seed (zeros, LSTM's forget-gate ones)."""
        if seed in self._seeded:
            self._seeded.move_to_end(seed)
            return self._seeded[seed]
        out = []
        for i, (layer, arrays) in enumerate(zip(self.layers, self.initial, strict=True)):
            if layer is self.head:
                kernel = _head_initializer(seed)(arrays[0].shape, dtype="float32")
                out.append([np.asarray(kernel), arrays[1]])
            else:
                init = _initializers(seed, i)
                kernel = init["kernel_initializer"](arrays[0].shape, dtype="float32")
                recurrent = init["recurrent_initializer"](arrays[1].shape, dtype="float32")
                out.append([np.asarray(kernel), np.asarray(recurrent), arrays[2]])
        self._seeded[seed] = out
        while len(self._seeded) > SEEDS_KEPT:
            self._seeded.popitem(last=False)
        return out


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
    key = (spec.model_dump_json(), batch_size, timesteps, features, head_units, task)
    built = _cache.pop(key, None)
    if built is None:
        built = _build(spec, batch_size, timesteps, features, head_units, task, seed)
    else:
        built.restore(seed)
    _cache[key] = built
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return built


def _initializers(seed: int, index: int) -> dict[str, Any]:
    # Seeded initializers: same scenario + seed -> same weights on any worker, no global RNG.
    return {
        "kernel_initializer": keras.initializers.GlorotUniform(seed=seed * 16 + 2 * index),
        "recurrent_initializer": keras.initializers.Orthogonal(seed=seed * 16 + 2 * index + 1),
    }


def _head_initializer(seed: int) -> Any:
    return keras.initializers.GlorotUniform(seed=seed * 16 + 15)


def _layer(kind: str, units: int, seed: int, index: int, **kw: Any) -> Any:
    return LAYER_CLASSES[kind](units, **_initializers(seed, index), **kw)


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
        init = _head_initializer(seed)
        head = keras.layers.Dense(head_units, kernel_initializer=init, name="head")
        x = head(x)
    model = keras.Model(inputs, x, name="scenario_model")
    loss = (
        keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        if task == "classification"
        else "mse"
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss=loss)
    layers = [*rnns, *([head] if head is not None else [])]
    initial = [[np.asarray(w) for w in layer.get_weights()] for layer in layers]
    built = Built(spec, b, t, f, head_units, model, rnns, head, seed, initial)
    built._seeded[seed] = initial
    return built


def _loop(model: keras.Model, rnns: list[Any], b: int, t: int, f: int) -> Any:
    """The model called batch after batch inside one compiled function.

    Each iteration is exactly `model(x_b, training=False)` (what predict_on_batch runs), so the
    stateful layers update their own state variables; the loop only reads those variables
    after every batch (nothing runs between two batches, so the state before batch k is the
    state read after batch k-1).
    """
    state_vars = [v for layer in rnns if layer.stateful for v in layer.states]

    # An explicit while_loop rather than autograph's `for k in tf.range(n)`: the same graph,
    # traced without converting the function first.
    @tf.function(input_signature=[tf.TensorSpec([None, b, t, f], tf.float32)], autograph=False)
    def batches(xs: Any) -> Any:
        n = tf.shape(xs)[0]

        def body(k: Any, after: Any, outs: Any) -> Any:
            outs = outs.write(k, model(xs[k], training=False))
            if state_vars:  # read after the call (automatic control dependencies)
                after = after.write(k, tf.concat([tf.identity(v.value) for v in state_vars], 1))
            return k + 1, after, outs

        arrays = [tf.TensorArray(tf.float32, size=n) for _ in range(2)]
        _, after, outs = tf.while_loop(lambda k, *_: k < n, body, [tf.constant(0), *arrays])
        if not state_vars:
            return tf.zeros([n, b, 0]), outs.stack()
        return after.stack(), outs.stack()

    return batches.get_concrete_function()
