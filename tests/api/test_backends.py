"""POST /api/backends/compare: one backend's kept states against TensorFlow's, batch by batch
(the end-to-end run on JAX and PyTorch: tests/browser/test_backends.py)."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from app.api.backends import compare
from app.main import create_app
from app.schemas import Batch, LayerBatch, TraceDoc
from app.settings import Settings

# only what compare reads: three batches, a stateful LSTM over a stateless layer
_KEPT = {"h": np.array([[0.5, 0.1]]), "c": np.array([[1.0, 0.2]])}
TRACE = TraceDoc.model_construct(
    batches=[
        Batch.model_construct(
            layers=[
                LayerBatch.model_construct(keras_final=_KEPT),
                LayerBatch.model_construct(keras_final=None),
            ]
        )
        for _ in range(3)
    ]
)


def _states(h: float) -> list[list[list[list[float]] | None]]:
    return [[[[h, 0.1]], [[1.0, 0.2]]], None]


def test_the_same_states_are_the_same() -> None:
    run = {"backend": "jax", "version": "1", "verdict": "ran", "states": [_states(0.5)] * 3}
    got = compare(TRACE, run)
    assert got["verdict"] == "same" and got["first_differs"] is None and got["compared"] == 1


def test_a_kept_state_that_differs_names_its_first_batch() -> None:
    states = [_states(0.5), _states(0.0), _states(0.0)]  # a state that stopped being carried
    got = compare(TRACE, {"backend": "jax", "version": "1", "verdict": "ran", "states": states})
    assert got["verdict"] == "differs" and got["first_differs"] == 1
    assert got["max_abs_diff"] == 0.5 and got["per_batch"] == [0.0, 0.5, 0.5]


def test_a_backend_that_raised_says_how_far_it_got() -> None:
    run = {
        "backend": "torch",
        "verdict": "error",
        "error": "RuntimeError: x",
        "states": [_states(0.5)],
    }
    got = compare(TRACE, run)
    assert got["verdict"] == "error" and got["ran_batches"] == 1 and got["batches"] == 3
    assert compare(TRACE, {"backend": "torch", "verdict": "not_installed"})["verdict"] == (
        "not_installed"
    )


def test_a_scenario_over_the_job_budget_is_refused_before_it_runs() -> None:
    """Two backend processes cost ~40 s: a server whose job budget is 30 s refuses at once,
    naming the budget (no trace, no process started)."""
    with TestClient(create_app(Settings(warm_up=False, job_budget_s=30))) as client:
        r = client.post("/api/backends/compare", json={"data": {"preset": "poem"}})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "over_budget_job" and "job" in body["message"]
