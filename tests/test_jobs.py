"""The job queue: events in order, cancel, cache, queue position — with a plain async runner
standing in for the worker process (tests/test_workers.py runs the real one)."""

import asyncio
from typing import Any

import pytest

from app.jobs import Jobs, QueueFull
from tests import serving


class Runner:
    """runner(task, n, emit=...): emits n events, returns n * 10; waits on `gate` if set."""

    def __init__(self) -> None:
        self.gate: asyncio.Event | None = None
        self.started: list[int] = []
        self.cancelled: list[int] = []

    async def __call__(self, task: str, n: int, *, emit: Any) -> int:
        self.started.append(n)
        try:
            for i in range(n):
                if self.gate is not None:
                    await self.gate.wait()
                emit({"i": i})
                await asyncio.sleep(0.001)
        except asyncio.CancelledError:
            self.cancelled.append(n)
            raise
        if task == "fail":
            raise ValueError("bad input")
        return n * 10


async def _collect(jobs: Jobs, job: Any) -> list[dict[str, Any]]:
    return [e async for e in jobs.stream(job)]


def test_events_in_order_then_result_then_cache() -> None:
    async def main() -> None:
        runner = Runner()
        jobs = Jobs(runner)
        job = jobs.submit("k", "count", 50)
        events = await _collect(jobs, job)
        assert events[0] == {"type": "started"}
        assert [e["i"] for e in events[1:-1]] == list(range(50))
        assert events[-1] == {"type": "done"} and job.result == 500
        again = jobs.submit("k", "count", 50)
        assert again.status == "done" and again.result == job.result
        assert (await _collect(jobs, again))[-1]["cached"] is True
        assert runner.started == [50]  # computed once

    serving.run_async(main)


def test_cancel_running_and_queued() -> None:
    async def main() -> None:
        runner = Runner()
        runner.gate = asyncio.Event()
        jobs = Jobs(runner, concurrency=1)
        running = jobs.submit("a", "count", 10)
        queued = jobs.submit("b", "count", 11)
        await asyncio.sleep(0.05)
        assert jobs.position(running) == 0 and jobs.position(queued) == 1
        jobs.cancel(running)
        jobs.cancel(queued)
        assert (await _collect(jobs, running))[-1] == {"type": "cancelled"}
        assert (await _collect(jobs, queued))[-1] == {"type": "cancelled"}
        assert runner.started == [10] and runner.cancelled == [10]  # b never started
        assert "a" not in jobs.cache and "b" not in jobs.cache
        assert jobs.position(running) is None

    serving.run_async(main)


def test_a_failure_is_a_clear_failed_job() -> None:
    async def main() -> None:
        jobs = Jobs(Runner())
        job = jobs.submit("f", "fail", 1)
        assert (await _collect(jobs, job))[-1] == {"type": "failed"}
        assert job.error == "ValueError: bad input" and "f" not in jobs.cache

    serving.run_async(main)


def test_queue_is_bounded() -> None:
    async def main() -> None:
        runner = Runner()
        runner.gate = asyncio.Event()
        jobs = Jobs(runner, max_pending=2)
        for k in "ab":
            jobs.submit(k, "count", 1)
        with pytest.raises(QueueFull):
            jobs.submit("c", "count", 1)
        runner.gate.set()
        await asyncio.gather(*jobs.tasks)

    serving.run_async(main)


def test_a_long_running_server_keeps_a_bounded_history(monkeypatch: pytest.MonkeyPatch) -> None:
    from prometheus_client import REGISTRY

    from app import jobs as jobs_module
    from app import metrics

    monkeypatch.setattr(jobs_module, "MAX_FINISHED", 5)
    monkeypatch.setattr(jobs_module, "MAX_CACHED", 3)

    async def main() -> None:
        jobs = Jobs(Runner())

        def done() -> float:
            found = REGISTRY.get_sample_value("lsl_job_seconds_count", {"status": "done"})
            return found or 0.0

        before = done()
        ids = []
        for i in range(12):
            job = jobs.submit(f"k{i}", "count", 2)
            await _collect(jobs, job)
            ids.append(job.id)
        assert len(jobs.jobs) <= 5 and ids[-1] in jobs.jobs and ids[0] not in jobs.jobs
        assert list(jobs.cache) == ["k9", "k10", "k11"]  # the latest results
        assert done() == before + 12
        text = metrics.render({"tasks": 1.0, "rss": 1.0}, {}).decode()
        assert f'lsl_job_seconds_count{{status="done"}} {before + 12}' in text

    serving.run_async(main)
