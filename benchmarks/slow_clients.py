"""Slow clients against a real server: --conns connections that send their request head a byte
a second (a third), send nothing (a third) or never send the body they announce (a third),
while a normal client asks /healthz ten times a second. Measures when the server closes them
(LSL_HEADER_TIMEOUT_S, 10 s by default) and how long /healthz takes meanwhile.

Starts the server (or uses --url). Last line:
RESULT slow_conns=... closed_within_s=... healthz_max_s=... still_open=...
"""

from __future__ import annotations

import argparse
import asyncio
import time
import urllib.parse
import urllib.request

from benchmarks.live_latency import server

HEAD = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
BODY = b"POST /api/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"


async def slow_client(host: str, port: int, kind: int, wait: float) -> float | None:
    """Seconds until the server closed the connection; None if still open after `wait`."""
    t0 = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        first = (HEAD[:1], b"", BODY)[kind]
        writer.write(first)
        trickle = HEAD[1:] if kind == 0 else b""
        while time.monotonic() - t0 < wait:
            try:
                if not await asyncio.wait_for(reader.read(4096), 1.0):
                    return time.monotonic() - t0
            except TimeoutError:
                if trickle:
                    writer.write(trickle[:1])
                    trickle = trickle[1:]
            except ConnectionError:
                return time.monotonic() - t0
        return None
    finally:
        writer.close()


def healthz(base: str) -> float:
    t0 = time.monotonic()
    with urllib.request.urlopen(f"{base}/healthz", timeout=30) as r:
        r.read()
    return time.monotonic() - t0


async def run(base: str, conns: int, wait: float) -> tuple[list[float | None], list[float]]:
    url = urllib.parse.urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    clients = []
    for i in range(conns):  # opened in a burst, as a script would
        clients.append(asyncio.create_task(slow_client(host, port, i % 3, wait)))
    await asyncio.sleep(0)
    times: list[float] = []
    while not all(c.done() for c in clients):
        times.append(await asyncio.to_thread(healthz, base))
        await asyncio.sleep(0.1)
    return [c.result() for c in clients], times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="a running server (default: start one)")
    ap.add_argument("--conns", type=int, default=500)
    ap.add_argument("--wait", type=float, default=60, help="give up on a connection after this")
    args = ap.parse_args()
    with server(args.url) as base:
        healthz(base)
        closed, times = asyncio.run(run(base, args.conns, args.wait))
    done = [t for t in closed if t is not None]
    print(
        f"RESULT slow_conns={args.conns} closed_within_s={max(done, default=float('nan')):.1f} "
        f"healthz_max_s={max(times):.3f} still_open={len(closed) - len(done)}"
    )


if __name__ == "__main__":
    main()
