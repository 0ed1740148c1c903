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
    expect(ok.or_(msg)).to_be_visible(timeout=180_000)  # a cold lesson that trains, on a busy CI


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
        # `backticked` parts are code: shown as <code>, without the backticks
        expect(page.locator("#lesson .lesson-text")).to_have_text(step.text.replace("`", ""))
        expect(page.locator("#lesson .lesson-text code")).to_have_count(step.text.count("`") // 2)
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


@pytest.mark.parametrize("page", [(1280, 800), (1920, 1080), (390, 844)], indirect=True)
def test_predict_the_boundary_then_see_it_and_keep_the_progress(page: Page, server: str) -> None:
    """Step 1 of lesson 2 asks where row 0's state comes from at batch 1 before the picture
    shows it: the boundary's marks and the step's text wait; a wrong guess is told the run's
    own answer (stateless: zeros) with the reason; the lessons page keeps the progress."""
    slug = "stateless-vs-stateful"
    size = page.viewport_size or {"width": 0}
    present = "&present=1" if size["width"] == 1280 else ""
    page.goto(f"{server}/lessons/{slug}?step=0{present}")
    _settled(page)
    hidden = page.locator('#lanes [data-boundary="1"]')
    expect(page.locator(".quiz-answer").first).to_be_enabled()
    assert hidden.count() >= 10  # a zero mark (and its word) per row, all hidden
    assert all(v == "hidden" for v in hidden.evaluate_all(_VISIBILITY))
    assert page.locator('#lanes [data-boundary="0"]').first.evaluate(_ONE) == "visible"
    expect(page.locator("#lesson .lesson-text")).to_be_hidden()
    expect(page.locator("#lesson .quiz-question")).to_contain_text("row 0")
    shot(page, f"quiz-open-{size['width']}")
    page.locator(".quiz-answer[data-answer=continues]").click()
    feedback = page.locator(".quiz-feedback")
    expect(feedback).to_contain_text("the answer is: zeros")
    expect(feedback).to_contain_text("stateless layer")
    expect(page.locator(".quiz-answer.right")).to_have_attribute("data-answer", "zeros")
    assert all(v == "visible" for v in hidden.evaluate_all(_VISIBILITY))
    expect(page.locator("#lesson .lesson-text")).to_be_visible()
    shot(page, f"quiz-answered-{size['width']}")
    # the next step asks again (stateful: carried on); answered right this time
    page.locator(".lesson-next").click()
    _settled(page)
    page.locator(".quiz-answer[data-answer=continues]").click()
    expect(feedback).to_contain_text("Right.")
    # the lessons page counts steps seen and predictions right, in this browser
    page.goto(f"{server}/lessons")
    item = page.locator(f'[data-slug="{slug}"] .lesson-progress')
    expect(item).to_have_text("seen: 2 of 4 steps · predictions right: 1 of 2")
    # back in the lesson: an answered question stays answered (no guess asked twice)
    page.goto(f"{server}/lessons/{slug}?step=0")
    _settled(page)
    expect(feedback).to_contain_text("the answer is: zeros")
    expect(page.locator("#lesson .lesson-text")).to_be_visible()
    # and it can be forgotten
    page.goto(f"{server}/lessons")
    page.locator("#forget-progress").click()
    expect(item).to_have_text("")
    expect(page.locator("#forget-progress")).to_be_hidden()


_VISIBILITY = "els => els.map(e => getComputedStyle(e).visibility)"
_ONE = "e => getComputedStyle(e).visibility"


def test_stepping_into_the_asked_batch_shows_the_answer(page: Page, server: str) -> None:
    """A class that steps on without answering sees the answer in the panel too (the picture
    and the panel never disagree); it does not count as a guess."""
    page.goto(f"{server}/lessons/stateless-vs-stateful?step=1")
    _settled(page)
    expect(page.locator(".quiz-answer").first).to_be_enabled()
    page.keyboard.press("Shift+ArrowRight")  # batch 0's end
    page.keyboard.press("ArrowRight")  # into batch 1
    expect(page.locator(".quiz-feedback")).to_contain_text("No guess this time")
    expect(page.locator(".quiz-feedback")).to_contain_text("its own sequence, carried on")
    expect(page.locator("#lesson .lesson-text")).to_be_visible()
    assert page.locator("#lanes .quiz-hidden").count() == 0
    page.goto(f"{server}/lessons")
    expect(
        page.locator('[data-slug="stateless-vs-stateful"] .lesson-progress')
    ).not_to_contain_text("predictions")
