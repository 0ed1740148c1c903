"""Every lesson step loads in the browser and shows what it says (assertions on the page)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.lessons import LESSONS, Lesson
from tests.browser.conftest import shot


def _settled(page: Page) -> None:
    ok = page.locator("#badge.ok")
    msg = page.locator("#message:not([hidden])")
    expect(ok.or_(msg)).to_be_visible(timeout=30_000)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_lesson_steps_show_what_they_teach(page: Page, server: str, lesson: Lesson) -> None:
    page.goto(f"{server}/lessons/{lesson.slug}")
    expect(page.locator("#lesson .lesson-title")).to_have_text(lesson.title)
    for i, step in enumerate(lesson.steps):
        if i:
            page.locator(".lesson-next").click()
        expect(page.locator("#lesson .lesson-count")).to_have_text(
            f"step {i + 1} of {len(lesson.steps)}"
        )
        expect(page.locator("#lesson .lesson-text")).to_have_text(step.text)
        _settled(page)
        want = step.expect
        if want.selector and want.min > 0:
            expect(page.locator(want.selector).nth(want.min - 1)).to_be_attached()
        if want.text:
            expect(page.locator("main")).to_contain_text(want.text)
        if step.look:
            expect(page.locator(".look").first).to_be_attached()
        assert re.search(rf"\?step={i}(&pos=\d+)?$", page.url), page.url
    shot(page, f"lesson-{lesson.slug}")


def test_look_here_does_not_recolour_what_it_points_at(page: Page, server: str) -> None:
    # a highlighted "continues" arrow keeps the legend's colour for continues
    page.goto(f"{server}/lessons/stateless-vs-stateful?step=1")
    _settled(page)
    arrow = page.locator("#lanes .arrow.continues.look").first  # this step's "look" target
    expect(arrow).to_be_attached()
    legend = page.locator(".lg.continues").evaluate("e => getComputedStyle(e).color")
    assert arrow.evaluate("e => getComputedStyle(e).stroke") == legend


def test_last_step_offers_the_next_lesson(page: Page, server: str) -> None:
    first, second = LESSONS[0], LESSONS[1]
    page.goto(f"{server}/lessons/{first.slug}?lang=fr&step={len(first.steps) - 1}")
    _settled(page)
    link = page.locator(".lesson-following")
    expect(link).to_contain_text("Leçon suivante")
    link.click()
    page.wait_for_url(re.compile(rf"/lessons/{second.slug}\?.*lang=fr"))
    expect(page.locator("#lesson .lesson-count")).to_contain_text("1")
