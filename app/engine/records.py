"""What a run records of every batch: what Keras was fed and held before and after, and the
resets and state settings applied just before it (app/engine/runner.py fills them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from app.errors import KerasRejected
from app.schemas import Cause

States = list[np.ndarray]


@dataclass(frozen=True)
class Event:
    """A reset or state setting applied to one layer just before a batch, and why."""

    layer: int
    kind: Literal["reset", "set"]
    cause: Cause  # the schedule op, the reset shorthand, or an intervention
    state: Literal["h", "c"] | None = None  # set only
    values: np.ndarray | None = None  # set only: Keras's state variable after the assign
    row: int | None = None  # set only: the one row set (None: every row)

    def touches(self, layer: int, row: int) -> bool:
        return self.layer == layer and (self.row is None or self.row == row)


@dataclass
class BatchRecord:
    op_index: int
    op: str
    epoch: int
    batch: int
    samples: list[int]  # sample index of each row fed to Keras
    x: np.ndarray  # (rows fed, T, F): exactly what Keras received
    weights_version: int
    before: list[States | None]  # per layer: Keras's state variables before (stateful only)
    after: list[States | None] = field(default_factory=list)
    outputs: np.ndarray | None = None
    loss: float | None = None
    events: list[Event] = field(default_factory=list)  # in the order applied

    def last_event(self, layer: int, row: int) -> Literal["reset", "set"] | None:
        """What decides a row's state at the boundary: the last event applied to it."""
        kinds = [e.kind for e in self.events if e.touches(layer, row)]
        return kinds[-1] if kinds else None


def keras_error(op_index: int, op: str, exc: Exception) -> KerasRejected:
    """Keras's own words, without file paths or TF's graph back-trace."""
    text = str(getattr(exc, "message", None) or exc)
    text = text.replace("\x1b[1m", "").replace("\x1b[0m", "")
    if "\n\nDetected at node" in text:  # a TF graph error: keep the head and the cause
        head, rest = text.split("\n\nDetected at node", 1)
        node = (rest.split() or ["?"])[0]  # never an IndexError over an error
        cause = rest.rsplit("\n\n", 1)[-1].split("\n\t")[0].split(" [Op:")[0]
        text = f"{head.strip()} {cause.strip()} (TensorFlow node {node})"
    return KerasRejected(
        text.strip(),
        code="keras_rejected",
        op_index=op_index,
        op=op,
        exception=type(exc).__name__,
    )


def rows_out(rec: BatchRecord) -> int:
    """Rows Keras ran: the samples fed, or a stateful layer's full batch where Keras filled a
    partial one (TensorFlow does, silently)."""
    stateful_rows = [int(s[0].shape[0]) for s in rec.after if s is not None]
    return max([len(rec.samples), *stateful_rows])
