"""One live connection's reading and sending (app/api/live_connection.py), with a stand-in
socket: the end-to-end behaviour over a real socket is in tests/api/test_live.py."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any, cast

import pytest
from fastapi import WebSocket

from app.api import live_parts
from app.api.live_connection import Connection
from app.api.live_parts import SlowClient
from app.live.protocol import MAX_MESSAGE_BYTES, Pause
from app.settings import Settings
from tests import serving

POEM = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}


class Socket:
    """What the connection writes; `stuck` never completes a send (a client not reading)."""

    def __init__(self, stuck: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.stuck = stuck
        self.app = SimpleNamespace(state=SimpleNamespace(traces=None))

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await asyncio.sleep(3600)
        self.sent.append(json.loads(text))


def within_a_connection(settings: Settings, socket: Socket, work: Any) -> Any:
    async def scenario() -> Any:
        conn = Connection(cast(WebSocket, socket), settings)
        try:
            return await work(conn)
        finally:
            conn.close()

    return serving.run_async(scenario, timeout=30)


def load(i: int) -> str:
    return json.dumps({"type": "load", "scenario": {**POEM, "seed": i}})


def test_a_newer_load_replaces_the_queued_one_and_the_commands_for_it() -> None:
    async def work(conn: Connection) -> list[Any]:
        conn.processor = asyncio.get_running_loop().create_future()  # nothing runs them yet
        for raw in (load(1), '{"type": "step"}', '{"type": "pause", "slot": "b"}', load(2)):
            await conn.receive(raw)
        return list(conn.commands._queue)  # type: ignore[attr-defined]

    queued = within_a_connection(Settings(), Socket(), work)
    # slot b's pause stays; slot a's first load and the step meant for it are dropped
    assert [c.type for c in queued] == ["pause", "load"]
    assert isinstance(queued[0], Pause) and queued[0].slot == "b"
    assert queued[1].scenario.seed == 2


def test_binary_and_oversized_messages_get_their_error_frames() -> None:
    socket = Socket()

    async def work(conn: Connection) -> None:
        await conn.receive(None)
        await conn.receive('{"type": "step", "pad": "' + "x" * MAX_MESSAGE_BYTES + '"}')
        await conn.receive('{"type": "step", "count": 0}')

    within_a_connection(Settings(), socket, work)
    assert [m["code"] for m in socket.sent] == [
        "binary_frame",
        "message_too_large",
        "greater_than_equal",
    ]
    assert socket.sent[1]["limit"] == MAX_MESSAGE_BYTES
    assert socket.sent[2]["field"] == "count"  # the command's tag is not part of the name


def test_a_burst_over_the_rate_is_refused_with_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_parts.time, "monotonic", lambda: 100.0)  # no refill: a frozen clock
    socket = Socket()

    async def work(conn: Connection) -> int:
        conn.processor = asyncio.get_running_loop().create_future()
        for _ in range(12):
            await conn.receive('{"type": "pause"}')
        return conn.commands.qsize()

    queued = within_a_connection(Settings(session_rate=5), socket, work)
    assert queued == 10  # a burst of twice the rate a second
    assert [m["code"] for m in socket.sent] == ["rate_limited", "rate_limited"]
    assert socket.sent[0]["retry_after"] == pytest.approx(0.2)  # one token at 5 a second


def test_a_client_that_does_not_read_is_a_slow_client() -> None:
    async def work(conn: Connection) -> None:
        await conn.send(live_parts.error_frame("session", "x", code="no_scenario_loaded"))

    with pytest.raises(SlowClient):
        within_a_connection(Settings(send_timeout_s=0.05), Socket(stuck=True), work)


def test_a_step_before_any_load_is_a_session_error_and_the_connection_stays_idle() -> None:
    socket = Socket()

    async def work(conn: Connection) -> bool:
        await conn.receive('{"type": "step"}')
        assert conn.processor is not None
        while not socket.sent:  # the processor answers
            await asyncio.sleep(0.01)
        return conn.idle()

    assert within_a_connection(Settings(), socket, work)
    assert socket.sent[0]["type"] == "error" and socket.sent[0]["error"] == "session"
