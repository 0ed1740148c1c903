"""Claim `stateful-helps-when-lahead-small`: "When lahead < tsteps only the stateful model
converges; when lahead >= tsteps both do."

A reduced run of the Keras stateful example: LSTM(20) + Dense(1), adam, mse.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine.checks.keras_only import Result, error_text, finding, max_abs, numpy, states_of
from app.presets import build
from app.scenario import DataSpec

CLAIM = "stateful-helps-when-lahead-small"
SPLIT = 320


def _rmse(lahead: int, stateful: bool) -> tuple[float, float]:
    """The test RMSE after 3 epochs, and the largest state the stateful layer held."""
    import keras

    ds = build(DataSpec(preset="moving_average", tsteps=2, lahead=lahead, input_len=400), 0)
    assert ds.windows is not None
    seq = ds.sequences[0]
    x = np.stack([seq.inputs[list(w.positions)] for w in ds.windows])
    y = np.asarray([seq.targets[w.target_position] for w in ds.windows])[:, None]
    keras.utils.set_random_seed(0)
    inputs = keras.Input(batch_shape=(1, lahead, 1))
    layer = keras.layers.LSTM(20, stateful=stateful)
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    model.compile(optimizer="adam", loss="mse")
    held = 0.0
    for _ in range(3):  # the example: one epoch at a time, reset in between
        model.fit(x[:SPLIT], y[:SPLIT], batch_size=1, epochs=1, shuffle=False, verbose=0)
        if stateful:
            held = max(held, max_abs(states_of(layer)[0]))
            layer.reset_state()
    pred = numpy(model.predict(x[SPLIT:], batch_size=1, verbose=0))
    return float(np.sqrt(np.mean((pred - y[SPLIT:]) ** 2))), held


def check_here() -> Result:
    import keras

    backend = keras.backend.backend()
    rmse: dict[str, Any] = {}
    held = 0.0
    for lahead in (1, 2):
        for stateful in (True, False):
            try:
                err, h = _rmse(lahead, stateful)
            except Exception as exc:  # PyTorch: a stateful LSTM does not train (keras#20875)
                error = error_text(exc)
                return {
                    "verdict": "raises",  # Keras raised: the claim cannot be observed here
                    **finding(CLAIM, "raises", backend=backend, error=error),
                    "evidence": {**rmse, "fit_error": error},
                }
            rmse[f"lahead={lahead} {'stateful' if stateful else 'stateless'}"] = err
            held = max(held, h)
    small = rmse["lahead=1 stateful"] < 0.8 * rmse["lahead=1 stateless"]
    both = max(rmse["lahead=2 stateful"], rmse["lahead=2 stateless"]) < rmse["lahead=1 stateless"]
    verdict = "holds" if small and both else "depends"
    variant = "finding" if verdict == "holds" else "unclear" if held else "not_carried"
    return {
        "verdict": verdict,
        **finding(CLAIM, variant, backend=backend),
        "evidence": {**rmse, "max_abs_state_held_in_fit": held},
    }
