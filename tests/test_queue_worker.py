"""`lstm-state-lab worker` (app/queue_worker.py) run in this process on a real redis-server:
the job function's events, tries and error codes in Redis, cancellation read from Redis, the
heartbeat thread, and main()'s settings. Several workers, killed workers and the web side are
tests/test_redis_queue.py's."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rq import Queue
from rq.job import Job, JobStatus

from app import queue_worker
from app.engine import tasks
from app.errors import ScenarioError
from app.queue_worker import LabWorker
from app.redis_queue import RUN, cancel_key, events_key
from app.settings import Settings
from tests import redis_server

QUEUE = "lsl-test"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server.running(tmp_path) as url:
        yield url


@pytest.fixture
def conn(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A worker sets its class's heartbeat and its own SIGINT/SIGTERM handlers: this
    process (pytest) keeps neither."""
    monkeypatch.setattr(LabWorker, "heartbeat_s", LabWorker.heartbeat_s)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


def _settings(url: str, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "redis_url": url,
        "queue_name": QUEUE,
        "warm_up": False,  # the tasks here are not TensorFlow's
        "worker_nice": 0,
        "worker_tf_threads": 0,
    }
    return Settings(**{**fields, **overrides})


def _enqueue(conn: redis.Redis, task: str, *args: Any) -> Job:
    # as app/redis_queue.py enqueues, minus the retry: a failure here is final
    return Queue(QUEUE, connection=conn).enqueue(
        RUN, task, list(args), result_ttl=600, failure_ttl=600, job_timeout=60
    )


def _work(url: str) -> None:
    assert queue_worker.main(_settings(url), burst=True) == 0


def _events(conn: redis.Redis, job: Job) -> list[dict[str, Any]]:
    return [json.loads(fields[b"e"]) for _, fields in conn.xrange(events_key(job.id))]


def _failure(job: Job) -> str:
    result = job.latest_result()
    assert result is not None and result.exc_string is not None
    return result.exc_string


def test_the_worker_needs_a_redis_url() -> None:
    with pytest.raises(SystemExit, match="LSL_REDIS_URL"):
        queue_worker.main(Settings(redis_url=""))


def test_a_job_runs_its_task_and_writes_its_events_to_the_jobs_stream(
    redis_url: str, conn: redis.Redis
) -> None:
    job = _enqueue(conn, "sleep", 0.0)
    _work(redis_url)
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED and job.return_value() == 0.0
    assert job.meta["tries"] == 1
    assert _events(conn, job) == [
        {"type": "started", "try": 1},
        {"type": "progress", "started": True},  # the task's own event, tagged as progress
    ]
    # the stream goes when the result does
    assert 0 < conn.ttl(events_key(job.id)) <= 600


def test_a_lab_error_keeps_its_code_on_the_job(
    redis_url: str, conn: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(samples: int, *, emit: Any, cancelled: Any) -> None:
        raise ScenarioError(f"{samples} samples", code="too_few_samples", samples=samples)

    def crash(*, emit: Any, cancelled: Any) -> None:
        raise RuntimeError("not a lab error")

    monkeypatch.setitem(tasks.TASKS, "refuse", refuse)  # the worker runs jobs in this process
    monkeypatch.setitem(tasks.TASKS, "crash", crash)
    refused, crashed = _enqueue(conn, "refuse", 3), _enqueue(conn, "crash")
    _work(redis_url)
    refused.refresh()
    crashed.refresh()
    assert refused.get_status() == crashed.get_status() == JobStatus.FAILED
    assert refused.meta["error_code"] == "too_few_samples"
    assert "error_code" not in crashed.meta  # the web side names it task_failed
    assert "RuntimeError: not a lab error" in _failure(crashed)


def test_a_running_task_stops_when_the_cancel_flag_is_set_in_redis(
    redis_url: str, conn: redis.Redis
) -> None:
    job = _enqueue(conn, "sleep", 600.0)  # would outlive the job's 60 s timeout if not stopped
    conn.set(cancel_key(job.id), 1)
    _work(redis_url)
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert "InterruptedError: cancelled" in _failure(job)


def test_the_heartbeat_thread_beats_while_a_job_runs_and_ends_with_it(
    redis_url: str, conn: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    beats = threading.Event()
    maintain = LabWorker.maintain_heartbeats

    def counted(self: LabWorker, job: Job, execution: Any) -> None:
        beats.set()
        maintain(self, job, execution)

    def wait_for_a_beat(*, emit: Any, cancelled: Any) -> bool:
        return beats.wait(30)  # the job runs on this thread: a beat comes from another one

    monkeypatch.setattr(LabWorker, "maintain_heartbeats", counted)
    monkeypatch.setitem(tasks.TASKS, "wait_for_a_beat", wait_for_a_beat)
    job = _enqueue(conn, "wait_for_a_beat")
    assert queue_worker.main(_settings(redis_url, worker_heartbeat_s=2), burst=True) == 0
    job.refresh()
    assert job.return_value() is True
    assert not [t for t in threading.enumerate() if t.name == "heartbeat"]


def test_main_applies_the_workers_settings(
    redis_url: str, conn: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    niced: list[int] = []
    warmed: list[bool] = []
    monkeypatch.setattr(queue_worker.os, "nice", niced.append)
    monkeypatch.setattr(tasks, "warm_up", lambda: warmed.append(True))
    # main sets these for TensorFlow: put back after the test
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "")
    monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "")
    job = _enqueue(conn, "sleep", 0.0)
    settings = _settings(
        redis_url, worker_nice=5, worker_tf_threads=3, warm_up=True, worker_heartbeat_s=7
    )
    assert queue_worker.main(settings, burst=True) == 0
    assert niced == [5] and warmed == [True]
    assert os.environ["TF_NUM_INTRAOP_THREADS"] == os.environ["TF_NUM_INTEROP_THREADS"] == "3"
    assert LabWorker.heartbeat_s == 7
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED  # the queue named in the settings


def test_a_jobs_heartbeat_lives_as_long_as_the_workers_setting(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        LabWorker.heartbeat_s = 4
        worker = LabWorker([Queue(QUEUE, connection=client)], connection=client)
        job = Job.create(time.sleep, args=(0,), connection=client, timeout=600)
        # RQ's own would be the job's timeout + 60 s: a killed worker's job stuck for minutes
        assert worker.get_heartbeat_ttl(job) == 4
        assert worker.get_heartbeat_ttl(job, working_time=300.0) == 4
    finally:
        client.close()
