"""Security headers on every response (CSP without inline scripts, nosniff, referrer policy)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

from app.settings import Settings


def csp(settings: Settings, docs: bool = False) -> str:
    # Swagger UI's page starts itself with an inline script: allowed on /docs only.
    script = "'self' 'unsafe-inline'" if docs else "'self'"
    return (
        "default-src 'self'; "
        f"script-src {script}; "
        "style-src 'self' 'unsafe-inline'; "  # plotly injects its styles at run time
        "img-src 'self' data: blob:; "
        "media-src 'self' blob:; "  # a recorded WebM plays back from a blob
        "connect-src 'self' ws: wss:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {settings.frame_ancestors}"
    )


def headers_middleware(settings: Settings) -> Callable[..., Awaitable[Response]]:
    page_csp, docs_csp = csp(settings), csp(settings, docs=True)

    async def add_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            docs_csp if request.url.path == "/docs" else page_csp
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return add_headers
