"""A first visit's tour (offered, skippable, remembered), the state as a table, and the cell
diagram's flow animation (off under reduced motion)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import shot

POEM = "/?preset=poem&bs=2&ts=5"
STOPS = 6


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)


@pytest.mark.parametrize("page", [(1920, 1080), (390, 844)], indirect=True)
def test_the_tour_is_offered_once_walks_every_part_and_is_remembered(
    page: Page, server: str
) -> None:
    _open(page, server + POEM)
    expect(page.locator("#tour")).to_have_count(0)  # offered, never forced over the page
    page.locator(".tour-start").click()
    targets = []
    for i in range(STOPS):
        expect(page.locator(".tour-count")).to_have_text(f"{i + 1} / {STOPS}")
        target = page.locator(".tour-target")
        expect(target).to_have_count(1)
        expect(target).to_be_in_viewport()
        targets.append(target.evaluate("e => e.outerHTML.slice(0, 120)"))
        if i == 1:
            size = page.viewport_size or {"width": 0}
            shot(page, f"tour-{size['width']}")
        if i < STOPS - 1:
            page.locator(".tour-next").click()
    assert len(set(targets)) == STOPS, targets  # a different part at every stop
    expect(page.locator(".tour-next")).to_have_text("Done")
    page.locator(".tour-next").click()
    expect(page.locator("#tour")).to_have_count(0)
    expect(page.locator(".tour-target")).to_have_count(0)
    page.reload()
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator(".tour-offer")).to_have_count(0)  # remembered
    page.goto(server + POEM + "&tour=1")  # asked for again
    expect(page.locator("#tour")).to_be_visible()
    page.keyboard.press("Escape")  # skipped at any stop
    expect(page.locator("#tour")).to_have_count(0)


def test_no_thanks_is_remembered_and_lessons_and_projectors_get_no_offer(
    page: Page, server: str
) -> None:
    _open(page, server + "/lessons/one-state-per-row")
    expect(page.locator(".tour-offer")).to_have_count(0)
    _open(page, server + POEM + "&present=1")
    expect(page.locator(".tour-offer")).to_have_count(0)
    _open(page, server + POEM)
    page.locator(".tour-dismiss").click()
    expect(page.locator(".tour-offer")).to_have_count(0)
    page.reload()
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator(".tour-offer")).to_have_count(0)


def _trace(server: str, scenario: dict[str, object]) -> dict[str, object]:
    req = urllib.request.Request(
        f"{server}/api/traces",
        data=json.dumps(scenario).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        trace: dict[str, object] = json.load(r)
    return trace


def test_the_values_table_holds_kerass_h_and_c_of_every_row(page: Page, server: str) -> None:
    _open(page, server + POEM)
    page.locator("#values-table summary").click()
    expect(page.locator(".values-wrap")).to_contain_text("Nothing run yet")
    for _ in range(2):
        page.locator("#step").click()
    table = page.locator("table.values")
    caption = "h, c of every row at batch 0, timestep 1 (layer 0)"
    expect(table.locator("caption")).to_have_text(caption)
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("thead th")).to_have_count(1 + 2 * 8)  # row, h[0..7], c[0..7]
    scenario = page.evaluate(
        "async () => { const src = document.querySelector('script[src$=\"js/main.js\"]').src;"
        " const m = await import(src.replace('main.js', 'scenario.js'));"
        " return m.scenarioFromParams(m.paramsFromUrl(location.search)); }"
    )
    layer = _trace(server, scenario)["batches"][0]["layers"][0]  # type: ignore[index]
    for r in range(2):
        cells = table.locator("tbody tr").nth(r).locator("td").all_text_contents()
        assert cells[:8] == [f"{v:.4f}" for v in layer["h"][r][1]]
        assert cells[8:] == [f"{v:.4f}" for v in layer["c"][r][1]]
    expect(table.locator("tbody tr.selected th")).to_have_text("0")  # the inspected row


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_the_cell_diagram_plays_its_flow_once_per_step(
    browser: Browser, server: str, motion: str
) -> None:
    context = browser.new_context(reduced_motion=motion)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        _open(page, server + POEM)
        page.locator("#step").click()
        wire = page.locator("#cell .diagram .flow").first
        expect(wire).to_be_attached()
        played = wire.evaluate("e => getComputedStyle(e).animationName")
        assert played == ("flow" if motion == "no-preference" else "none")
        # the same timestep drawn again (another unit picked): no replay
        page.locator("#cell .unit-pick").nth(1).click()
        again = page.locator("#cell .diagram .flow").first
        assert again.evaluate("e => getComputedStyle(e).animationName") == "none"
    finally:
        context.close()
