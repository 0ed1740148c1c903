"""The Keras stateful example (moving average), run for real for one (tsteps, lahead, batch_size).

As the example does: LSTM(20) + Dense(1), adam, mse; the stateful model trained one epoch at a
time with a reset after each, the stateless one in a single fit; shuffle=False; RMSE on the
held-out 20 %.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from app.presets import build
from app.scenario import DataSpec
from app.transfers import RowOrigin, classify

Progress = Callable[[dict[str, Any]], None]


class Cancelled(Exception):
    """Raised inside training when the job was cancelled."""


class _Progress(keras.callbacks.Callback):  # type: ignore[misc]
    def __init__(
        self, emit: Progress, cancelled: Callable[[], bool], phase: str, batches: int, epoch: int
    ) -> None:
        super().__init__()
        self.emit, self.cancelled, self.phase = emit, cancelled, phase
        self.batches, self.epoch = batches, epoch
        self.every = max(1, batches // 20)  # about 20 progress events per epoch

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if self.phase == "stateless":
            self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.cancelled():
            raise Cancelled
        if (batch + 1) % self.every == 0 or batch + 1 == self.batches:
            self.emit(
                {
                    "phase": self.phase,
                    "epoch": self.epoch,
                    "batch": batch + 1,
                    "batches": self.batches,
                    "loss": float((logs or {}).get("loss", 0.0)),
                }
            )


def _data(
    tsteps: int, lahead: int, batch_size: int, input_len: int, seed: int
) -> tuple[np.ndarray, ...]:
    ds = build(
        DataSpec(preset="moving_average", tsteps=tsteps, lahead=lahead, input_len=input_len), seed
    )
    assert ds.windows is not None
    seq = ds.sequences[0]
    x = np.stack([seq.inputs[list(w.positions)] for w in ds.windows]).astype(np.float32)
    y = np.asarray([seq.targets[w.target_position] for w in ds.windows], np.float32)[:, None]
    # the example: 80 % for training, both parts trimmed to whole batches
    split = int(len(x) * 0.8)
    split -= split % batch_size
    end = split + (len(x) - split) // batch_size * batch_size
    return x[:split], y[:split], x[split:end], y[split:end]


def _model(stateful: bool, batch_size: int, lahead: int, seed: int) -> keras.Model:
    inputs = keras.Input(batch_shape=(batch_size, lahead, 1))
    lstm = keras.layers.LSTM(
        20,
        stateful=stateful,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 1),
    )
    dense = keras.layers.Dense(
        1, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 2)
    )
    model = keras.Model(inputs, dense(lstm(inputs)))
    model.compile(optimizer="adam", loss="mse")
    return model


def continuity(lahead: int, batch_size: int) -> dict[str, Any]:
    """Row i of batch k+1 holds the window batch_size positions after row i's window in batch
    k (windows of lahead values, as the example lays them out): the same for every row."""
    t0 = lahead - 1 + batch_size  # any window index; only the shift matters
    prev = RowOrigin(0, tuple(t0 - batch_size - c for c in range(lahead)))
    cur = RowOrigin(0, tuple(t0 - c for c in range(lahead)))
    t = classify(prev, cur, stateful=True, event=None)
    return {"kind": t.kind, "reason": t.reason, "gap": t.gap}


def run(
    tsteps: int,
    lahead: int,
    batch_size: int,
    input_len: int,
    epochs: int,
    seed: int,
    emit: Progress,
    cancelled: Callable[[], bool],
) -> dict[str, Any]:
    x_tr, y_tr, x_te, y_te = _data(tsteps, lahead, batch_size, input_len, seed)
    batches = len(x_tr) // batch_size
    stateful = _model(True, batch_size, lahead, seed)
    for epoch in range(epochs):
        stateful.fit(
            x_tr,
            y_tr,
            batch_size=batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[_Progress(emit, cancelled, "stateful", batches, epoch)],
        )
        for layer in stateful.layers:
            if getattr(layer, "stateful", False):
                layer.reset_state()
    pred_sf = np.asarray(stateful.predict(x_te, batch_size=batch_size, verbose=0))
    stateless = _model(False, batch_size, lahead, seed)
    stateless.fit(
        x_tr,
        y_tr,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[_Progress(emit, cancelled, "stateless", batches, 0)],
    )
    pred_sl = np.asarray(stateless.predict(x_te, batch_size=batch_size, verbose=0))
    show = slice(0, min(200, len(y_te)))
    return {
        "tsteps": tsteps,
        "lahead": lahead,
        "batch_size": batch_size,
        "rmse_stateful": float(np.sqrt(np.mean((pred_sf - y_te) ** 2))),
        "rmse_stateless": float(np.sqrt(np.mean((pred_sl - y_te) ** 2))),
        "train_windows": len(x_tr),
        "test_windows": len(x_te),
        "continuity": continuity(lahead, batch_size),
        "expected": y_te[show, 0].tolist(),
        "predicted_stateful": pred_sf[show, 0].tolist(),
        "predicted_stateless": pred_sl[show, 0].tolist(),
    }
