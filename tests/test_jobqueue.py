"""The job interface (app/jobqueue.py) and its embedded engine, LocalJobQueue: summaries with
queue position and workers, resumable event streams, cancel, direct calls, stats and close —
on a stand-in for the worker process (tests/test_workers.py runs the real one, tests/test_jobs.py
the Jobs underneath, tests/test_redis_queue.py the Redis engine)."""

from __future__ import annotations

import asyncio
import inspect
import time
from types import SimpleNamespace
from typing import Any

import pytest

from app import jobs
from app.jobqueue import JobQueue, LocalJobQueue, QueueFull
from app.redis_queue import RedisJobQueue
from tests import serving


class Worker:
    """worker.call(task, n, emit=...): emits n events, returns n * 10; waits on `gate` if set.
    One call runs at a time, as in WorkerProcess: `running` is it, `pending` the calls
    waiting (each with its queued_at), `queued` counts both."""

    def __init__(self) -> None:
        self.gate: asyncio.Event | None = None
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.owners: list[Any] = []
        self.pending: list[SimpleNamespace] = []
        self.running: SimpleNamespace | None = None
        self.queued = 0
        self.closed = False
        self._one = asyncio.Lock()

    async def call(self, task: str, *args: Any, emit: Any = None, owner: Any = None) -> Any:
        entry = SimpleNamespace(queued_at=time.monotonic())
        self.pending.append(entry)
        self.queued += 1
        try:
            async with self._one:
                self.pending.remove(entry)
                self.running = entry
                self.calls.append((task, args))
                self.owners.append(owner)
                try:
                    if self.gate is not None:
                        await self.gate.wait()
                    for i in range(args[0]):
                        if emit is not None:
                            emit({"i": i})
                    return args[0] * 10
                finally:
                    self.running = None
        finally:
            self.queued -= 1
            if entry in self.pending:
                self.pending.remove(entry)

    async def close(self) -> None:
        self.closed = True


def _queue(worker: Worker, **kwargs: Any) -> LocalJobQueue:
    return LocalJobQueue(worker, **kwargs)  # type: ignore[arg-type]


async def _until(queue: LocalJobQueue, job_id: str, status: str) -> dict[str, Any]:
    for _ in range(1000):
        found = await queue.status(job_id)
        assert found is not None
        if found["status"] == status:
            return found
        await asyncio.sleep(0.005)
    raise AssertionError(f"{job_id} never reached {status}: {found}")


def test_both_engines_have_every_method_of_the_interface() -> None:
    members = [n for n in vars(JobQueue) if not n.startswith("_") and callable(vars(JobQueue)[n])]
    assert set(members) == {"submit", "status", "stream", "cancel", "call", "stats", "close"}
    for engine in (LocalJobQueue, RedisJobQueue):
        for name in members:
            wanted = inspect.signature(getattr(JobQueue, name)).parameters
            assert inspect.signature(getattr(engine, name)).parameters.keys() == wanted.keys(), (
                engine.__name__,
                name,
            )


def test_a_submitted_job_is_summarised_then_done_with_its_result() -> None:
    async def main() -> tuple[dict[str, Any], dict[str, Any] | None]:
        queue = _queue(Worker(), max_pending=5)
        first = await queue.submit("k", "count", 3)
        return first, await _until(queue, first["id"], "done")

    first, done = serving.run_async(main)
    assert first["status"] == "queued" and first["queue_position"] == 0
    assert first["workers"] == 1 and first["events"] == 0 and first["result"] is None
    assert done is not None
    assert done["result"] == 30 and done["queue_position"] is None and done["error"] is None
    assert done["events"] == 5  # started, 3 progress, done


def test_an_unknown_job_has_no_status_no_cancel_and_no_events() -> None:
    async def main() -> tuple[Any, ...]:
        queue = _queue(Worker())
        events = [e async for e in queue.stream("nope", None)]
        return await queue.status("nope"), await queue.cancel("nope"), events

    assert serving.run_async(main) == (None, None, [])


def test_the_stream_numbers_its_events_and_resumes_after_a_given_id() -> None:
    async def main() -> tuple[list[Any], list[Any], list[Any]]:
        queue = _queue(Worker())
        job = await queue.submit("k", "count", 3)
        whole = [pair async for pair in queue.stream(job["id"], None)]
        resumed = [pair async for pair in queue.stream(job["id"], "1")]
        # an id this engine did not give (another engine's, a garbled header): from the start
        foreign = [pair async for pair in queue.stream(job["id"], "1700000000-0")]
        return whole, resumed, foreign

    whole, resumed, foreign = serving.run_async(main)
    assert [i for i, _ in whole] == ["0", "1", "2", "3", "4"]
    assert [e["type"] for _, e in whole] == ["started", "progress", "progress", "progress", "done"]
    assert [e.get("i") for _, e in whole[1:4]] == [0, 1, 2]
    assert resumed == whole[2:]
    assert foreign == whole


def test_a_waiting_job_has_its_place_and_cancelling_it_means_it_never_runs() -> None:
    async def main() -> tuple[Any, ...]:
        worker = Worker()
        worker.gate = asyncio.Event()
        queue = _queue(worker, concurrency=1)
        running = await queue.submit("a", "count", 1)
        waiting = await queue.submit("b", "count", 2)
        await _until(queue, running["id"], "running")
        placed = await queue.status(waiting["id"])
        cancelled = await queue.cancel(waiting["id"])
        ended = await _until(queue, waiting["id"], "cancelled")
        worker.gate.set()
        await _until(queue, running["id"], "done")
        return placed, cancelled, ended, worker.calls

    placed, cancelled, ended, calls = serving.run_async(main)
    assert placed["status"] == "queued" and placed["queue_position"] == 1  # behind one running
    assert cancelled["id"] == placed["id"]
    assert ended["status"] == "cancelled" and ended["queue_position"] is None
    assert calls == [("count", (1,))]  # b never reached the worker


