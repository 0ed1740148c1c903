"""A classroom on one small machine: N concurrent live sessions from one IP, each stepping
5 times a second for --seconds (default 300 sessions, 60 s, as issue 5 asks).

Starts the server (or uses --url). Reports latency percentiles, errors and the server's
resident memory (from /metrics) before, at the peak and after the sessions close.
Last line: RESULT sessions=... p50_ms=... p95_ms=... p99_ms=... errors=... rss_mb_idle=...
rss_mb_peak=... rss_mb_after=...
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import urllib.request

from benchmarks.live_latency import server, session


def metric(base: str, name: str) -> float:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise KeyError(name)


async def run(base: str, n: int, seconds: float) -> tuple[list[float], list[str], float]:
    ws_url = base.replace("http", "ws", 1) + "/ws/live"
    latencies: list[float] = []
    errors: list[str] = []
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(session(ws_url, seconds, start, latencies, errors)) for _ in range(n)
    ]
    await asyncio.sleep(1.0 + n * 0.03)  # every session loads its scenario first
    start.set()
    peak = 0.0
    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end:
        await asyncio.sleep(2.0)
        rss = await asyncio.to_thread(metric, base, "lsl_resident_memory_bytes")
        peak = max(peak, rss)
    await asyncio.gather(*tasks)
    return latencies, errors, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="a running server (default: start one)")
    ap.add_argument("--sessions", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    mb = 1 / 2**20
    with server(args.url) as base:
        idle = metric(base, "lsl_resident_memory_bytes")
        lat, errs, peak = asyncio.run(run(base, args.sessions, args.seconds))
        time.sleep(1.0)
        after = metric(base, "lsl_resident_memory_bytes")
    q = statistics.quantiles(lat, n=100)
    p50, p95, p99 = statistics.median(lat), q[94], q[98]
    print(
        f"{args.sessions} sessions x {args.seconds:.0f} s: {len(lat)} frames "
        f"({len(lat) / args.seconds:.0f}/s), errors {len(errs)}" + (f" ({errs[0]})" if errs else "")
    )
    print(
        f"RESULT sessions={args.sessions} p50_ms={p50:.1f} p95_ms={p95:.1f} p99_ms={p99:.1f} "
        f"errors={len(errs)} rss_mb_idle={idle * mb:.0f} rss_mb_peak={peak * mb:.0f} "
        f"rss_mb_after={after * mb:.0f}"
    )


if __name__ == "__main__":
    main()
