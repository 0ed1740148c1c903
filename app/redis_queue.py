"""The distributed job engine: RQ on Redis (web side). No TensorFlow here.

Why RQ: synchronous jobs fit our tasks (they already take `emit` and `cancelled`), results
expire by themselves (`result_ttl`), `Retry(max=1)` re-runs a job whose worker died (its
started-registry entry expires and the registry's cleanup retries it), and a `SimpleWorker`
runs every job in one long-lived process, so TensorFlow and compiled models stay warm between
jobs (app/queue_worker.py). Celery would bring a broker protocol and a pool we do not need;
arq is asyncio-first while our work is blocking TF calls.

What RQ does not give, kept in Redis beside its keys (all prefixed `lsl:`):
- progress: one Redis stream per job (`lsl:events:<id>`), written by the worker, read by any
  replica with XREAD; a page resumes with its stream id (SSE Last-Event-ID);
- cancellation of a running job: a flag the task's `cancelled()` reads between batches;
- identical jobs computed once: the job id is a hash of the task and its arguments.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import redis
import redis.asyncio as aioredis
from rq import Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from app.errors import JobFailed
from app.jobs import QueueFull

RUN = "app.queue_worker.run"  # the job function, imported by the worker only
POLL_S = 0.2
CLEANUP_EVERY_S = 2.0


def events_key(job_id: str) -> str:
    return f"lsl:events:{job_id}"


def cancel_key(job_id: str) -> str:
    return f"lsl:cancel:{job_id}"


def job_id_for(task: str, key: str) -> str:
    return f"lsl-{task}-{hashlib.sha256(key.encode()).hexdigest()[:24]}"


class RedisJobQueue:
    def __init__(
        self,
        url: str,
        name: str = "lstm-state-lab",
        max_pending: int = 20,
        result_ttl_s: int = 7 * 24 * 3600,
        job_timeout_s: int = 600,
    ) -> None:
        self.sync = redis.Redis.from_url(url)
        self.aio = aioredis.Redis.from_url(url)
        self.queue = Queue(name, connection=self.sync)
        self.max_pending = max_pending
        self.result_ttl_s = result_ttl_s
        self.job_timeout_s = job_timeout_s
        self._cleaned = 0.0

    # -- sync helpers, run in a thread (RQ is synchronous) -----------------------------------
    def _fetch(self, job_id: str) -> Job | None:
        try:
            return Job.fetch(job_id, connection=self.sync)
        except NoSuchJobError:
            return None

    def _cleanup(self) -> None:
        """Retry (or fail) jobs whose worker died: normally a live worker's maintenance does
        it; doing it here too means a job is never stuck while no worker is running."""
        now = time.monotonic()
        if now - self._cleaned >= CLEANUP_EVERY_S:
            self._cleaned = now
            StartedJobRegistry(queue=self.queue).cleanup()

    def _summary(self, job: Job) -> dict[str, Any]:
        status = job.get_status(refresh=True)
        cancelled = bool(self.sync.exists(cancel_key(job.id)))
        out: dict[str, Any] = {
            "id": job.id,
            "status": "queued",
            "events": int(self.sync.xlen(events_key(job.id))),
            "result": None,
            "error": None,
            "error_code": None,
            "queue_position": None,
            "workers": Worker.count(queue=self.queue),
            "tries": int(job.meta.get("tries", 0)),
        }
        if status == JobStatus.FINISHED:
            out["status"], out["result"] = "done", job.return_value()
        elif status == JobStatus.STARTED:
            out["status"], out["queue_position"] = "running", 0
        elif status in (JobStatus.CANCELED, JobStatus.STOPPED) or (
            status == JobStatus.FAILED and cancelled
        ):
            out["status"] = "cancelled"
        elif status == JobStatus.FAILED:
            out["status"] = "failed"
            failure = _failure(job)
            out["error"], out["error_code"] = failure.message, failure.code
        else:  # queued, deferred, scheduled: its place among the waiting
            position = job.get_position()
            running = StartedJobRegistry(queue=self.queue).count
            out["queue_position"] = running + (position or 0) if position is not None else None
        return out

    def _submit(self, key: str, task: str, args: tuple[Any, ...]) -> Job:
        job_id = job_id_for(task, key)
        lock = self.sync.lock(f"lsl:submit:{job_id}", timeout=10, blocking_timeout=10)
        with lock:  # two replicas submitting the same job at once enqueue it once
            job = self._fetch(job_id)
            if job is not None:
                status = job.get_status(refresh=True)
                if status in (
                    JobStatus.QUEUED,
                    JobStatus.STARTED,
                    JobStatus.FINISHED,
                    JobStatus.DEFERRED,
                    JobStatus.SCHEDULED,
                ):
                    return job
                job.delete()  # failed or cancelled before: run it again
                self.sync.delete(events_key(job_id), cancel_key(job_id))
            if len(self.queue) >= self.max_pending:
                raise QueueFull(f"{self.max_pending} jobs are already waiting; retry later")
            return self.queue.enqueue(
                RUN,
                task,
                list(args),
                job_id=job_id,
                result_ttl=self.result_ttl_s,
                failure_ttl=self.result_ttl_s,
                job_timeout=self.job_timeout_s,
                retry=Retry(max=1),
                meta={"task": task, "tries": 0, "submitted": time.time()},
            )

    def _cancel(self, job_id: str) -> dict[str, Any] | None:
        job = self._fetch(job_id)
        if job is None:
            return None
        self.sync.set(cancel_key(job_id), 1, ex=self.result_ttl_s)
        if job.get_status(refresh=True) in (
            JobStatus.QUEUED,
            JobStatus.DEFERRED,
            JobStatus.SCHEDULED,
        ):
            job.cancel()  # never runs
        return self._summary(job)

    def _status(self, job_id: str) -> dict[str, Any] | None:
        self._cleanup()
        job = self._fetch(job_id)
        return None if job is None else self._summary(job)

    def _stats(self) -> dict[str, float]:
        waiting = self.queue.get_job_ids(0, 0)
        oldest = self._fetch(waiting[0]) if waiting else None
        submitted = float(oldest.meta.get("submitted", time.time())) if oldest else time.time()
        return {
            "depth": float(len(self.queue)),
            "running": float(StartedJobRegistry(queue=self.queue).count),
            "workers": float(Worker.count(queue=self.queue)),
            "oldest_age_s": max(0.0, time.time() - submitted) if oldest else 0.0,
        }

    # -- the interface -------------------------------------------------------------------------
    async def submit(self, key: str, task: str, *args: Any) -> dict[str, Any]:
        job = await anyio.to_thread.run_sync(self._submit, key, task, args)
        return await anyio.to_thread.run_sync(self._summary, job)

    async def status(self, job_id: str) -> dict[str, Any] | None:
        return await anyio.to_thread.run_sync(self._status, job_id)

    async def cancel(self, job_id: str) -> dict[str, Any] | None:
        return await anyio.to_thread.run_sync(self._cancel, job_id)

    async def stats(self) -> dict[str, float]:
        return await anyio.to_thread.run_sync(self._stats)

    async def stream(
        self, job_id: str, last_id: str | None
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """The worker's events from the job's stream, then one end event from its status."""
        cursor = last_id or "0-0"
        queued_at: int | None = None
        while True:
            found = _entries(
                await self.aio.xread({events_key(job_id): cursor}, count=100, block=1000)
            )
            for cursor, event in found:
                yield cursor, event
            if found:
                continue
            summary = await self.status(job_id)
            if summary is None:
                gone = JobFailed("this job is not known here (it expired)", code="no_job")
                yield cursor, {"type": "failed", "error": gone.message, "error_code": gone.code}
                return
            if summary["status"] in ("done", "failed", "cancelled"):
                # anything written between the read and the status comes first
                rest = await self.aio.xread({events_key(job_id): cursor}, count=1000)
                for cursor, event in _entries(rest):
                    yield cursor, event
                end = {"type": summary["status"]}
                if summary["status"] == "failed":
                    end |= {"error": summary["error"], "error_code": summary["error_code"]}
                yield cursor, end
                return
            if summary["status"] == "queued" and summary["queue_position"] != queued_at:
                queued_at = summary["queue_position"]
                yield (
                    cursor,
                    {"type": "queued", "position": queued_at, "workers": summary["workers"]},
                )

    async def call(self, task: str, *args: Any, key: str | None = None, owner: Any = None) -> Any:
        """Queue and wait. Without a key the job is this caller's own: leaving cancels it.
        RQ serves its queue in order: `owner` takes no turns here."""
        own = key is None
        try:
            summary = await self.submit(key or f"{time.time_ns()}-{id(args)}", task, *args)
        except QueueFull as exc:
            raise JobFailed(str(exc), code="queue_full", limit=self.max_pending) from exc
        job_id = summary["id"]
        try:
            while summary["status"] not in ("done", "failed", "cancelled"):
                await asyncio.sleep(POLL_S)
                found = await self.status(job_id)
                if found is None:
                    raise JobFailed("the job expired before it finished", code="job_lost")
                summary = found
        except asyncio.CancelledError:
            if own:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.cancel(job_id))
            raise
        if summary["status"] == "done":
            return summary["result"]
        if summary["status"] == "cancelled":
            raise JobFailed("the job was cancelled", code="cancelled")
        raise JobFailed(
            summary["error"] or "the job failed", code=summary["error_code"] or "task_failed"
        )

    async def close(self) -> None:
        await self.aio.aclose()
        self.sync.close()


def _entries(found: Any) -> list[tuple[str, dict[str, Any]]]:
    """XREAD's [(stream, [(id, fields)])] -> [(id, event)]."""
    return [
        (entry_id.decode(), json.loads(fields[b"e"]))
        for _, entries in found or []
        for entry_id, fields in entries
    ]


def _failure(job: Job) -> JobFailed:
    """A failed job's message and code, never a traceback."""
    result = job.latest_result()
    text = (result.exc_string if result is not None else "") or ""
    if "AbandonedJobError" in text:
        return JobFailed(
            "the worker running this job stopped (it was retried once, and stopped again)",
            code="worker_stopped",
        )
    if "JobTimeoutException" in text:
        return JobFailed("the job ran longer than the queue's time limit", code="job_timeout")
    last = [line for line in text.strip().splitlines() if line.strip()]
    message = last[-1] if last else "the job failed"
    message = message.split(": ", 1)[-1] if ": " in message else message
    return JobFailed(message, code=str(job.meta.get("error_code") or "task_failed"))
