"""Hosting limits measured on a real server: --cycles live sessions opened and closed (RSS
growth, tasks left), then a client that never reads (time until the server drops it, RSS cost).

Starts the server (or uses --url). Last line:
RESULT cycles=... cycle_ms=... rss_growth_mb=... tasks_left=... slow_client_closed_s=...
slow_client_cost_mb=...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import urllib.request

from websockets.asyncio.client import connect

from benchmarks.live_latency import server

MB = 2**20
SMALL = {"data": {"preset": "poem"}}
BIG = {  # ~300 KB frames, 40 of them (~13 MB, within the default trace budget): more than the
    # socket buffers hold
    "model": {"layers": [{"kind": "LSTM", "units": 64}, {"kind": "LSTM", "units": 64}]},
    "data": {"preset": "ramp", "n_sequences": 32, "length": 40},
    "batching": {"batch_size": 32, "timesteps": 10},
}


def metrics(base: str) -> dict[str, float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
        text = r.read().decode()
    # per-process gauges carry a pid label (one series per server process): summed by name;
    # labelled series are also kept under their full name
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
            if key.endswith('"}') and "pid=" in key:
                name = key.split("{", 1)[0]
                out[name] = out.get(name, 0.0) + float(value)
    return out


async def cycles(ws_url: str, n: int) -> None:
    for i in range(n):
        async with connect(ws_url) as ws:
            if i % 50 == 0:  # now and then a real session: a trace, a step, a reset
                await ws.send(json.dumps({"type": "load", "scenario": SMALL}))
                assert json.loads(await ws.recv())["type"] == "loaded"
                await ws.send('{"type": "step", "count": 3}')
                for _ in range(3):
                    assert json.loads(await ws.recv())["type"] == "frame"
                await ws.send('{"type": "reset_states"}')
            else:
                await ws.send('{"type": "step"}')
            reply = json.loads(await ws.recv())
            assert reply["type"] in ("error", "loaded"), reply  # no trace yet; or reset


async def never_reads(ws_url: str, base: str) -> tuple[float, float, float]:
    async with connect(ws_url, max_queue=1, max_size=2**24) as ws:
        await ws.send(json.dumps({"type": "load", "scenario": BIG}))
        loaded = json.loads(await ws.recv())
        assert loaded["type"] == "loaded", loaded
        rss0 = (await asyncio.to_thread(metrics, base))["lsl_resident_memory_bytes"]
        await ws.send(json.dumps({"type": "step", "count": loaded["steps"]}))
        t0 = time.monotonic()
        peak = rss0
        while time.monotonic() - t0 < 60:  # the test reads metrics, never the socket
            m = await asyncio.to_thread(metrics, base)
            peak = max(peak, m["lsl_resident_memory_bytes"])
            if m["lsl_sessions_active"] == 0:
                return time.monotonic() - t0, rss0, peak
            await asyncio.sleep(0.5)
        raise AssertionError("a client that never reads was still connected after 60 s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="a running server (default: start one)")
    ap.add_argument("--cycles", type=int, default=5000)
    args = ap.parse_args()
    with server(args.url) as base:
        ws_url = base.replace("http", "ws", 1) + "/ws/live"
        asyncio.run(cycles(ws_url, 300))  # warm: allocator pools, compiled functions
        time.sleep(0.5)
        before = metrics(base)
        t0 = time.monotonic()
        asyncio.run(cycles(ws_url, args.cycles))
        took = time.monotonic() - t0
        time.sleep(0.5)
        after = metrics(base)
        closed_s, rss0, peak = asyncio.run(never_reads(ws_url, base))
    growth = (after["lsl_resident_memory_bytes"] - before["lsl_resident_memory_bytes"]) / MB
    tasks = after["lsl_asyncio_tasks"] - before["lsl_asyncio_tasks"]
    print(
        f"RESULT cycles={args.cycles} cycle_ms={took / args.cycles * 1000:.2f} "
        f"rss_growth_mb={growth:.1f} tasks_left={tasks:.0f} "
        f"slow_client_closed_s={closed_s:.1f} slow_client_cost_mb={(peak - rss0) / MB:.1f}"
    )


if __name__ == "__main__":
    main()
