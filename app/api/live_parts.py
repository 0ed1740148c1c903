"""What a live connection is made of (app/api/live_connection.py): its limits, its error
frames, its rate limit, its two session slots and the memory the live traces hold."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import WebSocket
from pydantic import ValidationError

from app.errors import headline, validation_items
from app.live.protocol import ErrorReply, ReplyMessage
from app.live.session import Session, SessionError
from app.schemas import TraceDoc, plain
from app.settings import Settings

CLOSE_TIMEOUT_S = 5.0
MAX_QUEUED = 64  # commands waiting per connection
BIG_FRAME = 64 * 1024  # frames above this are serialised in a thread
_TAGS = {
    "load",
    "step",
    "step_batch",
    "play",
    "pause",
    "seek",
    "reset_states",
    "set_state",
}


class SlowClient(Exception):
    """A frame could not be sent for `send_timeout_s`: the client is not reading."""


async def close_slow_client(ws: WebSocket) -> None:
    # The close frame may not get through a full buffer either; the transport is aborted
    # after the close timeout and the reader side sees the disconnect.
    with contextlib.suppress(RuntimeError, OSError, TimeoutError):
        await asyncio.wait_for(ws.close(code=1008, reason="not reading: closed"), CLOSE_TIMEOUT_S)


def error_frame(kind: str, message: str, **detail: Any) -> ErrorReply:
    """`detail` holds `code` and the values the page fills the translated message with."""
    return ErrorReply.model_construct(type="error", error=kind, message=message, **detail)


def validation_frame(exc: ValidationError) -> ErrorReply:
    def field(loc: tuple[Any, ...]) -> str:
        # drop the command tag and "scenario": users know `batching.batch_size`
        parts = [str(p) for p in loc]
        if parts and parts[0] in _TAGS:
            parts = parts[1:]
        if parts[:1] == ["scenario"]:
            parts = parts[1:]
        return ".".join(parts)

    # each problem: field, message, type (catalog key error.<type>) and ctx (its values)
    errors = validation_items(exc.errors(include_url=False), field)
    first = errors[0] if errors else {"field": "", "message": "invalid message"}
    return error_frame(
        "invalid_message",
        f"{first['field']}: {first['message']}",
        errors=errors,
        **headline(errors, "invalid_message"),
    )


class Bucket:
    """Token bucket: `rate` commands a second, bursts of twice that (per session, not per IP:
    a classroom shares one address)."""

    def __init__(self, rate: float) -> None:
        self.rate, self.capacity = rate, 2 * rate
        self.tokens, self.stamp = self.capacity, time.monotonic()

    def take(self) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class Slot:
    """One of a connection's sessions: `a` is the explorer, `b` its compare run."""

    name: str
    session: Session = field(default_factory=Session)
    player: asyncio.Task[None] | None = None
    loading: asyncio.Task[TraceDoc] | None = None
    held: int = 0  # bytes its trace holds (app/budget.py's estimate)
    frame_bytes: int = 0

    def stop_playing(self) -> None:
        if self.player is not None:
            self.player.cancel()
            self.player = None

    def stop_loading(self) -> None:
        if self.loading is not None:
            self.loading.cancel()  # the trace queue drops it if nobody else waits


_HELD = [0]  # bytes the live sessions' traces hold in this process


def reserve(size: int, settings: Settings) -> None:
    if size > 0 and _HELD[0] + size > settings.sessions_memory_mb * 1e6:
        raise SessionError(
            "the server holds as many live traces as its memory allows: retry in a minute, "
            "or load a smaller scenario",
            code="server_busy",
            limit=f"{settings.sessions_memory_mb:g} MB",
        )
    _HELD[0] += size


def release(size: int) -> None:
    _HELD[0] = max(0, _HELD[0] - size)


def dumps(msg: ReplyMessage, slot: str = "a") -> str:
    data = plain(msg, arrays=True)
    if slot != "a":
        data["slot"] = slot
    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY).decode()
