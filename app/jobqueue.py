"""One job interface, two engines.

Heavy work (experiments, generation, cost measurement, claim runs) goes through a `JobQueue`:

- `LocalJobQueue` (the embedded default, no extra service): jobs in this process's memory,
  computed by its own worker process (app/workers.py). A restart loses them.
- `RedisJobQueue` (app/redis_queue.py, when LSL_REDIS_URL is set): RQ on Redis, computed by
  `lstm-state-lab worker` processes; any replica answers, results outlive restarts.

Routes only see this interface: a job's summary is {id, status, events, result, error,
error_code, queue_position, workers}; status is queued | running | done | cancelled | failed.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from app.jobs import Job, Jobs, QueueFull
from app.workers import WorkerProcess

__all__ = ["JobQueue", "LocalJobQueue", "QueueFull"]


class JobQueue(Protocol):
    max_pending: int

    async def submit(self, key: str, task: str, *args: Any) -> dict[str, Any]:
        """Queue `task(*args)`; an identical job (same key) is computed once."""
        ...

    async def status(self, job_id: str) -> dict[str, Any] | None:
        """The job's summary, or None when no such job is known."""
        ...

    def stream(self, job_id: str, last_id: str | None) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """(event id, event) after `last_id` (a reconnecting page resumes), until the end."""
        ...

    async def cancel(self, job_id: str) -> dict[str, Any] | None: ...

    async def call(self, task: str, *args: Any, key: str | None = None, owner: Any = None) -> Any:
        """Run `task(*args)` and return its result. Cancelling the caller cancels work nobody
        else shares; a `key` makes identical calls share one computation; calls of different
        `owner`s take turns where the engine can (the embedded one)."""
        ...

    async def stats(self) -> dict[str, float]:
        """depth (jobs waiting), running, workers, oldest_age_s (of the oldest waiting job)."""
        ...

    async def close(self) -> None: ...


@dataclass
class _Shared:
    task: asyncio.Future[Any]
    waiters: int = 0


class LocalJobQueue:
    """The embedded engine: app.jobs.Jobs on this process's own worker process."""

    def __init__(self, worker: WorkerProcess, concurrency: int = 1, max_pending: int = 20):
        self.worker = worker
        self.jobs = Jobs(worker.call, concurrency=concurrency, max_pending=max_pending)
        self.max_pending = max_pending
        self._shared: dict[str, _Shared] = {}

    def _summary(self, job: Job) -> dict[str, Any]:
        return {**job.summary(), "queue_position": self.jobs.position(job), "workers": 1}

    async def submit(self, key: str, task: str, *args: Any) -> dict[str, Any]:
        return self._summary(self.jobs.submit(key, task, *args))

    async def status(self, job_id: str) -> dict[str, Any] | None:
        job = self.jobs.jobs.get(job_id)
        return None if job is None else self._summary(job)

    async def stream(
        self, job_id: str, last_id: str | None
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        job = self.jobs.jobs.get(job_id)
        if job is None:
            return
        skip = int(last_id) + 1 if last_id and last_id.isdigit() else 0
        index = 0
        async for event in self.jobs.stream(job):
            if index >= skip:
                yield str(index), event
            index += 1

    async def cancel(self, job_id: str) -> dict[str, Any] | None:
        job = self.jobs.jobs.get(job_id)
        if job is None:
            return None
        self.jobs.cancel(job)
        return self._summary(job)

    async def call(self, task: str, *args: Any, key: str | None = None, owner: Any = None) -> Any:
        if key is None:
            return await self.worker.call(task, *args, owner=owner)
        # Identical calls share one computation (a class pressing the same button): each
        # waiter awaits it shielded, and the last one to leave cancels it.
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = _Shared(
                asyncio.ensure_future(self.worker.call(task, *args, owner=owner))
            )
            shared.task.add_done_callback(functools.partial(self._forget, key, shared))
        shared.waiters += 1
        try:
            return await asyncio.shield(shared.task)
        finally:
            shared.waiters -= 1
            if shared.waiters == 0 and not shared.task.done():
                shared.task.cancel()

    def _forget(self, key: str, shared: _Shared, _: object) -> None:
        if self._shared.get(key) is shared:
            del self._shared[key]

    async def stats(self) -> dict[str, float]:
        # what waits: queued jobs (they wait for the job slot) and calls waiting for the worker
        # (direct calls, and the running job's, once it has the slot)
        now = time.monotonic()
        waiting = [now - j.submitted for j in self.jobs.jobs.values() if j.status == "queued"]
        waiting += [now - call.queued_at for call in self.worker.pending]
        return {
            "depth": len(waiting),
            "running": float(self.worker.running is not None),
            "workers": 1,
            "oldest_age_s": max(waiting, default=0.0),
        }

    async def close(self) -> None:
        await self.worker.close()
