"""The cost of statefulness, measured: one epoch of a stateful model fed one sample per batch
(what per-sequence stateful training forces) against one batched stateless epoch."""

from __future__ import annotations

import time
from typing import Any

import keras
import numpy as np


def _model(batch: int, stateful: bool, steps: int) -> keras.Model:
    inputs = keras.Input(batch_shape=(batch, steps, 1))
    lstm = keras.layers.LSTM(
        16,
        stateful=stateful,
        kernel_initializer=keras.initializers.GlorotUniform(seed=0),
        recurrent_initializer=keras.initializers.Orthogonal(seed=1),
    )
    model = keras.Model(inputs, keras.layers.Dense(1)(lstm(inputs)))
    model.compile(optimizer="adam", loss="mse")
    return model


def measure(samples: int = 256, steps: int = 10, batch: int = 32) -> dict[str, Any]:
    t = np.arange(samples * steps + 1, dtype=np.float32)
    series = np.sin(t / 8)
    x = series[:-1].reshape(samples, steps, 1)
    y = series[steps::steps].reshape(samples, 1)
    timings = {}
    for name, size, stateful in (
        ("stateful, batch 1", 1, True),
        (f"stateless, batch {batch}", batch, False),
    ):
        model = _model(size, stateful, steps)
        model.fit(x[:size], y[:size], batch_size=size, epochs=1, verbose=0)  # compile first
        start = time.perf_counter()
        model.fit(x, y, batch_size=size, epochs=1, shuffle=False, verbose=0)
        timings[name] = time.perf_counter() - start
    names = list(timings)
    return {
        "samples": samples,
        "timesteps": steps,
        "seconds": timings,
        "ratio": timings[names[0]] / timings[names[1]],
        "train_steps": {names[0]: samples, names[1]: -(-samples // batch)},
    }
