"""The rule for work nobody waits for (app/api/deps.py)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from fastapi import Request

from app.api import deps
from tests import serving


class Client:
    """A request whose client leaves after `stays` polls (never, if None)."""

    def __init__(self, stays: int | None) -> None:
        self.stays, self.polls = stays, 0

    async def is_disconnected(self) -> bool:
        self.polls += 1
        return self.stays is not None and self.polls > self.stays


def test_the_result_comes_back_while_the_client_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deps, "POLL_S", 0.01)
    client = Client(stays=None)

    async def work() -> int:
        await asyncio.sleep(0.05)  # a few polls long
        return 7

    async def scenario() -> int:
        return await deps.while_connected(cast(Request, client), work())

    assert serving.run_async(scenario, timeout=10) == 7
    assert client.polls >= 1  # it did look


def test_work_is_cancelled_when_the_client_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deps, "POLL_S", 0.01)
    seen: list[str] = []

    async def work() -> int:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return 1

    async def scenario() -> None:
        with pytest.raises(deps.ClientGone):
            await deps.while_connected(cast(Request, Client(stays=2)), work())
        await asyncio.sleep(0)  # let the cancellation reach the work

    serving.run_async(scenario, timeout=10)
    assert seen == ["cancelled"]


def test_the_fair_queue_lane_is_the_clients_address() -> None:
    def request(client: Any) -> Request:
        return cast(Request, SimpleNamespace(client=client))

    assert deps.owner(request(SimpleNamespace(host="10.0.0.7"))) == ("http", "10.0.0.7")
    assert deps.owner(request(None)) == ("http", "?")
