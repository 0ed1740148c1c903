"""The server killed under a page: the page says so, reconnects with backoff once the server is
back, and rebuilds the same view from its URL."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests import serving
from tests.browser.conftest import shot


def test_page_reconnects_after_a_kill_and_restores_its_view(
    browser: Browser, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    port = serving.free_port()
    proc, base = serving.start(log, port=port)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(base + "/?preset=poem&bs=2&ts=5&pos=6")
        expect(page.locator("#badge")).to_contain_text("verified against Keras")
        expect(page.locator("#where")).to_have_text("batch 1, t = 1 · step 7 of 10")
        proc.send_signal(signal.SIGKILL)  # no goodbye: a crash, not a shutdown
        proc.wait(timeout=30)
        expect(page.locator("body")).to_have_attribute("data-socket", "closed")
        expect(page.locator("#message")).to_contain_text("connection lost")
        shot(page, "12-connection-lost")
        killed = time.monotonic()
        proc, _ = serving.start(log, port=port)
        healthy_s = time.monotonic() - killed
        expect(page.locator("body")).to_have_attribute("data-socket", "open", timeout=30_000)
        expect(page.locator("#badge")).to_contain_text("verified against Keras")
        expect(page.locator("#where")).to_have_text("batch 1, t = 1 · step 7 of 10")
        expect(page.locator("#message")).to_be_hidden()
        print(f"healthy again {healthy_s:.1f} s after the kill")
    finally:
        context.close()
        serving.stop(proc)
    assert errors == []
