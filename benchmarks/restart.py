"""The server killed under load (SIGKILL, no goodbye) and started again: how long until it is
healthy, and do clients that reconnect with backoff (as the page does) get their sessions back?

N sessions step 5 times a second; at --kill-after s the server is killed and restarted on the
same port. Each client reconnects with backoff (0.25 s doubling to 8 s), reloads its scenario,
seeks back to its position and goes on. Last line:
RESULT sessions=... healthy_after_s=... reconnected=... resumed_same_position=... errors=...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request

import orjson
import websockets

from benchmarks.live_latency import SCENARIO


def start(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(base: str, timeout: float = 120) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                if json.load(r)["ready"]:
                    return time.monotonic() - t0
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("not ready")


async def client(ws_url: str, stop: asyncio.Event, stats: dict[str, int]) -> None:
    position, delay, connections = -1, 0.25, 0
    while not stop.is_set():
        try:
            async with websockets.connect(ws_url, max_size=2**24) as ws:
                connections += 1
                delay = 0.25
                await ws.send(json.dumps({"type": "load", "scenario": SCENARIO}))
                await ws.recv()  # "loaded"
                if position >= 0:  # a reconnect: back to where this client was
                    await ws.send(json.dumps({"type": "seek", "position": position}))
                    frame = orjson.loads(await ws.recv())
                    if frame.get("position") == position:
                        stats["resumed_same_position"] += 1
                while not stop.is_set():
                    await ws.send('{"type": "step"}')
                    reply = orjson.loads(await ws.recv())
                    if reply.get("type") == "frame":
                        position = reply["position"]
                    elif reply.get("type") == "end":
                        position = -1
                        await ws.send('{"type": "seek", "position": -1}')
                        await ws.recv()
                    else:
                        stats["errors"] += 1
                    await asyncio.sleep(0.2)
        except (OSError, websockets.exceptions.WebSocketException):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
    if connections >= 2:
        stats["reconnected"] += 1


async def main_async(args: argparse.Namespace, port: int) -> dict[str, float]:
    base = f"http://127.0.0.1:{port}"
    proc = start(port)
    wait_ready(base)
    stop = asyncio.Event()
    stats = {"reconnected": 0, "resumed_same_position": 0, "errors": 0}
    tasks = [
        asyncio.create_task(client(base.replace("http", "ws") + "/ws/live", stop, stats))
        for _ in range(args.sessions)
    ]
    await asyncio.sleep(args.kill_after)
    proc.kill()
    proc.wait()
    killed = time.monotonic()
    proc = start(port)
    await asyncio.to_thread(wait_ready, base)
    healthy = time.monotonic() - killed
    await asyncio.sleep(12)  # the slowest backoff step is 8 s
    stop.set()
    await asyncio.gather(*tasks)
    proc.terminate()
    proc.wait(timeout=30)
    return {"healthy_after_s": healthy, **stats}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--kill-after", type=float, default=5.0)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = asyncio.run(main_async(args, port))
    print(
        f"RESULT sessions={args.sessions} healthy_after_s={r['healthy_after_s']:.1f} "
        f"reconnected={r['reconnected']} resumed_same_position={r['resumed_same_position']} "
        f"errors={r['errors']}"
    )


if __name__ == "__main__":
    main()
