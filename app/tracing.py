"""Interactive traces for the explorer and the HTTP API: priced, queued fairly, computed once.

- Every scenario is priced first (app/budget.py); over budget is a ScenarioError (422).
- Cheap traces run in this process's one TensorFlow thread; expensive ones (priced above
  `interactive_budget_s`) in the trace worker process, so they never hold the explorer up.
- The queue is fair: one lane per owner (a live session, an HTTP client's address), served in
  turn; a live session has at most one load waiting (its newer load cancels the older one).
- Identical scenarios asked for at the same time are computed once and shared; recent results
  are kept (bounded in bytes), so a class following a lesson computes each step once.
- A trace nobody waits for any more is never started.

No TensorFlow here: `compute` (the engine's tracer) runs in a thread; `worker` is a process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import anyio

from app import budget, metrics
from app.scenario import Scenario
from app.schemas import TraceDoc
from app.settings import Settings
from app.workers import WorkerProcess

Trace = TraceDoc
SHARE_POLL_S = 0.05


@dataclass
class _Entry:
    key: str
    scenario: Scenario
    price: budget.Price
    future: asyncio.Future[Trace]
    owner: Hashable
    waiters: int = 0
    started: bool = False


@dataclass
class TraceService:
    settings: Settings
    compute: Callable[[Scenario], Trace]  # runs in the TF thread
    worker: WorkerProcess  # for traces above the interactive budget (low priority)
    limiter: anyio.CapacityLimiter
    lane: WorkerProcess | None = None  # a second lane for interactive traces (full priority)
    lanes: OrderedDict[Hashable, deque[_Entry]] = field(default_factory=OrderedDict)
    inflight: dict[str, _Entry] = field(default_factory=dict)
    cache: OrderedDict[str, tuple[Trace, int]] = field(default_factory=OrderedDict)
    cache_bytes: int = 0
    computed: int = 0  # traces really computed (tests: single flight, cancellation)
    _wake: asyncio.Event | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _runner: asyncio.Task[None] | None = None

    @property
    def limits(self) -> budget.Budget:
        s = self.settings
        return budget.Budget(
            trace_bytes=int(s.trace_budget_mb * 1e6),
            seconds=s.compute_budget_s,
            memory_bytes=int(s.trace_memory_mb * 1e6),
        )

    def price(self, scenario: Scenario) -> budget.Price:
        return budget.check(scenario, self.limits, self.settings.max_batches)

    @property
    def waiting(self) -> int:
        return sum(len(lane) for lane in self.lanes.values())

    async def trace(self, scenario: Scenario, owner: Hashable) -> Trace:
        """The scenario's verified trace (numpy arrays); cancelling the caller drops the work
        unless somebody else waits for the same scenario."""
        price = self.price(scenario)
        key = scenario.model_dump_json()
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
            metrics.inc("lsl_trace_cache_total", "hit")
            return hit[0]
        entry = self.inflight.get(key)
        if entry is None:
            loop = asyncio.get_running_loop()
            entry = _Entry(key, scenario, price, loop.create_future(), owner)
            self.inflight[key] = entry
            if price.seconds > self.settings.interactive_budget_s:
                entry.started = True  # the worker process queues it
                self._tasks.add(task := loop.create_task(self._in_worker(entry)))
                task.add_done_callback(self._tasks.discard)
            else:
                self.lanes.setdefault(owner, deque()).append(entry)
                self._kick()
        else:
            metrics.inc("lsl_trace_cache_total", "shared")
        entry.waiters += 1
        try:
            return await asyncio.shield(entry.future)
        finally:
            entry.waiters -= 1
            if entry.waiters == 0 and not entry.future.done():
                self._drop(entry)

    async def close(self) -> None:
        """At shutdown: nothing more is started; waiters get CancelledError."""
        tasks = [t for t in (self._runner, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        # not awaited: a trace running in the TF thread cannot be interrupted, and shutdown
        # must not wait for it (the process exit ends it)
        for entry in list(self.inflight.values()):
            entry.future.cancel()

    # -- the queue ------------------------------------------------------------------------------
    def _kick(self) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        self._wake.set()
        if self._runner is None or self._runner.done():
            loop = asyncio.get_running_loop()
            self._runner = loop.create_task(self._run())
            self._tasks.add(loop.create_task(self._share()))

    def _next(self) -> _Entry | None:
        """Round robin over owners: the first owner's oldest entry, then it goes last."""
        while self.lanes:
            owner, lane = next(iter(self.lanes.items()))
            entry = lane.popleft()
            del self.lanes[owner]
            if lane:
                self.lanes[owner] = lane  # to the back of the rotation
            if not entry.future.done():
                return entry
        return None

    async def _take(self) -> _Entry:
        """The next entry for a lane, once there is one; it counts as started from now."""
        assert self._wake is not None
        while (entry := self._next()) is None:
            self._wake.clear()
            await self._wake.wait()
        entry.started = True
        return entry

    async def _run(self) -> None:
        """This process's TF thread: the first lane."""
        while True:
            entry = await self._take()
            try:
                result = await anyio.to_thread.run_sync(
                    self.compute, entry.scenario, limiter=self.limiter
                )
            except Exception as exc:
                self._settle(entry, exc=exc)
            else:
                self._settle(entry, result=result)

    async def _share(self) -> None:
        """The lane process is the second lane once it is warm: two cores, two traces at once
        (a class arriving together waits half as long)."""
        lane = self.lane
        while lane is not None:
            if not (lane.ready and lane.queued == 0):
                await asyncio.sleep(SHARE_POLL_S)
                continue
            await self._in_worker(await self._take(), lane)

    async def _in_worker(self, entry: _Entry, worker: WorkerProcess | None = None) -> None:
        worker = worker or self.worker
        call = asyncio.ensure_future(worker.call("trace", entry.scenario.model_dump()))
        entry.future.add_done_callback(lambda f: call.cancel() if f.cancelled() else None)
        try:
            result = await call
        except asyncio.CancelledError:
            return  # nobody waits any more: the worker dropped or stopped it
        except Exception as exc:
            self._settle(entry, exc=exc)
        else:
            self._settle(entry, result=result)

    def _settle(
        self, entry: _Entry, result: Trace | None = None, exc: Exception | None = None
    ) -> None:
        if self.inflight.get(entry.key) is entry:
            self.inflight.pop(entry.key)
        self.computed += 1
        if result is not None:  # kept even if its waiters left: the next one gets it at once
            self._keep(entry.key, result, entry.price.memory_bytes)
        if entry.future.done():
            return
        if exc is not None:
            entry.future.set_exception(exc)
            entry.future.exception()  # retrieved: nobody may be waiting any more
        elif result is not None:
            entry.future.set_result(result)

    def _drop(self, entry: _Entry) -> None:
        """Nobody waits: a queued entry is removed, a running one is told to stop."""
        if self.inflight.get(entry.key) is entry:
            self.inflight.pop(entry.key)
        metrics.inc("lsl_traces_cancelled_total", "started" if entry.started else "queued")
        with contextlib.suppress(asyncio.InvalidStateError):
            entry.future.cancel()
        lane = self.lanes.get(entry.owner)
        if lane is not None and entry in lane:
            lane.remove(entry)
            if not lane:
                del self.lanes[entry.owner]

    def _keep(self, key: str, trace: Trace, size: int) -> None:
        limit = int(self.settings.trace_cache_mb * 1e6)
        if size > limit:
            return
        self.cache[key] = (trace, size)
        self.cache_bytes += size
        while self.cache_bytes > limit:
            _, (_, old) = self.cache.popitem(last=False)
            self.cache_bytes -= old
