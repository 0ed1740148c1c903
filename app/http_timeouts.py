"""Uvicorn's HTTP protocols with a deadline for receiving each request.

Uvicorn closes idle keep-alive connections, but waits forever for a request that is still
arriving: a client that sends its head a byte at a time, or never sends the body it announced,
holds a connection (a file descriptor) as long as it likes. Here the request head must be
complete within `header_timeout_s` of the connection opening (or of the previous response
ending), and its body within as long again; otherwise the client gets a 408 and the connection
is closed (just closed if it sent nothing). Only receiving is timed: a handler that runs for
minutes, a response that streams for an hour (SSE) and a WebSocket after its upgrade have no
deadline, and time the server spends not reading (flow control, a pipelined request waiting its
turn) is not counted against the client.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Literal

import h11
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol as _H11
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpTools

from app import metrics
from app.settings import get_settings

Phase = Literal["head", "body"] | None

TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 15\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"Request Timeout"
)


@functools.cache
def header_timeout_s() -> float:
    """Read once per process (each worker reads the environment, like the app)."""
    return get_settings().header_timeout_s


class _RequestDeadline:
    """The timer both protocols share; each tells it which part of a request it waits for."""

    # set by uvicorn's protocol classes (same types in both)
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    flow: FlowControl
    cycle: Any  # the protocol's RequestResponseCycle: response_started, response_complete

    _phase: Phase = None
    _timer: asyncio.TimerHandle | None = None
    _heard = False  # a byte of the awaited request head has arrived
    _upgraded = False  # the transport belongs to the WebSocket protocol now

    def _expect(self, phase: Phase) -> None:
        """Wait for `phase` of a request from now on (None: not waiting for the client). A new
        phase gets a full deadline; the same phase keeps the one it has, so bytes that trickle
        in do not extend it."""
        if self._upgraded or self.transport.is_closing():
            phase = None
        if phase == self._phase:
            return
        self._stop_timer()
        self._phase = phase
        if phase == "head":
            self._heard = False
        if phase is not None:
            self._timer = self.loop.call_later(header_timeout_s(), self._deadline_passed)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _answering(self) -> bool:
        """A response is under way on this connection: never cut it."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return False
        # awaiting a head, any unfinished cycle is an earlier (pipelined) request being answered
        return self._phase == "head" or bool(cycle.response_started)

    def _deadline_passed(self) -> None:
        self._timer = None
        if self._phase is None or self.transport.is_closing():
            return
        if self.flow.read_paused or self._answering():  # the wait is ours, not the client's
            self._timer = self.loop.call_later(header_timeout_s(), self._deadline_passed)
            return
        answered = self.cycle is not None and self.cycle.response_started
        if self._heard or (self._phase == "body" and not answered):
            self.transport.write(TIMED_OUT)
        metrics.inc("lsl_errors_total", "request_timeout")
        self._phase = None
        self.transport.close()


class H11Protocol(_RequestDeadline, _H11):
    """uvicorn's h11 protocol with the request deadline (phases read from h11's state)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect("head")

    def data_received(self, data: bytes) -> None:
        if self._phase == "head":
            self._heard = True
        super().data_received(data)
        self._follow_state()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start the next cycle and parse a pipelined request
        self._follow_state()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._upgraded = True
        self._expect(None)
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc: Exception | None) -> None:
        self._expect(None)
        super().connection_lost(exc)

    def _follow_state(self) -> None:
        if self.conn.their_state is h11.SEND_BODY:
            self._expect("body")
        elif self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE:
            self._expect("head")
            if self.conn.trailing_data[0]:  # part of it came while we answered the previous one
                self._heard = True
        else:  # request received (we answer), or the connection is ending
            self._expect(None)


class HttpToolsProtocol(_RequestDeadline, _HttpTools):
    """uvicorn's httptools protocol with the request deadline (phases from parser callbacks)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect("head")

    def data_received(self, data: bytes) -> None:
        if self._phase == "head":
            self._heard = True
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._phase is None:  # a pipelined request starts while we answer the previous one
            self._expect("head")
            self._heard = True

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._expect("body")

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._expect(None)

    def on_response_complete(self) -> None:
        idle = not self.pipeline  # otherwise the next request is already here and starts now
        super().on_response_complete()
        if idle:
            self._expect("head")

    def handle_websocket_upgrade(self) -> None:
        self._upgraded = True
        self._expect(None)
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._expect(None)
        super().connection_lost(exc)
