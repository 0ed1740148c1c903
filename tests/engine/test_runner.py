"""The runner drives Keras through a schedule and records what Keras held around every batch."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from app.engine import keras_model
from app.engine import runner as runner_module
from app.engine.records import BatchRecord
from app.engine.runner import Runner
from app.errors import ScenarioError
from app.layout import Sample
from app.scenario import ModelSpec
from tests.conftest import scenario

BATCHING = {"batch_size": 2, "timesteps": 3}
LSTM = {"layers": [{"kind": "LSTM", "units": 3}]}


def _runner(n: int = 6, **parts: Any) -> Runner:
    """A runner on `n` samples of random inputs and targets (the runner only sees arrays)."""
    sc = scenario(**{"batching": BATCHING, "model": LSTM, **parts})
    b, t = sc.batching.batch_size, sc.batching.timesteps
    rng = np.random.default_rng(sc.seed + n)
    x = rng.uniform(-1, 1, (n, t, 2)).astype(np.float32)
    y = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    samples = [Sample(0, tuple(range(k * t, (k + 1) * t)), (k + 1) * t - 1) for k in range(n)]
    built = keras_model.get(sc.model, b, t, 2, 1, "regression", sc.seed)
    return Runner(built, sc, samples, x, y)


def _keras_batch(
    spec: ModelSpec, weights: list[list[np.ndarray]], x: np.ndarray, before: list[Any]
) -> tuple[np.ndarray, list[list[np.ndarray] | None]]:
    """One batch through fresh Keras layers given the weights and the states to start from
    (a stateless layer starts from zeros)."""
    h = x
    after: list[list[np.ndarray] | None] = []
    for i, ls in enumerate(spec.layers):
        layer = getattr(keras.layers, ls.kind)(
            ls.units, return_sequences=spec.returns_sequences(i), return_state=True
        )
        layer.build(h.shape)
        layer.set_weights(weights[i])
        h, *states = layer(h, initial_state=before[i] if ls.stateful else None)
        after.append([np.asarray(s) for s in states] if ls.stateful else None)
    kernel, bias = weights[-1]
    return np.asarray(h) @ kernel + bias, after


def _zeros(spec: ModelSpec, rows: int) -> list[Any]:
    n_states = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}
    return [
        [np.zeros((rows, ls.units), np.float32)] * n_states[ls.kind] if ls.stateful else None
        for ls in spec.layers
    ]


def _assert_states(ours: list[Any], keras_states: list[Any]) -> None:
    assert len(ours) == len(keras_states)
    for a, b in zip(ours, keras_states, strict=True):
        if b is None:
            assert a is None
        else:
            assert len(a) == len(b)
            for s, t in zip(a, b, strict=True):
                np.testing.assert_allclose(s, t, atol=1e-5)


def _check_against_keras(r: Runner, records: list[BatchRecord]) -> None:
    """Every record against Keras's own layers, the state carried by us from zeros."""
    spec = r.scenario.model
    carried = _zeros(spec, r.built.batch_size)
    for rec in records:
        np.testing.assert_array_equal(rec.x, r.x[rec.samples])
        _assert_states(rec.before, carried)
        outputs, carried = _keras_batch(spec, r.weights[rec.weights_version], rec.x, carried)
        _assert_states(rec.after, carried)
        if rec.loss is not None:
            loss = np.mean((outputs - r.y[rec.samples]) ** 2)
            np.testing.assert_allclose(rec.loss, loss, rtol=1e-5, atol=1e-7)
        else:
            assert rec.outputs is not None
            np.testing.assert_allclose(rec.outputs, outputs, atol=1e-5)


@pytest.mark.parametrize(
    ("op", "model"),
    [
        pytest.param("call", LSTM, id="call"),
        pytest.param("predict_on_batch", LSTM, id="predict_on_batch"),
        pytest.param("predict", LSTM, id="predict"),
        # the compiled loop hands back every state variable in one row: split per layer
        pytest.param(
            "call",
            {"layers": [{"kind": "GRU", "units": 2}, {"kind": "LSTM", "units": 3}]},
            id="call-GRU-LSTM",
        ),
        pytest.param(
            "call",
            {"layers": [{"kind": "LSTM", "units": 3}, {"kind": "SimpleRNN", "stateful": False}]},
            id="call-stateless-second",
        ),
    ],
)
def test_inference_records_what_keras_layers_compute_batch_after_batch(
    op: str, model: dict[str, Any]
) -> None:
    r = _runner(model=model, ops=[{"op": op, "epochs": 2} if op != "predict" else {"op": op}])
    records = r.run()
    batches = 3 * (1 if op == "predict" else 2)
    assert [(rec.op, rec.batch) for rec in records] == [(op, k % 3) for k in range(batches)]
    assert [rec.samples for rec in records[:3]] == [[0, 1], [2, 3], [4, 5]]
    _check_against_keras(r, records)


