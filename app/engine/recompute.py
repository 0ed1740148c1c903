"""Every timestep of every recorded batch, from Keras's own layer and cell code on the
recorded weights and states, with an independent recurrence beside it for the verifier.

What a trace shows is Keras's: `h` at every timestep is the layer's output sequence, `c` at
every timestep is the layer's own cell stepped by hand, the gates are formed by that cell's
own weights and activation functions (`twin.py`). `cells.py` computes the same quantities
with plain TensorFlow ops, independently of Keras's code; `verify.py` compares the two.

Batches that share weights and are full are stacked into one call per layer: rows of a batch
are independent sequences, so stacking changes nothing but the number of calls. Each call is
one compiled function per layer kind with open sizes (rows, timesteps, features, units), so
a new structure, seed or batch size traces nothing here. Each layer is fed Keras's output of
the layer below on both sides, so a difference never compounds from layer to layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from app.engine import cells, twin
from app.engine.keras_model import STATE_NAMES, Built
from app.engine.records import BatchRecord


@dataclass
class LayerResult:
    """One layer of one batch, as shown: Keras's numbers."""

    initial: list[np.ndarray]  # per state name, (rows, units)
    h: np.ndarray  # (rows, T, units): the layer's output sequence
    c: np.ndarray | None  # LSTM only: the cell's c at every timestep
    gates: np.ndarray | None  # (rows, T, gate, units): from the cell's own activations

    @property
    def final(self) -> list[np.ndarray]:
        last = [self.h[:, -1]]
        return last if self.c is None else [*last, self.c[:, -1]]


@dataclass
class LayerCheck:
    """The other side of every comparison, for one group of batches and one layer."""

    ours: list[np.ndarray | None]  # our recurrence: h, c, gates
    cell_h: np.ndarray  # Keras's cell stepped by hand: h at every timestep
    finals: list[np.ndarray]  # the final states Keras's layer returned


# A group of record indices -> per layer: what the verifier compares the shown numbers with
Checks = dict[tuple[int, ...], list[LayerCheck]]


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
    """(x, *initial states, kernel, recurrent kernel, bias) ->
    [h, (c), (gates)] of our recurrence (cells.py), then Keras's [sequence, *final states,
    *cell-stepped state sequences, gates] (twin.py): one call, two independent computations."""
    if kind not in _LAYER_FUNCTIONS:
        n = len(STATE_NAMES[kind])

        @tf.function(input_signature=[_X] + [_M] * n + [_M, _M, _BIAS[kind]], autograph=False)
        def layer_and_twin(x: Any, *args: Any) -> Any:
            states, weights = list(args[:n]), args[n:]
            ours = cells.RECURRENCES[kind](x, *states, *weights)
            return [*ours, *twin.call(kind, x, states, *weights)]

        # The concrete function skips tf.function's per-call dispatch (~0.4 ms a call here).
        _LAYER_FUNCTIONS[kind] = layer_and_twin.get_concrete_function()
    return _LAYER_FUNCTIONS[kind]


_OURS = {"LSTM": 3, "GRU": 2, "SimpleRNN": 1}  # h, (c), (gates) from cells.py


def warm_up() -> None:
    """Trace and run every kind once (process start-up, not per scenario)."""
    for kind in cells.RECURRENCES:
        x = np.zeros((1, 1, 1), np.float32)
        layer_function(kind)(x, *cells.zero_states(kind), *cells.zero_weights(kind))


def recompute(
    built: Built, records: list[BatchRecord], weights: list[list[list[np.ndarray]]]
) -> tuple[list[list[LayerResult]], Checks]:
    results: list[list[LayerResult]] = [[] for _ in records]
    checks: Checks = {}
    for idx in groups(records, built.batch_size):
        recs = [records[k] for k in idx]
        x = tf.constant(np.concatenate([r.x for r in recs]).astype(np.float32))
        rows_in = x.shape[0]
        per_layer, group_checks = [], []
        for i, ls in enumerate(built.spec.layers):
            init = initial_states(built, recs, i, rows_in)
            # A 1-row input broadcasts against n-row states, as in Keras's cell (see cells).
            rows_in = max(rows_in, init[0].shape[0])
            out = layer_function(ls.kind)(x, *init, *weights[recs[0].weights_version][i])
            res = [r.numpy() for r in out]
            n, k = len(init), _OURS[ls.kind]
            ours = res[:k]
            seq, finals = res[k], res[k + 1 : k + 1 + n]
            stepped, gates = res[k + 1 + n : k + 1 + 2 * n], res[k + 1 + 2 * n]
            x = out[k]  # the next layer reads Keras's output, on both sides
            per_layer.append(
                LayerResult(
                    init,
                    seq,
                    stepped[1] if n == 2 else None,
                    gates if gates.shape[2] else None,
                )
            )
            group_checks.append(
                LayerCheck(
                    [ours[0], ours[1] if n == 2 else None, ours[-1] if k > 1 else None],
                    stepped[0],
                    finals,
                )
            )
        checks[tuple(idx)] = group_checks
        h = per_layer[-1].h
        rows = h.shape[0] // len(recs)
        for m, k in enumerate(idx):
            sl = slice(m * rows, (m + 1) * rows)
            results[k] = [
                LayerResult(
                    [s[sl] for s in lr.initial],
                    lr.h[sl],
                    None if lr.c is None else lr.c[sl],
                    None if lr.gates is None else lr.gates[sl],
                )
                for lr in per_layer
            ]
    return results, checks
