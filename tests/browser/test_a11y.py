"""Accessibility audit: axe-core (from npm, tests/browser/a11y/) run inside every page, at
desktop and phone sizes: 0 serious or critical violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    ("/?preset=poem&bs=2&ts=5&pos=4", "#badge.ok"),
    ("/?preset=poem&bs=2&ts=5&pos=4&cmp=stateful", "#compare:not([hidden]) .cmp-lanes svg"),
    ("/lessons", ".lessons"),
    ("/lessons/one-state-per-row", "#badge.ok"),
    ("/claims", ".claims-page"),
    ("/experiment", "main"),
    ("/?preset=poem&lang=ja", "#badge.ok"),
    ("/lessons?lang=zh-Hans", ".lessons"),
]


@pytest.fixture
def audit_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    width, height = request.param
    # axe is injected as a script tag: let it past the app's CSP (the app allows no inline JS)
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    yield context.new_page()
    context.close()


def _serious(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:3]],
        }
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("audit_page", [(1280, 800), (390, 844)], indirect=True)
@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_no_serious_accessibility_violations(
    audit_page: Page, server: str, path: str, ready: str
) -> None:
    assert AXE.exists(), "axe-core missing: `make test` installs it (npm ci in tests/browser/a11y)"
    audit_page.goto(server + path)
    expect(audit_page.locator(ready).first).to_be_visible(timeout=30_000)
    assert _serious(audit_page) == []
