"""Lessons: the guided sequences (content in app/lessons.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from app.api.errors import NOT_FOUND
from app.lessons import BY_SLUG, LESSONS

router = APIRouter(prefix="/api/lessons", tags=["lessons"])


@router.get("")
async def list_lessons() -> list[dict[str, Any]]:
    return [
        {
            "slug": lesson.slug,
            "title": lesson.title,
            "summary": lesson.summary,
            "steps": len(lesson.steps),
        }
        for lesson in LESSONS
    ]


@router.get("/{slug}", responses=NOT_FOUND)
async def get_lesson(slug: str) -> dict[str, Any]:
    if slug not in BY_SLUG:
        raise HTTPException(404, f"no lesson {slug!r}; see GET /api/lessons")
    return BY_SLUG[slug].to_dict()
