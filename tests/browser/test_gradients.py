"""Gradients at the boundary on the page: under the state heatmap, ∂L/∂h of the inspected row
on training batches, the part Keras drops marked at each stateful boundary (✂), and the
gradients in the values table; all of them the trace's numbers."""

from __future__ import annotations

import json
import math
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot

FIT = "/?preset=poem&bs=2&ts=5&op=fit&epochs=2"


def _trace(server: str, page: Page) -> dict:
    scenario = page.evaluate(
        "async () => { const src = document.querySelector('script[src$=\"js/main.js\"]').src;"
        " const m = await import(src.replace('main.js', 'scenario.js'));"
        " return m.scenarioFromParams(m.paramsFromUrl(location.search)); }"
    )
    req = urllib.request.Request(
        f"{server}/api/traces",
        data=json.dumps(scenario).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        trace: dict = json.load(r)
    return trace


@pytest.mark.parametrize("page", [(1280, 800), (390, 844)], indirect=True)
def test_a_training_run_shows_the_gradient_and_where_keras_cuts_it(page: Page, server: str) -> None:
    page.goto(server + FIT)
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    for _ in range(2):
        page.locator("#step-batch").click()
    page.locator("#step").click()  # into batch 2: its boundary with batch 1 is drawn
    expect(page.locator("#grad-caption")).to_be_visible()
    expect(page.locator("#grad-caption")).to_contain_text("∂L/∂h")
    heatmap = page.locator("#heatmap")
    expect(heatmap.locator(".annotation-text", has_text="✂")).to_have_count(2)
    trace = _trace(server, page)
    shown = heatmap.evaluate(
        "e => ({ axis: Boolean(e.layout.yaxis3),"
        " cut: e.layout.annotations.filter(a => a.text.startsWith('✂')).map(a => a.text),"
        " grad: e.data.find(d => d.yaxis === 'y3').z })"
    )
    assert shown["axis"]
    # ✂ at batches 1 and 2: |∂L/∂h| at their first state, row 0 (the inspected row)
    want = [
        "✂ " + _precision(math.hypot(*trace["batches"][k]["layers"][0]["grad_initial"]["h"][0]))
        for k in (1, 2)
    ]
    assert shown["cut"] == want
    # the strip is row 0's ∂L/∂h at every step so far, unit by unit
    first = trace["batches"][0]["layers"][0]["grad"]["h"][0]  # (timesteps, units)
    for u in range(3):
        assert shown["grad"][u][:5] == pytest.approx([first[t][u] for t in range(5)], rel=1e-5)
    page.locator("#values-table summary").click()
    # built by the <details>'s toggle event, a task after the click: waited for, not read at once
    head = page.locator("table.values thead th")
    expect(head.filter(has_text="∂L/∂h[0]")).to_have_count(1)
    expect(head.filter(has_text="∂L/∂c[0]")).to_have_count(1)
    shot(page, "gradients")


def _precision(x: float) -> str:
    """JavaScript's toPrecision(2)."""
    return f"{x:.2g}" if 1e-6 <= abs(x) < 1e21 and "e" not in f"{x:.2g}" else f"{x:.1e}"


def test_a_run_without_training_shows_no_gradient(page: Page, server: str) -> None:
    page.goto(server + "/?preset=poem&bs=2&ts=5")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    page.locator("#step-batch").click()
    expect(page.locator("#grad-caption")).to_be_hidden()
    assert page.locator("#heatmap").evaluate("e => !e.layout.yaxis3")
