"""The distributed job queue's throughput: experiments per minute and queue wait, with one and
then two `lstm-state-lab worker` processes on one Redis, measured side by side in one run.

Each phase submits --jobs distinct small experiments at once (different seeds: nothing is
deduplicated) and waits for all of them. A job's queue wait is from its submission to its
worker's "started" event (the Redis stream entry's own timestamp).

Needs redis-server (Debian package). Last line:
RESULT jobs_per_min_1=… jobs_per_min_2=… queue_wait_p95_s=… (two workers) queue_wait_p95_s_1=…
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from app.redis_queue import RedisJobQueue, events_key
from tests import redis_server

REQUEST = {
    "configs": [{"tsteps": 2, "lahead": 1, "batch_size": 1}],
    "input_len": 100,
    "epochs": 1,
}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


async def phase(url: str, jobs: int, first_seed: int) -> tuple[float, list[float]]:
    queue = RedisJobQueue(url, max_pending=10_000)
    conn = redis.Redis.from_url(url)
    try:
        t0 = time.monotonic()
        submitted = []
        for k in range(jobs):
            request = {**REQUEST, "seed": first_seed + k}
            summary = await queue.submit(str(request), "experiment", request)
            submitted.append((summary["id"], time.time()))
        waits = []
        for job_id, at in submitted:
            while True:
                found = await queue.status(job_id)
                assert found is not None
                if found["status"] in ("done", "failed", "cancelled"):
                    assert found["status"] == "done", found
                    break
                await asyncio.sleep(0.1)
            entries: Any = conn.xrange(events_key(job_id), count=1)
            started_ms = int(entries[0][0].decode().split("-")[0])
            waits.append(max(0.0, started_ms / 1000 - at))
        minutes = (time.monotonic() - t0) / 60
        return jobs / minutes, waits
    finally:
        conn.close()
        await queue.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, redis_server.running(Path(tmp)) as url:
        log = Path(tmp) / "workers.log"
        workers = [redis_server.worker(url, log)]
        try:
            rate_1, waits_1 = asyncio.run(phase(url, args.jobs, 1000))
            workers.append(redis_server.worker(url, log))
            rate_2, waits_2 = asyncio.run(phase(url, args.jobs, 2000))
        finally:
            for w in workers:
                w.terminate()
                w.wait(timeout=60)
    print(f"1 worker:  {rate_1:.1f} jobs/min, queue wait p95 {p95(waits_1):.1f} s")
    print(
        f"2 workers: {rate_2:.1f} jobs/min, queue wait p95 {p95(waits_2):.1f} s "
        f"({rate_2 / rate_1:.2f}x)"
    )
    print(
        f"RESULT jobs_per_min_1={rate_1:.1f} jobs_per_min_2={rate_2:.1f} "
        f"queue_wait_p95_s={p95(waits_2):.1f} queue_wait_p95_s_1={p95(waits_1):.1f}"
    )


if __name__ == "__main__":
    main()
