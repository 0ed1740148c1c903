"""HTML pages and the vendor files (plotly.js, Swagger UI) under content-hashed URLs."""

from __future__ import annotations

import json
from functools import cache
from importlib import metadata, resources
from pathlib import Path

import jinja2
from fastapi import APIRouter, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__, assets, i18n
from app.lessons import BY_SLUG, LESSONS
from app.presets import PRESETS
from app.web import STATIC, TEMPLATES

router = APIRouter(tags=["pages"], include_in_schema=False)
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
    )
)
# Found through the wheel's metadata, never imported: the image keeps only this one file of it.
PLOTLY_FILE = Path(
    str(
        next(
            f
            for f in metadata.files("plotly") or []
            if str(f).endswith("package_data/plotly.min.js")
        ).locate()
    )
)
PLOTLY_VERSION = metadata.version("plotly")
# Swagger UI files from the fastapi-offline wheel (a version that reads OpenAPI 3.1).
SWAGGER_DIR = Path(str(resources.files("fastapi_offline"))) / "static"
# Served at /vendor/<digest of the file>/<name>.
VENDOR = {
    "plotly.min.js": PLOTLY_FILE,
    "swagger-ui-bundle.js": SWAGGER_DIR / "swagger-ui-bundle.js",
    "swagger-ui.css": SWAGGER_DIR / "swagger-ui.css",
}


def asset_url(request: Request, path: str) -> str:
    """The one place a page gets a static URL: hashed by content, so cached for good."""
    if path in VENDOR:
        digest = assets.file(VENDOR[path]).digest
        return request.url_for("vendor", digest=digest, name=path).path
    snapshot = assets.tree(STATIC)
    if path not in snapshot.files:
        raise ValueError(f"no static file {path!r} in {STATIC}")  # a typo fails the page test
    return request.url_for("static", path=f"{snapshot.digest}/{path}").path


@jinja2.pass_context
def _asset(context: jinja2.runtime.Context, path: str) -> str:
    return asset_url(context["request"], path)


@jinja2.pass_context
def _imports(context: jinja2.runtime.Context, path: str) -> list[str]:
    """The URLs of the modules `path` imports (for <link rel="modulepreload">)."""
    return [asset_url(context["request"], dep) for dep in _graph(path)]


@cache
def _graph(path: str) -> tuple[str, ...]:
    # once per process (the static tree is read once too), not at every page render
    return tuple(assets.module_graph(assets.tree(STATIC), path))


templates.env.globals["asset"] = _asset
templates.env.globals["imports"] = _imports


def warm_assets() -> None:
    """Read and gzip every page asset now (blocking: from the lifespan, in a worker thread)."""
    for asset in (*assets.tree(STATIC).files.values(), *map(assets.file, VENDOR.values())):
        asset.gzipped()


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


def _page(
    request: Request, template: str, status_code: int = 200, **context: object
) -> HTMLResponse:
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
        status_code=status_code,
        headers={"Content-Language": lang, "Vary": "Accept-Language"},
    )


def not_found_page(request: Request, what: str) -> HTMLResponse:
    """A 404 a reader can act on, in the page's language (an API path keeps its JSON 404)."""
    return _page(request, "not_found.html", status_code=404, what=what)


_MACHINE_PATHS = ("/api/", "/static/", "/vendor/", "/metrics", "/healthz", "/docs", "/openapi")


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """A browser asking for a page that is not there gets the 404 page; everything else (the
    API, assets, scripts) FastAPI's JSON error as before."""
    assert isinstance(exc, StarletteHTTPException)
    wants_html = "text/html" in request.headers.get("accept", "")
    if (
        exc.status_code == 404
        and request.method == "GET"
        and wants_html
        and not request.url.path.startswith(_MACHINE_PATHS)
    ):
        lang = _lang(request)
        return not_found_page(request, i18n.translate(lang, "notfound.page"))
    return await http_exception_handler(request, exc)


def _explorer(request: Request, lesson: str = "") -> HTMLResponse:
    lang = _lang(request)
    return _page(
        request,
        "index.html",
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
        if "text/html" not in request.headers.get("accept", ""):
            raise HTTPException(404, "no such lesson: see GET /api/lessons")
        return not_found_page(request, i18n.translate(_lang(request), "notfound.lesson"))
    lang = _lang(request)
    return _explorer(request, json.dumps(i18n.lesson(lang, BY_SLUG[slug].to_dict())))


@router.get("/experiment", response_class=HTMLResponse)
async def experiment_page(request: Request) -> HTMLResponse:
    return _page(request, "experiment.html")


@router.get("/claims", response_class=HTMLResponse)
async def claims_page(request: Request) -> HTMLResponse:
    from app.api.claims import sources
    from app.claims import CLAIMS

    code = sources()
    items = [
        {
            "id": c.id,
            "source": c.source,
            "code": code.get(c.id, ""),
            "explore": c.explore,
            "rival": c.rival,
        }
        for c in CLAIMS
    ]
    return _page(request, "claims.html", claims=items)


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> HTMLResponse:
    """OpenAPI explorer with Swagger UI served from the fastapi-offline wheel (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="LSTM State Lab — API",
        swagger_js_url=asset_url(request, "swagger-ui-bundle.js"),
        swagger_css_url=asset_url(request, "swagger-ui.css"),
        swagger_favicon_url="data:,",
    )


@router.api_route("/vendor/{digest}/{name}", methods=["GET", "HEAD"], name="vendor")
async def vendor(request: Request, digest: str, name: str) -> Response:
    """A vendor file, gzip when accepted; another digest: the current file, not immutable."""
    if name not in VENDOR:
        raise HTTPException(404, "not found")
    asset = assets.file(VENDOR[name])
    fresh = digest == asset.digest
    return await assets.respond(request, asset, assets.IMMUTABLE if fresh else assets.REVALIDATE)


@router.api_route("/vendor/plotly-{version}.min.js", methods=["GET", "HEAD"])
async def plotly_js(request: Request, version: str) -> Response:
    """The older versioned URL (a plotly version pins the file's bytes); pages use vendor()."""
    if version != PLOTLY_VERSION:
        raise HTTPException(404, f"plotly {PLOTLY_VERSION} is served here")
    return await assets.respond(request, assets.file(PLOTLY_FILE), assets.IMMUTABLE)
