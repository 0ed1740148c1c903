"""Runs the app under uvicorn: JSON logs, and live sessions told "going away" on shutdown."""

from __future__ import annotations

import asyncio
import logging
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from app import logs
from app.api import live

log = logging.getLogger(__name__)


class GracefulServer(uvicorn.Server):
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's own shutdown closes WebSockets with 1012 ("service restart"); a page told
        # 1001 ("going away") knows the server left on purpose. Close ours first.
        n = await live.close_all(1001, "server shutting down")
        if n:
            log.info("closed live sessions on shutdown", extra={"sessions": n})
            await asyncio.sleep(0.1)  # let the close frames go out
        await super().shutdown(sockets)


def run(host: str, port: int, workers: int, log_level: str, log_format: str) -> None:
    config = uvicorn.Config(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=logs.config(log_format, log_level),
    )
    server = GracefulServer(config)
    if workers > 1:  # what uvicorn.run does, with our server class in each worker
        Multiprocess(config, target=server.run, sockets=[config.bind_socket()]).run()
    else:
        server.run()
