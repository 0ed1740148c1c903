"""Lessons: the guided sequences (content/lessons/*.yaml, loaded by app/lessons.py), in English
or, with ?lang=, in one of the interface's languages (app/i18n)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException

from app import i18n
from app.api.errors import NOT_FOUND
from app.lessons import BY_SLUG, LESSONS

router = APIRouter(prefix="/api/lessons", tags=["lessons"])
# The codes of i18n.LANGS (a test keeps them equal): an unknown ?lang= is a 422 naming `lang`.
Lang = Literal["en", "zh-Hans", "fr", "ja"]


@router.get("")
async def list_lessons(lang: Lang = "en") -> list[dict[str, Any]]:
    return [
        {
            "slug": lesson.slug,
            "title": i18n.translate(lang, f"lesson.{lesson.slug}.title"),
            "summary": i18n.translate(lang, f"lesson.{lesson.slug}.summary"),
            "steps": len(lesson.steps),
        }
        for lesson in LESSONS
    ]


@router.get("/{slug}", responses=NOT_FOUND)
async def get_lesson(slug: str, lang: Lang = "en") -> dict[str, Any]:
    if slug not in BY_SLUG:
        raise HTTPException(404, f"no lesson {slug!r}; see GET /api/lessons")
    return i18n.lesson(lang, BY_SLUG[slug].to_dict())
