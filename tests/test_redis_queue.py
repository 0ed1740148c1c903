"""The distributed job engine on a real redis-server, with real `lstm-state-lab worker`
processes: any replica answers, identical jobs run once, cancel, a killed worker's job is
retried once and then fails clearly, results outlive every process but Redis."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.redis_queue import RedisJobQueue
from tests import redis_server, serving

FAST = {"LSL_WARM_UP": "false"}  # these jobs are `sleep`s: no TensorFlow warm-up needed


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server.running(tmp_path) as url:
        yield url


def _run(make: Any) -> Any:
    return serving.run_async(make, timeout=180)


async def _until(
    queue: RedisJobQueue, job_id: str, statuses: set[str], limit: float = 60, tries: int = 0
) -> Any:
    for _ in range(int(limit / 0.1)):
        found = await queue.status(job_id)
        if found is not None and found["status"] in statuses and found["tries"] >= tries:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{job_id} never reached {statuses}: {found}")


def test_any_replica_answers_and_identical_jobs_run_once(redis_url: str, tmp_path: Path) -> None:
    worker = redis_server.worker(redis_url, tmp_path / "worker.log", **FAST)

    async def scenario() -> dict[str, Any]:
        a, b = RedisJobQueue(redis_url), RedisJobQueue(redis_url)  # two web replicas
        try:
            first = await a.submit("nap-1", "sleep", 0.6)
            again = await b.submit("nap-1", "sleep", 0.6)  # the same job, from the other one
            events = [e async for _, e in b.stream(first["id"], None)]
            done_a, done_b = await a.status(first["id"]), await b.status(first["id"])
            # resumed after the first event, as a reconnecting page does (Last-Event-ID)
            ids = [i async for i, _ in a.stream(first["id"], None)]
            resumed = [e async for _, e in a.stream(first["id"], ids[0])]
            third = await a.submit("nap-1", "sleep", 0.6)  # kept: comes back done at once
            return {
                "first": first,
                "again": again,
                "events": events,
                "a": done_a,
                "b": done_b,
                "resumed": resumed,
                "third": third,
            }
        finally:
            await a.close()
            await b.close()

    try:
        out = _run(scenario)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert out["again"]["id"] == out["first"]["id"]
    kinds = [e["type"] for e in out["events"]]
    assert kinds.count("started") == 1 and kinds[-1] == "done"  # computed once
    assert out["a"]["result"] == out["b"]["result"] == 0.6
    assert out["a"]["workers"] == 1
    assert [e["type"] for e in out["resumed"]] == kinds[1:]
    assert out["third"]["status"] == "done" and out["third"]["result"] == 0.6


def test_cancel_a_queued_and_a_running_job(redis_url: str, tmp_path: Path) -> None:
    worker = redis_server.worker(redis_url, tmp_path / "worker.log", **FAST)

    async def scenario() -> tuple[Any, ...]:
        q = RedisJobQueue(redis_url)
        try:
            running = await q.submit("long", "sleep", 30.0)
            waiting = await q.submit("next", "sleep", 30.0)
            await _until(q, running["id"], {"running"})
            queued = await q.status(waiting["id"])
            await q.cancel(waiting["id"])
            await q.cancel(running["id"])
            stopped = await _until(q, running["id"], {"cancelled", "failed"}, 10)
            never = await q.status(waiting["id"])
            events = [e["type"] async for _, e in q.stream(waiting["id"], None)]
            return queued, stopped, never, events
        finally:
            await q.close()

    try:
        queued, stopped, never, events = _run(scenario)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert queued["status"] == "queued" and queued["queue_position"] == 1  # behind one running
    assert stopped["status"] == "cancelled"  # within 10 s of a 30 s job: stopped between steps
    assert never["status"] == "cancelled" and events == ["cancelled"]  # never started


def test_a_killed_worker_means_one_retry_then_a_clear_failure(
    redis_url: str, tmp_path: Path
) -> None:
    """SIGKILL the worker mid-job: another worker retries it (try 2) and finishes. Killed
    again on its second try, the job fails with worker_stopped — never stuck, never lost."""
    log = tmp_path / "worker.log"

    async def scenario() -> tuple[Any, ...]:
        q = RedisJobQueue(redis_url)
        try:
            w1 = redis_server.worker(redis_url, log, **FAST)
            job = await q.submit("retried", "sleep", 3.0)
            # RQ marks the job started just before our task counts its try: kill after that
            await _until(q, job["id"], {"running"}, tries=1)
            os.kill(w1.pid, signal.SIGKILL)
            w1.wait()
            w2 = redis_server.worker(redis_url, log, **FAST)
            done = await _until(q, job["id"], {"done", "failed"}, 60)
            # a second job: killed on both tries
            doomed = await q.submit("doomed", "sleep", 30.0)
            await _until(q, doomed["id"], {"running"}, tries=1)
            os.kill(w2.pid, signal.SIGKILL)
            w2.wait()
            w3 = redis_server.worker(redis_url, log, **FAST)
            # until the dead worker's heartbeat expires the job still reads "running" (try 1):
            # wait for its second try, or w3 could be killed before it ever picked the job up
            second = await _until(q, doomed["id"], {"running"}, 30, tries=2)
            os.kill(w3.pid, signal.SIGKILL)
            w3.wait()
            failed = await _until(q, doomed["id"], {"failed", "done"}, 60)
            events = [e async for _, e in q.stream(doomed["id"], None)]
            return done, second, failed, events
        finally:
            await q.close()

    done, second, failed, events = _run(scenario)
    assert done["status"] == "done" and done["result"] == 3.0 and done["tries"] == 2
    assert second["tries"] == 2
    assert (failed["status"], failed["error_code"]) == ("failed", "worker_stopped")
    assert "stopped" in failed["error"] and "Traceback" not in failed["error"]
    assert events[-1] == {
        "type": "failed",
        "error": failed["error"],
        "error_code": "worker_stopped",
    }


def test_results_outlive_web_and_worker_restarts(redis_url: str, tmp_path: Path) -> None:
    worker = redis_server.worker(redis_url, tmp_path / "worker.log", **FAST)

    async def first() -> str:
        q = RedisJobQueue(redis_url)
        try:
            job = await q.submit("kept", "sleep", 0.2)
            await _until(q, job["id"], {"done"})
            return str(job["id"])
        finally:
            await q.close()

    job_id = _run(first)
    worker.terminate()
    worker.wait(timeout=30)

    async def later() -> Any:  # a new web process, no worker at all
        q = RedisJobQueue(redis_url)
        try:
            return await q.status(job_id)
        finally:
            await q.close()

    found = _run(later)
    assert found["status"] == "done" and found["result"] == 0.2 and found["workers"] == 0
