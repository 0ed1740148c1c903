from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app import i18n


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
