"""A Keras callback that records every batch of fit() and predict() for the runner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras

from app.engine.records import BatchRecord

if TYPE_CHECKING:
    from app.engine.runner import Runner


class Recorder(keras.callbacks.Callback):  # type: ignore[misc]
    """Reads Keras's states and weights around every batch of fit()/predict()."""

    def __init__(
        self, runner: Runner, op_index: int, op: str, batches: list[list[int]], first_epoch: int
    ) -> None:
        super().__init__()
        self.runner, self.op_index, self.op = runner, op_index, op
        self.batches, self.epoch = batches, first_epoch
        self.records: list[BatchRecord] = []
        self._seen = 0.0

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._seen = 0.0
        self._mean = 0.0

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.epoch += 1

    def _begin(self, batch: int) -> None:
        rows = self.batches[batch]
        self.records.append(
            self.runner._record(
                self.op_index, self.op, self.epoch, batch, rows, self.runner.x[rows]
            )
        )

    def _end(self, batch: int) -> None:
        rec = self.records[-1]
        rec.after = self.runner.states()
        self.runner._after_batch(batch == len(self.batches) - 1)

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self._begin(batch)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        rec = self.records[-1]
        # Keras reports the running mean over the epoch (weighted by rows): recover this
        # batch's own loss from two consecutive means.
        n = float(len(rec.samples))
        mean = float((logs or {}).get("loss", float("nan")))
        rec.loss = (mean * (self._seen + n) - self._mean * self._seen) / n
        self._seen += n
        self._mean = mean
        self.runner._dirty = self.runner.built.changed = True
        self._end(batch)

    def on_predict_batch_begin(self, batch: int, logs: Any = None) -> None:
        self._begin(batch)

    def on_predict_batch_end(self, batch: int, logs: Any = None) -> None:
        self._end(batch)
