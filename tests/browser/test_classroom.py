"""Classroom: presenter mode (large type, keyboard only, digits open lessons there only) and
teachers' links that hide controls (the choice lives in the URL)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from app.lessons import LESSONS
from tests.browser.conftest import shot

POEM = "/?preset=poem&bs=2&ts=5"


def test_presenter_mode_from_the_url_and_the_keyboard(page: Page, server: str) -> None:
    page.goto(server + POEM + "&present=1")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator("body")).to_have_class(re.compile(r"\bpresent\b"))
    expect(page.locator("#controls-box")).to_be_hidden()
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    page.keyboard.press("ArrowRight")  # the keyboard drives it: no mouse needed
    expect(page.locator("#where")).to_have_text("batch 0, t = 0 · step 1 of 10")
    shot(page, "13-presenter")
    expect(page.locator("#present")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("p")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bpresent\b"))
    expect(page.locator("#present")).to_have_attribute("aria-pressed", "false")
    assert "present=" not in page.url
    before = page.url
    page.keyboard.press("3")  # outside presenter mode a digit opens nothing
    page.wait_for_timeout(500)
    assert page.url == before
    page.keyboard.press("p")
    page.keyboard.press("2")  # in presenter mode digits open lessons, presenter mode kept
    page.wait_for_url(re.compile(rf"/lessons/{LESSONS[1].slug}\?.*present=1"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bpresent\b"))
    expect(page.locator("#lesson .lesson-title")).to_have_text(LESSONS[1].title)


def test_teacher_link_hides_the_chosen_controls(page: Page, server: str) -> None:
    page.goto(f"{server}/lessons/{LESSONS[0].slug}")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    page.locator("#share").click()
    dialog = page.locator("dialog.share")
    expect(dialog).to_be_visible()
    for group in ("scenario", "export", "compare"):
        dialog.locator(f"input[value={group}]").check()
    link = dialog.locator("input[name=url]").input_value()
    hide = parse_qs(urlparse(link).query)["hide"][0].split(",")
    assert sorted(hide) == ["compare", "export", "scenario"]
    shot(page, "14-share-dialog")
    dialog.locator("button[value=close]").click()
    page.goto(link)  # what a student opens
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    for hidden in ("#controls-box", "#export", "#cmp"):
        expect(page.locator(hidden)).to_be_hidden()
    for shown in ("#play", "#step", "#reset-now", "#heatmap", "#lesson"):
        expect(page.locator(shown)).to_be_visible()
    # students do not get the teacher's tools, and the other pages keep the hidden controls
    expect(page.locator("#share")).to_be_hidden()
    expect(page.locator("#present")).to_be_hidden()
    assert "hide=scenario" in (page.locator("header nav a").first.get_attribute("href") or "")
    page.locator(".lesson-next").click()  # the lesson's own URL keeps the choice
    expect(page).to_have_url(re.compile(r"hide=scenario"))
    expect(page.locator("#controls-box")).to_be_hidden()


def test_students_open_at_the_start_unless_the_teacher_chooses_this_step(
    page: Page, server: str
) -> None:
    page.goto(f"{server}/?preset=poem&bs=2&ts=5")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    for _ in range(3):
        page.locator("#step").click()
    expect(page).to_have_url(re.compile(r"pos=2"))
    page.locator("#share").click()
    dialog = page.locator("dialog.share")
    link = dialog.locator("input[name=url]").input_value()
    assert "pos" not in parse_qs(urlparse(link).query)  # the start, by default
    dialog.locator("input[name=at][value=here]").check()
    link = dialog.locator("input[name=url]").input_value()
    assert parse_qs(urlparse(link).query)["pos"] == ["2"]
    dialog.locator("button[value=close]").click()
    page.goto(link)
    expect(page.locator("#where")).to_contain_text("step 3", timeout=30_000)


def test_question_mark_lists_every_shortcut(page: Page, server: str) -> None:
    page.goto(f"{server}/?preset=poem&bs=2&ts=5&lang=fr")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    page.keyboard.press("?")
    dialog = page.locator("dialog.help")
    expect(dialog).to_be_visible()
    expect(dialog.locator("tr")).to_have_count(10)
    expect(dialog).to_contain_text("Raccourcis clavier")  # in the page's language
    shot(page, "help-shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_switching_language_in_a_lesson_keeps_the_step_and_position(
    page: Page, server: str
) -> None:
    page.goto(f"{server}/lessons/{LESSONS[1].slug}?step=1")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    for _ in range(3):
        page.locator("#step").click()
    expect(page).to_have_url(re.compile(r"\?step=1&pos=2$"))
    page.locator("#lang-switch").select_option("ja")
    expect(page).to_have_url(re.compile(r"lang=ja"))
    expect(page.locator("#lesson .lesson-count")).to_contain_text("2")
    expect(page.locator("#where")).to_contain_text("3", timeout=30_000)  # step 3 of the run
    assert "pos=2" in page.url and "step=1" in page.url


@pytest.mark.parametrize("page", [(1280, 800), (1920, 1080)], indirect=True)
def test_presenter_mode_is_one_screen(page: Page, server: str) -> None:
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    page.goto(f"{server}/?preset=poem&bs=2&ts=5&present=1&pos=7")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator("#cell svg")).to_be_visible()
    page.wait_for_timeout(500)  # plotly lays the heatmap out
    lanes = page.locator("#lanes .arrow").first.bounding_box()
    heat = page.locator("#heatmap").bounding_box()
    cell = page.locator("#cell svg").bounding_box()
    assert lanes and heat and cell
    # the picture, the state and the cell together: each starts on the first screen
    assert lanes["y"] + lanes["height"] <= height and heat["y"] + 120 <= height, (lanes, heat)
    assert cell["y"] + cell["height"] <= height and cell["x"] > width / 2, cell
    shot(page, f"present-one-screen-{width}")
    # compare: A and B side by side
    page.goto(f"{server}/lessons/stateless-vs-stateful?step=2&present=1")
    expect(page.locator("#compare .cmp-badge")).to_contain_text("verified", timeout=60_000)
    a = page.locator("#lanes").bounding_box()
    b = page.locator("#compare").bounding_box()
    assert a and b and b["x"] >= a["x"] + a["width"] - 1 and b["y"] < a["y"] + a["height"], (a, b)
    shot(page, f"present-compare-{width}")


@pytest.mark.parametrize("page", [(1280, 800), (1920, 1080)], indirect=True)
def test_a_lesson_in_presenter_mode_puts_its_text_beside_the_picture(
    page: Page, server: str
) -> None:
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    page.goto(f"{server}/lessons/stateless-vs-stateful?step=1&present=1")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    lesson = page.locator("#lesson").bounding_box()
    lanes = page.locator("#lanes").bounding_box()
    last_row = page.locator('#lanes .cell[data-batch="1"][data-row="9"]').bounding_box()
    assert lesson and lanes and last_row
    assert lesson["x"] >= lanes["x"] + lanes["width"] - 1, (lesson, lanes)  # beside it
    assert lesson["y"] + lesson["height"] <= height  # the question on the first screen
    assert last_row["y"] + last_row["height"] <= height, last_row  # and all 10 rows
    assert page.locator(".top nav").is_hidden()  # one header line
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"present-lesson-{width}")
