"""One live session's connection (app/api/live.py accepts it): reading commands as they arrive,
rate limits, processing them in order, sending frames as the client can take them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app import metrics
from app.api.live_parts import (
    BIG_FRAME,
    MAX_QUEUED,
    Bucket,
    Slot,
    SlowClient,
    close_slow_client,
    dumps,
    error_frame,
    release,
    reserve,
    validation_frame,
)
from app.errors import LabError
from app.live.protocol import (
    COMMAND,
    MAX_MESSAGE_BYTES,
    Command,
    Load,
    Pause,
    Play,
    ReplyMessage,
    Seek,
    Step,
    StepBatch,
)
from app.live.session import SessionError
from app.scenario import ResetOp, Scenario, SetStateOp
from app.schemas import TraceDoc
from app.settings import Settings
from app.tracing import TraceService

log = logging.getLogger(__name__)


class Connection:
    """The reader (the endpoint) always reads: rate limits count commands as they arrive, a
    newer load replaces a waiting one, pings are answered while a load runs. Commands then
    run in order in `process`; frames are built one at a time as they can be sent."""

    def __init__(self, ws: WebSocket, settings: Settings) -> None:
        self.ws = ws
        self.settings = settings
        self.service: TraceService = ws.app.state.traces
        self.slots: dict[str, Slot] = {"a": Slot("a")}
        self.bucket = Bucket(settings.session_rate)
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
    async def send(self, msg: ReplyMessage, slot: Slot | None = None) -> None:
        name = "a" if slot is None else slot.name
        big = msg.type == "loaded" or (slot is not None and slot.frame_bytes > BIG_FRAME)
        # orjson: ~20x faster than json for frames full of floats (measured: 14 vs 286 µs); a
        # large message is written in a thread so the event loop keeps serving everyone else
        if big:
            text = await asyncio.to_thread(dumps, msg, name)
        else:
            text = dumps(msg, name)
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel (pause) that
            # lands as the send completes, and the player kept sending after "paused"
            async with self.send_lock, asyncio.timeout(self.settings.send_timeout_s):
                await self.ws.send_text(text)
        except TimeoutError:
            raise SlowClient from None
        self.active_at = asyncio.get_running_loop().time()
        await asyncio.sleep(0)  # a long run of frames never starves the other sessions
        if msg.type == "frame":
            metrics.inc("lsl_frames_total")
        elif msg.type == "error":
            metrics.inc("lsl_errors_total", msg.error)

    # -- reading -------------------------------------------------------------------------------
    async def receive(self, raw: str | None) -> None:
        """Check one message as it arrives and queue it (or answer its error at once)."""
        wait = self.bucket.take()
        if wait:
            await self.send(
                error_frame(
                    "rate_limited",
                    f"too many commands: retry in {wait:.2f} s",
                    code="rate_limited",
                    retry_after=round(wait, 2),
                )
            )
            return
        if raw is None:
            await self.send(
                error_frame(
                    "invalid_message",
                    "commands are JSON text frames, not binary",
                    code="binary_frame",
                )
            )
            return
        if len(raw) > MAX_MESSAGE_BYTES or len(raw.encode()) > MAX_MESSAGE_BYTES:
            await self.send(
                error_frame(
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
            await self.send(validation_frame(exc))
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
                error_frame(
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

    def _slot(self, name: str) -> Slot:
        if name not in self.slots:
            self.slots[name] = Slot(name)
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
        release(sum(slot.held for slot in self.slots.values()))

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
        await close_slow_client(self.ws)
        self.end("slow_client")

    async def play(self, slot: Slot, speed: float) -> None:
        try:
            while (frame := slot.session.advance()) is not None:
                await self.send(frame, slot)
                await asyncio.sleep(1.0 / speed)
            await self.send(slot.session.end(), slot)
        except SlowClient:
            await self.drop_slow()
        except (WebSocketDisconnect, RuntimeError):
            pass  # the reader side notices the closed socket

    async def compute(self, slot: Slot, scenario: Scenario) -> TraceDoc | None:
        """The scenario's trace from the trace queue, or None when a newer load replaced it."""
        price = self.service.price(scenario)  # over budget: a ScenarioError, before any work
        reserve(price.memory_bytes - slot.held, self.settings)
        slot.loading = asyncio.create_task(self.service.trace(scenario, owner=id(self)))
        try:
            trace = await slot.loading
        except asyncio.CancelledError:
            release(price.memory_bytes - slot.held)
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the connection is closing
            return None  # replaced by a newer load
        except BaseException:
            release(price.memory_bytes - slot.held)
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
                        await self.send(s.end(), slot)
                        break
                    await self.send(frame, slot)
            elif isinstance(cmd, StepBatch):
                frames = s.to_batch_end()
                for frame in frames:
                    await self.send(frame, slot)
                if not frames:
                    await self.send(s.end(), slot)
            elif isinstance(cmd, Play):
                slot.stop_playing()
                s.summary()  # raises if nothing is loaded
                slot.player = asyncio.create_task(self.play(slot, cmd.speed))
            elif isinstance(cmd, Pause):
                await self.send(s.paused(), slot)
            elif isinstance(cmd, Seek):
                frame = s.seek(cmd.position)
                await self.send(frame or s.paused(), slot)
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
            await self.send(error_frame(exc.kind, exc.message, code=exc.code, **exc.detail), slot)
        except ValidationError as exc:
            await self.send(validation_frame(exc), slot)
        except SessionError as exc:
            await self.send(error_frame("session", exc.message, code=exc.code, **exc.detail), slot)

    def _load_waiting(self, slot: Slot) -> bool:
        return any(
            isinstance(c, Load) and c.slot == slot.name
            for c in list(self.commands._queue)  # type: ignore[attr-defined]
        )
