"""Hypothesis fuzzing of the live WebSocket (/ws/live) with junk, malformed and valid commands.

For every message the server must answer with frames the protocol defines (docs/live.md: an
`error` frame with `error` and `message`, or `frame`, `end`, `loaded`, `paused`), never close
the session ("a bad command never closes the session"), never log "live session failed"
(close 1011), never hang, and the same connection must still answer the next command.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Iterator, MutableMapping
from types import SimpleNamespace
from typing import Any, cast

import anyio
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocket

from app.api.live_connection import Connection as _Connection
from app.live.protocol import COMMAND, MAX_MESSAGE_BYTES, Pause, Seek
from app.main import create_app
from app.settings import Settings
from tests import serving

POEM = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}
PAUSE = '{"type": "pause"}'
TIMEOUT_S = 30.0  # per reply: a TensorFlow load on a busy machine takes a few seconds
REPLY_TYPES = {"error", "frame", "end", "loaded", "paused"}

# -- strategies -------------------------------------------------------------------------------
# Text a real client can send: a WebSocket text frame is UTF-8, so no lone surrogates.
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
EDGE_NUMBERS = st.sampled_from(
    [0, -1, 1, 3, 4, 10_000, 10_001, 2**31, 2**63, -(2**63) - 1, 10**400, 0.5, -0.0]
) | st.sampled_from([1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf])
LEAF = st.none() | st.booleans() | st.integers() | st.floats() | EDGE_NUMBERS | TEXT
JSON = st.recursive(
    LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
FLOAT = st.floats(-10, 10) | EDGE_NUMBERS
VALUES = st.one_of(
    st.lists(st.lists(FLOAT, min_size=8, max_size=8), min_size=2, max_size=2),  # POEM's shape
    st.lists(FLOAT, max_size=20),
    st.lists(st.lists(FLOAT, max_size=9), max_size=3),  # ragged
)
SCENARIOS = st.one_of(
    st.just(POEM),
    st.sampled_from([0, 1]).map(lambda seed: {**POEM, "seed": seed}),
    st.just({**POEM, "schedule": {"ops": [{"op": "reset_states"}]}}),  # runs no batch at all
    st.just({**POEM, "model": {"layers": [{"kind": "GRU"}]}}),  # no `c` state
    st.tuples(st.sampled_from([*POEM, "model", "schedule", "seed", "extra"]), JSON).map(
        lambda kv: {**POEM, kv[0]: kv[1]}
    ),
    JSON,
)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "count": st.integers(-1, 12) | st.sampled_from([10_000, 10_001]),
    "speed": st.floats(0, 100) | st.sampled_from([0.25, 60.0]),
    "position": st.integers(-2, 12) | st.sampled_from([2**63, 10**400]),
    "layer": st.none() | st.integers(-1, 4),
    "state": st.sampled_from(["h", "c", "", "H"]),
    "values": VALUES,
    "scenario": SCENARIOS,
}
OWN_FIELDS = {
    "load": ["scenario"],
    "step": ["count"],
    "step_batch": [],
    "play": ["speed"],
    "pause": [],
    "seek": ["position"],
    "reset_states": ["layer"],
    "set_state": ["layer", "state", "values"],
}


@st.composite
def tagged(draw: st.DrawFn, junk: bool = True) -> dict[str, Any]:
    """A command with a valid tag and its fields missing, plausible, or (junk) any JSON, plus
    (junk) sometimes a field it does not have."""
    tag = draw(st.sampled_from(sorted(OWN_FIELDS)))
    msg: dict[str, Any] = {"type": tag}
    for name in OWN_FIELDS[tag]:
        how = draw(st.sampled_from(["omit", "plausible", "plausible", "junk"][: 4 if junk else 3]))
        if how != "omit":
            msg[name] = draw(FIELDS[name] if how == "plausible" else JSON)
    if junk and draw(st.booleans()):  # a field of another command, or any key at all
        key = draw(st.sampled_from(sorted(FIELDS)) | TEXT)
        msg[key] = draw(FIELDS.get(key, JSON))
    return msg


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # NaN, Infinity too: pydantic parses them


_KINDS: list[st.SearchStrategy[str]] = [
    *[tagged(junk=False).map(_dumps)] * 4,  # 40%: plausible commands, most of them valid
    *[tagged().map(_dumps)] * 2,  # 20%: commands with junk fields
    TEXT,  # not JSON, or not an object
    JSON.map(_dumps),
    tagged().map(_dumps).flatmap(lambda s: st.integers(0, len(s)).map(lambda k: s[:k])),
    st.integers(1, 50_000).map(lambda n: '{"type": "load", "scenario": ' + "[" * n + "]" * n + "}"),
]
# sampled_from + flatmap: one_of would flatten the list into equally likely branches
MESSAGES = st.sampled_from(_KINDS).flatmap(lambda kind: kind)


# -- helpers ----------------------------------------------------------------------------------
class _ErrorLog(logging.Handler):
    """Collects ERROR records: "live session failed", or a play task's unretrieved exception."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # the per-session rate limit (20/s, burst 40) would answer `rate_limited` to the fuzzer
    with TestClient(create_app(Settings(warm_up=False, session_rate=1000))) as c:
        yield c


