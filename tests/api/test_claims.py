from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(warm_up=False))) as c:
        yield c


def test_list_has_every_claim_with_its_program(client: TestClient) -> None:
    claims = client.get("/api/claims").json()
    assert len(claims) == 17
    for c in claims:
        assert c["text"] and c["source"]
        assert c["code"].startswith("def "), c["id"]  # the check's own source
        assert "return {" in c["code"]


def test_run_one_claim(client: TestClient) -> None:
    r = client.post("/api/claims/gru-one-state/run")
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "holds"
    assert body["evidence"]["LSTM"]["state_variables"] == 2


def test_unknown_claim_is_404(client: TestClient) -> None:
    r = client.post("/api/claims/nope/run")
    assert r.status_code == 404 and "GET /api/claims" in r.json()["detail"]


def test_claims_page_lists_them(client: TestClient) -> None:
    html = client.get("/claims").text
    assert html.count('class="claim"') == 17
    assert "https://" not in html


def test_lessons_listed_in_order(client: TestClient) -> None:
    from app.lessons import LESSONS

    listed = client.get("/api/lessons").json()
    assert [item["slug"] for item in listed] == [lesson.slug for lesson in LESSONS]
    one = client.get(f"/api/lessons/{listed[0]['slug']}").json()
    assert one["steps"][0]["text"] and "try" in one["steps"][0]
    assert client.get("/api/lessons/nope").status_code == 404
    assert client.get("/lessons/nope").status_code == 404
    assert client.get("/lessons").text.count('class="lesson-link"') == len(LESSONS)


@pytest.mark.parametrize("fmt", ["py", "ipynb", "json", "csv", "npz"])
def test_export_downloads(client: TestClient, fmt: str) -> None:
    scenario = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}
    r = client.post(f"/api/export/{fmt}", json=scenario)
    assert r.status_code == 200 and len(r.content) > 500
    assert f"lstm_state_lab_trace.{fmt}" in r.headers["content-disposition"]


def test_export_unknown_format_is_422(client: TestClient) -> None:
    r = client.post("/api/export/xls", json={})
    assert r.status_code == 422
