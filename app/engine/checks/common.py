"""What the claim checks share: small Keras programs on keras and numpy only
(app/engine/checks/keras_only.py), plus the data the explorer's presets build."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine.checks.keras_only import (
    Result,
    finding,
    max_abs,
    numpy,
    seeded_rnn,
    states_of,
    uniform,
)
from app.layout import arrange, chunk
from app.presets import build
from app.scenario import BatchingSpec, DataSpec


def batches(data: dict[str, object], batch_size: int, timesteps: int) -> list[np.ndarray]:
    """The inputs of each batch as the explorer lays them out (app/layout.py): rows are
    samples, lanes by default, so row i of every batch continues row i of the one before."""
    ds = build(DataSpec.model_validate(data), 0)
    spec = BatchingSpec(batch_size=batch_size, timesteps=timesteps)
    samples = arrange(ds, spec).samples
    groups = chunk(list(range(len(samples))), batch_size, "keep")
    return [
        np.stack([ds.sequences[samples[i].sequence].inputs[list(samples[i].positions)] for i in g])
        for g in groups
    ]


def poem_handoff() -> tuple[Any, np.ndarray, list[np.ndarray], np.ndarray]:
    """The poem's two lines in 2 rows, 5 characters per batch, through a stateful LSTM called
    batch after batch: its layer, batch 1's inputs, the states after batch 0 and batch 1's
    outputs (every step's h)."""
    first, second = batches({"preset": "poem"}, 2, 5)
    model, layer = seeded_rnn(2, 5, 4, stateful=True, features=17, return_sequences=True)
    model(first)
    after_first = states_of(layer)
    return layer, second, after_first, numpy(model(second))


__all__ = ["Result", "batches", "finding", "max_abs", "poem_handoff", "seeded_rnn", "uniform"]
