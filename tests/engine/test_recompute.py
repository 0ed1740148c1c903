"""Every recorded batch recomputed timestep by timestep: Keras's numbers on the batch's own
weights and states, batches that can share a call stacked into one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from app.engine import cells, recompute
from app.engine.keras_model import LAYER_CLASSES
from app.engine.records import BatchRecord

ATOL = 1e-5
# (kind, units, stateful): every kind, stateful and stateless layers stacked
LAYERS = [("LSTM", 3, True), ("GRU", 2, False), ("SimpleRNN", 2, True)]
ROWS, STEPS = 2, 4


def _built(layers: list[tuple[str, int, bool]], batch_size: int = ROWS) -> Any:
    """What recompute reads of a built model: its layers' kinds, units and statefulness."""
    return SimpleNamespace(
        spec=SimpleNamespace(
            layers=[SimpleNamespace(kind=k, units=u) for k, u, _ in layers],
        ),
        rnns=[SimpleNamespace(stateful=s) for _, _, s in layers],
        batch_size=batch_size,
    )


def _keras(kind: str, units: int, features: int) -> Any:
    layer = LAYER_CLASSES[kind](units, return_sequences=True, return_state=True)
    layer.build((None, None, features))
    return layer


def _weights(versions: int, rng: np.random.Generator) -> list[list[list[np.ndarray]]]:
    """Random weights in each Keras layer's own shapes, one set per version."""
    out: list[list[list[np.ndarray]]] = [[] for _ in range(versions)]
    features = 1
    for kind, units, _ in LAYERS:
        shapes = [w.shape for w in _keras(kind, units, features).get_weights()]
        for v in range(versions):
            out[v].append([rng.normal(0, 0.5, s).astype(np.float32) for s in shapes])
        features = units
    return out


def _before(rows: int, rng: np.random.Generator) -> list[list[np.ndarray] | None]:
    def states(n: int, units: int) -> list[np.ndarray]:
        return [rng.normal(0, 0.5, (rows, units)).astype(np.float32) for _ in range(n)]

    return [states(2, 3), None, states(1, 2)]


def _record(k: int, version: int, samples: list[int], rng: np.random.Generator) -> BatchRecord:
    x = rng.normal(size=(len(samples), STEPS, 1)).astype(np.float32)
    return BatchRecord(0, "call", 0, k, samples, x, version, _before(ROWS, rng))


def _keras_layers(
    rec: BatchRecord, weights: list[list[list[np.ndarray]]]
) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """Stock Keras layers on the record's weights, each fed the layer below's output:
    per layer, (output sequence, final states)."""
    x, out, features = rec.x, [], 1
    for i, (kind, units, stateful) in enumerate(LAYERS):
        layer = _keras(kind, units, features)
        layer.set_weights(weights[rec.weights_version][i])
        if stateful:
            before = rec.before[i]
            assert before is not None
            rows = before[0].shape[0]
            if x.shape[0] < rows:  # Keras's cell broadcasts a lone row over the state's rows
                x = np.repeat(x, rows, axis=0)
            got = layer(x, initial_state=before)
        else:
            got = layer(x)  # a stateless layer starts from zeros
        seq, *finals = (np.asarray(a) for a in got)
        out.append((seq, finals))
        x, features = seq, units
    return out


@pytest.fixture(scope="module")
def three_batches() -> tuple[Any, list[BatchRecord], list[list[list[np.ndarray]]]]:
    """Three full batches: two on weights version 0, one on version 1."""
    rng = np.random.default_rng(0)
    weights = _weights(2, rng)
    records = [_record(k, v, [2 * k, 2 * k + 1], rng) for k, v in enumerate([0, 0, 1])]
    return _built(LAYERS), records, weights


def test_every_batch_is_keras_on_its_own_weights_and_initial_states(
    three_batches: tuple[Any, list[BatchRecord], list[list[list[np.ndarray]]]],
) -> None:
    built, records, weights = three_batches
    results, _ = recompute.recompute(built, records, weights)
    assert len(results) == len(records)
    for rec, layers in zip(records, results, strict=True):
        for i, (res, (seq, finals)) in enumerate(
            zip(layers, _keras_layers(rec, weights), strict=True)
        ):
            kind, units, _ = LAYERS[i]
            assert res.h.shape == (ROWS, STEPS, units)
            np.testing.assert_allclose(res.h, seq, rtol=0, atol=ATOL)
            assert len(res.final) == len(finals)
            for got, want in zip(res.final, finals, strict=True):
                np.testing.assert_allclose(got, want, rtol=0, atol=ATOL)
            before = rec.before[i]
            want_initial = before if before is not None else [np.zeros((ROWS, units))]
            for got, want in zip(res.initial, want_initial, strict=True):
                np.testing.assert_array_equal(got, want)
            assert (res.c is None) == (kind != "LSTM")
            assert (res.gates is None) == (kind == "SimpleRNN")
            if res.gates is not None:
                assert res.gates.shape == (ROWS, STEPS, {"LSTM": 4, "GRU": 3}[kind], units)


