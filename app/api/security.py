"""Security headers on every response (CSP without inline scripts, nosniff, referrer policy)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
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


class SecurityHeaders:
    """Pure ASGI middleware (not BaseHTTPMiddleware: that one hides the client's disconnect
    from routes, so work for a client that left was never cancelled)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.page = csp(settings).encode()
        self.docs = csp(settings, docs=True).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] not in _PROBES:
            metrics.touch()  # background work waits for a quiet server (app/api/claims.py)
        policy = self.docs if scope["path"] == "/docs" else self.page

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                headers += [
                    (b"content-security-policy", policy),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_PROBES = {"/healthz", "/readyz", "/metrics"}  # a monitor's polling is not someone using it
_OURS = {b"content-security-policy", b"x-content-type-options", b"referrer-policy"}
