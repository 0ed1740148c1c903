"""`python -m app.engine.layer_check`: a trace's h checked against this backend's own stock layers
and a NumPy recurrence (here on TensorFlow; tests/engine/test_backends.py runs it on JAX)."""

from __future__ import annotations

import copy
import io
import json
import sys
from typing import Any

import keras
import numpy as np
import pytest

from app.engine import layer_check

KINDS = ["LSTM", "GRU", "SimpleRNN"]


def _layer(kind: str, units: int, features: int) -> Any:
    layer = getattr(keras.layers, kind)(units, return_sequences=True)
    layer.build((None, None, features))
    return layer


def _n_states(kind: str) -> int:
    return 2 if kind == "LSTM" else 1


def _random_weights(layer: Any, rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.normal(0, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()]


@pytest.mark.parametrize("kind", KINDS)
def test_the_numpy_recurrence_is_the_keras_layers_h_in_float64(kind: str) -> None:
    rng = np.random.default_rng(0)
    layer = _layer(kind, 3, 2)
    weights = _random_weights(layer, rng)
    layer.set_weights(weights)
    x = rng.normal(size=(4, 5, 2)).astype(np.float32)
    states = [rng.normal(0, 0.5, (4, 3)).astype(np.float32) for _ in range(_n_states(kind))]
    want = np.asarray(layer(x, initial_state=states))
    got = layer_check.recurrence(kind, x, states, weights)
    assert got.dtype == np.float64 and got.shape == (4, 5, 3)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


@pytest.fixture(scope="module")
def trace_data() -> dict[str, Any]:
    """A trace's numbers in the JSON form layer_check reads (app/api/backends.py's
    layer_check_data): an LSTM under a GRU, two batches on different weights (each batch's
    own must be set), h from stock Keras layers on TensorFlow."""
    rng = np.random.default_rng(1)
    kinds, units = ["LSTM", "GRU"], [3, 2]
    batches = []
    for _ in range(2):
        x = rng.normal(size=(2, 4, 1)).astype(np.float32)
        inputs, layers = x, []
        for kind, n, features in zip(kinds, units, [1, 3], strict=True):
            layer = _layer(kind, n, features)
            weights = _random_weights(layer, rng)
            layer.set_weights(weights)
            initial = [
                rng.normal(0, 0.5, (2, n)).astype(np.float32) for _ in range(_n_states(kind))
            ]
            h = np.asarray(layer(inputs, initial_state=initial))
            layers.append(
                {
                    "initial": [s.tolist() for s in initial],
                    "weights": [w.tolist() for w in weights],
                    "h": h.tolist(),
                }
            )
            inputs = h
        batches.append({"x": x.tolist(), "layers": layers})
    return {"kinds": kinds, "units": units, "batches": batches}


@pytest.fixture
def data(trace_data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(trace_data)


def test_a_trace_of_keras_numbers_agrees_with_this_backend_and_numpy(
    data: dict[str, Any],
) -> None:
    got = layer_check.check(data)
    assert got["backend"] == "tensorflow" and got["batches"] == 2
    assert 0 <= got["max_abs_diff_vs_trace"] <= 1e-5
    assert 0 <= got["max_abs_diff_vs_numpy"] <= 1e-5


def test_a_trace_showing_other_numbers_is_caught_against_the_trace_only(
    data: dict[str, Any],
) -> None:
    """The second batch's GRU h off by 0.01 at one value: the layers' own h differ from the
    trace's by that much, while they still agree with the NumPy recurrence."""
    data["batches"][1]["layers"][1]["h"][1][2][0] += 0.01
    got = layer_check.check(data)
    assert got["max_abs_diff_vs_trace"] == pytest.approx(0.01, rel=1e-3)
    assert got["max_abs_diff_vs_numpy"] <= 1e-5


def test_it_reads_json_on_stdin_and_prints_one_json_line(
    data: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(data)))
    assert layer_check.main() == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    got = json.loads(out)
    assert set(got) == {"backend", "batches", "max_abs_diff_vs_trace", "max_abs_diff_vs_numpy"}
    assert got["batches"] == 2 and got["max_abs_diff_vs_trace"] <= 1e-5
