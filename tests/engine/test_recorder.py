"""The callback that records every batch of Keras's fit() and predict(), on a stand-in runner
(the recorder's own part: which batch, which epoch, its loss, the states after it)."""

from __future__ import annotations

from types import SimpleNamespace

import keras
import numpy as np
import pytest

from app.engine.recorder import Recorder
from app.engine.records import BatchRecord

SAMPLES, STEPS, BATCH = 5, 3, 2
BATCHES = [[0, 1], [2, 3], [4]]  # the last one partial: Keras weights its loss by 1 row


class StandIn:
    """What the recorder reads of the runner: its inputs, records and states, and the hook
    after each batch (where a runner resets at an epoch's end)."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self.built = SimpleNamespace(changed=False)
        self._dirty = False
        self.last_of_epoch: list[bool] = []

    def _record(
        self, op_index: int, op: str, epoch: int, batch: int, rows: list[int], x: np.ndarray
    ) -> BatchRecord:
        return BatchRecord(op_index, op, epoch, batch, rows, x, 0, [])

    def states(self) -> list[list[np.ndarray] | None]:
        # which end-of-batch hooks had run when the states were read
        return [[np.full((1, 1), len(self.last_of_epoch), np.float32)]]

    def _after_batch(self, last_of_epoch: bool) -> None:
        self.last_of_epoch.append(last_of_epoch)


def _hooks_run_before(records: list[BatchRecord]) -> list[int]:
    """Per record, how many end-of-batch hooks had run when its `after` states were read."""
    return [int(r.after[0][0][0, 0]) for r in records]  # type: ignore[index]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, STEPS, 1)).astype(np.float32)
    y = rng.normal(size=(SAMPLES, 1)).astype(np.float32)
    return x, y


def _model() -> keras.Model:
    """Learning rate 0: the weights stay put, so each batch's loss can be computed afterwards."""
    inputs = keras.Input(shape=(STEPS, 1))
    lstm = keras.layers.LSTM(2, kernel_initializer=keras.initializers.GlorotUniform(seed=1))
    model = keras.Model(inputs, keras.layers.Dense(1)(lstm(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    return model


def test_fit_records_each_batch_with_its_own_loss_epoch_and_rows(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    """Keras reports a running mean over the epoch; each record holds its batch's own mean
    squared error (computed here from the model's outputs), a partial batch included."""
    x, y = data
    model = _model()
    runner = StandIn(x)
    recorder = Recorder(runner, 1, "fit", BATCHES, first_epoch=2)  # type: ignore[arg-type]
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0, callbacks=[recorder])
    recs = recorder.records
    assert [(r.epoch, r.batch) for r in recs] == [(2, 0), (2, 1), (2, 2), (3, 0), (3, 1), (3, 2)]
    assert all(r.op_index == 1 and r.op == "fit" for r in recs)
    for rec in recs:
        rows = BATCHES[rec.batch]
        assert rec.samples == rows
        np.testing.assert_array_equal(rec.x, x[rows])
        out = np.asarray(model(x[rows]), np.float64)
        want = float(np.mean((out - y[rows]) ** 2))
        assert rec.loss == pytest.approx(want, rel=1e-4)
    assert len({round(r.loss or 0.0, 6) for r in recs[:3]}) == 3  # three different batches
    assert runner._dirty and runner.built.changed  # training marks the weights as changed


def test_the_state_after_a_batch_is_read_before_the_end_of_batch_hook(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    """A runner resets in that hook at an epoch's end: the record keeps the state Keras left."""
    x, y = data
    runner = StandIn(x)
    recorder = Recorder(runner, 0, "fit", BATCHES, first_epoch=0)  # type: ignore[arg-type]
    _model().fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0, callbacks=[recorder])
    assert _hooks_run_before(recorder.records) == [0, 1, 2, 3, 4, 5]
    assert runner.last_of_epoch == [False, False, True, False, False, True]


def test_predict_records_each_batch_without_a_loss_or_a_change_of_weights(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    x, _ = data
    runner = StandIn(x)
    recorder = Recorder(runner, 0, "predict", BATCHES, first_epoch=0)  # type: ignore[arg-type]
    _model().predict(x, batch_size=BATCH, verbose=0, callbacks=[recorder])
    recs = recorder.records
    assert [(r.op, r.epoch, r.batch, r.samples) for r in recs] == [
        ("predict", 0, k, rows) for k, rows in enumerate(BATCHES)
    ]
    assert all(r.loss is None for r in recs)
    assert _hooks_run_before(recs) == [0, 1, 2]
    assert runner.last_of_epoch == [False, False, True]
    assert not runner._dirty and not runner.built.changed