@pytest.fixture(scope="module")
def error_log() -> Iterator[_ErrorLog]:
    handler = _ErrorLog()
    loggers = [logging.getLogger("app"), logging.getLogger("asyncio")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def _receive(ws: WebSocketTestSession) -> dict[str, Any]:
    """The next message the server sends, within TIMEOUT_S (TestClient's own waits forever)."""

    async def get() -> MutableMapping[str, Any]:
        with anyio.fail_after(TIMEOUT_S):
            return await ws._send_rx.receive()

    message = ws.portal.call(get)
    assert message["type"] == "websocket.send", f"the server closed the session: {message}"
    reply = json.loads(message["text"])
    assert isinstance(reply, dict) and reply.get("type") in REPLY_TYPES, reply
    if reply["type"] == "error":
        assert isinstance(reply["error"], str) and isinstance(reply["message"], str), reply
    else:
        assert isinstance(reply["position"], int) and reply["position"] >= -1, reply
    return reply


def _pauses(raw: str, loaded: bool) -> int:
    """How many `paused` replies the message itself gets (then the probe's is the next one)."""
    if len(raw.encode()) > MAX_MESSAGE_BYTES:
        return 0
    try:
        cmd = COMMAND.validate_json(raw)
    except ValidationError:
        return 0
    return int(isinstance(cmd, Pause) or (isinstance(cmd, Seek) and cmd.position == -1 and loaded))


def _exchange(ws: WebSocketTestSession, raw: str, loaded: bool) -> bool:
    """Send the message, then a `pause` probe; read every reply up to the probe's `paused`.
    Returns whether a scenario is loaded afterwards."""
    ws.send_text(raw)
    ws.send_text(PAUSE)
    wanted = 1 + _pauses(raw, loaded)
    while wanted:
        reply = _receive(ws)
        loaded = loaded or reply["type"] == "loaded"
        wanted -= reply["type"] == "paused"
    return loaded


# -- tests ------------------------------------------------------------------------------------
@settings(
    max_examples=400,
    derandomize=True,  # the same messages on every run: a failure here is a regression
    deadline=None,  # a `load` runs TensorFlow
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(preload=st.booleans(), messages=st.lists(MESSAGES, min_size=1, max_size=4))
# found by the fuzzer: 1e308 overflowed Keras's float32 state (a RuntimeWarning: 1011)
@example(preload=True, messages=[_dumps({"type": "set_state", "values": [[1e308] * 8] * 2})])
def test_fuzzed_commands_get_answers_and_keep_the_session(
    client: TestClient, error_log: _ErrorLog, preload: bool, messages: list[str]
) -> None:
    error_log.records.clear()
    with client.websocket_connect("/ws/live") as ws:
        loaded = preload and _exchange(ws, json.dumps({"type": "load", "scenario": POEM}), False)
        for raw in messages:
            loaded = _exchange(ws, raw, loaded)
    assert not error_log.records, [r.getMessage() for r in error_log.records]


def test_binary_frame_gets_an_error_frame(client: TestClient, error_log: _ErrorLog) -> None:
    error_log.records.clear()
    with client.websocket_connect("/ws/live") as ws:
        ws.send_bytes(b'{"type": "pause"}')
        reply = _receive(ws)
        assert reply["type"] == "error" and reply["error"] == "invalid_message"
        ws.send_text(PAUSE)
        assert _receive(ws)["type"] == "paused"
    assert not error_log.records


def test_cancelled_send_is_cancelled() -> None:
    """`pause` (any command) cancels the play task. If the cancel lands while the task is in
    _Connection.send, the task must end, not go on playing after `paused` (the fuzzer saw
    frames after `paused`, then that player sending on a closed socket). The loop is stepped
    k times before the cancel, so every point of the send is hit, deterministically."""

    class Socket:
        app = SimpleNamespace(state=SimpleNamespace(traces=None))

        async def send_text(self, text: str) -> None:
            pass

    async def swallowed() -> list[int]:
        out = []
        for k in range(8):
            conn = _Connection(cast(WebSocket, Socket()), Settings(warm_up=False))
            task = asyncio.create_task(conn.send({"type": "paused", "position": -1}))
            for _ in range(k):
                await asyncio.sleep(0)
            if task.cancel():  # still running: it must end cancelled
                try:
                    await task
                except asyncio.CancelledError:
                    continue
                out.append(k)
        return out

    # in a thread: a browser test run earlier in this process keeps Playwright's loop running
    assert serving.run_async(swallowed) == []
