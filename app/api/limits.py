"""Request bodies checked before anything parses them: a size limit (413) and strict Unicode (422).

A 10 MB body used to reach FastAPI's JSON parser, pydantic and a 422 handler that echoed it
back, all on the event loop (~74 s for every user); a lone surrogate escape ("\\ud800") in any
JSON string gave a 500 when the answer was encoded. Both are refused here, cheaply.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics

# a \uD800-\uDFFF escape: only then is the (slower) strict parse needed
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_error(status: int, body: dict[str, Any]) -> tuple[Message, Message]:
    payload = orjson.dumps(body)
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": payload}


def _payload(kind: str, message: str, *, code: str, **ctx: Any) -> dict[str, Any]:
    """The shape of every 4xx body (app/api/errors.py): kind, code, English message, field."""
    return {
        "error": kind,
        "code": code,
        "message": message,
        "detail": message,
        "field": "body",
        "ctx": ctx,
        **ctx,
    }


def too_large(limit: int) -> dict[str, Any]:
    message = f"request body larger than {limit} bytes"
    return _payload("body_too_large", message, code="body_too_large", limit=limit)


def bad_unicode(reason: str) -> dict[str, Any]:
    message = f"body: invalid Unicode in a JSON string ({reason})"
    payload = _payload("invalid_request", message, code="invalid_unicode", reason=reason)
    payload["errors"] = [
        {"field": "body", "message": message, "type": "invalid_unicode", "ctx": {"reason": reason}}
    ]
    return payload


def invalid_unicode(body: bytes) -> str | None:
    """Why `body` is not strict JSON text when it holds a lone surrogate, else None."""
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        orjson.loads(body)  # strict: refuses unpaired surrogates, as UTF-8 does
    except orjson.JSONDecodeError as exc:
        reason = str(exc).split(":", 1)[0]
        return reason if "surrogate" in reason else None
    return None


class BodyLimit:
    """ASGI middleware: bodies over `max_bytes` get 413 before any byte is parsed (by the
    announced Content-Length, or while a chunked body streams in); JSON bodies with a lone
    surrogate get 422. The body is read here and replayed to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(send, 413, too_large(self.max_bytes), "body_too_large")
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # nobody waits for an answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send, 413, too_large(self.max_bytes), "body_too_large")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b""):
            reason = invalid_unicode(body)
            if reason is not None:
                await self._refuse(send, 422, bad_unicode(reason), "invalid_request")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the disconnect, when it comes

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Send, status: int, body: dict[str, Any], kind: str) -> None:
        metrics.inc("lsl_errors_total", kind)
        start, payload = _json_error(status, body)
        await send(start)
        await send(payload)