def test_the_other_side_of_each_comparison_is_kept_per_group_and_layer(
    three_batches: tuple[Any, list[BatchRecord], list[list[list[np.ndarray]]]],
) -> None:
    """The two batches on the same weights were one call; each layer keeps our recurrence,
    Keras's cell stepped by hand and the final states Keras's layer returned."""
    built, records, weights = three_batches
    _, checks = recompute.recompute(built, records, weights)
    assert sorted(checks) == [(0, 1), (2,)]
    for idx, group in checks.items():
        keras = [_keras_layers(records[k], weights) for k in idx]
        assert len(group) == len(LAYERS)
        for i, check in enumerate(group):
            seq = np.concatenate([k[i][0] for k in keras])
            np.testing.assert_allclose(check.cell_h, seq, rtol=0, atol=ATOL)
            for s, final in enumerate(check.finals):
                want = np.concatenate([k[i][1][s] for k in keras])
                np.testing.assert_allclose(final, want, rtol=0, atol=ATOL)
            h, c, gates = check.ours
            assert h is not None
            np.testing.assert_allclose(h, seq, rtol=0, atol=ATOL)
            kind = LAYERS[i][0]
            assert (c is None) == (kind != "LSTM") and (gates is None) == (kind == "SimpleRNN")
            if c is not None:  # its last timestep is Keras's final c
                np.testing.assert_allclose(c[:, -1], check.finals[1], rtol=0, atol=ATOL)


def test_a_lone_row_runs_against_every_row_of_a_stateful_layers_state() -> None:
    """A 1-sample last batch of 2-row stateful layers: Keras ran (and the trace shows) 2 rows,
    each from its own state."""
    rng = np.random.default_rng(1)
    weights = _weights(1, rng)
    rec = _record(0, 0, [4], rng)
    assert rec.x.shape[0] == 1
    results, checks = recompute.recompute(_built(LAYERS), [rec], weights)
    assert list(checks) == [(0,)]
    for res, (seq, _) in zip(results[0], _keras_layers(rec, weights), strict=True):
        assert res.h.shape[0] == ROWS
        np.testing.assert_allclose(res.h, seq, rtol=0, atol=ATOL)
    assert not np.allclose(results[0][0].h[0], results[0][0].h[1])


def test_full_batches_on_the_same_weights_are_grouped_and_partial_ones_stand_alone() -> None:
    rng = np.random.default_rng(2)
    sizes_versions = [(2, 0), (2, 0), (1, 0), (2, 1), (2, 0)]
    records = [_record(k, v, list(range(n)), rng) for k, (n, v) in enumerate(sizes_versions)]
    assert recompute.groups(records, batch_size=2) == [[0, 1, 4], [3], [2]]


def test_a_stateful_layer_starts_from_its_records_states_in_order() -> None:
    rng = np.random.default_rng(3)
    records = [_record(k, 0, [2 * k, 2 * k + 1], rng) for k in range(2)]
    built = _built(LAYERS)
    got = recompute.initial_states(built, records, 0, rows_in=4)
    assert len(got) == 2  # h and c
    for s in range(2):
        want = np.concatenate([records[0].before[0][s], records[1].before[0][s]])
        np.testing.assert_array_equal(got[s], want)


def test_a_stateless_layer_starts_from_zeros_one_row_per_input_row() -> None:
    rng = np.random.default_rng(4)
    records = [_record(k, 0, [2 * k, 2 * k + 1], rng) for k in range(2)]
    got = recompute.initial_states(_built(LAYERS), records, 1, rows_in=4)
    assert len(got) == 1 and got[0].shape == (4, 2) and not got[0].any()


def test_warm_up_compiles_the_layer_function_of_every_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recompute, "_LAYER_FUNCTIONS", {})  # as in a new process
    recompute.warm_up()
    assert set(recompute._LAYER_FUNCTIONS) == set(cells.RECURRENCES)
