"""The scenario form's dead ends, fixed: the values preset has its input, predict() a number of
calls (the way to see state carried from one predict call to the next)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import shot


def _loaded(page: Page) -> None:
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)


def test_values_preset_runs_the_numbers_typed(page: Page, server: str) -> None:
    page.goto(server + "/")
    _loaded(page)
    page.locator("#preset").select_option("values")
    box = page.locator("textarea[name=values]")
    expect(box).to_be_visible()
    box.fill("1 2 3 4 5 6 7\n10, 20, 30, 40, 50, 60, 70")  # next-value targets: 6 inputs
    page.locator("input[name=bs]").fill("2")
    page.locator("input[name=ts]").fill("3")
    page.locator("#apply").click()
    _loaded(page)
    expect(page.locator("#message")).to_be_hidden()
    # 2 sequences of 6 inputs in windows of 3: 2 batches, both rows continue at the boundary
    expect(page.locator("#lanes .arrow.continues")).to_have_count(2)
    expect(page.locator("#lanes")).to_contain_text("60")
    shot(page, "values-preset")
    box.fill("1 2 x 4")  # a word: the server names the value
    page.locator("#apply").click()
    expect(page.locator("#message")).to_contain_text("data.values", timeout=30_000)


def test_predict_twice_carries_the_state_into_the_second_call(page: Page, server: str) -> None:
    page.goto(server + "/?preset=poem&bs=2&ts=5&op=predict&calls=2")
    _loaded(page)
    expect(page.locator("input[name=calls]")).to_have_value("2")
    expect(page.locator("input[name=epochs]")).to_be_hidden()  # predict has no epochs
    # 2 calls x 2 batches; at the call boundary each line's end is fed into its own start
    expect(page.locator("#lanes .arrow.restart")).to_have_count(2)
    expect(page.locator("#lanes .arrow.continues")).to_have_count(4)
    # each column names its call, then its epoch and batch in words
    ops = page.locator("#lanes .col-op").all_text_contents()
    assert ops == ["predict #1", "predict #1", "predict #2", "predict #2"], ops
    heads = page.locator("#lanes .col-head:not(.col-op)").all_text_contents()
    assert heads == ["batch 0", "batch 1"] * 2, heads  # predict has no epochs
    shot(page, "predict-twice")


def test_the_shuffle_seed_is_a_control_and_changes_the_order(page: Page, server: str) -> None:
    base = "/?preset=ramp&n=4&len=20&bs=4&ts=5&shuffle=1"
    orders = []
    for seed in ("0", "7"):
        page.goto(server + base + f"&sseed={seed}")
        _loaded(page)
        expect(page.locator("input[name=sseed]")).to_have_value(seed)
        orders.append(page.locator("#lanes .row-tokens, #lanes text").all_text_contents())
    assert orders[0] != orders[1]  # another seed, another shuffle
    page.locator("input[name=shuffle]").uncheck()
    expect(page.locator("input[name=sseed]")).to_be_hidden()  # only with shuffle


def test_an_error_names_the_form_field_in_the_pages_words_and_clears_old_panels(
    page: Page, server: str
) -> None:
    page.goto(server + "/?preset=poem&bs=2&ts=5&lang=fr")
    _loaded(page)
    expect(page.locator("#explain li").first).to_be_visible()
    page.goto(server + "/?preset=text&text=ab&bs=2&ts=64&lang=fr")  # 64 timesteps of a 2-char text
    msg = page.locator("#message")
    expect(msg).to_be_visible(timeout=30_000)
    # the form's French label first, not the field's path in brackets
    assert msg.inner_text().startswith("Pas de temps"), msg.inner_text()
    assert "(batching.timesteps)" not in msg.inner_text()
    expect(page.locator("input[name=ts]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#explain li")).to_have_count(0)  # no explanation of another run
