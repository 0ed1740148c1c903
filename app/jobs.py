"""Background jobs (experiments): a bounded queue, progress events in order, cancel, and a
cache by configuration. No TensorFlow: the work is a named task that a runner (a worker
process, app/workers.py) runs; cancelling a job cancels the runner's call."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app import metrics

# runner(task, *args, emit=...) -> result; raises when the task fails or is cancelled
Runner = Callable[..., Awaitable[Any]]


MAX_FINISHED = 200  # finished jobs kept for their pages and event streams
MAX_CACHED = 64  # results kept for a repeated configuration


class QueueFull(Exception):
    pass


@dataclass
class Job:
    id: str
    key: str
    status: str = "queued"  # queued | running | done | cancelled | failed
    events: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None
    error: str | None = None
    error_code: str | None = None
    cancel_requested: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    submitted: float = field(default_factory=time.monotonic)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "cancelled", "failed")

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "events": len(self.events),
            "result": self.result,
            "error": self.error,
            "error_code": self.error_code,
        }


class Jobs:
    def __init__(self, runner: Runner, concurrency: int = 1, max_pending: int = 20) -> None:
        self.runner = runner
        self.slots = asyncio.Semaphore(concurrency)
        self.max_pending = max_pending
        self.jobs: dict[str, Job] = {}
        self.cache: dict[str, Any] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def submit(self, key: str, task: str, *args: Any) -> Job:
        self._prune()
        job = Job(uuid.uuid4().hex[:12], key)
        self.jobs[job.id] = job
        if key in self.cache:  # same configuration, same seed: same result
            job.status, job.result = "done", self.cache[key]
            job.events.append({"type": "done", "cached": True})
            return job
        if sum(not j.finished for j in self.jobs.values()) > self.max_pending:
            del self.jobs[job.id]
            raise QueueFull(f"{self.max_pending} experiments are already waiting; retry later")
        job.task = asyncio.create_task(self._run(job, task, args))
        self.tasks.add(job.task)
        job.task.add_done_callback(self.tasks.discard)
        return job

    def cancel(self, job: Job) -> None:
        if job.finished or job.task is None:
            return
        job.cancel_requested = True
        job.task.cancel()  # queued: never runs; running: the worker is told to stop

    async def _run(self, job: Job, task: str, args: tuple[Any, ...]) -> None:
        def emit(event: dict[str, Any]) -> None:
            job.events.append({"type": "progress", **event})
            job.changed.set()

        started: float | None = None
        try:
            async with self.slots:
                job.status = "running"
                started = time.monotonic()
                job.events.append({"type": "started"})
                job.changed.set()
                job.result = await self.runner(task, *args, emit=emit)
        except asyncio.CancelledError:
            self._finish(job, "cancelled", started)
            if not job.cancel_requested:
                raise  # the server is shutting down
            return
        except Exception as exc:
            job.error = str(getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")
            job.error_code = getattr(exc, "code", None)
            self._finish(job, "cancelled" if job.cancel_requested else "failed", started)
            return
        self.cache[job.key] = job.result
        while len(self.cache) > MAX_CACHED:  # oldest first: dicts keep insertion order
            del self.cache[next(iter(self.cache))]
        self._finish(job, "done", started)

    def position(self, job: Job) -> int | None:
        """0 = running, n = n jobs before it; None when finished."""
        if job.finished:
            return None
        if job.status == "running":
            return 0
        waiting = [j for j in self.jobs.values() if not j.finished]
        running = sum(j.status == "running" for j in waiting)
        queued = [j.id for j in waiting if j.status == "queued"]
        return running + queued.index(job.id) if job.id in queued else None

    def _finish(self, job: Job, status: str, started: float | None = None) -> None:
        job.status = status
        job.events.append({"type": status})
        job.changed.set()
        if started is not None:
            metrics.observe("lsl_job_seconds", time.monotonic() - started, status)
        self._prune()

    def _prune(self) -> None:
        # A hosted instance runs for weeks: keep only the latest finished jobs.
        finished = [j.id for j in self.jobs.values() if j.finished]
        for old in finished[: max(0, len(finished) - MAX_FINISHED)]:
            del self.jobs[old]

    async def stream(self, job: Job) -> AsyncIterator[dict[str, Any]]:
        """Every event of the job, in order, until it is finished."""
        sent = 0
        while True:
            while sent < len(job.events):
                yield job.events[sent]
                sent += 1
            if job.finished and sent >= len(job.events):
                return
            job.changed.clear()
            if sent < len(job.events) or job.finished:
                continue
            await job.changed.wait()
