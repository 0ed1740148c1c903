"""Gradients at the boundary: d(batch loss)/d every state of every training batch, checked by
finite differences through Keras's own stock layers (not the cells the gradients come from)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from app.engine import tracer
from app.engine.gradients import BatchGrad
from app.errors import VerificationFailed
from app.scenario import Scenario

FIT = {
    "data": {"preset": "ramp", "length": 40},
    "batching": {"batch_size": 2, "timesteps": 5},
    "model": {"layers": [{"units": 4}]},
    "schedule": {"ops": [{"op": "fit", "epochs": 2}, {"op": "predict"}]},
}


@pytest.fixture(scope="module")
def fit() -> tracer.Trace:
    return tracer.run(Scenario.model_validate(FIT))


def _loss_from(t: tracer.Trace, k: int, start: int, h0: np.ndarray, c0: np.ndarray) -> float:
    """Batch k's loss when Keras's stock LSTM layer runs timesteps start.. from (h0, c0), on
    the weights the batch was trained from, then the model's head and its compiled loss."""
    rec, weights = t.records[k], t.weights[t.records[k].weights_version]
    layer = keras.layers.LSTM(4)
    head = keras.layers.Dense(1)
    x = rec.x[:, start:]
    out = layer(x, initial_state=[h0, c0])
    layer.set_weights(weights[0])
    head(out)
    head.set_weights(weights[1])
    pred = head(layer(x, initial_state=[h0.astype(np.float32), c0.astype(np.float32)]))
    return float(keras.losses.MeanSquaredError()(t.targets[rec.samples], pred))


def _directional(f: Any, at: np.ndarray, direction: np.ndarray, eps: float = 1e-2) -> float:
    u = direction / np.linalg.norm(direction)
    return (f(at + eps * u) - f(at - eps * u)) / (2 * eps)


def test_only_training_batches_have_gradients_and_their_loss_is_keras(fit: tracer.Trace) -> None:
    d = fit.to_dict()
    for b in d["batches"]:
        layer = b["layers"][0]
        if b["op"] == "fit":
            assert np.asarray(layer["grad"]["h"]).shape == np.asarray(layer["h"]).shape
            assert np.asarray(layer["grad"]["c"]).shape == np.asarray(layer["c"]).shape
            assert np.asarray(layer["grad_initial"]["h"]).shape == (2, 4)
            assert b["grad_loss"] == pytest.approx(b["loss"], rel=1e-5)
        else:
            assert layer["grad"] is None and layer["grad_initial"] is None
    assert d["verification"]["quantities"]["loss"]["values"] == 8


def test_gradient_at_the_boundary_matches_finite_differences_through_keras(
    fit: tracer.Trace,
) -> None:
    """d loss / d (initial h, c) of a batch in the middle of the run: what the previous batch
    would receive if Keras backpropagated across the boundary. Perturbing the initial state of
    Keras's own layer changes the loss by exactly that much."""
    k = 3
    grad = fit.grads[k]
    assert isinstance(grad, BatchGrad)
    init = fit.results[k][0].initial
    assert np.abs(init[0]).max() > 0  # a carried state, not zeros
    g_h, g_c = grad.layers[0].initial  # type: ignore[misc]
    fd_h = _directional(lambda h: _loss_from(fit, k, 0, h, init[1]), init[0], g_h)
    fd_c = _directional(lambda c: _loss_from(fit, k, 0, init[0], c), init[1], g_c)
    assert fd_h == pytest.approx(np.linalg.norm(g_h), rel=2e-2)
    assert fd_c == pytest.approx(np.linalg.norm(g_c), rel=2e-2)


@pytest.mark.parametrize("t", [0, 2])
def test_gradient_inside_the_batch_matches_finite_differences_through_keras(
    fit: tracer.Trace, t: int
) -> None:
    """d loss / d (h_t, c_t) inside a batch: Keras's layer restarted at t + 1 from the
    perturbed state (the last layer returns only its last h, so h_t reaches the loss only
    through the timesteps after it)."""
    k = 5
    grad = fit.grads[k]
    assert isinstance(grad, BatchGrad)
    res = fit.results[k][0]
    h_t, c_t = res.h[:, t], res.c[:, t]  # type: ignore[index]
    g_h, g_c = (s[:, t] for s in grad.layers[0].states)
    fd_h = _directional(lambda h: _loss_from(fit, k, t + 1, h, c_t), h_t, g_h)
    fd_c = _directional(lambda c: _loss_from(fit, k, t + 1, h_t, c), c_t, g_c)
    assert fd_h == pytest.approx(np.linalg.norm(g_h), rel=2e-2)
    assert fd_c == pytest.approx(np.linalg.norm(g_c), rel=2e-2)


def test_a_stateless_layer_drops_nothing_at_the_boundary() -> None:
    scenario = {**FIT, "model": {"layers": [{"units": 4, "stateful": False}]}}
    d = tracer.run(Scenario.model_validate(scenario)).to_dict()
    fitted = [b for b in d["batches"] if b["op"] == "fit"]
    assert all(b["layers"][0]["grad_initial"] is None for b in fitted)
    assert all(b["layers"][0]["grad"] is not None for b in fitted)


def test_gradients_reach_every_layer_of_a_stack_and_a_classifier() -> None:
    scenario = {
        "data": {"preset": "poem"},
        "batching": {"batch_size": 2, "timesteps": 5},
        "model": {"layers": [{"kind": "GRU", "units": 3}, {"kind": "SimpleRNN", "units": 4}]},
        "schedule": {"ops": [{"op": "train_on_batch", "epochs": 2}]},
    }
    t = tracer.run(Scenario.model_validate(scenario))
    for k, grad in enumerate(t.grads):
        assert grad is not None
        assert grad.loss == pytest.approx(t.records[k].loss, rel=1e-5)
        for layer in grad.layers:
            assert np.abs(layer.states[0]).max() > 0
            assert np.all(np.isfinite(layer.states[0]))


def test_a_wrong_loss_is_caught_by_the_verifier(fit: tracer.Trace) -> None:
    from app.engine.verify import verify

    grads = list(fit.grads)
    g = grads[1]
    assert g is not None
    grads[1] = BatchGrad(g.layers, g.loss * 1.01)
    with pytest.raises(VerificationFailed, match="loss"):
        verify(fit.built, fit.records, fit.results, fit.checks, fit.weights, grads)
