from __future__ import annotations

from fastapi import APIRouter, HTTPException

from app.api.errors import NOT_FOUND
from app.presets import PRESETS

router = APIRouter(prefix="/api/presets", tags=["presets"])


@router.get("")
async def list_presets() -> list[dict[str, str]]:
    return [{"name": k, "description": v} for k, v in PRESETS.items()]


@router.get("/{name}", responses=NOT_FOUND)
async def get_preset(name: str) -> dict[str, str]:
    if name not in PRESETS:
        raise HTTPException(404, f"no preset {name!r}; presets: {', '.join(PRESETS)}")
    return {"name": name, "description": PRESETS[name]}
