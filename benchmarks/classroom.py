"""A class on one small server, with a careless or hostile student among them.

--students (default 30) students over real WebSockets (with the page's Origin) each load a
distinct classroom-size scenario (a seeded generator over presets, layer kinds, units, batch
sizes, stateful, call/predict/fit), arriving over --arrivals seconds (default 15), then step
5 times a second. Meanwhile an experiment and a generation run, and an abusive client sends a
10 MB body, the most expensive scenario the budgets accept over HTTP, and the same over the
socket followed by a 10,000-step command. /healthz is polled all along.

quiet_p50_s: the load time of the same kind of scenarios with nothing else running (measured
first), so load_p50_s/quiet_p50_s is the price of sharing the server.

Last line: RESULT load_p50_s load_p95_s quiet_p50_s step_p95_ms healthz_max_s student_errors
peak_rss_mb (server process and its worker processes). Goals (issue 10): load p95 <= 2 s, step
p95 <= 100 ms, healthz max <= 1 s, 0 student errors, peak RSS <= 4 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import websockets

from app import budget
from app.errors import ScenarioError
from app.scenario import Scenario
from app.settings import Settings
from benchmarks.live_latency import server_process

WORDS = ["the", "cat", "sat", "on", "a", "mat", "while", "rain", "fell", "over", "old", "walls"]


def student_scenario(rng: random.Random) -> dict[str, Any]:
    """A classroom-size scenario: what a student builds in the explorer."""
    while True:
        preset = rng.choice(["poem", "ramp", "sine", "text"])
        kinds = [rng.choice(["LSTM", "GRU", "SimpleRNN"]) for _ in range(rng.choice([1, 1, 2]))]
        stateful = rng.random() < 0.7
        layers = [{"kind": k, "units": rng.randint(2, 16), "stateful": stateful} for k in kinds]
        data: dict[str, Any] = {"preset": preset}
        batch = rng.choice([1, 2, 4, 8])
        if preset in ("ramp", "sine"):
            data |= {"n_sequences": batch * rng.choice([1, 2]), "length": rng.randint(20, 80)}
        elif preset == "text":
            lines = [" ".join(rng.choices(WORDS, k=rng.randint(4, 8))) for _ in range(batch)]
            data |= {"text": "\n".join(lines)}
        else:
            batch = rng.choice([1, 2])
        op = rng.choice(
            [
                {"op": "call"},
                {"op": "predict"},
                {"op": "fit", "epochs": rng.randint(1, 3)},
                {"op": "train_on_batch", "epochs": 1},
            ]
        )
        raw = {
            "model": {"layers": layers},
            "data": data,
            "batching": {
                "batch_size": batch,
                "timesteps": rng.randint(3, 10),
                "layout": rng.choice(["lanes", "lanes", "consecutive"]),
                # a kept partial batch is Keras's own error in fit: right, but not a load test
                "partial": "drop",
            },
            "schedule": {"ops": [op]},
            "seed": rng.randint(0, 10_000),
        }
        try:
            scenario = Scenario.model_validate(raw)
            price = budget.price(scenario)
        except (ValueError, ScenarioError):
            continue
        if price.batches >= 1 and price.seconds < 0.5:
            return raw


def most_expensive_accepted(settings: Settings) -> dict[str, Any]:
    """The costliest fit the default budgets accept: more epochs until the next is refused."""
    limits = budget.Budget(
        int(settings.trace_budget_mb * 1e6),
        settings.compute_budget_s,
        int(settings.trace_memory_mb * 1e6),
    )
    best: dict[str, Any] = {}
    for epochs in range(1, 51):
        raw = {
            "model": {"layers": [{"units": 32}, {"kind": "GRU", "units": 32}]},
            "data": {"preset": "sine", "n_sequences": 16, "length": 160},
            "batching": {"batch_size": 16, "timesteps": 16},
            "schedule": {"ops": [{"op": "fit", "epochs": epochs}]},
            "seed": 4242,
        }
        try:
            budget.check(Scenario.model_validate(raw), limits, settings.max_batches)
        except ScenarioError:
            break
        best = raw
    return best


# -- the server and its memory -------------------------------------------------------------------
def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants (the worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# -- the class -----------------------------------------------------------------------------------
class Class:
    def __init__(self, base: str, seconds: float) -> None:
        self.base = base
        self.ws_url = base.replace("http", "ws", 1) + "/ws/live"
        self.seconds = seconds
        self.loads: list[float] = []
        self.steps: list[float] = []
        self.errors: list[str] = []
        self.abuse: dict[str, Any] = {}
        self.done = asyncio.Event()

    async def student(self, raw: dict[str, Any], delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            async with websockets.connect(self.ws_url, origin=self.base, max_size=2**26) as ws:
                t0 = time.perf_counter()
                await ws.send(orjson.dumps({"type": "load", "scenario": raw}).decode())
                loaded = orjson.loads(await ws.recv())
                if loaded.get("type") != "loaded":
                    self.errors.append(f"load: {str(loaded)[:200]}")
                    return
                self.loads.append(time.perf_counter() - t0)
                while not self.done.is_set():
                    t0 = time.perf_counter()
                    await ws.send('{"type": "step"}')
                    reply = orjson.loads(await ws.recv())
                    if reply.get("type") == "end":
                        await ws.send('{"type": "seek", "position": -1}')
                        await ws.recv()
                        continue
                    if reply.get("type") != "frame":
                        self.errors.append(f"step: {str(reply)[:200]}")
                        continue
                    self.steps.append((time.perf_counter() - t0) * 1000)
                    await asyncio.sleep(max(0.0, 0.2 - (time.perf_counter() - t0)))
        except Exception as exc:  # counted, never hidden
            self.errors.append(repr(exc)[:200])

    async def quiet(self, scenarios: list[dict[str, Any]]) -> list[float]:
        out = []
        async with websockets.connect(self.ws_url, origin=self.base, max_size=2**26) as ws:
            for raw in scenarios:
                t0 = time.perf_counter()
                await ws.send(orjson.dumps({"type": "load", "scenario": raw}).decode())
                reply = orjson.loads(await ws.recv())
                assert reply["type"] == "loaded", reply
                out.append(time.perf_counter() - t0)
        return out

    # -- the careless and the hostile --------------------------------------------------------
    def _post(self, path: str, body: bytes, timeout: float = 300) -> tuple[int, float]:
        t0 = time.perf_counter()
        req = urllib.request.Request(
            self.base + path, data=body, headers={"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = -1  # refused or reset: a 413 may close before reading the body
        return status, time.perf_counter() - t0

    async def abuser(self, expensive: dict[str, Any]) -> None:
        await asyncio.sleep(2.0)
        huge = b'{"seed": 0, "pad": "' + b"x" * 10_000_000 + b'"}'
        status, took = await asyncio.to_thread(self._post, "/api/traces", huge)
        self.abuse["huge_body"] = (status, round(took, 2))
        body = orjson.dumps(expensive)
        status, took = await asyncio.to_thread(self._post, "/api/traces", body)
        self.abuse["expensive_http"] = (status, round(took, 2))
        try:
            async with websockets.connect(self.ws_url, origin=self.base, max_size=2**28) as ws:
                t0 = time.perf_counter()
                other = {**expensive, "seed": expensive["seed"] + 1}  # not the one just computed
                await ws.send(orjson.dumps({"type": "load", "scenario": other}).decode())
                loaded = orjson.loads(await ws.recv())
                await ws.send('{"type": "step", "count": 10000}')
                frames = 0
                while frames < 10000:
                    msg = orjson.loads(await ws.recv())
                    if msg.get("type") != "frame":
                        break
                    frames += 1
                took = time.perf_counter() - t0
                self.abuse["expensive_socket"] = (loaded.get("type"), frames, round(took, 2))
        except Exception as exc:
            self.abuse["expensive_socket"] = repr(exc)[:120]

    async def background_jobs(self) -> None:
        await asyncio.sleep(1.0)
        status, _ = await asyncio.to_thread(self._post, "/api/experiments", b"{}")
        self.abuse["experiment"] = status
        status, took = await asyncio.to_thread(self._post, "/api/generate", b"{}")
        self.abuse["generation"] = (status, round(took, 1))

    async def health(self, samples: list[float]) -> None:
        def one() -> float:
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=30) as r:
                    r.read()
            except OSError:
                return 30.0
            return time.perf_counter() - t0

        while not self.done.is_set():
            samples.append(await asyncio.to_thread(one))
            await asyncio.sleep(0.25)


async def memory(pid: int | None, done: asyncio.Event, peak: list[float]) -> None:
    while pid is not None and not done.is_set():
        peak[0] = max(peak[0], tree_rss_mb(pid))
        await asyncio.sleep(0.5)


async def run(
    base: str, pid: int | None, students: int, arrivals: float, seconds: float, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    scenarios = [student_scenario(rng) for _ in range(students + 5)]
    room = Class(base, seconds)
    quiet = await room.quiet(scenarios[students:])  # never seen by the process, nothing else on
    health: list[float] = []
    peak = [0.0]
    watchers = [
        asyncio.create_task(room.health(health)),
        asyncio.create_task(memory(pid, room.done, peak)),
    ]
    others = [
        asyncio.create_task(room.abuser(most_expensive_accepted(Settings()))),
        asyncio.create_task(room.background_jobs()),
    ]
    kids = [
        asyncio.create_task(room.student(raw, rng.uniform(0, arrivals)))
        for raw in scenarios[:students]
    ]
    await asyncio.sleep(arrivals + seconds)
    room.done.set()
    await asyncio.gather(*kids, *watchers)
    for task in others:
        task.cancel()
    return {
        "loads": room.loads,
        "quiet": quiet,
        "steps": room.steps,
        "health": health,
        "errors": room.errors,
        "peak": peak[0],
        "abuse": room.abuse,
    }


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return float("nan") if not values else values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="a running server (default: start one)")
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--arrivals", type=float, default=15.0)
    ap.add_argument("--seconds", type=float, default=30.0, help="stepping after the arrivals")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("CLASSROOM_SEED", "0")))
    args = ap.parse_args()
    with server_process(args.url) as (base, pid):
        out = asyncio.run(run(base, pid, args.students, args.arrivals, args.seconds, args.seed))
    loads, quiet = out["loads"], out["quiet"]
    print(f"abusive client and jobs: {out['abuse']}")
    print(
        f"{args.students} students: {len(loads)} loaded, {len(out['steps'])} steps, "
        f"errors {len(out['errors'])}" + (f" (first: {out['errors'][0]})" if out["errors"] else "")
    )
    load_p50 = statistics.median(loads) if loads else float("nan")
    quiet_p50 = statistics.median(quiet)
    print(f"load p50 {load_p50:.2f} s vs quiet {quiet_p50:.2f} s: x{load_p50 / quiet_p50:.1f}")
    print(
        f"RESULT load_p50_s={load_p50:.2f} load_p95_s={pct(loads, 95):.2f} "
        f"quiet_p50_s={quiet_p50:.2f} step_p95_ms={pct(out['steps'], 95):.1f} "
        f"healthz_max_s={max(out['health']):.2f} student_errors={len(out['errors'])} "
        f"peak_rss_mb={out['peak']:.0f}"
    )


if __name__ == "__main__":
    main()
