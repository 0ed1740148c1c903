"""HTML pages and the vendored plotly.js (served from the plotly wheel, long-cached)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jinja2
import plotly
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from app import __version__
from app.presets import PRESETS
from app.web import TEMPLATES

router = APIRouter(tags=["pages"], include_in_schema=False)
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
    )
)
PLOTLY_FILE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = plotly.__version__
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


@cache
def _presets_json() -> str:
    return json.dumps([{"name": k, "description": v} for k, v in PRESETS.items()])


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "index.html",
        {"version": __version__, "plotly_version": PLOTLY_VERSION, "presets": _presets_json()},
    )


@router.get("/vendor/plotly-{version}.min.js")
async def plotly_js(version: str) -> FileResponse:
    if version != PLOTLY_VERSION:
        raise HTTPException(404, f"plotly {PLOTLY_VERSION} is served here")
    return FileResponse(PLOTLY_FILE, media_type="text/javascript", headers=IMMUTABLE)
