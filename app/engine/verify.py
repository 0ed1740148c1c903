"""Check every number a trace shows against Keras's own code; a disagreement is an error.

What is shown (recompute.py) is Keras's: the layer's output sequence (`h`), the layer's cell
stepped by hand (`c`), gates formed by the cell's own weights and activations. Compared here:

- `h`, `c`, `gates`: with an independent recurrence in plain TensorFlow ops (cells.py);
- `h_cell`: Keras's cell stepped by hand with Keras's layer (two Keras paths, one answer);
- `gates_rebuild`: the gates rebuild Keras's `c` and `h` (LSTM: c = f·c₋₁ + i·g, h = o·tanh c;
  GRU: h = z·h₋₁ + (1 − z)·hh), since Keras itself never returns gates;
- `final`: the final states Keras's layer returned, with the last timestep shown;
- `state_variables`: a stateful layer's state variables in the real model after the batch;
- `outputs`: the real model's outputs, with its head applied to the last layer shown;
- `loss`: training batches: the loss Keras reported vs the loss the shown gradients are of
  (gradients.py: Keras's cells, head and compiled loss on the batch's weights and states).

Criterion (float32-honest): |Δ| ≤ TOLERANCE · max(1, |Keras's value|) for every value: an
absolute 1e-5 wherever values are within ±1 (every h, gates, most c), relative beyond (a c set
to 1000 by set_state keeps float32's ~7 significant digits, not 8 decimals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from app import schemas as doc
from app.engine.gradients import BatchGrad
from app.engine.keras_model import Built
from app.engine.recompute import Checks, LayerCheck, LayerResult, groups
from app.engine.records import BatchRecord
from app.errors import VerificationFailed

TOLERANCE = 1e-5
CRITERION = "|Δ| ≤ tolerance · max(1, |Keras's value|)"
QUANTITIES: dict[doc.QuantityName, str] = {
    "h": "h at every timestep: Keras's layer output vs an independent TF recurrence",
    "h_cell": "h at every timestep: Keras's cell stepped by hand vs Keras's layer",
    "c": "c at every timestep: Keras's cell stepped by hand vs an independent TF recurrence",
    "gates": "gates: from the Keras cell's weights and activations vs an independent recurrence",
    "gates_rebuild": "the gates rebuild Keras's c and h at every timestep",
    "final": "final states returned by Keras's layer vs the last timestep shown",
    "state_variables": "stateful layers: the real model's state variables after the batch",
    "outputs": "the real model's outputs vs its head on the last layer shown",
    "loss": "training batches: Keras's reported loss vs the loss the gradients shown are of",
}


@dataclass
class Quantity:
    max_abs_diff: float = 0.0
    max_scaled_diff: float = 0.0  # |Δ| / max(1, |Keras's value|)
    values: int = 0


@dataclass
class Verification:
    max_abs_diff: float
    checks: int
    per_batch: list[float]
    quantities: dict[doc.QuantityName, Quantity] = field(default_factory=dict)

    @property
    def max_scaled_diff(self) -> float:
        return max((q.max_scaled_diff for q in self.quantities.values()), default=0.0)

    def document(self) -> doc.VerificationInfo:
        return doc.VerificationInfo.model_construct(
            max_abs_diff=self.max_abs_diff,
            max_scaled_diff=self.max_scaled_diff,
            tolerance=TOLERANCE,
            criterion=CRITERION,
            passed=self.max_scaled_diff <= TOLERANCE,
            checks=self.checks,
            quantities={
                name: doc.QuantityCheck.model_construct(
                    max_abs_diff=q.max_abs_diff,
                    max_scaled_diff=q.max_scaled_diff,
                    values=q.values,
                    covers=QUANTITIES[name],
                )
                for name, q in self.quantities.items()
                if q.values
            },
            keras_version=keras.__version__,
            tensorflow_version=tf.__version__,
            references=list(QUANTITIES.values()),
        )


class _Tally:
    def __init__(self, n_records: int) -> None:
        self.quantities = {name: Quantity() for name in QUANTITIES}
        self.worst_abs = np.zeros(n_records)
        self.worst_scaled = np.zeros(n_records)
        self.where: dict[str, tuple[int, int]] = {}  # quantity -> (record, layer) of its worst
        self.checks = 0

    def compare(
        self,
        name: doc.QuantityName,
        idx: list[int],
        layer: int,
        ours: np.ndarray,
        keras_: np.ndarray,
    ) -> None:
        """`ours`, `keras_`: the group's records stacked on the first axis (same size each)."""
        ours, keras_ = np.asarray(ours, np.float64), np.asarray(keras_, np.float64)
        if ours.size != keras_.size:
            raise VerificationFailed(
                f"{name}: shape {ours.shape} vs Keras {keras_.shape}",
                code="verification_shape_mismatch",
                shape=str(ours.shape),
                keras_shape=str(keras_.shape),
            )
        ours = ours.reshape(keras_.shape)
        d = np.abs(ours - keras_)
        scaled = d / np.maximum(1.0, np.abs(keras_))
        n = len(idx)
        per_abs = d.reshape(n, -1).max(axis=1) if d.size else np.zeros(n)
        per_scaled = scaled.reshape(n, -1).max(axis=1) if d.size else np.zeros(n)
        q = self.quantities[name]
        q.values += int(d.size)
        q.max_abs_diff = max(q.max_abs_diff, float(per_abs.max(initial=0.0)))
        if per_scaled.size and per_scaled.max() > q.max_scaled_diff:
            q.max_scaled_diff = float(per_scaled.max())
            self.where[name] = (idx[int(np.argmax(per_scaled))], layer)
        self.worst_abs[idx] = np.maximum(self.worst_abs[idx], per_abs)
        self.worst_scaled[idx] = np.maximum(self.worst_scaled[idx], per_scaled)
        self.checks += n


