"""The cost of statefulness: one epoch of a stateful model fed one sample per batch against one
batched stateless epoch, on the same windows of a sine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from app.engine import cost

SAMPLES, STEPS, BATCH = 6, 3, 4


@dataclass
class Measured:
    result: dict[str, Any]
    models: list[Any] = field(default_factory=list)
    fits: list[list[tuple[tuple[Any, ...], dict[str, Any]]]] = field(default_factory=list)


@pytest.fixture(scope="module")
def measured() -> Iterator[Measured]:
    """One small measurement, with every model it built and every fit() call it made."""
    out = Measured({})
    build = cost._model

    def spying(batch: int, stateful: bool, steps: int) -> Any:
        model = build(batch, stateful, steps)
        calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        fit = model.fit

        def recorded(*args: Any, **kwargs: Any) -> Any:
            calls.append((args, kwargs))
            return fit(*args, **kwargs)

        object.__setattr__(model, "fit", recorded)  # not a tracked Keras attribute
        out.models.append(model)
        out.fits.append(calls)
        return model

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cost, "_model", spying)
        out.result = cost.measure(samples=SAMPLES, steps=STEPS, batch=BATCH)
    yield out


def test_the_stateful_model_takes_one_sample_per_batch_and_the_other_batches(
    measured: Measured,
) -> None:
    stateful, stateless = measured.models
    assert stateful.inputs[0].shape[0] == 1 and stateless.inputs[0].shape[0] == BATCH
    assert [layer.stateful for layer in stateful.layers if hasattr(layer, "stateful")] == [True]
    assert [layer.stateful for layer in stateless.layers if hasattr(layer, "stateful")] == [False]


def test_each_model_ran_as_many_train_steps_as_reported(measured: Measured) -> None:
    """Keras's own step counter: one step of the compiling fit, then the measured epoch."""
    steps = measured.result["train_steps"]
    assert steps == {"stateful, batch 1": SAMPLES, f"stateless, batch {BATCH}": 2}
    for model, reported in zip(measured.models, steps.values(), strict=True):
        assert int(model.optimizer.iterations.numpy()) == 1 + reported


def test_both_models_are_timed_on_one_ordered_epoch_of_the_same_windows(
    measured: Measured,
) -> None:
    """Each window is STEPS consecutive values of sin(t / 8), its target the value after it."""
    t = np.arange(SAMPLES * STEPS, dtype=np.float64).reshape(SAMPLES, STEPS)
    want_x, want_y = np.sin(t / 8), np.sin((t[:, -1] + 1) / 8)
    for size, calls in zip([1, BATCH], measured.fits, strict=True):
        assert len(calls) == 2  # the compiling fit, then the timed one
        (x, y), kwargs = calls[1]
        assert x.shape == (SAMPLES, STEPS, 1) and y.shape == (SAMPLES, 1)
        np.testing.assert_allclose(x[..., 0], want_x, rtol=0, atol=1e-6)
        np.testing.assert_allclose(y[:, 0], want_y, rtol=0, atol=1e-6)
        assert kwargs == {"batch_size": size, "epochs": 1, "shuffle": False, "verbose": 0}


def test_the_ratio_is_the_stateful_epochs_time_over_the_stateless_ones(
    measured: Measured,
) -> None:
    r = measured.result
    assert (r["samples"], r["timesteps"]) == (SAMPLES, STEPS)
    assert list(r["seconds"]) == ["stateful, batch 1", f"stateless, batch {BATCH}"]
    first, second = r["seconds"].values()
    assert r["ratio"] == pytest.approx(first / second)
