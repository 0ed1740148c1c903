"""The Keras stateful example (moving average) run for one (tsteps, lahead, batch_size)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from app.engine import experiment

TSTEPS, LAHEAD, BATCH, INPUT_LEN, EPOCHS, SEED = 2, 2, 4, 50, 2, 3


@pytest.fixture(scope="module")
def ran() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    result = experiment.run(
        TSTEPS, LAHEAD, BATCH, INPUT_LEN, EPOCHS, SEED, events.append, lambda: False
    )
    return result, events


def test_train_and_test_windows_are_whole_batches_of_an_80_20_split(
    ran: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    result, _ = ran
    # 50 windows: 40 for training (10 batches of 4); of the 10 left, 2 whole batches
    assert (result["train_windows"], result["test_windows"]) == (40, 8)
    assert (result["tsteps"], result["lahead"], result["batch_size"]) == (TSTEPS, LAHEAD, BATCH)


def test_expected_values_are_the_rolling_means_of_the_examples_noise(
    ran: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    result, _ = ran
    # the example's data: uniform noise in [-0.1, 0.1), target = mean of the last tsteps values;
    # the first max(tsteps, lahead) - 1 values have no full window
    drop = max(TSTEPS, LAHEAD) - 1
    noise = np.random.RandomState(SEED).uniform(-0.1, 0.1, INPUT_LEN + drop)
    means = [noise[t - TSTEPS + 1 : t + 1].mean() for t in range(drop, len(noise))]
    np.testing.assert_allclose(result["expected"], means[40:48], atol=1e-7)


def test_each_rmse_is_that_of_its_shown_predictions(
    ran: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    result, _ = ran
    expected = np.asarray(result["expected"])
    for model in ("stateful", "stateless"):
        predicted = np.asarray(result[f"predicted_{model}"])
        assert predicted.shape == expected.shape == (8,)  # every test window is shown
        rmse = math.sqrt(np.mean((predicted - expected) ** 2))
        assert result[f"rmse_{model}"] == pytest.approx(rmse, rel=1e-5)
    # two models, trained apart
    assert result["predicted_stateful"] != result["predicted_stateless"]


def test_progress_reports_every_stateful_epoch_then_the_stateless_fit(
    ran: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, events = ran
    # 10 batches an epoch: fewer than 20, so every batch is reported
    steps = [(e, b) for e in range(EPOCHS) for b in range(1, 11)]
    assert [(e["phase"], e["epoch"], e["batch"]) for e in events] == [
        *(("stateful", e, b) for e, b in steps),
        *(("stateless", e, b) for e, b in steps),
    ]
    assert all(e["batches"] == 10 for e in events)
    assert all(math.isfinite(e["loss"]) and e["loss"] >= 0 for e in events)


@pytest.mark.parametrize("after", [0, 3])
def test_cancelling_stops_training_at_the_next_batch(after: int) -> None:
    events: list[dict[str, Any]] = []
    with pytest.raises(experiment.Cancelled):
        experiment.run(
            TSTEPS,
            LAHEAD,
            BATCH,
            INPUT_LEN,
            EPOCHS,
            SEED,
            events.append,
            lambda: len(events) >= after,
        )
    assert len(events) == after


def test_the_stateful_and_stateless_models_start_from_the_same_seeded_weights() -> None:
    stateful = experiment._model(True, BATCH, LAHEAD, SEED)
    stateless = experiment._model(False, BATCH, LAHEAD, SEED)
    other_seed = experiment._model(True, BATCH, LAHEAD, SEED + 1)
    assert stateful.layers[1].stateful and not stateless.layers[1].stateful
    assert stateful.input_shape == (BATCH, LAHEAD, 1)
    for a, b in zip(stateful.get_weights(), stateless.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(stateful.get_weights()[0], other_seed.get_weights()[0])


@pytest.mark.parametrize(
    ("lahead", "batch_size", "expected"),
    [
        # row i of the next batch holds the window batch_size positions later: it continues
        # when the windows are batch_size long, else it skips or repeats the difference
        (1, 1, {"kind": "continues", "reason": None, "gap": 0}),
        (2, 2, {"kind": "continues", "reason": None, "gap": 0}),
        (1, 2, {"kind": "mismatch", "reason": "gap", "gap": 1}),
        (3, 5, {"kind": "mismatch", "reason": "gap", "gap": 2}),
        (2, 1, {"kind": "mismatch", "reason": "overlap", "gap": -1}),
    ],
)
def test_continuity_says_whether_row_i_continues_from_batch_to_batch(
    lahead: int, batch_size: int, expected: dict[str, Any]
) -> None:
    assert experiment.continuity(lahead, batch_size) == expected


def test_the_result_carries_the_continuity_of_its_windows(
    ran: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    result, _ = ran
    assert result["continuity"] == {"kind": "mismatch", "reason": "gap", "gap": BATCH - LAHEAD}


@pytest.mark.parametrize("input_len", [50, 77, 400])
def test_the_api_refuses_exactly_the_splits_that_leave_a_part_without_a_whole_batch(
    input_len: int,
) -> None:
    """app/api/experiments.py prices the split without building it: both must agree."""
    from app.api.experiments import fits

    for batch in range(1, 65):
        x_train, _, x_test, _ = experiment._data(TSTEPS, LAHEAD, batch, input_len, SEED)
        whole = len(x_train) >= batch and len(x_test) >= batch
        assert fits(batch, input_len) == whole, (batch, input_len)


def test_the_largest_fitting_batch_the_api_names_runs_in_keras() -> None:
    result = experiment.run(TSTEPS, LAHEAD, 25, 50, 1, SEED, lambda _: None, lambda: False)
    assert (result["train_windows"], result["test_windows"]) == (25, 25)
