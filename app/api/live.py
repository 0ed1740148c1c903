"""WebSocket /ws/live: one live session per connection (protocol in docs/live.md). Admission
(origin, capacity, per-address cap) and the idle close here; the session itself in
app/api/live_connection.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app import metrics
from app.api.live_connection import Connection
from app.api.live_parts import SlowClient, close_slow_client
from app.settings import Settings

router = APIRouter(tags=["live"])
log = logging.getLogger(__name__)
_OPEN: set[WebSocket] = set()  # this process's live sessions, closed first on shutdown
_PER_CLIENT: Counter[str] = Counter()  # live sessions by client address


async def close_all(code: int, reason: str, timeout: float = 5.0) -> int:
    """Close every open session at once (the server calls this on shutdown: 1001 "going
    away"); a client that does not answer the closing handshake delays it by `timeout` at most."""
    sockets = list(_OPEN)
    _OPEN.clear()

    async def close(ws: WebSocket) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            await ws.close(code=code, reason=reason)

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(close(ws) for ws in sockets))
    return len(sockets)


def _origin_ok(ws: WebSocket, settings: Settings) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:  # not a browser: nothing to protect against
        return True
    allowed = [o.strip() for o in settings.allowed_origins.split(",") if o.strip()]
    if allowed:
        return origin in allowed
    return urlparse(origin).netloc == ws.headers.get("host")


def _client(ws: WebSocket) -> str:
    return ws.client.host if ws.client else "?"


async def _admitted(ws: WebSocket, settings: Settings) -> bool:
    """Accepted, or refused with its reason: a foreign origin, a full server, an address with
    as many sessions as it may hold."""
    if not _origin_ok(ws, settings):
        metrics.inc("lsl_sessions_rejected_total", "origin")
        await ws.close(code=1008)  # refused before the handshake completes (HTTP 403)
        return False
    await ws.accept()
    if metrics.sessions_active >= settings.max_sessions:
        metrics.inc("lsl_sessions_rejected_total", "busy")
        await ws.close(code=1013, reason="server busy: retry in 30 s")
        return False
    if _PER_CLIENT[_client(ws)] >= settings.sessions_per_ip:
        metrics.inc("lsl_sessions_rejected_total", "per_ip")
        await ws.close(code=1013, reason="too many sessions from your address: retry in 30 s")
        return False
    return True


@router.websocket("/ws/live")
async def live(ws: WebSocket) -> None:
    settings: Settings = ws.app.state.settings
    if not await _admitted(ws, settings):
        return
    client = _client(ws)
    _PER_CLIENT[client] += 1
    metrics.session_opened()
    metrics.inc("lsl_sessions_total")
    _OPEN.add(ws)
    conn = Connection(ws, settings)
    closed_by = "client"
    receiving: asyncio.Future[Any] | None = None
    try:
        while True:
            if receiving is None:
                receiving = asyncio.ensure_future(ws.receive())
            loop = asyncio.get_running_loop()
            await asyncio.wait(
                {receiving, conn.dead},
                timeout=max(0.0, conn.active_at + settings.idle_timeout_s - loop.time()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if conn.dead.done():  # dropped by the processor or a player (already closed)
                closed_by = conn.dead.result()
                return
            if not receiving.done():
                if not conn.idle():
                    conn.active_at = loop.time()  # playing or computing is not idle
                    continue
                if loop.time() < conn.active_at + settings.idle_timeout_s:
                    continue  # the server spoke last, after this wait began
                # the page does not reconnect after this close until its user acts
                await ws.close(code=1000, reason="idle: closed after no command")
                closed_by = "idle"
                return
            message, receiving = receiving.result(), None
            conn.active_at = loop.time()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
            await conn.receive(message.get("text"))  # None for a binary frame
    except WebSocketDisconnect:
        if ws not in _OPEN:
            closed_by = "shutdown"
    except SlowClient:
        closed_by = "slow_client"
        metrics.inc("lsl_sessions_dropped_total", "slow_client")
        await close_slow_client(ws)
    except Exception:  # never a traceback to the client; the log has it
        if ws not in _OPEN:
            return  # closed by the server's shutdown while a command was running
        closed_by = "error"
        log.exception("live session failed")
        with contextlib.suppress(RuntimeError):
            await ws.close(code=1011, reason="internal error")
    finally:
        if receiving is not None and not receiving.done():
            receiving.cancel()
        _closed(ws, client, conn, closed_by)


def _closed(ws: WebSocket, client: str, conn: Connection, closed_by: str) -> None:
    _OPEN.discard(ws)
    _PER_CLIENT[client] -= 1
    if _PER_CLIENT[client] <= 0:
        del _PER_CLIENT[client]
    metrics.session_closed()
    conn.close()
    log.info(
        "session closed",
        extra={"closed_by": closed_by, "sessions_active": metrics.sessions_active},
    )
