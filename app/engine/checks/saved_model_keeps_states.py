"""Claim `saved-model-keeps-states`: "model.save() and keras.models.load_model() keep a stateful
layer's states."
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.engine.checks.keras_only import (
    Result,
    finding,
    max_abs,
    numpy,
    seeded_rnn,
    short,
    uniform,
)

CLAIM = "saved-model-keeps-states"


def check_here() -> Result:
    import keras

    model, layer = seeded_rnn(2, 3, 4, stateful=True)
    model(uniform(2, 3, 1))  # a state to keep
    before = max_abs(numpy(layer.states[0]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        loaded = keras.models.load_model(path)
    twin = next(x for x in loaded.layers if isinstance(x, keras.layers.LSTM))
    after = max_abs(numpy(twin.states[0]))
    kept = before > 0 and abs(after - before) < 1e-6
    backend = keras.backend.backend()
    return {
        "verdict": "holds" if kept else "does_not_hold",
        **finding(
            CLAIM,
            "kept" if kept else "dropped",
            backend=backend,
            before=short(before),
            after=short(after),
        ),
        "evidence": {"max_abs_h_saved": before, "max_abs_h_loaded": after},
    }
