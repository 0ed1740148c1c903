"""Our own recurrences in plain TensorFlow ops: the same numbers as Keras's layers, every
timestep, for each layer kind."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.engine import cells
from app.engine.keras_model import LAYER_CLASSES

KINDS = ["LSTM", "GRU", "SimpleRNN"]
ATOL = 1e-5


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _keras_layer(
    kind: str, units: int, features: int, seed: int = 0
) -> tuple[Any, list[np.ndarray]]:
    """A stock Keras layer of `kind` on random weights (its own shapes), and those weights."""
    rng = np.random.default_rng(seed)
    layer = LAYER_CLASSES[kind](units, return_sequences=True, return_state=True)
    layer.build((None, None, features))
    weights = [rng.normal(0, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    return layer, weights


def _states(kind: str, rows: int, units: int, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 2 if kind == "LSTM" else 1
    return [rng.normal(0, 0.5, (rows, units)).astype(np.float32) for _ in range(n)]


def _x(rows: int, steps: int, features: int, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(rows, steps, features)).astype(np.float32)


@pytest.mark.parametrize("kind", KINDS)
def test_h_at_every_timestep_is_the_keras_layers_output_sequence(kind: str) -> None:
    layer, weights = _keras_layer(kind, units=3, features=2)
    x, states = _x(4, 5, 2), _states(kind, 4, 3)
    seq, *finals = (np.asarray(a) for a in layer(x, initial_state=states))
    h, c, _ = cells.step(kind, x, states, weights)
    assert h.shape == (4, 5, 3)
    np.testing.assert_allclose(h, seq, rtol=0, atol=ATOL)
    np.testing.assert_allclose(h[:, -1], finals[0], rtol=0, atol=ATOL)
    if kind == "LSTM":
        assert c is not None
        np.testing.assert_allclose(c[:, -1], finals[1], rtol=0, atol=ATOL)
    else:
        assert c is None


def test_c_at_every_timestep_is_the_final_c_of_keras_on_that_prefix() -> None:
    """Keras returns only the last c: the layer run on the first t+1 timesteps gives c_t."""
    layer, weights = _keras_layer("LSTM", units=4, features=2)
    x, states = _x(3, 4, 2), _states("LSTM", 3, 4)
    _, c, _ = cells.step("LSTM", x, states, weights)
    assert c is not None and c.shape == (3, 4, 4)
    for t in range(4):
        _, _, keras_c = layer(x[:, : t + 1], initial_state=states)
        np.testing.assert_allclose(c[:, t], np.asarray(keras_c), rtol=0, atol=ATOL)


def test_lstm_gates_are_formed_from_keras_weight_layout_and_rebuild_c_and_h() -> None:
    """Gates (i, f, g, o) in Keras's kernel order; c_t = f c_{t-1} + i g and h_t = o tanh(c_t)."""
    units = 3
    _, weights = _keras_layer("LSTM", units=units, features=2)
    x, (h0, c0) = _x(2, 4, 2), _states("LSTM", 2, units)
    h, c, gates = cells.step("LSTM", x, [h0, c0], weights)
    assert c is not None and gates is not None and gates.shape == (2, 4, 4, units)
    kernel, recurrent, bias = (w.astype(np.float64) for w in weights)
    zi, zf, zg, zo = np.split(x[:, 0] @ kernel + h0 @ recurrent + bias, 4, axis=1)
    first = np.stack([_sigmoid(zi), _sigmoid(zf), np.tanh(zg), _sigmoid(zo)], axis=1)
    np.testing.assert_allclose(gates[:, 0], first, rtol=0, atol=ATOL)
    i, f, g, o = (gates[:, :, k] for k in range(4))
    before = np.concatenate([c0[:, None], c[:, :-1]], axis=1)
    np.testing.assert_allclose(c, f * before + i * g, rtol=0, atol=ATOL)
    np.testing.assert_allclose(h, o * np.tanh(c), rtol=0, atol=ATOL)


