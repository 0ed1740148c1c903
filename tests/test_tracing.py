"""The trace queue (app/tracing.py): single flight, fair lanes, work nobody waits for never
runs, kept results, expensive traces in the worker — with a stand-in engine (no TF)."""

import asyncio
import threading
from typing import Any

import anyio
import pytest

from app.errors import ScenarioError
from app.scenario import Scenario
from app.settings import Settings
from app.tracing import TraceService
from tests import serving


class Engine:
    """compute(scenario) -> {"seed": ...}; blocks while `gate` is clear."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.seeds: list[int] = []

    def __call__(self, scenario: Scenario) -> dict[str, Any]:
        self.gate.wait(10)
        self.seeds.append(scenario.seed)
        return {"seed": scenario.seed}


class Worker:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.ready = False  # not started: never a second lane
        self.queued = 0

    async def call(self, task: str, *args: Any, **_: Any) -> dict[str, Any]:
        self.calls.append((task, args[0]["seed"]))
        return {"seed": args[0]["seed"], "from": "worker"}


def _service(**settings: Any) -> tuple[TraceService, Engine, Worker]:
    """A service whose big-trace worker and second lane are the same stand-in."""
    engine, worker = Engine(), Worker()
    service = TraceService(
        Settings(warm_up=False, **settings),
        engine,
        worker,  # type: ignore[arg-type]
        anyio.CapacityLimiter(1),
        worker,  # type: ignore[arg-type]
    )
    return service, engine, worker


def _s(seed: int) -> Scenario:
    return Scenario(seed=seed)


def test_identical_requests_are_computed_once_and_kept() -> None:
    async def main() -> None:
        service, engine, _ = _service()
        engine.gate.clear()
        tasks = [asyncio.create_task(service.trace(_s(1), owner=i)) for i in range(5)]
        await asyncio.sleep(0.05)
        engine.gate.set()
        results = await asyncio.gather(*tasks)
        assert engine.seeds == [1] and all(r is results[0] for r in results)
        assert await service.trace(_s(1), owner="later") is results[0]  # kept
        assert engine.seeds == [1]

    serving.run_async(main)


def test_work_nobody_waits_for_never_starts() -> None:
    async def main() -> None:
        service, engine, _ = _service()
        engine.gate.clear()
        running = asyncio.create_task(service.trace(_s(1), owner="a"))
        await asyncio.sleep(0.05)  # seed 1 is running
        dropped = asyncio.create_task(service.trace(_s(2), owner="b"))
        kept = asyncio.create_task(service.trace(_s(3), owner="c"))
        await asyncio.sleep(0.05)
        dropped.cancel()
        engine.gate.set()
        await running
        assert (await kept)["seed"] == 3
        assert engine.seeds == [1, 3]  # 2 was never computed
        assert service.waiting == 0 and not service.inflight

    serving.run_async(main)


def test_owners_are_served_in_turn() -> None:
    async def main() -> None:
        service, engine, _ = _service()
        engine.gate.clear()
        first = asyncio.create_task(service.trace(_s(0), owner="x"))
        await asyncio.sleep(0.05)
        greedy = [asyncio.create_task(service.trace(_s(s), owner="greedy")) for s in (10, 11, 12)]
        await asyncio.sleep(0.01)
        polite = asyncio.create_task(service.trace(_s(20), owner="polite"))
        await asyncio.sleep(0.01)
        engine.gate.set()
        await asyncio.gather(first, polite, *greedy)
        # the polite owner waits for one of the greedy owner's traces, not for all three
        assert engine.seeds == [0, 10, 20, 11, 12]

    serving.run_async(main)


def test_expensive_traces_run_in_the_worker_and_over_budget_never_runs() -> None:
    async def main() -> None:
        service, engine, worker = _service(interactive_budget_s=0.0)
        assert await service.trace(_s(5), owner="a") == {"seed": 5, "from": "worker"}
        assert worker.calls == [("trace", 5)] and engine.seeds == []
        tight, engine2, worker2 = _service(trace_budget_mb=0.001)
        with pytest.raises(ScenarioError) as exc:
            await tight.trace(_s(6), owner="a")
        assert exc.value.code == "over_budget_trace"
        assert engine2.seeds == [] and worker2.calls == []

    serving.run_async(main)


def test_an_idle_worker_is_a_second_lane() -> None:
    async def main() -> None:
        service, engine, worker = _service()
        worker.ready = True
        engine.gate.clear()  # the local lane is stuck on the first trace
        first = asyncio.create_task(service.trace(_s(1), owner="a"))
        await asyncio.sleep(0.05)
        second = await asyncio.wait_for(service.trace(_s(2), owner="b"), 5)
        assert second == {"seed": 2, "from": "worker"}  # did not wait for the first
        engine.gate.set()
        assert (await first)["seed"] == 1 and engine.seeds == [1]

    serving.run_async(main)
