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
        assert again["batches"][1]["events"] == [
            {"layer": 0, "kind": "reset", "cause": "intervention"}
        ]
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
            '{"type": "load", "scenario": {"batching": {"batch_size": 999}}}',
            "invalid_message",
            "batching.batch_size: Input should be less than or equal to 256",
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


SLOW = {  # a few hundred ms of Keras work: still computing when the next message arrives
    "data": {"preset": "sine", "n_sequences": 4, "length": 200},
    "batching": {"batch_size": 4, "timesteps": 10},
    "schedule": {"ops": [{"op": "fit", "epochs": 3}]},
    "seed": 77,
}


def test_a_newer_load_replaces_the_waiting_one(client: TestClient) -> None:
    with client.websocket_connect("/ws/live") as ws:
        ws.send_json({"type": "load", "scenario": {**SLOW, "seed": 78}})
        ws.send_json({"type": "step", "count": 3})  # for the first scenario: dropped too
        ws.send_json({"type": "load", "scenario": POEM})
        ws.send_json({"type": "step"})
        first = ws.receive_json()
        assert first["type"] == "loaded" and first["scenario"]["data"]["preset"] == "poem"
        frame = ws.receive_json()
        assert frame["type"] == "frame" and frame["position"] == 0  # only the poem's step


@pytest.mark.slow
def test_commands_sent_during_a_load_are_kept_and_the_socket_stays_open(
    client: TestClient,
) -> None:
    with client.websocket_connect("/ws/live") as ws:
        ws.send_json({"type": "load", "scenario": SLOW})
        for _ in range(20):  # a student pressing → while the load runs
            ws.send_json({"type": "step"})
        assert ws.receive_json()["type"] == "loaded"
        positions = [ws.receive_json()["position"] for _ in range(20)]
        assert positions == list(range(20))


def test_compare_runs_on_the_same_socket(client: TestClient) -> None:
    stateless = {**POEM, "model": {"layers": [{"stateful": False}]}}
    with client.websocket_connect("/ws/live") as ws:
        ws.send_json({"type": "load", "scenario": POEM})
        ws.send_json({"type": "load", "scenario": stateless, "slot": "b"})
        a, b = ws.receive_json(), ws.receive_json()
        assert "slot" not in a and b["slot"] == "b"
        ws.send_json({"type": "seek", "position": 5})
        ws.send_json({"type": "seek", "position": 5, "slot": "b"})
        fa, fb = ws.receive_json(), ws.receive_json()
        assert "slot" not in fa and fb["slot"] == "b"
        assert any(fa["layers"][0]["initial"]["h"][0])  # stateful A carried its state
        assert not any(fb["layers"][0]["initial"]["h"][0])  # stateless B starts from zeros


def test_an_over_budget_scenario_is_an_error_frame_before_any_work(client: TestClient) -> None:
    largest = {
        "model": {"layers": [{"units": 128}] * 4},
        "data": {"preset": "ramp", "n_sequences": 64, "length": 512},
        "batching": {"batch_size": 64, "timesteps": 64},
    }
    service = client.app.state.traces  # type: ignore[attr-defined]
    before = service.computed
    with client.websocket_connect("/ws/live") as ws:
        ws.send_json({"type": "load", "scenario": largest})
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == "over_budget_trace"
        ws.send_json({"type": "load", "scenario": POEM})  # the session goes on
        assert ws.receive_json()["type"] == "loaded"
    assert service.computed <= before + 1


def test_sessions_per_address_are_capped() -> None:
    from starlette.websockets import WebSocketDisconnect

    with TestClient(create_app(Settings(warm_up=False, sessions_per_ip=2))) as c:
        with c.websocket_connect("/ws/live"), c.websocket_connect("/ws/live"):
            with c.websocket_connect("/ws/live") as third, pytest.raises(WebSocketDisconnect) as e:
                third.receive_json()
            assert e.value.code == 1013 and "your address" in (e.value.reason or "")
        with c.websocket_connect("/ws/live") as again:  # freed when the others closed
            again.send_json({"type": "pause"})
            assert again.receive_json()["type"] == "paused"  # open and answering
