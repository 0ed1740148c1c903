"""Char-level generation with a stateful model at batch size 1 (lesson 10)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from app import budget
from app.api.deps import JobsDep, owner, while_connected
from app.api.errors import Refused

router = APIRouter(prefix="/api/generate", tags=["generate"])
HAMLET_CHARS = 323  # the default text (app/engine/generate.py HAMLET); a test keeps it true


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(
        None,
        min_length=20,
        max_length=2000,
        description="Training text; default: Hamlet's soliloquy (public domain).",
    )
    prompts: list[str] = Field(
        default_factory=lambda: ["To be", "The "], min_length=1, max_length=3
    )
    length: int = Field(60, ge=1, le=300, description="Characters to generate per prompt.")
    epochs: int = Field(40, ge=1, le=80)


@router.post("")
async def generate(req: GenerateRequest, request: Request, jobs: JobsDep) -> dict[str, Any]:
    """Train on the text at batch size 1 (stateful), then generate from each prompt, resetting
    the state between prompts."""
    for i, p in enumerate(req.prompts):
        if not 1 <= len(p) <= 40:
            raise Refused(
                422,
                "invalid_request",
                f"prompts[{i}] must hold 1..40 characters",
                code="prompt_length",
                index=i,
                min_length=1,
                max_length=40,
            )
    text_chars = len(req.text) if req.text else HAMLET_CHARS
    seconds = budget.generation_seconds(text_chars, req.epochs, req.prompts, req.length)
    budget.check_job(
        seconds, request.app.state.settings.job_budget_s, "fewer epochs or a shorter text"
    )
    # on a worker; a client that leaves cancels the training between batches
    result: dict[str, Any] = await while_connected(
        request, jobs.call("generate", req.model_dump(), owner=owner(request))
    )
    return result
