"""HTML pages and the vendored plotly.js (served from the plotly wheel, long-cached)."""

from __future__ import annotations

import json
from functools import cache
from importlib import metadata, resources
from pathlib import Path

import jinja2
import plotly
from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from app import __version__, i18n
from app.lessons import BY_SLUG, LESSONS
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
# Swagger UI files from the fastapi-offline wheel (a version that reads OpenAPI 3.1).
SWAGGER_DIR = Path(str(resources.files("fastapi_offline"))) / "static"
SWAGGER_VERSION = metadata.version("fastapi-offline")
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


@cache
def _presets_json(lang: str) -> str:
    return json.dumps(
        [{"name": k, "description": i18n.translate(lang, f"preset.{k}")} for k in PRESETS]
    )


@cache
def _client_catalog(lang: str) -> str:
    """What the page's scripts translate: js.* and error.* keys, English where missing."""
    merged = {**i18n.catalog(i18n.DEFAULT), **i18n.catalog(lang)}
    keys = {k: v for k, v in merged.items() if k.startswith(("js.", "error."))}
    # "</" could end the <script> element that carries the JSON
    return json.dumps(keys, ensure_ascii=False).replace("</", "<\\/")


def _lang(request: Request) -> str:
    return i18n.negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


def _page(request: Request, template: str, **context: object) -> HTMLResponse:
    """Render a page in the request's language (?lang=, else Accept-Language)."""
    lang = _lang(request)

    def t(key: str, **values: object) -> str | Markup:
        text = i18n.translate(lang, key, **values)
        # keys ending in "_html" are our own markup (<code>, <b>); everything else is escaped
        return Markup(text) if key.endswith("_html") else text

    return templates.TemplateResponse(
        request,
        template,
        {
            "version": __version__,
            "lang": lang,
            "langs": i18n.LANGS,
            "t": t,
            "i18n_json": _client_catalog(lang),
            **context,
        },
        headers={"Content-Language": lang, "Vary": "Accept-Language"},
    )


def _explorer(request: Request, lesson: str = "") -> HTMLResponse:
    lang = _lang(request)
    return _page(
        request,
        "index.html",
        plotly_version=PLOTLY_VERSION,
        presets=_presets_json(lang),
        lesson=lesson,
    )


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return _explorer(request)


@router.get("/lessons", response_class=HTMLResponse)
async def lessons_page(request: Request) -> HTMLResponse:
    return _page(request, "lessons.html", lessons=LESSONS)


@router.get("/lessons/{slug}", response_class=HTMLResponse)
async def lesson_page(request: Request, slug: str) -> HTMLResponse:
    if slug not in BY_SLUG:
        raise HTTPException(404, f"no lesson {slug!r}: see /lessons")
    lang = _lang(request)
    return _explorer(request, json.dumps(i18n.lesson(lang, BY_SLUG[slug].to_dict())))


@router.get("/experiment", response_class=HTMLResponse)
async def experiment_page(request: Request) -> HTMLResponse:
    return _page(request, "experiment.html", plotly_version=PLOTLY_VERSION)


@router.get("/claims", response_class=HTMLResponse)
async def claims_page(request: Request) -> HTMLResponse:
    from app.api.claims import sources
    from app.claims import CLAIMS

    code = sources()
    items = [{"id": c.id, "source": c.source, "code": code.get(c.id, "")} for c in CLAIMS]
    return _page(request, "claims.html", claims=items)


@router.get("/docs", response_class=HTMLResponse)
async def api_docs() -> HTMLResponse:
    """OpenAPI explorer with Swagger UI served from the fastapi-offline wheel (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="LSTM State Lab — API",
        swagger_js_url=f"/vendor/swagger-ui-{SWAGGER_VERSION}/swagger-ui-bundle.js",
        swagger_css_url=f"/vendor/swagger-ui-{SWAGGER_VERSION}/swagger-ui.css",
        swagger_favicon_url="data:,",
    )


@router.get("/vendor/swagger-ui-{version}/{name}")
async def swagger_asset(version: str, name: str) -> FileResponse:
    if version != SWAGGER_VERSION or name not in ("swagger-ui-bundle.js", "swagger-ui.css"):
        raise HTTPException(404, "not found")
    media = "text/javascript" if name.endswith(".js") else "text/css"
    return FileResponse(SWAGGER_DIR / name, media_type=media, headers=IMMUTABLE)


@router.get("/vendor/plotly-{version}.min.js")
async def plotly_js(version: str) -> FileResponse:
    if version != PLOTLY_VERSION:
        raise HTTPException(404, f"plotly {PLOTLY_VERSION} is served here")
    return FileResponse(PLOTLY_FILE, media_type="text/javascript", headers=IMMUTABLE)