def test_cancelling_a_running_job_stops_it() -> None:
    async def main() -> tuple[Any, ...]:
        worker = Worker()
        worker.gate = asyncio.Event()  # never set: the job runs until cancelled
        queue = _queue(worker)
        job = await queue.submit("a", "count", 1)
        await _until(queue, job["id"], "running")
        await queue.cancel(job["id"])
        ended = await _until(queue, job["id"], "cancelled")
        events = [e["type"] async for _, e in queue.stream(job["id"], None)]
        return ended, events, worker.queued

    ended, events, left = serving.run_async(main)
    assert ended["result"] is None and events == ["started", "cancelled"]
    assert left == 0  # the worker's call was cancelled too


def test_a_full_queue_refuses_more_jobs() -> None:
    async def main() -> int:
        worker = Worker()
        worker.gate = asyncio.Event()
        queue = _queue(worker, max_pending=2)
        assert queue.max_pending == 2
        await queue.submit("a", "count", 1)
        await queue.submit("b", "count", 1)
        with pytest.raises(QueueFull):
            await queue.submit("c", "count", 1)
        worker.gate.set()
        await asyncio.gather(*queue.jobs.tasks)
        return len(worker.calls)

    assert serving.run_async(main) == 2
    assert QueueFull is jobs.QueueFull  # routes catch one exception, whichever the engine


def test_a_call_goes_straight_to_the_worker_not_through_the_jobs() -> None:
    async def main() -> tuple[Any, ...]:
        worker = Worker()
        queue = _queue(worker)
        result = await queue.call("count", 4, key="shared")
        return result, worker.calls, queue.jobs.jobs

    result, calls, known = serving.run_async(main)
    assert result == 40 and calls == [("count", (4,))]
    assert known == {}  # no job page, no event stream for a direct call


def test_identical_calls_share_one_computation_and_others_do_not() -> None:
    """A class pressing the same button (the same key) costs one run on the worker."""

    async def main() -> tuple[list[Any], list[Any]]:
        worker = Worker()
        worker.gate = asyncio.Event()
        queue = _queue(worker)
        calls = [asyncio.ensure_future(queue.call("count", 3, key="same")) for _ in range(5)]
        calls.append(asyncio.ensure_future(queue.call("count", 2, key="other")))
        await asyncio.sleep(0.01)
        worker.gate.set()
        results = await asyncio.gather(*calls)
        again = await queue.call("count", 3, key="same")  # done: a new call computes anew
        return [*results, again], worker.calls

    results, calls = serving.run_async(main)
    assert results == [30] * 5 + [20, 30]
    assert calls == [("count", (3,)), ("count", (2,)), ("count", (3,))]


def test_a_shared_call_is_cancelled_only_when_its_last_waiter_leaves() -> None:
    async def main() -> tuple[bool, bool, int, int]:
        worker = Worker()
        worker.gate = asyncio.Event()
        queue = _queue(worker)
        first = asyncio.ensure_future(queue.call("count", 1, key="k"))
        second = asyncio.ensure_future(queue.call("count", 1, key="k"))
        await asyncio.sleep(0.01)
        first.cancel()  # one student leaves: the other still waits for it
        await asyncio.sleep(0.01)
        still_running = worker.queued == 1
        second.cancel()  # nobody waits any more: the work is cancelled
        await asyncio.sleep(0.01)
        stopped = worker.queued == 0
        worker.gate.set()
        result = await queue.call("count", 1, key="k")
        return still_running, stopped, result, len(worker.calls)

    still_running, stopped, result, calls = serving.run_async(main)
    assert still_running and stopped
    assert result == 10 and calls == 2  # the cancelled run was not reused


def test_stats_count_waiting_and_running_work_and_the_oldest_wait() -> None:
    async def main() -> tuple[dict[str, float], ...]:
        worker = Worker()
        worker.gate = asyncio.Event()
        queue = _queue(worker, concurrency=1)
        idle = await queue.stats()
        running = await queue.submit("a", "count", 1)
        waiting = await queue.submit("b", "count", 1)
        await _until(queue, running["id"], "running")
        queue.jobs.jobs[waiting["id"]].submitted = time.monotonic() - 30  # as if long queued
        busy = await queue.stats()
        direct = asyncio.ensure_future(queue.call("count", 1))  # waits in the worker too
        for _ in range(1000):
            if worker.queued == 2:
                break
            await asyncio.sleep(0.005)
        with_call = await queue.stats()
        worker.gate.set()
        await direct
        await asyncio.gather(*queue.jobs.tasks)
        return idle, busy, with_call, await queue.stats()

    idle, busy, with_call, done = serving.run_async(main)
    assert idle == {"depth": 0, "running": 0, "workers": 1, "oldest_age_s": 0.0}
    assert busy["depth"] == 1 and busy["running"] == 1 and busy["workers"] == 1
    assert busy["oldest_age_s"] >= 30
    assert with_call["depth"] == 2  # the waiting job and the direct call
    assert done == idle


def test_close_closes_the_worker() -> None:
    async def main() -> bool:
        worker = Worker()
        await _queue(worker).close()
        return worker.closed

    assert serving.run_async(main) is True


def test_the_caller_is_handed_to_the_worker_to_take_turns() -> None:
    async def main() -> list[Any]:
        worker = Worker()
        queue = _queue(worker)
        await queue.call("count", 1, owner=("http", "10.0.0.1"))
        await queue.call("count", 1, key="k", owner=("http", "10.0.0.2"))
        return worker.owners

    assert serving.run_async(main) == [("http", "10.0.0.1"), ("http", "10.0.0.2")]