def test_gru_gates_reset_after_the_recurrent_product_and_rebuild_h() -> None:
    """Keras 3's GRU (reset_after=True): hh = tanh(x W_h + b_h + r (h U_h + b'_h)) with the
    stacked (input, recurrent) bias, and h_t = z h_{t-1} + (1 - z) hh."""
    units = 3
    _, weights = _keras_layer("GRU", units=units, features=2)
    x, (h0,) = _x(2, 4, 2), _states("GRU", 2, units)
    h, c, gates = cells.step("GRU", x, [h0], weights)
    assert c is None and gates is not None and gates.shape == (2, 4, 3, units)
    kernel, recurrent, bias = (w.astype(np.float64) for w in weights)
    xz, xr, xh = np.split(x[:, 0] @ kernel + bias[0], 3, axis=1)
    rz, rr, rh = np.split(h0 @ recurrent + bias[1], 3, axis=1)
    z, r = _sigmoid(xz + rz), _sigmoid(xr + rr)
    first = np.stack([z, r, np.tanh(xh + r * rh)], axis=1)
    np.testing.assert_allclose(gates[:, 0], first, rtol=0, atol=ATOL)
    z, hh = gates[:, :, 0], gates[:, :, 2]
    before = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    np.testing.assert_allclose(h, z * before + (1 - z) * hh, rtol=0, atol=ATOL)


def test_simple_rnn_has_neither_c_nor_gates() -> None:
    _, weights = _keras_layer("SimpleRNN", units=2, features=1)
    h, c, gates = cells.step("SimpleRNN", _x(2, 3, 1), _states("SimpleRNN", 2, 2), weights)
    assert h.shape == (2, 3, 2) and c is None and gates is None


@pytest.mark.parametrize("kind", KINDS)
def test_one_input_row_runs_against_every_state_row_as_keras_does_with_it_repeated(
    kind: str,
) -> None:
    layer, weights = _keras_layer(kind, units=3, features=2)
    x, states = _x(1, 4, 2), _states(kind, 3, 3)
    h, _, _ = cells.step(kind, x, states, weights)
    seq = np.asarray(layer(np.repeat(x, 3, axis=0), initial_state=states)[0])
    assert h.shape == (3, 4, 3)
    np.testing.assert_allclose(h, seq, rtol=0, atol=ATOL)
    assert not np.allclose(h[0], h[1])  # each row went on from its own state


@pytest.mark.parametrize("kind", KINDS)
def test_zero_weights_are_shaped_like_the_keras_layers_weights(kind: str) -> None:
    layer = LAYER_CLASSES[kind](4)
    layer.build((None, 5, 3))
    want = [w.shape for w in layer.get_weights()]
    got = cells.zero_weights(kind, features=3, units=4)
    assert [w.shape for w in got] == want
    assert all(w.dtype == np.float32 and not w.any() for w in got)


@pytest.mark.parametrize(("kind", "n"), [("LSTM", 2), ("GRU", 1), ("SimpleRNN", 1)])
def test_zero_states_are_one_zero_matrix_per_keras_state(kind: str, n: int) -> None:
    states = cells.zero_states(kind, rows=3, units=2)
    assert len(states) == n
    assert all(s.shape == (3, 2) and s.dtype == np.float32 and not s.any() for s in states)


def test_zero_weights_from_zero_states_keep_h_and_c_at_zero_with_half_open_gates() -> None:
    """sigmoid(0) = 1/2 and tanh(0) = 0: c = f c + i g stays 0, so h does too."""
    h, c, gates = cells.step(
        "LSTM", _x(2, 3, 1), cells.zero_states("LSTM", 2, 2), cells.zero_weights("LSTM", 1, 2)
    )
    assert c is not None and gates is not None
    assert not h.any() and not c.any()
    np.testing.assert_array_equal(gates[0, 0, :, 0], [0.5, 0.5, 0.0, 0.5])


@pytest.mark.parametrize("kind", KINDS)
def test_one_compiled_function_serves_every_size(kind: str) -> None:
    """No batch size, unit count, length or feature count traces the recurrence again."""
    function = cells.RECURRENCES[kind]
    cells.step(kind, _x(2, 3, 1), cells.zero_states(kind, 2, 2), cells.zero_weights(kind, 1, 2))
    traced = function.experimental_get_tracing_count()
    assert traced >= 1
    for rows, steps, features, units in [(3, 5, 2, 4), (1, 2, 3, 3), (4, 4, 1, 2)]:
        h, _, _ = cells.step(
            kind,
            _x(rows, steps, features),
            cells.zero_states(kind, rows, units),
            cells.zero_weights(kind, features, units),
        )
        assert h.shape == (rows, steps, units)
    assert function.experimental_get_tracing_count() == traced
