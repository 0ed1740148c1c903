"""Prometheus metrics (prometheus-client), correct across `serve --workers N`.

With PROMETHEUS_MULTIPROC_DIR set (`lstm-state-lab serve` sets it for every server process),
each process writes its values to files there and /metrics, answered by any one of them, adds
up all of them: counters and job durations summed, live sessions summed over processes that are
alive. Without it (tests, an app built in-process) the values are this process's own.
"""

from __future__ import annotations

import os
import threading
import time

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Summary,
    generate_latest,
    multiprocess,
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

_COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "lsl_sessions_total": ("Live sessions opened.", ()),
    "lsl_sessions_rejected_total": (
        "Live sessions refused (busy, per_ip or origin).",
        ("kind",),
    ),
    "lsl_sessions_dropped_total": (
        "Live sessions closed by the server (clients not reading).",
        ("kind",),
    ),
    "lsl_frames_total": ("Frames sent to live sessions.", ()),
    "lsl_commands_total": ("Live session commands, by type.", ("type",)),
    "lsl_errors_total": ("Error frames and responses, by kind.", ("kind",)),
    "lsl_traces_total": ("Traces computed (HTTP and live).", ()),
    "lsl_trace_cache_total": (
        "Traces answered without computing: hit (kept) or shared.",
        ("kind",),
    ),
    "lsl_traces_cancelled_total": (
        "Traces nobody waited for: queued (never run) or started.",
        ("kind",),
    ),
    "lsl_requests_abandoned_total": ("HTTP requests whose client left while their work ran.", ()),
}
COUNTERS = {
    name: Counter(name.removesuffix("_total"), help_text, labels)
    for name, (help_text, labels) in _COUNTERS.items()
}
JOB_SECONDS = Summary("lsl_job_seconds", "Job run time, by final status.", ["status"])
SESSIONS = Gauge("lsl_sessions_active", "Live sessions open now.", multiprocess_mode="livesum")
_PROCESS: list[Gauge] = []  # made on the first scrape: a process that never answers one (the
# --workers supervisor) then shows no per-process series


_LOCK = threading.Lock()  # scrapes render in threads: the first two must not both make them


def _process_gauges() -> list[Gauge]:
    with _LOCK:
        return _make_process_gauges()


def _make_process_gauges() -> list[Gauge]:
    if not _PROCESS:
        _PROCESS.append(
            Gauge(
                "lsl_asyncio_tasks",
                "asyncio tasks of the process (leak check).",
                multiprocess_mode="liveall",
            )
        )
        _PROCESS.append(
            Gauge(
                "lsl_resident_memory_bytes",
                "Resident memory of the process.",
                multiprocess_mode="liveall",
            )
        )
    return _PROCESS


sessions_active = 0  # this process's own count: its session cap is per process


def inc(name: str, label: str = "", by: int = 1) -> None:
    counter = COUNTERS[name]
    (counter.labels(label) if counter._labelnames else counter).inc(by)


def observe(name: str, seconds: float, label: str = "") -> None:
    assert name == "lsl_job_seconds"
    JOB_SECONDS.labels(label).observe(seconds)


def session_opened() -> None:
    global sessions_active
    sessions_active += 1
    SESSIONS.inc()
    touch()


def session_closed() -> None:
    global sessions_active
    sessions_active -= 1
    SESSIONS.dec()
    touch()


last_active = 0.0  # time.monotonic() of this process's last request or session event


def touch() -> None:
    """Someone used the server just now (probes and scrapes do not count)."""
    global last_active
    last_active = time.monotonic()


def idle_for() -> float:
    """Seconds since anyone used this process; 0 while a live session is open (a class is
    on)."""
    return 0.0 if sessions_active else time.monotonic() - last_active


def render(process: dict[str, float], queue: dict[str, float]) -> bytes:
    """Every process's metrics (this one's process gauges set first), then the job queue's
    own figures, read from the queue at scrape time (the same from any replica)."""
    tasks, rss = _process_gauges()
    tasks.set(process["tasks"])
    rss.set(process["rss"])
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    lines = []
    for name, help_text, value in (
        ("lsl_queue_depth", "Jobs waiting in the job queue.", queue.get("depth", 0.0)),
        ("lsl_queue_running", "Jobs running now.", queue.get("running", 0.0)),
        ("lsl_queue_workers", "Workers serving the job queue.", queue.get("workers", 0.0)),
        (
            "lsl_queue_oldest_age_seconds",
            "Age of the oldest waiting job.",
            queue.get("oldest_age_s", 0.0),
        ),
    ):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {float(value)}"]
    return text + ("\n".join(lines) + "\n").encode()


def process_exited(pid: int) -> None:
    """A server process ends: its live gauges stop counting."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
