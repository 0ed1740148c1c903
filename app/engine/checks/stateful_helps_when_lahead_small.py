"""Claim `stateful-helps-when-lahead-small`: "When lahead < tsteps only the stateful model
converges; when lahead >= tsteps both do."

A reduced run of the Keras stateful example: LSTM(20) + Dense(1), adam, mse.
"""

from __future__ import annotations

import keras
import numpy as np

from app.engine.checks.common import Result, finding

CLAIM = "stateful-helps-when-lahead-small"


def check() -> Result:
    from app.presets import build
    from app.scenario import DataSpec

    rmse = {}
    for lahead in (1, 2):
        ds = build(DataSpec(preset="moving_average", tsteps=2, lahead=lahead, input_len=400), 0)
        assert ds.windows is not None
        seq = ds.sequences[0]
        x = np.stack([seq.inputs[list(w.positions)] for w in ds.windows])
        y = np.asarray([seq.targets[w.target_position] for w in ds.windows])[:, None]
        split = 320
        for stateful in (True, False):
            keras.utils.set_random_seed(0)
            inputs = keras.Input(batch_shape=(1, lahead, 1))
            out = keras.layers.Dense(1)(keras.layers.LSTM(20, stateful=stateful)(inputs))
            model = keras.Model(inputs, out)
            model.compile(optimizer="adam", loss="mse")
            for _ in range(3):  # the example: one epoch at a time, reset in between
                model.fit(x[:split], y[:split], batch_size=1, epochs=1, shuffle=False, verbose=0)
                for layer in model.layers:
                    if getattr(layer, "stateful", False):
                        layer.reset_state()
            pred = np.asarray(model.predict(x[split:], batch_size=1, verbose=0))
            rmse[f"lahead={lahead} {'stateful' if stateful else 'stateless'}"] = float(
                np.sqrt(np.mean((pred - y[split:]) ** 2))
            )
    small = rmse["lahead=1 stateful"] < 0.8 * rmse["lahead=1 stateless"]
    both = max(rmse["lahead=2 stateful"], rmse["lahead=2 stateless"]) < rmse["lahead=1 stateless"]
    verdict = "holds" if small and both else "depends"
    return {
        "verdict": verdict,
        **finding(
            CLAIM,
            "finding" if verdict == "holds" else "unclear",
        ),
        "evidence": rmse,
    }
