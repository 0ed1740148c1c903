from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("fmt", ["py", "ipynb", "torch", "json", "csv", "npz"])
def test_export_downloads(client: TestClient, fmt: str) -> None:
    scenario = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}
    r = client.post(f"/api/export/{fmt}", json=scenario)
    assert r.status_code == 200 and len(r.content) > 500
    name = "lstm_state_lab_torch_twin.py" if fmt == "torch" else f"lstm_state_lab_trace.{fmt}"
    assert f'filename="{name}"' in r.headers["content-disposition"]


def test_export_unknown_format_is_422(client: TestClient) -> None:
    r = client.post("/api/export/xls", json={})
    assert r.status_code == 422