@pytest.mark.parametrize(
    "op",
    [
        {"op": "train_on_batch", "epochs": 2},
        {"op": "fit", "epochs": 2},
        {"op": "fit", "epochs": 2, "shuffle": True},
    ],
    ids=["train_on_batch", "fit", "fit-shuffle"],
)
def test_training_records_the_loss_keras_computed_with_the_weights_before_each_batch(
    op: dict[str, Any],
) -> None:
    r = _runner(ops=[op])
    records = r.run()
    assert [rec.epoch for rec in records] == [0, 0, 0, 1, 1, 1]
    # every batch trains: each one runs on the weights the previous one left
    assert [rec.weights_version for rec in records] == list(range(6))
    assert not np.array_equal(r.weights[0][0][0], r.weights[5][0][0])
    _check_against_keras(r, records)


def test_fit_with_shuffle_feeds_every_epoch_its_own_permutation_of_all_samples() -> None:
    r = _runner(n=8, ops=[{"op": "fit", "epochs": 2, "shuffle": True}])
    records = r.run()
    epochs = [[s for rec in records if rec.epoch == e for s in rec.samples] for e in (0, 1)]
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(8))
    assert epochs[0] != epochs[1] and list(range(8)) not in epochs


def test_batching_shuffle_feeds_the_rows_in_the_shuffled_order() -> None:
    r = _runner(n=8, batching={**BATCHING, "shuffle": True, "shuffle_seed": 3})
    records = r.run()
    fed = [s for rec in records for s in rec.samples]
    assert fed == r.order and sorted(fed) == list(range(8)) and fed != list(range(8))
    _check_against_keras(r, records)


@pytest.mark.parametrize(
    ("reset", "resets_before"),
    [
        # 3 batches an epoch, 2 epochs, then one more epoch in a second op
        pytest.param({"reset": "epoch_end"}, [3, 6], id="epoch_end"),  # lands on the next op
        # each op counts its own batches: the second op's batch 2 is batch 8 of the run
        pytest.param({"reset": "every_n_batches", "every": 2}, [2, 4, 8], id="every_2"),
    ],
)
def test_the_compiled_call_loop_resets_where_the_per_batch_loop_does(
    reset: dict[str, Any], resets_before: list[int]
) -> None:
    runs = {}
    for op in ("call", "predict_on_batch"):
        r = _runner(ops=[{"op": op, "epochs": 2}, {"op": op}], **reset)
        runs[op] = r.run()
        cause = "epoch_end" if reset["reset"] == "epoch_end" else "reset_every"
        assert [k for k, rec in enumerate(runs[op]) if rec.events] == resets_before
        for k in resets_before:
            assert [(e.layer, e.kind, e.cause) for e in runs[op][k].events] == [(0, "reset", cause)]
            assert not any(s.any() for s in runs[op][k].before[0])  # type: ignore[union-attr]
        assert runs[op][1].before[0][0].any()  # type: ignore[index]
    for compiled, stepped in zip(runs["call"], runs["predict_on_batch"], strict=True):
        np.testing.assert_allclose(compiled.outputs, stepped.outputs, atol=1e-6)  # type: ignore[arg-type]


def test_a_schedule_without_batches_still_records_the_initial_weights() -> None:
    r = _runner(ops=[{"op": "reset_states"}])
    assert r.run() == []
    assert len(r.weights) == 1
    for ours, layer in zip(r.weights[0], r.built.layers, strict=True):
        for a, b in zip(ours, layer.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_set_state_on_a_stateless_layer_is_refused() -> None:
    r = _runner(
        model={"layers": [{"units": 3, "stateful": False}]},
        ops=[{"op": "call"}, {"op": "set_state", "values": [[0.0] * 3] * 2}],
    )
    with pytest.raises(ScenarioError) as info:
        r.run()
    assert info.value.code == "set_state_stateless"
    assert info.value.detail == {
        "field": "schedule.ops[1]",
        "op_index": 1,
        "layer": 0,
    }


def test_dropping_the_partial_batch_of_too_few_samples_is_refused() -> None:
    r = _runner(n=3, batching={"batch_size": 4, "timesteps": 3, "partial": "drop"})
    with pytest.raises(ScenarioError) as info:
        r.run()
    assert info.value.code == "batch_not_filled"
    assert info.value.detail["samples"] == 3 and info.value.detail["batch_size"] == 4


@pytest.mark.parametrize("op", ["call", "train_on_batch"])
def test_a_schedule_running_more_batches_than_the_limit_is_refused(
    op: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "MAX_BATCHES_RUN", 4)
    r = _runner(ops=[{"op": op, "epochs": 2}])
    with pytest.raises(ScenarioError) as info:
        r.run()
    assert info.value.code == "too_many_batches" and info.value.detail["limit"] == 4
    if op == "train_on_batch":  # refused before Keras ran the fifth batch
        assert len(r.records) == 5 and r.records[-1].loss is None
