"""The set_state control: a row or every row, zeros/ones/random/typed, and Keras's own refusal
of a wrong shape explained (seed 003: a (2,) value into a state of 8 units)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot

POEM_8 = "?preset=poem&bs=2&ts=5&layers=LSTM.8.s"


def _loaded(page: Page) -> None:
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)


def test_set_one_row_to_ones_before_the_next_batch(page: Page, server: str) -> None:
    page.goto(server + "/" + POEM_8)
    _loaded(page)
    page.locator("#step").click()  # into batch 0: the next batch is batch 1
    expect(page.locator("#where")).to_contain_text("batch 0")
    page.locator("#set-state > summary").click()
    form = page.locator("#set-state form")
    expect(form.locator("select[name=layer] option")).to_have_count(1)
    assert form.locator("select[name=state] option").all_text_contents() == ["h", "c"]
    form.locator("select[name=row]").select_option("1")
    form.locator("select[name=fill]").select_option("ones")
    form.locator("button[type=submit]").click()
    # the run is traced again with the state set before batch 1, and verified again
    expect(page.locator("#lanes .set-mark")).to_have_count(1, timeout=30_000)
    _loaded(page)
    expect(page.locator("#lanes .arrow.continues")).to_have_count(1)  # row 0 kept its state
    shot(page, "set-state-row")


def test_a_wrong_shape_gets_kerass_refusal_explained(page: Page, server: str) -> None:
    page.goto(server + "/" + POEM_8)
    _loaded(page)
    page.locator("#set-state > summary").click()
    form = page.locator("#set-state form")
    form.locator("select[name=fill]").select_option("typed")
    form.locator("input[name=typed]").fill("0, 0")  # seed 003: shape (2,) into (2, 8)
    form.locator("button[type=submit]").click()
    msg = page.locator("#message")
    expect(msg).to_contain_text("(2, 8)", timeout=30_000)
    expect(msg).to_contain_text("(2,)")
    msg.locator("summary").click()
    expect(msg.locator("pre")).to_contain_text("must match")  # Keras's own words
    shot(page, "set-state-wrong-shape")
    # not numbers: said on the page, nothing sent (the form closed when it sent: open it again)
    expect(form).to_be_hidden()
    page.locator("#set-state > summary").click()
    form.locator("input[name=typed]").fill("a, b")
    form.locator("button[type=submit]").click()
    expect(msg).to_contain_text("is not a list of numbers")


def test_no_stateful_layer_no_control(page: Page, server: str) -> None:
    page.goto(server + "/?preset=poem&bs=2&ts=5&layers=LSTM.8.n")
    _loaded(page)
    expect(page.locator("#set-state")).to_be_hidden()


@pytest.mark.parametrize("page", [(1280, 800)], indirect=True)
def test_the_form_stays_on_screen_and_closes_when_applied(page: Page, server: str) -> None:
    page.goto(server + "/" + POEM_8)
    _loaded(page)
    page.locator("#set-state > summary").click()
    form = page.locator("#set-state form")
    form.locator("select[name=fill]").select_option("typed")
    apply = form.locator("button[type=submit]")
    box = apply.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280  # Apply reachable
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    form.locator("input[name=typed]").fill("0.5, -0.5")
    apply.click()
    expect(page.locator("#message")).to_be_visible(timeout=30_000)
    expect(form).to_be_hidden()  # the explanation is not covered by the form
