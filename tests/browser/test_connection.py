"""The page's connection to a shared server: one socket per tab (compare included), and an idle
close that stays closed until the user acts (no reconnect storm from a room of idle tabs)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import serving

POEM = "/?preset=poem&bs=2&ts=5"


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    mp = pytest.MonkeyPatch()
    mp.setenv("LSL_IDLE_TIMEOUT_S", "2")
    try:
        proc, base = serving.start(tmp_path_factory.mktemp("idle") / "server.log")
    finally:
        mp.undo()
    yield base
    serving.stop(proc)


def test_compare_shares_the_page_socket(page: Page, server: str) -> None:
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(server + POEM + "&cmp=stateful&pos=7")
    expect(page.locator("#badge")).to_contain_text("verified against Keras")
    expect(page.locator("#compare .cmp-badge")).to_contain_text("e")  # B loaded: its |Δ|
    expect(page.locator("#compare .cmp-diff .gtitle")).to_be_visible()
    assert len(sockets) == 1, sockets


def test_an_idle_close_waits_for_the_user(browser: Browser, idle_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(idle_server + POEM + "&pos=3")
    expect(page.locator("#where")).to_contain_text("step 4 of 10")
    expect(page.locator("body")).to_have_attribute("data-socket", "idle", timeout=10_000)
    expect(page.locator("#message")).to_contain_text("press any key")
    time.sleep(3)  # longer than every backoff step: nothing reconnects by itself
    assert len(sockets) == 1
    page.keyboard.press("Shift")  # the user is back
    expect(page.locator("body")).to_have_attribute("data-socket", "open")
    expect(page.locator("#where")).to_contain_text("step 4 of 10")  # the same view again
    assert len(sockets) == 2
    context.close()
