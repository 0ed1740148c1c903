"""WebSocket /ws/live: one live session per connection (protocol in docs/live.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app import metrics
from app.errors import LabError, headline, validation_items
from app.live.protocol import (
    COMMAND,
    MAX_MESSAGE_BYTES,
    Command,
    Load,
    Pause,
    Play,
    Seek,
    Step,
    StepBatch,
)
from app.live.session import Session, SessionError
from app.scenario import ResetOp, Scenario, SetStateOp
from app.settings import Settings
from app.tracing import TraceService

router = APIRouter(tags=["live"])
log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 10.0  # a client that stops reading is dropped, not buffered for
CLOSE_TIMEOUT_S = 5.0
_OPEN: set[WebSocket] = set()  # this process's live sessions, closed first on shutdown
_PER_CLIENT: Counter[str] = Counter()  # live sessions by client address
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


@dataclass
class _Slot:
    """One of a connection's sessions: `a` is the explorer, `b` its compare run."""

    name: str
    session: Session = field(default_factory=Session)
    player: asyncio.Task[None] | None = None
    loading: asyncio.Task[dict[str, Any]] | None = None
    held: int = 0  # bytes its trace holds (app/budget.py's estimate)
    frame_bytes: int = 0

    def stop_playing(self) -> None:
        if self.player is not None:
            self.player.cancel()
            self.player = None

    def stop_loading(self) -> None:
        if self.loading is not None:
            self.loading.cancel()  # the trace queue drops it if nobody else waits


