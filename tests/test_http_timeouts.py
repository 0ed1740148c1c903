"""The request deadline in both of uvicorn's HTTP protocols, on a tiny ASGI app served in-process:
slow heads and bodies are cut, slow answers, streams, pipelined requests and WebSockets are not.

Every test also holds a stalled connection and checks that it is cut, so none passes on plain
uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from websockets.sync.client import connect

from app import http_timeouts
from app.http_timeouts import H11Protocol, HttpToolsProtocol
from tests.serving import free_port

T = 0.5  # the deadline in these tests
SLACK = 1.5  # a cut connection is closed within T + SLACK


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """/ answers at once, /slow after 3T, /stream sends a chunk every T/5 for 3T, POST /echo
    returns the body's length; /ws echoes WebSocket messages."""
    if scope["type"] == "lifespan":
        return
    if scope["type"] == "websocket":
        await receive()  # connect
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"]
    if path == "/slow":
        await asyncio.sleep(3 * T)
    headers = [(b"content-type", b"text/plain")]
    if path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for _ in range(15):
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
            await asyncio.sleep(T / 5)
        await send({"type": "http.response.body", "body": b"end"})
        return
    text = str(len(body)).encode() if path == "/echo" else path.encode()
    headers.append((b"content-length", str(len(text)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": text})


@pytest.fixture(params=[H11Protocol, HttpToolsProtocol], ids=["h11", "httptools"])
def port(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(http_timeouts, "header_timeout_s", lambda: T)
    port = free_port()
    config = uvicorn.Config(
        app,
        port=port,
        http=request.param,
        lifespan="off",
        log_level="warning",
        timeout_keep_alive=60,  # uvicorn's idle timer must not be what closes connections here
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(10)


Opener = Callable[[bytes], socket.socket]


@pytest.fixture
def open_with(port: int) -> Iterator[Opener]:
    """open_with(data): a connection to the server that has sent `data`; closed after the test."""
    opened: list[socket.socket] = []

    def connect_and_send(data: bytes) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", port))
        opened.append(s)
        s.sendall(data)
        return s

    yield connect_and_send
    for s in opened:
        s.close()


def until_closed(s: socket.socket, within: float, trickle: bytes = b"") -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when (s since the call);
    meanwhile sends `trickle` a byte every T/5. Fails if still open after `within` s."""
    t0 = time.monotonic()
    got = b""
    with s:
        while True:
            s.settimeout(T / 5)
            try:
                chunk = s.recv(4096)
            except TimeoutError:
                assert time.monotonic() - t0 < within, f"still open after {within} s: {got!r}"
                if trickle:
                    with contextlib.suppress(OSError):  # the server may have closed it just now
                        s.sendall(trickle[:1])
                    trickle = trickle[1:]
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return got, time.monotonic() - t0
            got += chunk


def response(s: socket.socket) -> bytes:
    """One response with a content-length body, read off a kept-alive connection."""
    s.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += s.recv(4096)
    return head + b"\r\n\r\n" + body


STALLED_HEAD = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "


def test_unfinished_head_gets_408(open_with: Opener) -> None:
    got, took = until_closed(open_with(STALLED_HEAD), T + SLACK)
    assert got.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert T * 0.8 < took < T + SLACK


def test_head_sent_a_byte_at_a_time_is_cut_at_the_deadline(open_with: Opener) -> None:
    # bytes keep arriving, but they do not extend the deadline
    got, took = until_closed(open_with(b"G"), T + SLACK, trickle=STALLED_HEAD[1:] * 10)
    assert got.startswith(b"HTTP/1.1 408")
    assert took < T + SLACK


def test_silent_connection_is_closed_without_a_response(open_with: Opener) -> None:
    got, _ = until_closed(open_with(b""), T + SLACK)
    assert got == b""


def test_announced_body_that_does_not_arrive_gets_408(open_with: Opener) -> None:
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
    got, took = until_closed(open_with(head + b"abc"), T + SLACK)
    assert got.startswith(b"HTTP/1.1 408")
    assert took > T * 0.8
    # and a body sent a byte at a time: trickling does not extend the deadline either
    got, _ = until_closed(open_with(head), T + SLACK, trickle=b"0123456789")
    assert got.startswith(b"HTTP/1.1 408")


def test_keep_alive_connection_gets_a_new_deadline_for_each_request(open_with: Opener) -> None:
    s = open_with(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
    assert response(s).endswith(b"\r\n\r\n/one")
    time.sleep(T * 0.6)
    s.sendall(b"GET /two HTTP/1.1\r\nHost: x\r\n\r\n")
    assert response(s).endswith(b"\r\n\r\n/two")
    s.sendall(STALLED_HEAD)
    got, took = until_closed(s, T + SLACK)
    assert got.startswith(b"HTTP/1.1 408")
    assert took > T * 0.8  # counted from the response to /two, not from the connection opening


def test_slow_answers_streams_and_pipelined_requests_are_not_cut(open_with: Opener) -> None:
    stalled = open_with(STALLED_HEAD)
    slow = open_with(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    stream = open_with(b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    pipelined = open_with(
        b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
    )
    # a stalled request behind a slow one: its deadline starts once the slow one is answered
    stalled_behind = open_with(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" + STALLED_HEAD)
    t0 = time.monotonic()
    got, _ = until_closed(stalled, T + SLACK)
    assert got.startswith(b"HTTP/1.1 408")
    got, _ = until_closed(slow, 10)
    assert got.startswith(b"HTTP/1.1 200") and got.endswith(b"/slow")
    got, _ = until_closed(stream, 10)
    assert got.startswith(b"HTTP/1.1 200") and got.endswith(b"end\r\n0\r\n\r\n")
    got, _ = until_closed(pipelined, 10)
    assert got.count(b"HTTP/1.1 200") == 2 and got.endswith(b"\r\n\r\n3")
    got, _ = until_closed(stalled_behind, 10)
    assert got.startswith(b"HTTP/1.1 200") and b"/slow" in got and b"HTTP/1.1 408" in got
    assert time.monotonic() - t0 > 3 * T


def test_websocket_outlives_the_deadline(port: int, open_with: Opener) -> None:
    stalled = open_with(STALLED_HEAD)
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        got, _ = until_closed(stalled, T + SLACK)
        assert got.startswith(b"HTTP/1.1 408")
        time.sleep(2 * T)  # the upgrade request's deadline would have passed twice
        ws.send("still here")
        assert ws.recv(timeout=5) == "still here"
