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


def get_settings() -> Settings:
    return Settings()
