"""Heavy work in a child process of its own: experiments, generation, cost measurement, claim
runs and traces too expensive for the explorer's own TensorFlow thread.

The child imports TensorFlow once and keeps its compiled models warm between calls; it runs at
a lower OS priority with bounded TF threads, so the web process (pages, live sessions, small
traces) keeps the CPU it needs. One call runs at a time; callers take turns by owner (in
order within one). A call whose
caller went away is dropped before it starts, or told to stop (`cancelled()` in the task) if
it runs. A child that dies fails its running call with a clear error and is started again.

No TensorFlow here: tasks are named (`app.engine.tasks.TASKS`) and run in the child.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from app import worker_child
from app.errors import KerasRejected, LabError, ScenarioError, VerificationFailed

log = logging.getLogger(__name__)
ERRORS: dict[str, type[LabError]] = {
    cls.__name__: cls for cls in (ScenarioError, KerasRejected, VerificationFailed)
}


class WorkerDied(LabError):
    """The worker process stopped while it ran this call (killed, out of memory)."""

    kind = "worker_failed"


class TaskFailed(LabError):
    """The task raised something that is not a LabError: its type and message, no traceback."""

    kind = "task_failed"


class Cancelled(Exception):
    """The task saw `cancelled()` and stopped."""


@dataclass
class _Call:
    id: int
    task: str
    args: tuple[Any, ...]
    emit: Callable[[dict[str, Any]], None] | None
    future: asyncio.Future[Any]
    owner: Any = None  # whose turn it is: calls of different owners take turns
    queued_at: float = field(default_factory=time.monotonic)
    started: bool = False
    cancel_sent: bool = False


@dataclass
class WorkerProcess:
    """One child process and the calls waiting for it."""

    name: str
    nice: int = 10
    tf_threads: int = 0
    warm_up: bool = True
    pending: list[_Call] = field(default_factory=list)
    running: _Call | None = None
    pid: int | None = None
    restarts: int = 0
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _conn: Connection | None = None
    _proc: Any = None
    _wake: asyncio.Event | None = None
    _loop_task: asyncio.Task[None] | None = None
    _ready: Any = None
    _warm: bool = False
    _served: dict[Any, int] = field(default_factory=dict)  # owner -> the turn it last had
    _turns: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def ready(self) -> bool:
        """Started, warmed up and alive: a call starts at once if nothing is queued."""
        if self._proc is None or not self._proc.is_alive():
            return False
        if not self._warm and self._ready is not None:
            with contextlib.suppress(OSError, EOFError):
                self._warm = self._ready.poll()
        return self._warm

    # -- the caller's side ---------------------------------------------------------------------
    async def call(
        self,
        task: str,
        *args: Any,
        emit: Callable[[dict[str, Any]], None] | None = None,
        owner: Any = None,
    ) -> Any:
        """Run `task(*args)` in the child; cancelling the awaiting task cancels the call.
        Waiting calls of different owners take turns (one client's eight requests do not make
        everyone else wait for all eight)."""
        loop = asyncio.get_running_loop()
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = loop.create_task(self._dispatch())
        call = _Call(next(self._ids), task, args, emit, loop.create_future(), owner)
        self.pending.append(call)
        self._wake.set()
        try:
            return await asyncio.shield(call.future)
        except asyncio.CancelledError:
            call.future.add_done_callback(_consume)  # its answer comes with nobody to read it
            if not call.started:  # nobody waits: never computed
                with contextlib.suppress(ValueError):
                    self.pending.remove(call)
            elif not call.future.done() and self._conn is not None and not call.cancel_sent:
                call.cancel_sent = True
                with contextlib.suppress(OSError, ValueError):
                    self._conn.send(("cancel", call.id))
            raise

    @property
    def queued(self) -> int:
        return len(self.pending) + (self.running is not None)

    def position(self, future: asyncio.Future[Any]) -> int | None:
        for i, call in enumerate(self.pending):
            if call.future is future:
                return i + (self.running is not None)
        return None

    # -- the child ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the child now (it warms up while the web process does) rather than at the
        first call."""
        if self._proc is None or not self._proc.is_alive():
            self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads
        parent, child = ctx.Pipe()
        # a pipe, not an Event: a killed child would leave an Event's semaphores behind
        self._ready, ready = ctx.Pipe(duplex=False)
        self._warm = False
        proc = ctx.Process(
            target=worker_child.main,
            args=(child, self.nice, self.tf_threads, self.warm_up, ready),
            name=f"lsl-{self.name}",
            daemon=True,
        )
        proc.start()
        child.close()
        ready.close()
        self._conn, self._proc, self.pid = parent, proc, proc.pid
        log.info("worker started", extra={"worker": self.name, "pid": proc.pid})

    async def close(self) -> None:
        """Stop the child and the dispatcher (at shutdown): waiting calls fail clearly."""
        task = self._loop_task
        self.stop()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    def stop(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        if self._loop_task is not None:
            self._loop_task.cancel()
        for call in [*self.pending, *([self.running] if self.running else [])]:
            if not call.future.done():
                call.future.set_exception(WorkerDied("the server is shutting down"))
        self.pending.clear()
        self.running = None

    async def _dispatch(self) -> None:
        assert self._wake is not None
        while True:
            while not self.pending:
                self._wake.clear()
                await self._wake.wait()
            call = self._next()
            if call.future.done():
                continue
            if self._proc is None or not self._proc.is_alive():
                self._start()
            assert self._conn is not None
            call.started, self.running = True, call
            try:
                self._conn.send(("run", call.id, call.task, call.args))
                await asyncio.to_thread(self._receive, call, asyncio.get_running_loop())
            except (OSError, EOFError, ValueError) as exc:
                self._died(call, exc)
            finally:
                self.running = None

    def _next(self) -> _Call:
        """The waiting call whose owner was served longest ago (never served first); in
        arrival order within an owner."""
        pick = min(
            range(len(self.pending)),
            key=lambda i: (self._served.get(self.pending[i].owner, -1), i),
        )
        call = self.pending.pop(pick)
        self._served[call.owner] = next(self._turns)
        if len(self._served) > 1000:  # owners come and go: keep those still waiting
            waiting = {c.owner for c in self.pending}
            self._served = {o: t for o, t in self._served.items() if o in waiting}
        return call

    def _receive(self, call: _Call, loop: asyncio.AbstractEventLoop) -> None:
        """In a thread: the child's messages for `call` until its answer."""
        assert self._conn is not None
        while True:
            kind, call_id, payload = self._conn.recv()
            if call_id != call.id:
                continue  # a late message of a call that was dropped
            if kind == "event":
                if call.emit is not None:
                    loop.call_soon_threadsafe(call.emit, payload)
                continue
            loop.call_soon_threadsafe(_settle, call.future, kind, payload)
            return

    def _died(self, call: _Call, exc: BaseException) -> None:
        code = self._proc.exitcode if self._proc is not None else None
        if self._proc is not None:
            self._proc.join(1)
            code = self._proc.exitcode
        self.restarts += 1
        self._proc = None
        log.warning("worker died", extra={"worker": self.name, "exit_code": code})
        if not call.future.done():
            call.future.set_exception(
                WorkerDied(
                    f"the worker process stopped while running this job (exit code {code}); "
                    "it has been restarted: try again",
                    code="worker_died",
                    exit_code=code,
                )
            )


def _consume(future: asyncio.Future[Any]) -> None:
    """Read the answer of a call nobody awaits any more (else asyncio logs "Future exception
    was never retrieved" with its traceback)."""
    if not future.cancelled():
        future.exception()


def _settle(future: asyncio.Future[Any], kind: str, payload: Any) -> None:
    if future.done():
        return
    if kind == "done":
        future.set_result(payload)
    elif kind == "cancelled":
        future.set_exception(Cancelled())
    else:  # "error": (class name, message, code, detail)
        name, message, code, detail = payload
        cls = ERRORS.get(name)
        if cls is not None:
            future.set_exception(cls(message, code=code, **detail))
        else:
            future.set_exception(
                TaskFailed(f"{name}: {message}", code="task_failed", exception=name)
            )
