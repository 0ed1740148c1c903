"""The job queue: events in order, cancel, cache — with plain Python work (no TF needed)."""

import asyncio
import threading
import time
from typing import Any

import anyio
import pytest

from app.jobs import Jobs, QueueFull
from tests import serving


def _counting(n: int, gate: threading.Event | None = None) -> Any:
    def work(emit: Any, cancelled: Any) -> int:
        for i in range(n):
            if gate is not None:
                gate.wait(5)
            if cancelled():
                raise RuntimeError("cancelled")
            emit({"i": i})
            time.sleep(0.001)
        return n * 10

    return work


async def _collect(jobs: Jobs, job: Any) -> list[dict[str, Any]]:
    return [e async for e in jobs.stream(job)]


def test_events_in_order_then_result_then_cache() -> None:
    async def main() -> None:
        jobs = Jobs(anyio.CapacityLimiter(1))
        job = jobs.submit("k", _counting(50))
        events = await _collect(jobs, job)
        assert events[0] == {"type": "started"}
        assert [e["i"] for e in events[1:-1]] == list(range(50))
        assert events[-1] == {"type": "done"} and job.result == 500
        again = jobs.submit("k", _counting(50))
        assert again.status == "done" and again.result == job.result
        assert (await _collect(jobs, again))[-1]["cached"] is True

    serving.run_async(main)


def test_cancel_running_and_queued() -> None:
    async def main() -> None:
        jobs = Jobs(anyio.CapacityLimiter(1), concurrency=1)
        gate = threading.Event()
        running = jobs.submit("a", _counting(10, gate))
        queued = jobs.submit("b", _counting(10))
        await asyncio.sleep(0.05)
        jobs.cancel(running)
        jobs.cancel(queued)
        gate.set()
        assert (await _collect(jobs, running))[-1] == {"type": "cancelled"}
        assert (await _collect(jobs, queued))[-1] == {"type": "cancelled"}
        assert "a" not in jobs.cache and "b" not in jobs.cache

    serving.run_async(main)


def test_queue_is_bounded() -> None:
    async def main() -> None:
        jobs = Jobs(anyio.CapacityLimiter(1), max_pending=2)
        gate = threading.Event()
        for k in "ab":
            jobs.submit(k, _counting(1, gate))
        with pytest.raises(QueueFull):
            jobs.submit("c", _counting(1, gate))
        gate.set()
        await asyncio.gather(*jobs.tasks)

    serving.run_async(main)


def test_a_long_running_server_keeps_a_bounded_history(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import jobs as jobs_module
    from app import metrics

    monkeypatch.setattr(jobs_module, "MAX_FINISHED", 5)
    monkeypatch.setattr(jobs_module, "MAX_CACHED", 3)

    async def main() -> None:
        jobs = Jobs(anyio.CapacityLimiter(1))
        before = metrics.durations.get(("lsl_job_seconds", "done"), [0.0, 0])[1]
        ids = []
        for i in range(12):
            job = jobs.submit(f"k{i}", _counting(2))
            await _collect(jobs, job)
            ids.append(job.id)
        assert len(jobs.jobs) <= 5 and ids[-1] in jobs.jobs and ids[0] not in jobs.jobs
        assert list(jobs.cache) == ["k9", "k10", "k11"]  # the latest results
        assert metrics.durations[("lsl_job_seconds", "done")][1] == before + 12
        assert f'lsl_job_seconds_count{{status="done"}} {before + 12}' in metrics.render({})

    serving.run_async(main)
