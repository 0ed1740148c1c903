"""Recompute every timestep of every recorded batch from Keras's recorded weights and states.

Batches that share weights and are full are stacked into one call per layer: rows of a batch
are independent sequences, so stacking changes nothing but the number of calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine import cells
from app.engine.keras_model import Built
from app.engine.runner import BatchRecord


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


def recompute(
    built: Built, records: list[BatchRecord], weights: list[list[list[np.ndarray]]]
) -> list[list[LayerResult]]:
    results: list[list[LayerResult]] = [[] for _ in records]
    for idx in groups(records, built.batch_size):
        recs = [records[k] for k in idx]
        x = np.concatenate([r.x for r in recs]).astype(np.float32)
        args: list[np.ndarray] = [x]
        inits = []
        rows_in = x.shape[0]
        for i in range(len(built.spec.layers)):
            init = initial_states(built, recs, i, rows_in)
            # A 1-row input broadcasts against n-row states, as in Keras's cell (see cells).
            rows_in = max(rows_in, init[0].shape[0])
            inits.append(init)
            args += [*init, *weights[recs[0].weights_version][i]]
        kinds = tuple(ls.kind for ls in built.spec.layers)
        per_layer = []
        for init, res in zip(inits, cells.stack(kinds)(*args), strict=True):
            res = [r.numpy() for r in res]
            c, g = (res[1], res[2]) if len(res) == 3 else (None, res[1] if len(res) == 2 else None)
            per_layer.append(LayerResult(init, res[0], c, g))
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
    return results
