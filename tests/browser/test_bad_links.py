"""No URL can stop the page's script: a bad parameter is reported in the page's words and the
rest of the page works (the `page` fixture fails on any script error)."""

import re

from playwright.sync_api import Page, expect


def test_an_unknown_compare_variant_is_reported(page: Page, server: str) -> None:
    page.goto(server + "/?preset=poem&bs=2&ts=5&cmp=bogus")
    expect(page.locator("#message")).to_contain_text("cmp=bogus")
    expect(page.locator("#badge")).to_contain_text("verified against Keras")
    expect(page.locator("#compare")).to_be_hidden()


def test_a_step_that_is_not_a_number_opens_the_first_step(page: Page, server: str) -> None:
    page.goto(server + "/lessons/shuffle?step=abc")
    expect(page.locator("#message")).to_contain_text("step=abc")
    expect(page.locator(".lesson-count")).to_contain_text("1")
    expect(page.locator("#badge")).to_contain_text("verified against Keras")


def test_layers_that_do_not_parse_are_reported_not_replaced_silently(
    page: Page, server: str
) -> None:
    page.goto(server + "/?preset=poem&bs=2&ts=5&layers=LSTM.8.x,GRU.4.s")
    expect(page.locator("#badge")).to_contain_text("verified against Keras", timeout=30_000)
    expect(page.locator("#message")).to_contain_text("layers=LSTM.8.x,GRU.4.s")
    # the URL now says what ran: the part that parsed, not the typo
    expect(page).to_have_url(re.compile(r"layers=GRU\.4\.s"))
    assert "LSTM.8.x" not in page.url
