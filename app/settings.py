"""Typed settings, read from LSL_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LSL_")

    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")
    warm_up: bool = Field(True, description="Build and compile a reference model at start-up.")
    tf_workers: int = Field(
        1,
        ge=1,
        le=8,
        description="Concurrent TensorFlow jobs (TF work "
        "runs off the event loop in this many threads).",
    )
    experiment_jobs: int = Field(
        1, ge=1, le=4, description="Experiments trained at once (the others wait in the queue)."
    )
    max_sessions: int = Field(
        300, ge=1, le=10_000, description="Live sessions at once; more get WebSocket close 1013."
    )
    session_rate: float = Field(
        20.0, gt=0, le=1000, description="Commands per second per live session (burst: 2x)."
    )
    idle_timeout_s: float = Field(
        900.0,
        gt=0,
        description="A live session with no command (and not playing) for this long is closed.",
    )
    send_timeout_s: float = Field(
        10.0,
        gt=0,
        le=300,
        description="A live client that takes no frame for this long is closed, not buffered for.",
    )
    allowed_origins: str = Field(
        "", description="Comma-separated WebSocket origins allowed; empty = the page's own host."
    )
    trusted_hosts: str = Field("*", description="Comma-separated Host headers accepted.")
    log_format: Literal["json", "text"] = Field(
        "json", description="Server log lines: `json` (one object a line) or `text`."
    )
    frame_ancestors: str = Field(
        "'self'", description="CSP frame-ancestors: who may embed the app (e.g. your LMS)."
    )
    cache_dir: str = Field(
        "",
        description="Where results kept across restarts go (claim verdicts); empty = "
        "$XDG_CACHE_HOME/lstm-state-lab or ~/.cache/lstm-state-lab.",
    )
    # -- budgets: every request is priced before it runs (app/budget.py) --
    max_body_bytes: int = Field(
        2_000_000, ge=1024, description="Request bodies larger than this get 413 unread."
    )
    trace_budget_mb: float = Field(
        16.0, gt=0, description="Largest trace (its JSON, estimated before running) in MB."
    )
    trace_memory_mb: float = Field(
        64.0, gt=0, description="Memory bound of one trace's arrays and working copies, in MB."
    )
    compute_budget_s: float = Field(
        10.0, gt=0, description="Longest trace, in estimated seconds of this server's time."
    )
    interactive_budget_s: float = Field(
        0.5,
        ge=0,
        description="Traces estimated above this run in the trace worker process, not in "
        "the explorer's own TensorFlow thread.",
    )
    trace_lanes: int = Field(
        2,
        ge=1,
        le=2,
        description="Explorer traces at once: 1 = this process's TF thread; 2 = also a worker "
        "process (one per core on a 2-core machine).",
    )
    max_batches: int = Field(2000, ge=1, le=2000, description="Most batches one schedule may run.")
    job_budget_s: float = Field(
        90.0, gt=0, description="Longest background job (experiment, generation), estimated."
    )
    sessions_per_ip: int = Field(
        150, ge=1, description="Live sessions at once from one address (a school shares one)."
    )
    trace_cache_mb: float = Field(
        256.0,
        ge=0,
        description="Recent traces kept for identical requests (a class follows "
        "the same lesson), in MB.",
    )
    sessions_memory_mb: float = Field(
        1024.0, gt=0, description="Memory all live sessions' traces may hold in one process."
    )
    worker_nice: int = Field(
        10, ge=0, le=19, description="OS priority offset of the worker processes (heavy work)."
    )
    worker_tf_threads: int = Field(
        0,
        ge=0,
        le=64,
        description="TensorFlow threads of each worker process; 0 = the CPUs this process may "
        "use, as in the web process (numbers then match it bit for bit).",
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="A request's head (and then its body) must arrive within this; else 408.",
    )
    redis_url: str = Field(
        "",
        description="Empty: jobs run in this process's own worker (the embedded default). "
        "redis://host:6379/0: jobs go to a Redis queue run by `lstm-state-lab worker` "
        "processes, answered by any replica.",
    )
    queue_name: str = Field("lstm-state-lab", description="The Redis queue's name.")
    job_result_ttl_s: int = Field(
        7 * 24 * 3600, ge=60, description="How long Redis keeps a job's result and events."
    )
    worker_heartbeat_s: int = Field(
        10,
        ge=2,
        le=600,
        description="A queue worker's job heartbeat: a job whose worker stopped beating this "
        "long is retried once, then failed.",
    )
    max_pending_jobs: int = Field(
        20, ge=1, le=10_000, description="Jobs waiting at most; more get 503 queue_full."
    )


def get_settings() -> Settings:
    return Settings()
