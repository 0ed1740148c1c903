"""WebSocket /ws/live: one live session per connection (protocol in docs/live.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any
from urllib.parse import urlparse

import anyio
import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app import metrics
from app.errors import LabError, headline, validation_items
from app.live.protocol import COMMAND, MAX_MESSAGE_BYTES, Load, Pause, Play, Seek, Step, StepBatch
from app.live.session import Session, SessionError
from app.scenario import ResetOp, Scenario, SetStateOp
from app.settings import Settings

router = APIRouter(tags=["live"])
log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 10.0  # a client that stops reading is dropped, not buffered for
CLOSE_TIMEOUT_S = 5.0
_OPEN: set[WebSocket] = set()  # this process's live sessions, closed first on shutdown
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


def _compute(scenario: Scenario) -> dict[str, Any]:
    from app.engine import tracer  # loaded at start-up by the lifespan

    return tracer.run(scenario).to_dict(arrays=True)


class SlowClient(Exception):
    """A frame could not be sent for SEND_TIMEOUT_S: the client is not reading."""


async def _drop_slow(ws: WebSocket) -> None:
    # The close frame may not get through a full buffer either; the transport is aborted
    # after the close timeout and the reader side sees the disconnect.
    with contextlib.suppress(RuntimeError, OSError, TimeoutError):
        await asyncio.wait_for(ws.close(code=1008, reason="not reading: closed"), CLOSE_TIMEOUT_S)


def _error(kind: str, message: str, **detail: Any) -> dict[str, Any]:
    return {"type": "error", "error": kind, "message": message, **detail}


def _validation(exc: ValidationError) -> dict[str, Any]:
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
    return _error(
        "invalid_message",
        f"{first['field']}: {first['message']}",
        errors=errors,
        **headline(errors, "invalid_message"),
    )


class _Bucket:
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


class _Connection:
    def __init__(self, ws: WebSocket, settings: Settings) -> None:
        self.ws = ws
        self.session = Session(_compute)
        self.limiter = ws.app.state.tf_limiter
        self.player: asyncio.Task[None] | None = None
        self.bucket = _Bucket(settings.session_rate)

    async def send(self, msg: dict[str, Any]) -> None:
        # orjson: ~20x faster than json for frames full of floats (measured: 14 vs 286 µs)
        text = orjson.dumps(msg, option=orjson.OPT_SERIALIZE_NUMPY).decode()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel (pause) that
            # lands as the send completes, and the player kept sending after "paused"
            async with asyncio.timeout(SEND_TIMEOUT_S):
                await self.ws.send_text(text)
        except TimeoutError:
            raise SlowClient from None
        kind = msg.get("type")
        if kind == "frame":
            metrics.inc("lsl_frames_total")
        elif kind == "error":
            metrics.inc("lsl_errors_total", str(msg.get("error")))

    async def in_worker(self, fn: Any, *args: Any) -> Any:
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)

    def stop_playing(self) -> None:
        if self.player is not None:
            self.player.cancel()
            self.player = None

    async def play(self, speed: float) -> None:
        try:
            while (frame := self.session.advance()) is not None:
                await self.send(frame)
                await asyncio.sleep(1.0 / speed)
            await self.send({"type": "end", "position": self.session.position})
        except SlowClient:
            metrics.inc("lsl_sessions_dropped_total", "slow_client")
            await _drop_slow(self.ws)
        except (WebSocketDisconnect, RuntimeError):
            pass  # the reader side notices the closed socket

    async def handle(self, raw: str | None) -> None:
        wait = self.bucket.take()
        if wait:
            await self.send(
                _error(
                    "rate_limited",
                    f"too many commands: retry in {wait:.2f} s",
                    code="rate_limited",
                    retry_after=round(wait, 2),
                )
            )
            return
        if raw is None:
            await self.send(
                _error(
                    "invalid_message",
                    "commands are JSON text frames, not binary",
                    code="binary_frame",
                )
            )
            return
        if len(raw.encode()) > MAX_MESSAGE_BYTES:
            await self.send(
                _error(
                    "message_too_large",
                    f"messages are limited to {MAX_MESSAGE_BYTES} bytes",
                    code="message_too_large",
                    limit=MAX_MESSAGE_BYTES,
                )
            )
            return
        try:
            cmd = COMMAND.validate_json(raw)
        except ValidationError as exc:
            await self.send(_validation(exc))
            return
        metrics.inc("lsl_commands_total", cmd.type)
        if not isinstance(cmd, Play):
            self.stop_playing()
        s = self.session
        try:
            if isinstance(cmd, Load):
                summary = await self.in_worker(s.load, cmd.scenario)
                metrics.inc("lsl_traces_total")
                await self.send(summary)
            elif isinstance(cmd, Step):
                for _ in range(cmd.count):
                    frame = s.advance()
                    if frame is None:
                        await self.send({"type": "end", "position": s.position})
                        break
                    await self.send(frame)
            elif isinstance(cmd, StepBatch):
                frames = s.to_batch_end()
                for frame in frames:
                    await self.send(frame)
                if not frames:
                    await self.send({"type": "end", "position": s.position})
            elif isinstance(cmd, Play):
                self.stop_playing()
                s.summary()  # raises if nothing is loaded
                self.player = asyncio.create_task(self.play(cmd.speed))
            elif isinstance(cmd, Pause):
                await self.send({"type": "paused", "position": s.position})
            elif isinstance(cmd, Seek):
                frame = s.seek(cmd.position)
                await self.send(frame or {"type": "paused", "position": s.position})
            else:
                action = (
                    ResetOp(op="reset_states", layer=cmd.layer)
                    if cmd.type == "reset_states"
                    else SetStateOp(
                        op="set_state", layer=cmd.layer, state=cmd.state, values=cmd.values
                    )
                )
                await self.send(await self.in_worker(s.intervene, action))
        except LabError as exc:
            await self.send({"type": "error", **exc.to_dict()})
        except ValidationError as exc:
            await self.send(_validation(exc))
        except SessionError as exc:
            await self.send(_error("session", exc.message, code=exc.code, **exc.detail))


async def close_all(code: int, reason: str, timeout: float = 5.0) -> int:
    """Close every open session at once (the server calls this on shutdown: 1001 "going
    away"); a client that does not answer the closing handshake delays it by `timeout` at most."""
    sockets = list(_OPEN)
    _OPEN.clear()

    async def close(ws: WebSocket) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            await ws.close(code=code, reason=reason)

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(close(ws) for ws in sockets))
    return len(sockets)


