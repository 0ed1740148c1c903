from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app import i18n
from app.main import create_app
from app.settings import Settings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(warm_up=False))) as c:
        yield c


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"ready": True}


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


def test_presets_and_schemas(client: TestClient) -> None:
    names = [p["name"] for p in client.get("/api/presets").json()]
    assert names == ["poem", "ramp", "sine", "moving_average", "text", "values"]
    assert client.get("/api/presets/poem").status_code == 200
    assert client.get("/api/presets/nope").status_code == 404
    assert "properties" in client.get("/api/schemas/trace").json()
    assert client.get("/api/schemas/nope").status_code == 404


def test_docs_page_uses_only_local_assets(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "cdn" not in html.lower() and "https://" not in html
    for url in ("swagger-ui-bundle.js", "swagger-ui.css"):
        path = next(p for p in html.split('"') if p.endswith(url))
        r = client.get(path)
        assert r.status_code == 200 and len(r.content) > 10_000
        assert "immutable" in r.headers["cache-control"]
    assert client.get("/openapi.json").json()["info"]["title"] == "LSTM State Lab"


def test_plotly_is_served_from_the_wheel(client: TestClient) -> None:
    import plotly

    r = client.get(f"/vendor/plotly-{plotly.__version__}.min.js")
    assert r.status_code == 200 and b"plotly.js" in r.content[:200]
    assert "max-age=31536000" in r.headers["cache-control"]
    assert client.get("/vendor/plotly-0.0.0.min.js").status_code == 404


def test_index_page_references_no_other_host(client: TestClient) -> None:
    html = client.get("/").text
    assert "http://" not in html and "https://" not in html
    assert 'data-presets="' in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_page_that_is_not_there_is_a_real_404_page(client: TestClient, lang: str) -> None:
    html = {"accept": "text/html,application/xhtml+xml"}
    lesson = client.get(f"/lessons/no-such-lesson?lang={lang}", headers=html)
    assert lesson.status_code == 404 and lesson.headers["content-type"].startswith("text/html")
    assert escape(i18n.translate(lang, "notfound.lesson")) in lesson.text
    assert 'href="/lessons?lang=' in lesson.text  # somewhere to go on
    page = client.get(f"/no/such/page?lang={lang}&x=<script>", headers=html)
    assert page.status_code == 404 and escape(i18n.translate(lang, "notfound.page")) in page.text
    assert "<script>" not in page.text.split("<main", 1)[1]  # the address is not echoed
    # machines keep JSON 404s: the API, assets, and a client that does not ask for HTML
    assert client.get("/api/lessons/nope", headers=html).json()["detail"]
    assert client.get("/no/such/page").headers["content-type"] == "application/json"
