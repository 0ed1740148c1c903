from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient


@pytest.mark.slow
def test_experiment_job_runs_streams_and_caches(client: TestClient) -> None:
    req = {"configs": [{"tsteps": 2, "lahead": 1, "batch_size": 2}], "input_len": 60, "epochs": 1}
    job = client.post("/api/experiments", json=req).json()
    assert job["status"] in ("queued", "running", "done")
    with client.stream("GET", f"/api/experiments/{job['id']}/events") as r:
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "done" and "progress" in kinds
    phases = [e["phase"] for e in events if e["type"] == "progress"]
    assert phases == sorted(phases, key=lambda p: p != "stateful")  # stateful first, in order
    result = client.get(f"/api/experiments/{job['id']}").json()["result"][0]
    assert result["continuity"] == {"kind": "mismatch", "reason": "gap", "gap": 1}
    assert result["rmse_stateful"] > 0
    again = client.post("/api/experiments", json=req).json()
    assert again["status"] == "done" and again["result"][0] == result


def test_experiment_bounds_and_unknown(client: TestClient) -> None:
    r = client.post("/api/experiments", json={"configs": [], "epochs": 1})
    assert r.status_code == 422
    assert client.get("/api/experiments/nope").status_code == 404


@pytest.mark.slow
def test_cost_of_statefulness_is_measured(client: TestClient) -> None:
    r = client.post("/api/experiments/cost").json()
    assert set(r["seconds"]) == {"stateful, batch 1", "stateless, batch 32"}
    assert r["train_steps"] == {"stateful, batch 1": 256, "stateless, batch 32": 8}
    assert r["ratio"] == pytest.approx(
        r["seconds"]["stateful, batch 1"] / r["seconds"]["stateless, batch 32"]
    )


def test_a_batch_too_large_for_the_windows_is_422_naming_one_that_fits(client: TestClient) -> None:
    """Keras itself fails inside predict (an UnboundLocalError) when the test part holds no
    whole batch: 50 windows split 40/10 leave none of 32 rows."""
    req = {"configs": [{"tsteps": 2, "lahead": 1, "batch_size": 32}], "input_len": 50}
    r = client.post("/api/experiments", json=req)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "experiment_batch_too_large" and body["field"] == ""
    ctx = body["ctx"]
    assert ctx == {"index": 0, "batch_size": 32, "input_len": 50, "fitting": 25}
    # 25 rows: train 40 // 25 * 25 = 25 windows, test (50 - 25) // 25 = 1 whole batch
    fitting = {**req, "configs": [{"tsteps": 2, "lahead": 1, "batch_size": ctx["fitting"]}]}
    from app.api.experiments import ExperimentRequest

    ExperimentRequest.model_validate(fitting)  # accepted; tests/engine/test_experiment.py runs it
