"""Many concurrent live sessions with distinct scenarios: each one's frames equal the same
scenario's trace computed alone (nothing leaks between sessions sharing one process)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from websockets.asyncio.client import connect

from tests import serving

N = 40  # a class; 24 structures (3 kinds x 4 sizes x stateful or not) > the 8 cached


def _scenario(i: int) -> dict[str, Any]:
    return {
        "model": {
            "layers": [
                {
                    "kind": ["LSTM", "GRU", "SimpleRNN"][i % 3],
                    "units": 3 + i % 4,
                    "stateful": i % 2 == 0,
                }
            ]
        },
        "data": {"preset": "ramp", "n_sequences": 2, "length": 10 + i},
        "batching": {"batch_size": 2, "timesteps": 5},
        "seed": i,
    }


async def _session(base: str, i: int) -> list[list[float]]:
    async with connect(base.replace("http", "ws", 1) + "/ws/live", max_size=2**24) as ws:
        await ws.send(json.dumps({"type": "load", "scenario": _scenario(i)}))
        loaded = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "step", "count": loaded["steps"]}))
        return [json.loads(await ws.recv())["layers"][0]["h"] for _ in range(loaded["steps"])]


def _alone(base: str, i: int) -> list[list[float]]:
    req = urllib.request.Request(
        f"{base}/api/traces",
        data=json.dumps(_scenario(i)).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        trace = json.load(r)
    hs = [np.asarray(b["layers"][0]["h"]) for b in trace["batches"]]
    return [h[:, t].tolist() for h in hs for t in range(h.shape[1])]


def test_concurrent_sessions_equal_runs_alone(tmp_path: Path) -> None:
    proc, base = serving.start(tmp_path / "server.log")
    results: list[Any] = []

    async def main() -> None:
        results.extend(await asyncio.gather(*(_session(base, i) for i in range(N))))

    try:
        serving.run_async(main)
        assert len(results) == N
        for i, frames in enumerate(results):
            np.testing.assert_array_equal(np.asarray(frames), np.asarray(_alone(base, i)))
    finally:
        serving.stop(proc)
