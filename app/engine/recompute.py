"""Recompute every timestep of every recorded batch from Keras's recorded weights and states,
and run Keras's own layer code on the same inputs beside it (the verifier's reference).

Batches that share weights and are full are stacked into one call per layer: rows of a batch
are independent sequences, so stacking changes nothing but the number of calls. Each call is
one compiled function per layer kind with open sizes (rows, timesteps, features, units), so
a new structure, seed or batch size traces nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from app.engine import cells, twin
from app.engine.keras_model import STATE_NAMES, Built
from app.engine.runner import BatchRecord

# A group of record indices -> per layer: Keras's [output sequence, *returned final states]
Reference = dict[tuple[int, ...], list[list[np.ndarray]]]


@dataclass
class LayerResult:
    initial: list[np.ndarray]  # per state name, (rows, units)
    h: np.ndarray  # (rows, T, units): also the layer's output sequence
    c: np.ndarray | None  # LSTM only
    gates: np.ndarray | None  # (rows, T, gate, units)

    @property
    def final(self) -> list[np.ndarray]:
        last = [self.h[:, -1]]
        return last if self.c is None else [*last, self.c[:, -1]]


def groups(records: list[BatchRecord], batch_size: int) -> list[list[int]]:
    """Indices of records that can be computed together."""
    out: dict[tuple[int, int], list[int]] = {}
    singles: list[list[int]] = []
    for k, rec in enumerate(records):
        if len(rec.samples) == batch_size:
            out.setdefault((rec.weights_version, 0), []).append(k)
        else:
            singles.append([k])
    return [*out.values(), *singles]


def initial_states(
    built: Built, recs: list[BatchRecord], layer: int, rows_in: int
) -> list[np.ndarray]:
    spec = built.spec.layers[layer]
    n_states = 2 if spec.kind == "LSTM" else 1
    if built.rnns[layer].stateful:
        return [
            np.concatenate([r.before[layer][s] for r in recs])  # type: ignore[index]
            for s in range(n_states)
        ]
    # Keras starts a stateless layer from zeros, one row per input row.
    return [np.zeros((rows_in, spec.units), np.float32) for _ in range(n_states)]


_X = tf.TensorSpec([None, None, None], tf.float32)
_M = tf.TensorSpec([None, None], tf.float32)
_BIAS = {  # GRUCell splits its stacked (input, recurrent) bias on a known first axis
    "LSTM": tf.TensorSpec([None], tf.float32),
    "GRU": tf.TensorSpec([2, None], tf.float32),
    "SimpleRNN": tf.TensorSpec([None], tf.float32),
}
_LAYER_FUNCTIONS: dict[str, Any] = {}


def layer_function(kind: str) -> Any:
    """(x, x for Keras, *initial states, kernel, recurrent kernel, bias) ->
    [h, (c), (gates), Keras's sequence, *Keras's final states]: our recurrence (cells.py) and
    Keras's layer code (twin.py) in one call, independent of each other."""
    if kind not in _LAYER_FUNCTIONS:
        n = len(STATE_NAMES[kind])

        @tf.function(input_signature=[_X, _X] + [_M] * n + [_M, _M, _BIAS[kind]], autograph=False)
        def layer_and_twin(x: Any, x_keras: Any, *args: Any) -> Any:
            states, weights = list(args[:n]), args[n:]
            ours = cells.RECURRENCES[kind](x, *states, *weights)
            return [*ours, *twin.call(kind, x_keras, states, *weights)]

        # The concrete function skips tf.function's per-call dispatch (~0.4 ms a call here).
        _LAYER_FUNCTIONS[kind] = layer_and_twin.get_concrete_function()
    return _LAYER_FUNCTIONS[kind]


def warm_up() -> None:
    """Trace and run every kind once (process start-up, not per scenario)."""
    for kind in cells.RECURRENCES:
        x = np.zeros((1, 1, 1), np.float32)
        layer_function(kind)(x, x, *cells.zero_states(kind), *cells.zero_weights(kind))


def recompute(
    built: Built, records: list[BatchRecord], weights: list[list[list[np.ndarray]]]
) -> tuple[list[list[LayerResult]], Reference]:
    results: list[list[LayerResult]] = [[] for _ in records]
    reference: Reference = {}
    for idx in groups(records, built.batch_size):
        recs = [records[k] for k in idx]
        x = tf.constant(np.concatenate([r.x for r in recs]).astype(np.float32))
        rows_in = x.shape[0]
        ours, theirs = x, x  # each side feeds its own output to the next layer
        per_layer, keras_out = [], []
        for i, ls in enumerate(built.spec.layers):
            init = initial_states(built, recs, i, rows_in)
            # A 1-row input broadcasts against n-row states, as in Keras's cell (see cells).
            rows_in = max(rows_in, init[0].shape[0])
            out = layer_function(ls.kind)(ours, theirs, *init, *weights[recs[0].weights_version][i])
            n_ours = len(out) - 1 - len(init)
            ours, theirs = out[0], out[n_ours]
            res = [r.numpy() for r in out]
            c, g = (res[1], res[2]) if n_ours == 3 else (None, res[1] if n_ours == 2 else None)
            per_layer.append(LayerResult(init, res[0], c, g))
            keras_out.append(res[n_ours:])
        reference[tuple(idx)] = keras_out
        h = per_layer[-1].h
        rows = h.shape[0] // len(recs)
        for n, k in enumerate(idx):
            sl = slice(n * rows, (n + 1) * rows)
            results[k] = [
                LayerResult(
                    [s[sl] for s in lr.initial],
                    lr.h[sl],
                    None if lr.c is None else lr.c[sl],
                    None if lr.gates is None else lr.gates[sl],
                )
                for lr in per_layer
            ]
    return results, reference
