from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.slow
def test_generation_carries_state_and_resets_between_prompts(client: TestClient) -> None:
    r = client.post(
        "/api/generate", json={"prompts": ["To be", "To be"], "length": 20, "epochs": 30}
    )
    assert r.status_code == 200
    a, b = r.json()["generated"]
    assert a["output"] == b["output"]  # reset between prompts: same prompt, same text
    # it learned the bundled text ("To be, or not to be"); the rest depends on float rounding
    # that differs between processes with another history (", or not" / ", or To die")
    assert a["output"].startswith(", or ")
    assert len(a["h_norms"]) == 5 + 20 and min(a["h_norms"]) > 0
    bad = client.post("/api/generate", json={"prompts": ["x" * 41]})
    assert bad.status_code == 422 and "prompts[0]" in bad.json()["detail"]
