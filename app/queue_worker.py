"""`lstm-state-lab worker`: runs the distributed queue's jobs with TensorFlow kept warm.

An RQ `SimpleWorker` runs every job in this one process (no fork per job), so TensorFlow is
imported and every layer kind compiled once, and compiled models stay cached between jobs. A
thread keeps the job's heartbeat short-lived while it runs: if this process is killed, its job
is seen abandoned within seconds and retried once by the queue (app/redis_queue.py).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any

import redis
from rq import Queue, SimpleWorker
from rq.job import Job, get_current_job
from rq.worker import WorkerStatus

from app.redis_queue import cancel_key, events_key
from app.settings import Settings

log = logging.getLogger(__name__)
CANCEL_POLL_S = 0.2


def run(task: str, args: list[Any]) -> Any:
    """The job function: one task of app/engine/tasks.py, its progress into the job's stream."""
    from app.engine.tasks import TASKS
    from app.errors import LabError

    job = get_current_job()
    assert job is not None
    conn = job.connection
    stream, ttl = events_key(job.id), int(job.result_ttl or 7 * 24 * 3600)
    job.meta["tries"] = int(job.meta.get("tries", 0)) + 1
    job.save_meta()  # type: ignore[no-untyped-call]

    def emit(event: dict[str, Any]) -> None:
        conn.xadd(stream, {"e": json.dumps(event)}, maxlen=5000, approximate=True)
        conn.expire(stream, ttl)

    asked = [0.0, False]

    def cancelled() -> bool:  # asked between batches: one Redis read every 0.2 s at most
        now = time.monotonic()
        if not asked[1] and now - asked[0] >= CANCEL_POLL_S:
            asked[0], asked[1] = now, bool(conn.exists(cancel_key(job.id)))
        return bool(asked[1])

    emit({"type": "started", "try": job.meta["tries"]})
    try:
        return TASKS[task](
            *args, emit=lambda e: emit({"type": "progress", **e}), cancelled=cancelled
        )
    except LabError as exc:  # a clear, translated error on the page (its code)
        job.meta["error_code"] = exc.code
        job.save_meta()  # type: ignore[no-untyped-call]
        raise


class LabWorker(SimpleWorker):
    """SimpleWorker with a short heartbeat kept by a thread while a job runs."""

    heartbeat_s = 10

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return self.heartbeat_s

    def execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.heartbeat_s / 3):
                try:
                    self.maintain_heartbeats(job, execution)
                except Exception:  # a lost beat: the next one, or the queue retries the job
                    log.warning("heartbeat failed", exc_info=True)

        thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
        thread.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            done.set()
            thread.join()
        self.set_state(WorkerStatus.IDLE)


def main(settings: Settings, burst: bool = False) -> int:
    if not settings.redis_url:
        raise SystemExit("lstm-state-lab worker needs LSL_REDIS_URL (e.g. redis://localhost:6379)")
    if settings.worker_nice:
        os.nice(settings.worker_nice)
    if settings.worker_tf_threads:  # read when TensorFlow is imported (app/engine/tfenv.py)
        threads = str(settings.worker_tf_threads)
        os.environ["TF_NUM_INTRAOP_THREADS"] = os.environ["TF_NUM_INTEROP_THREADS"] = threads
    conn = redis.Redis.from_url(settings.redis_url)
    if settings.warm_up:
        from app.engine import tasks

        tasks.warm_up()
    LabWorker.heartbeat_s = settings.worker_heartbeat_s
    worker = LabWorker(
        [Queue(settings.queue_name, connection=conn)],
        connection=conn,
        maintenance_interval=max(1, settings.worker_heartbeat_s // 2),
    )
    worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
    return 0