class _Connection:
    """The reader (the endpoint) always reads: rate limits count commands as they arrive, a
    newer load replaces a waiting one, pings are answered while a load runs. Commands then
    run in order in `process`; frames are built one at a time as they can be sent."""

    def __init__(self, ws: WebSocket, settings: Settings) -> None:
        self.ws = ws
        self.settings = settings
        self.service: TraceService = ws.app.state.traces
        self.slots: dict[str, _Slot] = {"a": _Slot("a")}
        self.bucket = _Bucket(settings.session_rate)
        self.commands: asyncio.Queue[Command] = asyncio.Queue(MAX_QUEUED)
        self.send_lock = asyncio.Lock()
        self.processor: asyncio.Task[None] | None = None
        self.busy = False
        # the idle timeout counts from the last word either side said: a load that answers late
        # is not followed by an idle close before the page could send its next command
        self.active_at = asyncio.get_running_loop().time()
        # set (to why) when the processor or a player ended the connection
        self.dead: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    # -- sending ---------------------------------------------------------------------------------
    async def send(self, msg: dict[str, Any], slot: _Slot | None = None) -> None:
        if slot is not None and slot.name != "a":
            msg = {**msg, "slot": slot.name}
        big = msg.get("type") == "loaded" or (slot is not None and slot.frame_bytes > BIG_FRAME)
        # orjson: ~20x faster than json for frames full of floats (measured: 14 vs 286 µs); a
        # large message is written in a thread so the event loop keeps serving everyone else
        if big:
            text = await asyncio.to_thread(_dumps, msg)
        else:
            text = _dumps(msg)
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel (pause) that
            # lands as the send completes, and the player kept sending after "paused"
            async with self.send_lock, asyncio.timeout(SEND_TIMEOUT_S):
                await self.ws.send_text(text)
        except TimeoutError:
            raise SlowClient from None
        self.active_at = asyncio.get_running_loop().time()
        await asyncio.sleep(0)  # a long run of frames never starves the other sessions
        kind = msg.get("type")
        if kind == "frame":
            metrics.inc("lsl_frames_total")
        elif kind == "error":
            metrics.inc("lsl_errors_total", str(msg.get("error")))

    # -- reading -------------------------------------------------------------------------------
    async def receive(self, raw: str | None) -> None:
        """Check one message as it arrives and queue it (or answer its error at once)."""
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
        if len(raw) > MAX_MESSAGE_BYTES or len(raw.encode()) > MAX_MESSAGE_BYTES:
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
        slot = self._slot(cmd.slot)
        if not isinstance(cmd, Play):
            slot.stop_playing()  # any other command pauses, at once
        if isinstance(cmd, Load):
            # a newer load replaces the older one and whatever was queued for that view
            slot.stop_loading()
            self._drop_queued(cmd.slot)
        if self.commands.full():
            await self.send(
                _error(
                    "rate_limited",
                    f"{MAX_QUEUED} commands are already waiting: retry in 1 s",
                    code="rate_limited",
                    retry_after=1.0,
                ),
                slot,
            )
            return
        self.commands.put_nowait(cmd)
        if self.processor is None:
            self.processor = asyncio.create_task(self.process())

    def _slot(self, name: str) -> _Slot:
        if name not in self.slots:
            self.slots[name] = _Slot(name)
        return self.slots[name]

    def _drop_queued(self, slot: str) -> None:
        kept = []
        while not self.commands.empty():
            cmd = self.commands.get_nowait()
            if cmd.slot != slot:
                kept.append(cmd)
        for cmd in kept:
            self.commands.put_nowait(cmd)

    def idle(self) -> bool:
        return (
            not self.busy
            and self.commands.empty()
            and not any(s.player is not None and not s.player.done() for s in self.slots.values())
        )

    def close(self) -> None:
        if self.processor is not None:
            self.processor.cancel()
        for slot in self.slots.values():
            slot.stop_playing()
            slot.stop_loading()
        _release(sum(slot.held for slot in self.slots.values()))

    # -- running -------------------------------------------------------------------------------
    async def process(self) -> None:
        try:
            while True:
                cmd = await self.commands.get()
                self.busy = True
                try:
                    await self.handle(cmd)
                finally:
                    self.busy = False
        except SlowClient:
            await self.drop_slow()
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the reader side notices the closed socket
        except Exception:  # never a traceback to the client; the log has it
            log.exception("live command failed")
            with contextlib.suppress(RuntimeError, OSError):
                await self.ws.close(code=1011, reason="internal error")
            self.end("error")

    def end(self, why: str) -> None:
        """Make the reader stop waiting for messages: the connection is over."""
        if not self.dead.done():
            self.dead.set_result(why)

    async def drop_slow(self) -> None:
        metrics.inc("lsl_sessions_dropped_total", "slow_client")
        await _drop_slow(self.ws)
        self.end("slow_client")

    async def play(self, slot: _Slot, speed: float) -> None:
        try:
            while (frame := slot.session.advance()) is not None:
                await self.send(frame, slot)
                await asyncio.sleep(1.0 / speed)
            await self.send({"type": "end", "position": slot.session.position}, slot)
        except SlowClient:
            await self.drop_slow()
        except (WebSocketDisconnect, RuntimeError):
            pass  # the reader side notices the closed socket

    async def compute(self, slot: _Slot, scenario: Scenario) -> dict[str, Any] | None:
        """The scenario's trace from the trace queue, or None when a newer load replaced it."""
        price = self.service.price(scenario)  # over budget: a ScenarioError, before any work
        _reserve(price.memory_bytes - slot.held, self.settings)
        slot.loading = asyncio.create_task(self.service.trace(scenario, owner=id(self)))
        try:
            trace = await slot.loading
        except asyncio.CancelledError:
            _release(price.memory_bytes - slot.held)
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the connection is closing
            return None  # replaced by a newer load
        except BaseException:
            _release(price.memory_bytes - slot.held)
            raise
        finally:
            slot.loading = None
        slot.held, slot.frame_bytes = price.memory_bytes, price.frame_bytes
        metrics.inc("lsl_traces_total")
        return trace

    async def handle(self, cmd: Command) -> None:
        slot = self._slot(cmd.slot)
        s = slot.session
        try:
            if isinstance(cmd, Load):
                trace = await self.compute(slot, cmd.scenario)
                if trace is not None:
                    await self.send(s.loaded(cmd.scenario, trace), slot)
            elif isinstance(cmd, Step):
                for _ in range(cmd.count):
                    if slot.loading is not None or self._load_waiting(slot):
                        break  # a newer scenario is coming: these frames are stale
                    frame = s.advance()
                    if frame is None:
                        await self.send({"type": "end", "position": s.position}, slot)
                        break
                    await self.send(frame, slot)
            elif isinstance(cmd, StepBatch):
                frames = s.to_batch_end()
                for frame in frames:
                    await self.send(frame, slot)
                if not frames:
                    await self.send({"type": "end", "position": s.position}, slot)
            elif isinstance(cmd, Play):
                slot.stop_playing()
                s.summary()  # raises if nothing is loaded
                slot.player = asyncio.create_task(self.play(slot, cmd.speed))
            elif isinstance(cmd, Pause):
                await self.send({"type": "paused", "position": s.position}, slot)
            elif isinstance(cmd, Seek):
                frame = s.seek(cmd.position)
                await self.send(frame or {"type": "paused", "position": s.position}, slot)
            else:
                action = (
                    ResetOp(op="reset_states", layer=cmd.layer)
                    if cmd.type == "reset_states"
                    else SetStateOp(
                        op="set_state",
                        layer=cmd.layer,
                        state=cmd.state,
                        row=cmd.row,
                        values=cmd.values,
                    )
                )
                scenario = s.intervention(action)
                trace = await self.compute(slot, scenario)
                if trace is not None:
                    await self.send(s.intervened(scenario, trace), slot)
        except LabError as exc:
            await self.send({"type": "error", **exc.to_dict()}, slot)
        except ValidationError as exc:
            await self.send(_validation(exc), slot)
        except SessionError as exc:
            await self.send(_error("session", exc.message, code=exc.code, **exc.detail), slot)

    def _load_waiting(self, slot: _Slot) -> bool:
        return any(
            isinstance(c, Load) and c.slot == slot.name
            for c in list(self.commands._queue)  # type: ignore[attr-defined]
        )


