"""The main flows on a phone (390 x 844): the picture first, controls folded away, lanes that
scroll on their own, lessons readable, and nothing that makes the page scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot

PHONE = pytest.mark.parametrize("page", [(390, 844)], indirect=True)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@PHONE
def test_explorer_flow_on_a_phone(page: Page, server: str) -> None:
    page.goto(server + "/?preset=ramp&n=2&len=40&bs=2&ts=5")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator("#controls-box")).not_to_have_attribute("open", "")
    lanes = page.locator("#lanes")
    # 8 batches do not fit 390 px: the lanes scroll, the page does not
    assert lanes.evaluate("e => e.scrollWidth > e.clientWidth")
    _no_sideways_scroll(page)
    page.locator("#step-batch").click()
    expect(page.locator("#where")).to_contain_text("step 5 of 40")
    page.locator("#reset-now").click()
    expect(page.locator("#lanes .barrier")).to_have_count(1)
    page.locator("#step").click()
    expect(page.locator("#cell")).to_contain_text("zeros (reset_states())")
    # the scenario form unfolds and runs
    page.locator("#controls-box summary").click()
    page.locator("input[name=bs]").fill("1")
    page.locator("#apply").click()
    expect(page.locator("#where")).to_contain_text("16 batches")
    _no_sideways_scroll(page)
    shot(page, "phone-explorer")


@PHONE
def test_lesson_is_readable_on_a_phone(page: Page, server: str) -> None:
    page.goto(server + "/lessons/stateless-vs-stateful")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    # the first step asks for a prediction first: its question and answers fit the phone
    for part in (page.locator(".quiz-question"), page.locator(".quiz-answers")):
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator(".quiz-answer[data-answer=zeros]").click()
    text = page.locator("#lesson .lesson-text")
    box = text.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    size = text.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 14, f"lesson text {size}px is too small to read on a phone"
    page.locator(".lesson-next").click()
    expect(page.locator("#lesson .lesson-count")).to_contain_text("2")
    _no_sideways_scroll(page)
    shot(page, "phone-lesson")


@PHONE
@pytest.mark.parametrize("path", ["/lessons", "/claims", "/experiment"])
def test_other_pages_fit_a_phone(page: Page, server: str, path: str) -> None:
    page.goto(server + path)
    expect(page.locator("main")).to_be_visible()
    _no_sideways_scroll(page)


@PHONE
def test_a_picture_a_little_too_wide_is_scaled_so_batch_1_shows(page: Page, server: str) -> None:
    page.goto(server + "/")  # the default poem: 2 batches of 5 characters
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    svg = page.locator("#lanes svg")
    expect(svg).to_have_class("fit")
    heads = page.locator("#lanes .col-head")
    box = heads.nth(1).bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # batch 1 on screen
    _no_sideways_scroll(page)


@PHONE
def test_a_lessons_text_and_its_picture_share_the_first_screen(page: Page, server: str) -> None:
    page.goto(server + "/lessons/data-layout")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    text = page.locator("#lesson .lesson-text").bounding_box()
    arrow = page.locator("#lanes .arrow").first.bounding_box()
    assert text is not None and arrow is not None
    assert text["y"] + text["height"] <= 844 and arrow["y"] + arrow["height"] <= 844, (text, arrow)
    shot(page, "phone-lesson-first-screen")
    _no_sideways_scroll(page)
