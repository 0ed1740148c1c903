"""The worker process: heavy work in another process, in order, cancellable, and a death is a
clear error followed by a fresh worker."""

import asyncio
import os
import signal
from typing import Any

import numpy as np
import pytest

from app.errors import ScenarioError
from app.workers import WorkerDied, WorkerProcess
from tests import serving


def _worker() -> WorkerProcess:
    return WorkerProcess("test", warm_up=False)


def test_tasks_run_in_another_process_at_a_lower_priority() -> None:
    async def main() -> tuple[int, int]:
        worker = _worker()
        try:
            pid = await worker.call("pid")
            return pid, os.getpriority(os.PRIO_PROCESS, pid)
        finally:
            worker.stop()

    pid, nice = serving.run_async(main)
    assert pid != os.getpid()
    assert nice >= os.getpriority(os.PRIO_PROCESS, 0) + 10 or nice == 19


def test_calls_run_in_order_and_a_dropped_call_never_starts() -> None:
    async def main() -> dict[str, Any]:
        worker = _worker()
        events: list[tuple[str, dict[str, Any]]] = []
        try:
            first = asyncio.ensure_future(
                worker.call("sleep", 0.5, emit=lambda e: events.append(("first", e)))
            )
            dropped = asyncio.ensure_future(
                worker.call("sleep", 0.1, emit=lambda e: events.append(("dropped", e)))
            )
            last = asyncio.ensure_future(
                worker.call("sleep", 0.1, emit=lambda e: events.append(("last", e)))
            )
            await asyncio.sleep(0.2)
            queued_before = worker.queued
            dropped.cancel()
            results = await asyncio.gather(first, last)
            return {"results": results, "events": events, "queued": queued_before}
        finally:
            worker.stop()

    out = serving.run_async(main)
    assert out["results"] == [0.5, 0.1]
    assert out["queued"] == 3
    assert [name for name, _ in out["events"]] == ["first", "last"]  # "dropped" never ran


def test_owners_take_turns_and_each_owners_calls_keep_their_order() -> None:
    """One client's eight heavy requests do not make another client wait for all eight."""

    async def main() -> list[str]:
        worker = _worker()
        done: list[str] = []

        async def call(name: str, owner: str) -> None:
            await worker.call("sleep", 0.05, owner=owner)
            done.append(name)

        try:
            calls = [call(f"a{i}", "a") for i in range(3)] + [call("b0", "b"), call("b1", "b")]
            calls.append(call("c0", "c"))
            await asyncio.gather(*calls)
            return done
        finally:
            worker.stop()

    # a0 starts at once; then whoever was served longest ago (never, first) goes next
    assert serving.run_async(main) == ["a0", "b0", "c0", "a1", "b1", "a2"]


def test_cancelling_a_running_call_stops_it() -> None:
    async def main() -> float:
        worker = _worker()
        try:
            call = asyncio.ensure_future(worker.call("sleep", 30))
            await asyncio.sleep(1.0)  # child started (spawn + import)
            call.cancel()
            loop = asyncio.get_running_loop()
            start = loop.time()
            assert await worker.call("sleep", 0.01) == 0.01  # runs once the cancel landed
            return loop.time() - start
        finally:
            worker.stop()

    assert serving.run_async(main) < 10  # not the 30 s of the cancelled call


def test_a_killed_worker_fails_its_call_clearly_and_comes_back() -> None:
    async def main() -> tuple[str, int, int]:
        worker = _worker()
        try:
            first_pid = await worker.call("pid")
            call = asyncio.ensure_future(worker.call("sleep", 30))
            await asyncio.sleep(0.3)
            os.kill(first_pid, signal.SIGKILL)
            with pytest.raises(WorkerDied) as died:
                await call
            return died.value.code, first_pid, await worker.call("pid")
        finally:
            worker.stop()

    code, before, after = serving.run_async(main)
    assert code == "worker_died" and after != before


def test_errors_come_back_as_their_own_kind() -> None:
    async def main() -> None:
        worker = _worker()
        try:
            # a trace the layout refuses: a ScenarioError raised in the child, before any TF
            bad = {"data": {"preset": "ramp", "length": 3}, "batching": {"timesteps": 10}}
            with pytest.raises(ScenarioError) as exc:
                await worker.call("trace", bad)
            assert exc.value.code == "no_sample_fits"
            call = asyncio.ensure_future(worker.call("sleep", 5))
            await asyncio.sleep(0.3)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            # the child acknowledges the cancel: the next call is not stuck behind it
            assert await worker.call("pid") > 0
        finally:
            worker.stop()

    serving.run_async(main)


def test_a_trace_comes_back_as_its_typed_document() -> None:
    """The trace worker returns the engine's document (pickled), arrays and all."""
    from app.schemas import TraceDoc

    async def main() -> TraceDoc:
        worker = _worker()
        try:
            got: TraceDoc = await worker.call("trace", {"data": {"preset": "poem"}})
            return got
        finally:
            worker.stop()

    doc = serving.run_async(main)
    assert isinstance(doc, TraceDoc) and doc.verification.passed
    h = doc.batches[0].layers[0].h
    assert h.dtype == np.float32 and h.shape[1] == doc.model.timesteps
