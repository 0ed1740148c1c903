from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"ready": True}


def test_metrics_are_prometheus_text_that_counts_refusals(client: TestClient) -> None:
    def refusals(text: str) -> float:
        line = next(
            (
                x
                for x in text.splitlines()
                if x.startswith("lsl_errors_total{") and 'kind="invalid_request"' in x
            ),
            None,
        )
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    first = client.get("/metrics")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/plain")
    assert "# TYPE lsl_errors_total counter" in first.text
    before = refusals(first.text)
    assert client.post("/api/traces", json={"model": {"layers": [{"units": 0}]}}).status_code == 422
    assert refusals(client.get("/metrics").text) == before + 1
