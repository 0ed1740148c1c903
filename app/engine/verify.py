"""Check the recomputed trace against Keras itself; a disagreement is an error.

Two references, both Keras's own code:
- stateful layers: the layer's state variables after each batch, read from the real model;
- every layer: Keras's layer code (a stateless twin on the same weights, inputs and initial
  states, with return_sequences and return_state; `twin.py`, run by `recompute.py`) -> its
  whole output sequence and its returned final states.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from app.engine.keras_model import Built
from app.engine.recompute import LayerResult, Reference, groups
from app.engine.runner import BatchRecord
from app.errors import VerificationFailed

TOLERANCE = 1e-5


@dataclass
class Verification:
    max_abs_diff: float
    checks: int
    per_batch: list[float]

    def to_dict(self) -> dict[str, object]:
        return {
            "max_abs_diff": self.max_abs_diff,
            "tolerance": TOLERANCE,
            "passed": self.max_abs_diff <= TOLERANCE,
            "checks": self.checks,
            "keras_version": keras.__version__,
            "tensorflow_version": tf.__version__,
            "references": [
                "stateful layers: final h/c vs the Keras layer's state variables after the batch",
                "all layers: per-timestep output and returned final states of Keras's own layer "
                "code on the same weights, inputs and initial states",
            ],
        }


def _per_record(ours: list[np.ndarray], theirs: np.ndarray) -> np.ndarray:
    """Max |Δ| of each record: `ours` one array per record, `theirs` those stacked by row."""
    stacked = np.stack(ours)
    if stacked.size != theirs.size:
        raise VerificationFailed(
            f"shape {stacked.shape} vs Keras {theirs.shape}",
            code="verification_shape_mismatch",
            shape=str(stacked.shape),
            keras_shape=str(theirs.shape),
        )
    d = np.abs(stacked - theirs.reshape(stacked.shape))
    return d.reshape(len(ours), -1).max(axis=1) if d.size else np.zeros(len(ours))


def verify(
    built: Built,
    records: list[BatchRecord],
    results: list[list[LayerResult]],
    reference: Reference,
) -> Verification:
    """`reference`: Keras's layer code run on each group's inputs, weights and initial states
    (computed beside the recurrences by `recompute`)."""
    worst = np.zeros(len(records))
    checks = 0
    for idx in groups(records, built.batch_size):
        recs = [records[k] for k in idx]
        res = [results[k] for k in idx]
        outs = reference[tuple(idx)]
        for i, layer in enumerate(built.rnns):
            n_states = len(res[0][i].initial)
            seq, finals = outs[i][0], outs[i][1:]
            # Keras's own layer code: the whole output sequence and the returned states.
            d = _per_record([r[i].h for r in res], seq)
            for s, theirs in enumerate(finals):
                d = np.maximum(d, _per_record([r[i].final[s] for r in res], theirs))
            # The real model's state variables after each batch.
            if layer.stateful:
                for s in range(n_states):
                    keras_vars = np.stack([rec.after[i][s] for rec in recs])  # type: ignore[index]
                    d = np.maximum(d, _per_record([r[i].final[s] for r in res], keras_vars))
                checks += n_states * len(idx)
            worst[idx] = np.maximum(worst[idx], d)
            checks += (1 + n_states) * len(idx)
    per_batch = [float(v) for v in worst]
    top = max(per_batch, default=0.0)
    if top > TOLERANCE:
        bad = int(np.argmax(worst))
        raise VerificationFailed(
            f"the recomputed trace differs from Keras by {top:.3g} (> {TOLERANCE}) at batch {bad}",
            code="verification_failed",
            batch=bad,
            max_abs_diff=top,
            difference=f"{top:.3g}",
            tolerance=TOLERANCE,
        )
    return Verification(top, checks, per_batch)