def _origin_ok(ws: WebSocket, settings: Settings) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:  # not a browser: nothing to protect against
        return True
    allowed = [o.strip() for o in settings.allowed_origins.split(",") if o.strip()]
    if allowed:
        return origin in allowed
    return urlparse(origin).netloc == ws.headers.get("host")


@router.websocket("/ws/live")
async def live(ws: WebSocket) -> None:
    settings: Settings = ws.app.state.settings
    if not _origin_ok(ws, settings):
        metrics.inc("lsl_sessions_rejected_total", "origin")
        await ws.close(code=1008)  # refused before the handshake completes (HTTP 403)
        return
    await ws.accept()
    if metrics.sessions_active >= settings.max_sessions:
        metrics.inc("lsl_sessions_rejected_total", "busy")
        await ws.close(code=1013, reason="server busy: retry in 30 s")
        return
    metrics.sessions_active += 1
    metrics.inc("lsl_sessions_total")
    _OPEN.add(ws)
    conn = _Connection(ws, settings)
    closed_by = "client"
    try:
        while True:
            try:
                message = await asyncio.wait_for(ws.receive(), settings.idle_timeout_s)
            except TimeoutError:
                if conn.player is not None and not conn.player.done():
                    continue  # playing is not idle
                await ws.close(code=1000, reason="idle: closed after no command")
                closed_by = "idle"
                return
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
            await conn.handle(message.get("text"))  # None for a binary frame
    except WebSocketDisconnect:
        if ws not in _OPEN:
            closed_by = "shutdown"
    except SlowClient:
        closed_by = "slow_client"
        metrics.inc("lsl_sessions_dropped_total", "slow_client")
        await _drop_slow(ws)
    except Exception:  # never a traceback to the client; the log has it
        if ws not in _OPEN:
            return  # closed by the server's shutdown while a command was running
        closed_by = "error"
        log.exception("live session failed")
        with contextlib.suppress(RuntimeError):
            await ws.close(code=1011, reason="internal error")
    finally:
        _OPEN.discard(ws)
        metrics.sessions_active -= 1
        conn.stop_playing()
        log.info(
            "session closed",
            extra={"closed_by": closed_by, "sessions_active": metrics.sessions_active},
        )