def _rebuild(kind: str, lr: list[LayerResult]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(rebuilt from the gates, Keras's) pairs: what the shown gates imply vs Keras's states."""
    h = np.stack([r.h for r in lr]).astype(np.float64)
    g = np.stack([r.gates for r in lr]).astype(np.float64)  # type: ignore[misc]
    h0 = np.stack([r.initial[0] for r in lr]).astype(np.float64)
    h0 = np.broadcast_to(h0, h[:, :, 0].shape)
    h_prev = np.concatenate([h0[:, :, None], h[:, :, :-1]], axis=2)
    if kind == "LSTM":
        c = np.stack([r.c for r in lr]).astype(np.float64)  # type: ignore[misc]
        c0 = np.broadcast_to(np.stack([r.initial[1] for r in lr]), c[:, :, 0].shape)
        c_prev = np.concatenate([c0[:, :, None], c[:, :, :-1]], axis=2)
        i, f, gg, o = (g[:, :, :, j] for j in range(4))
        return [(f * c_prev + i * gg, c), (o * np.tanh(c), h)]
    z, hh = g[:, :, :, 0], g[:, :, :, 2]
    return [(z * h_prev + (1.0 - z) * hh, h)]


def _head(built: Built, weights: list[list[np.ndarray]], h: np.ndarray) -> np.ndarray:
    """The real model's head (a linear Dense layer) on the last layer's output, in float64."""
    last = built.spec.returns_sequences(len(built.spec.layers) - 1)
    y = np.asarray(h if last else h[:, -1], np.float64)
    if not built.spec.head:
        return y
    kernel, bias = weights[-1]
    return np.asarray(y @ kernel + bias)


def verify(
    built: Built,
    records: list[BatchRecord],
    results: list[list[LayerResult]],
    checks: Checks,
    weights: list[list[list[np.ndarray]]],
    grads: list[BatchGrad | None],
) -> Verification:
    tally = _Tally(len(records))
    for k, (rec, grad) in enumerate(zip(records, grads, strict=True)):
        if grad is not None and rec.loss is not None:
            tally.compare(
                "loss", [k], len(built.rnns), np.asarray([grad.loss]), np.asarray([rec.loss])
            )
    for idx in groups(records, built.batch_size):
        recs = [records[k] for k in idx]
        res = [results[k] for k in idx]
        for i, layer in enumerate(built.rnns):
            after = [rec.after[i] for rec in recs] if layer.stateful else None
            lr = [r[i] for r in res]
            _layer(tally, idx, i, built.spec.layers[i].kind, lr, checks[tuple(idx)][i], after)
        for k, rec in zip(idx, recs, strict=True):
            if rec.outputs is None:
                continue
            head = _head(built, weights[rec.weights_version], results[k][-1].h)
            if head.size == rec.outputs.size:
                tally.compare("outputs", [k], len(built.rnns), head, rec.outputs)
    per_batch = [float(v) for v in tally.worst_abs]
    verification = Verification(
        max(per_batch, default=0.0), tally.checks, per_batch, tally.quantities
    )
    if verification.max_scaled_diff > TOLERANCE:
        raise _failed(tally, verification.max_scaled_diff)
    return verification


def _layer(
    tally: _Tally,
    idx: list[int],
    i: int,
    kind: str,
    lr: list[LayerResult],
    check: LayerCheck,
    after: list[Any] | None,
) -> None:
    """Layer i over a group of batches: every shown quantity against the second computation,
    and a stateful layer's state variables (`after`, per batch) against its final states."""
    h = np.stack([r.h for r in lr])
    ours_h, ours_c, ours_gates = check.ours
    assert ours_h is not None
    tally.compare("h", idx, i, ours_h, h)
    tally.compare("h_cell", idx, i, check.cell_h, h)
    if ours_c is not None:
        tally.compare("c", idx, i, ours_c, np.stack([r.c for r in lr]))  # type: ignore[misc]
    if ours_gates is not None:
        shown = np.stack([r.gates for r in lr])  # type: ignore[misc]
        tally.compare("gates", idx, i, ours_gates, shown)
        for rebuilt, keras_ in _rebuild(kind, lr):
            tally.compare("gates_rebuild", idx, i, rebuilt, keras_)
    for s, returned in enumerate(check.finals):
        tally.compare("final", idx, i, np.stack([r.final[s] for r in lr]), returned)
        if after is not None:
            variables = np.stack([states[s] for states in after])
            tally.compare("state_variables", idx, i, np.stack([r.final[s] for r in lr]), variables)


def _failed(tally: _Tally, top: float) -> VerificationFailed:
    """The worst quantity over the tolerance, where it is and by how much."""
    name = max(tally.quantities, key=lambda n: tally.quantities[n].max_scaled_diff)
    bad, layer = tally.where[name]
    q = tally.quantities[name]
    return VerificationFailed(
        f"the trace differs from Keras's own code by {q.max_abs_diff:.3g} ({name}: "
        f"{top:.3g} > {TOLERANCE} · max(1, |value|)) at batch {bad}, layer {layer}",
        code="verification_failed",
        batch=bad,
        layer=layer,
        quantity=name,
        max_abs_diff=q.max_abs_diff,
        difference=f"{q.max_abs_diff:.3g}",
        tolerance=TOLERANCE,
    )