_HELD = [0]  # bytes the live sessions' traces hold in this process


def _reserve(size: int, settings: Settings) -> None:
    if size > 0 and _HELD[0] + size > settings.sessions_memory_mb * 1e6:
        raise SessionError(
            "the server holds as many live traces as its memory allows: retry in a minute, "
            "or load a smaller scenario",
            code="server_busy",
            limit=f"{settings.sessions_memory_mb:g} MB",
        )
    _HELD[0] += size


def _release(size: int) -> None:
    _HELD[0] = max(0, _HELD[0] - size)


def _dumps(msg: dict[str, Any]) -> str:
    return orjson.dumps(msg, option=orjson.OPT_SERIALIZE_NUMPY).decode()


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


def _client(ws: WebSocket) -> str:
    return ws.client.host if ws.client else "?"


@router.websocket("/ws/live")
async def live(ws: WebSocket) -> None:
    settings: Settings = ws.app.state.settings
    if not _origin_ok(ws, settings):
        metrics.inc("lsl_sessions_rejected_total", "origin")
        await ws.close(code=1008)  # refused before the handshake completes (HTTP 403)
        return
    await ws.accept()
    client = _client(ws)
    if metrics.sessions_active >= settings.max_sessions:
        metrics.inc("lsl_sessions_rejected_total", "busy")
        await ws.close(code=1013, reason="server busy: retry in 30 s")
        return
    if _PER_CLIENT[client] >= settings.sessions_per_ip:
        metrics.inc("lsl_sessions_rejected_total", "per_ip")
        await ws.close(code=1013, reason="too many sessions from your address: retry in 30 s")
        return
    _PER_CLIENT[client] += 1
    metrics.session_opened()
    metrics.inc("lsl_sessions_total")
    _OPEN.add(ws)
    conn = _Connection(ws, settings)
    closed_by = "client"
    receiving: asyncio.Future[Any] | None = None
    try:
        while True:
            if receiving is None:
                receiving = asyncio.ensure_future(ws.receive())
            loop = asyncio.get_running_loop()
            await asyncio.wait(
                {receiving, conn.dead},
                timeout=max(0.0, conn.active_at + settings.idle_timeout_s - loop.time()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if conn.dead.done():  # dropped by the processor or a player (already closed)
                closed_by = conn.dead.result()
                return
            if not receiving.done():
                if not conn.idle():
                    conn.active_at = loop.time()  # playing or computing is not idle
                    continue
                if loop.time() < conn.active_at + settings.idle_timeout_s:
                    continue  # the server spoke last, after this wait began
                # the page does not reconnect after this close until its user acts
                await ws.close(code=1000, reason="idle: closed after no command")
                closed_by = "idle"
                return
            message, receiving = receiving.result(), None
            conn.active_at = loop.time()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
            await conn.receive(message.get("text"))  # None for a binary frame
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
        if receiving is not None and not receiving.done():
            receiving.cancel()
        _OPEN.discard(ws)
        _PER_CLIENT[client] -= 1
        if _PER_CLIENT[client] <= 0:
            del _PER_CLIENT[client]
        metrics.session_closed()
        conn.close()
        log.info(
            "session closed",
            extra={"closed_by": closed_by, "sessions_active": metrics.sessions_active},
        )
