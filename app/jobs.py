"""Background jobs (experiments): a bounded queue, progress events in order, cancel, and a
cache by configuration. No TensorFlow: the work is a function run in the TF worker pool."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from app import metrics

Work = Callable[[Callable[[dict[str, Any]], None], Callable[[], bool]], Any]


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
    cancel_flag: threading.Event = field(default_factory=threading.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

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
        }


class Jobs:
    def __init__(
        self, limiter: anyio.CapacityLimiter, concurrency: int = 1, max_pending: int = 20
    ) -> None:
        self.limiter = limiter
        self.slots = asyncio.Semaphore(concurrency)
        self.max_pending = max_pending
        self.jobs: dict[str, Job] = {}
        self.cache: dict[str, Any] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def submit(self, key: str, work: Work) -> Job:
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
        task = asyncio.create_task(self._run(job, work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return job

    def cancel(self, job: Job) -> None:
        job.cancel_flag.set()

    async def _run(self, job: Job, work: Work) -> None:
        loop = asyncio.get_running_loop()

        def emit(event: dict[str, Any]) -> None:  # called from the worker thread
            job.events.append({"type": "progress", **event})
            loop.call_soon_threadsafe(job.changed.set)

        async with self.slots:
            if job.cancel_flag.is_set():
                self._finish(job, "cancelled")
                return
            job.status = "running"
            started = time.monotonic()
            job.events.append({"type": "started"})
            job.changed.set()
            try:
                job.result = await anyio.to_thread.run_sync(
                    work, emit, job.cancel_flag.is_set, limiter=self.limiter
                )
            except Exception as exc:  # cancellation arrives as the work's own exception
                if job.cancel_flag.is_set():
                    self._finish(job, "cancelled", started)
                else:
                    job.error = f"{type(exc).__name__}: {exc}"
                    self._finish(job, "failed", started)
                return
            self.cache[job.key] = job.result
            while len(self.cache) > MAX_CACHED:  # oldest first: dicts keep insertion order
                del self.cache[next(iter(self.cache))]
            self._finish(job, "done", started)

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
