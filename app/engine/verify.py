"""Check the recomputed trace against Keras itself; a disagreement is an error.

Two references, both Keras's own code:
- stateful layers: the layer's state variables after each batch, read from the real model;
- every layer: Keras's layer code (a stateless twin on the same weights, inputs and initial
  states, with return_sequences and return_state) -> its whole output sequence and its
  returned final states.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from app.engine.keras_model import Built
from app.engine.recompute import LayerResult, groups
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


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        raise VerificationFailed(f"shape {a.shape} vs Keras {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def verify(built: Built, records: list[BatchRecord], results: list[list[LayerResult]],
           weights: list[list[list[np.ndarray]]]) -> Verification:
    per_batch = [0.0] * len(records)
    checks = 0
    for k, rec in enumerate(records):
        for i, after in enumerate(rec.after):
            if after is not None:
                for ours, theirs in zip(results[k][i].final, after, strict=True):
                    per_batch[k] = max(per_batch[k], _diff(ours, theirs))
                    checks += 1
    for idx in groups(records, built.batch_size):
        recs = [records[k] for k in idx]
        version = recs[0].weights_version
        for layer, w in zip(built.twin_layers, weights[version], strict=False):
            layer.set_weights(w)
        x = np.concatenate([r.x for r in recs]).astype(np.float32)
        init = [np.concatenate([results[k][i].initial[s] for k in idx])
                for i, lr in enumerate(results[idx[0]]) for s in range(len(lr.initial))]
        outs = [np.asarray(o) for o in built.twin(x, *init)]
        rows = outs[0].shape[0] // len(idx)
        pos = 0
        for i in range(len(built.rnns)):
            n_states = len(results[idx[0]][i].initial)
            seq, finals = outs[pos], outs[pos + 1:pos + 1 + n_states]
            pos += 1 + n_states
            for n, k in enumerate(idx):
                sl = slice(n * rows, (n + 1) * rows)
                lr = results[k][i]
                d = _diff(lr.h, seq[sl])
                for ours, theirs in zip(lr.final, finals, strict=True):
                    d = max(d, _diff(ours, theirs[sl]))
                per_batch[k] = max(per_batch[k], d)
                checks += 1 + n_states
    worst = max(per_batch, default=0.0)
    if worst > TOLERANCE:
        bad = int(np.argmax(per_batch))
        raise VerificationFailed(
            f"the recomputed trace differs from Keras by {worst:.3g} (> {TOLERANCE}) "
            f"at batch {bad}", batch=bad, max_abs_diff=worst)
    return Verification(worst, checks, per_batch)
