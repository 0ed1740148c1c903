"""Typed settings, read from LSL_* environment variables."""

from __future__ import annotations

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


def get_settings() -> Settings:
    return Settings()
