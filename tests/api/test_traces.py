from __future__ import annotations

from fastapi.testclient import TestClient


def test_trace_over_http(client: TestClient) -> None:
    r = client.post(
        "/api/traces",
        json={"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}},
    )
    assert r.status_code == 200
    trace = r.json()
    assert trace["verification"]["passed"]
    kinds = [t["kind"] for t in trace["batches"][1]["layers"][0]["transfers"]]
    assert kinds == ["continues", "continues"]


def test_invalid_scenario_is_422_naming_field_and_bound(client: TestClient) -> None:
    r = client.post("/api/traces", json={"model": {"layers": [{"units": 500}]}})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"][-4:] == ["model", "layers", 0, "units"]
    assert "128" in detail["msg"]


def test_layout_error_is_422(client: TestClient) -> None:
    r = client.post(
        "/api/traces", json={"data": {"preset": "ramp", "length": 3}, "batching": {"timesteps": 10}}
    )
    assert r.status_code == 422
    assert r.json()["field"] == "batching.timesteps"


def test_keras_rejection_is_structured_400(client: TestClient) -> None:
    r = client.post(
        "/api/traces",
        json={
            "data": {"preset": "poem"},
            "batching": {"batch_size": 2, "timesteps": 5},
            "schedule": {"ops": [{"op": "set_state", "values": [1.0]}]},
        },
    )
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "keras_rejected" and "must match" in body["message"]
    assert "Traceback" not in r.text


def test_every_schema_is_served_by_name(client: TestClient) -> None:
    from app.schemas import schemas

    for name, schema in schemas().items():
        assert client.get(f"/api/schemas/{name}").json() == schema, name
    missing = client.get("/api/schemas/nope")
    assert missing.status_code == 404 and "live_replies" in missing.json()["detail"]
