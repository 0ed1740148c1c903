"""Headers, origins, limits and metrics of the hosted app."""

import asyncio
import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.main import create_app
from app.settings import Settings

POEM = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}


def _client(**overrides: object) -> TestClient:
    return TestClient(create_app(Settings(warm_up=False, **overrides)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with _client(frame_ancestors="'self' https://lms.example.edu") as c:
        yield c


def test_security_headers_and_no_inline_script(client: TestClient) -> None:
    for path in ("/", "/lessons", "/claims", "/experiment", "/lessons/shuffle"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("style-src")[0]
        assert "frame-ancestors 'self' https://lms.example.edu" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        # every script is a file the CSP allows: none inline (a JSON data block is not run)
        inline = r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
        assert not re.search(inline, r.text), path
    assert "unsafe-inline" in client.get("/docs").headers["content-security-policy"]


def test_user_text_is_never_html(client: TestClient) -> None:
    r = client.get("/lessons/nope<script>", headers={"accept": "text/html"})
    # the 404 page does not echo the address; an API client gets JSON
    assert r.status_code == 404 and "nope" not in r.text and "<script>" not in r.text
    r = client.get("/lessons/nope<script>")
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"


def test_untrusted_host_is_refused() -> None:
    with _client(trusted_hosts="lab.example.edu") as c:
        assert c.get("/healthz").status_code == 400
        assert c.get("/healthz", headers={"host": "lab.example.edu"}).status_code == 200


def test_websocket_origin_check(client: TestClient) -> None:
    with client.websocket_connect("/ws/live", headers={"origin": "http://testserver"}) as ws:
        ws.send_json({"type": "load", "scenario": POEM})
        assert ws.receive_json()["type"] == "loaded"
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect("/ws/live", headers={"origin": "http://evil.example"}),
    ):
        pass
    assert info.value.code == 1008


def test_session_cap_closes_with_1013() -> None:
    with _client(max_sessions=1) as c, c.websocket_connect("/ws/live") as first:
        first.send_json({"type": "load", "scenario": POEM})
        assert first.receive_json()["type"] == "loaded"
        with c.websocket_connect("/ws/live") as second:
            with pytest.raises(WebSocketDisconnect) as info:
                second.receive_json()
            assert info.value.code == 1013 and "busy" in info.value.reason


def test_rate_limit_per_session() -> None:
    with _client(session_rate=2.0) as c, c.websocket_connect("/ws/live") as ws:
        for _ in range(6):
            ws.send_json({"type": "pause"})
        replies = [ws.receive_json() for _ in range(6)]
        limited = [r for r in replies if r.get("error") == "rate_limited"]
        assert limited and limited[0]["retry_after"] > 0
        assert replies[0]["type"] == "paused"


def test_idle_session_is_closed() -> None:
    with _client(idle_timeout_s=0.3) as c, c.websocket_connect("/ws/live") as ws:
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
        assert info.value.code == 1000 and "idle" in info.value.reason


def test_idle_counts_from_the_servers_last_answer() -> None:
    """A load answered late is not closed as idle before the page can send its next command."""
    with _client(idle_timeout_s=1.0) as c:
        with c.websocket_connect("/ws/live") as ws:  # computed once: later loads come from cache
            ws.send_json({"type": "load", "scenario": POEM})
            while ws.receive_json()["type"] != "loaded":
                pass
        service = c.app.state.traces
        real = service.trace

        async def slow(scenario: object, owner: object) -> object:
            await asyncio.sleep(0.8)  # a queue behind other students' work
            return await real(scenario, owner=owner)

        service.trace = slow
        with c.websocket_connect("/ws/live") as ws:
            ws.send_json({"type": "load", "scenario": POEM})
            while ws.receive_json()["type"] != "loaded":
                pass
            time.sleep(0.5)  # 1.3 s after the command, 0.5 s after the answer
            ws.send_json({"type": "seek", "position": 2})
            assert ws.receive_json()["type"] == "frame"


def test_metrics_count_sessions_frames_and_errors(client: TestClient) -> None:
    def value(text: str, line: str) -> float:
        m = re.search(rf"^{re.escape(line)} (\S+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    before = client.get("/metrics").text
    with client.websocket_connect("/ws/live") as ws:
        ws.send_json({"type": "load", "scenario": POEM})
        ws.receive_json()
        ws.send_json({"type": "step", "count": 3})
        for _ in range(3):
            ws.receive_json()
        ws.send_text("nonsense")
        ws.receive_json()
    after = client.get("/metrics").text
    assert value(after, "lsl_frames_total") - value(before, "lsl_frames_total") == 3
    assert value(after, "lsl_sessions_total") - value(before, "lsl_sessions_total") == 1
    assert value(after, 'lsl_errors_total{kind="invalid_message"}') >= 1
    assert value(after, 'lsl_commands_total{type="step"}') >= 1
    assert "# TYPE lsl_sessions_active gauge" in after
