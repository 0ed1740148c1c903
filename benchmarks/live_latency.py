"""Step -> frame latency over real WebSockets, for 1, 10, 50 and 100 concurrent sessions.

Starts the server (or uses --url), opens N sessions, loads a scenario in each, then every
session sends `step` 5 times a second for --seconds and times each reply frame.
Last line: RESULT p95_ms_1=... p95_ms_10=... p95_ms_50=... p95_ms_100=... errors=...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
import websockets

SCENARIO = {
    "model": {"layers": [{"kind": "LSTM", "units": 16}, {"kind": "LSTM", "units": 16}]},
    "data": {"preset": "ramp", "length": 400},
    "batching": {"batch_size": 4, "timesteps": 5},
}
RATE = 5.0  # steps per second per session


@contextmanager
def server(url: str | None) -> Iterator[str]:
    with server_process(url) as (base, _):
        yield base


@contextmanager
def server_process(url: str | None) -> Iterator[tuple[str, int | None]]:
    """The server at `url`, or one started here; with its pid (None when not ours)."""
    if url:
        yield url, None
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                    if json.load(r)["ready"]:
                        break
            except OSError:
                time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def session(
    ws_url: str, seconds: float, start: asyncio.Event, latencies: list[float], errors: list[str]
) -> None:
    try:
        async with websockets.connect(ws_url, max_size=2**24) as ws:
            await ws.send(json.dumps({"type": "load", "scenario": SCENARIO}))
            loaded = orjson.loads(await ws.recv())
            if loaded.get("type") != "loaded":
                errors.append(str(loaded)[:200])
                return
            await start.wait()
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                await ws.send('{"type": "step"}')
                reply = orjson.loads(await ws.recv())
                if reply.get("type") == "end":
                    await ws.send('{"type": "seek", "position": -1}')
                    await ws.recv()
                    continue
                if reply.get("type") != "frame":
                    errors.append(str(reply)[:200])
                latencies.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(max(0.0, 1 / RATE - (time.perf_counter() - t0)))
    except Exception as exc:  # counted, not hidden
        errors.append(repr(exc)[:200])


async def level(ws_url: str, n: int, seconds: float) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(session(ws_url, seconds, start, latencies, errors)) for _ in range(n)
    ]
    await asyncio.sleep(0.5 + n * 0.05)  # let every session load first
    start.set()
    await asyncio.gather(*tasks)
    return latencies, errors


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="a running server (default: start one)")
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--levels", default="1,10,50,100")
    args = ap.parse_args()
    result, total_errors = {}, 0
    with server(args.url) as base:
        ws_url = base.replace("http", "ws", 1) + "/ws/live"
        for n in (int(x) for x in args.levels.split(",")):
            lat, errs = asyncio.run(level(ws_url, n, args.seconds))
            total_errors += len(errs)
            result[n] = p95(lat)
            print(
                f"{n:4} sessions: {len(lat):5} frames, p50 {statistics.median(lat):6.1f} ms, "
                f"p95 {result[n]:6.1f} ms, errors {len(errs)}" + (f" ({errs[0]})" if errs else "")
            )
    print(
        "RESULT "
        + " ".join(f"p95_ms_{n}={v:.1f}" for n, v in result.items())
        + f" errors={total_errors}"
    )


if __name__ == "__main__":
    main()
