"""WebSocket protocol over the real app (TestClient runs the lifespan)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

POEM = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(warm_up=False))) as c:
        yield c


def test_load_step_reset_and_play(client: TestClient) -> None:
    with client.websocket_connect("/ws/live") as ws:
        ws.send_json({"type": "load", "scenario": POEM})
        loaded = ws.receive_json()
        assert loaded["type"] == "loaded" and loaded["steps"] == 10
        assert loaded["verification"]["passed"]
        ws.send_json({"type": "step"})
        frame = ws.receive_json()
        assert (frame["type"], frame["position"], frame["batch"], frame["t"]) == ("frame", 0, 0, 0)
        assert len(frame["layers"][0]["h"]) == 2
        ws.send_json({"type": "step_batch"})
        assert [ws.receive_json()["t"] for _ in range(4)] == [1, 2, 3, 4]
        ws.send_json({"type": "reset_states"})
        again = ws.receive_json()
        assert again["type"] == "loaded" and again["position"] == 4
        assert again["batches"][1]["events"] == [{"layer": 0, "kind": "reset"}]
        ws.send_json({"type": "play", "speed": 60})
        got = [ws.receive_json() for _ in range(6)]
        assert [g["position"] for g in got[:5]] == [5, 6, 7, 8, 9]
        assert got[5]["type"] == "end"
        assert not any(got[0]["layers"][0]["initial"]["h"][0])  # zeros after the reset


def test_two_sessions_do_not_share_state(client: TestClient) -> None:
    stateless = {**POEM, "model": {"layers": [{"stateful": False}]}}
    with client.websocket_connect("/ws/live") as a, client.websocket_connect("/ws/live") as b:
        a.send_json({"type": "load", "scenario": POEM})
        b.send_json({"type": "load", "scenario": stateless})
        a.receive_json()
        b.receive_json()
        for ws in (a, b):
            ws.send_json({"type": "seek", "position": 5})
        fa, fb = a.receive_json(), b.receive_json()
        assert any(fa["layers"][0]["initial"]["h"][0])
        assert not any(fb["layers"][0]["initial"]["h"][0])


@pytest.mark.parametrize(
    ("message", "error", "needle"),
    [
        ('{"type": "warp"}', "invalid_message", "type"),
        ("not json", "invalid_message", "Invalid JSON"),
        ('{"type": "step", "count": 0}', "invalid_message", "count"),
        (
            '{"type": "load", "scenario": {"batching": {"batch_size": 99}}}',
            "invalid_message",
            "batching.batch_size: Input should be less than or equal to 64",
        ),
        ('{"type": "step"}', "session", "no scenario loaded"),
        (
            '{"type": "load", "scenario": {"data": {"preset": "poem"}, '
            '"batching": {"batch_size": 2, "timesteps": 5}, '
            '"schedule": {"ops": [{"op": "set_state", "values": [1]}]}}}',
            "keras_rejected",
            "must match",
        ),
    ],
)
def test_bad_messages_get_error_frames(
    client: TestClient, message: str, error: str, needle: str
) -> None:
    with client.websocket_connect("/ws/live") as ws:
        ws.send_text(message)
        reply = ws.receive_json()
        assert reply["type"] == "error" and reply["error"] == error
        assert needle in reply["message"]
        ws.send_json({"type": "load", "scenario": POEM})  # the session still works
        assert ws.receive_json()["type"] == "loaded"


def test_oversized_message_is_refused(client: TestClient) -> None:
    with client.websocket_connect("/ws/live") as ws:
        ws.send_text('{"type": "step", "pad": "' + "x" * 300_000 + '"}')
        reply = ws.receive_json()
        assert reply["error"] == "message_too_large"
