"""The page's scripts speak the page's language: what main.js and its views write comes from
app/i18n/<lang>/js.json (a missing key is a console error, which the `page` fixture fails on),
and no English sentence of the scripts is left on a translated page."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from playwright.sync_api import Page, expect

from app import i18n
from tests.browser.conftest import shot

LANGS = ["fr", "ja", "zh-Hans"]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _catalog(lang: str) -> dict[str, str]:
    catalog: dict[str, str] = json.loads((i18n.HERE / lang / "js.json").read_text(encoding="utf-8"))
    return catalog


def _t(lang: str, key: str, **values: object) -> str:
    """What t() in i18n.js writes."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), _catalog(lang)[key])


def _tn(lang: str, key: str, n: int) -> str:
    """What tn() in plural.js writes: French counts 0 and 1 as singular, ja and zh have none."""
    one = {"en": n == 1, "fr": n in (0, 1)}.get(lang, False)
    return _t(lang, f"{key}_{'one' if one else 'other'}", n=n)


def _pattern(lang: str, key: str) -> re.Pattern[str]:
    """A key's text with any value in its placeholders."""
    parts = _PLACEHOLDER.split(_catalog(lang)[key])[::2]
    return re.compile(".+?".join(re.escape(p) for p in parts))


def _english_left(lang: str, text: str) -> list[str]:
    """English pieces of the scripts' texts (longer than 12 characters, not shared with the
    translation, e.g. code) that appear in `text`."""
    found = []
    theirs = _catalog(lang)
    for key, english in _catalog("en").items():
        if english == theirs[key]:
            continue
        for piece in _PLACEHOLDER.split(english)[::2]:
            piece = piece.strip(" :.,—()")
            if len(piece) > 12 and piece not in theirs[key] and piece in text:
                found.append(f"{key}: {piece!r}")
    return found


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    english = _catalog("en")
    for lang in LANGS:
        assert set(_catalog(lang)) == set(english), lang
        for key, text in english.items():
            theirs = _catalog(lang)[key]
            assert set(_PLACEHOLDER.findall(theirs)) == set(_PLACEHOLDER.findall(text)), key


@pytest.mark.parametrize("lang", LANGS)
def test_explorer_scripts_write_the_page_language(page: Page, server: str, lang: str) -> None:
    page.goto(f"{server}/?preset=poem&bs=2&ts=5&pos=4&lang={lang}")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator("#badge")).to_have_text(_pattern(lang, "js.main.badge"))
    where = page.locator("#where")
    expect(where).to_have_text(_t(lang, "js.main.where", batch=0, t=4, step=5, steps=10))
    page.locator("#step").click()
    expect(where).to_have_text(_t(lang, "js.main.where", batch=1, t=0, step=6, steps=10))
    expect(page.locator("#play")).to_have_text(_t(lang, "js.main.play"))

    # the lanes: column heads, row labels, the hand-off arrows; the template's legend
    lanes = page.locator("#lanes")
    heads = [_t(lang, "js.lanes.head", batch=k) for k in (0, 1)]
    expect(lanes.locator(".col-head")).to_have_text(heads)
    rows = [_t(lang, "js.lanes.row", row=r) for r in (0, 1)]
    expect(lanes.locator(".row-label")).to_have_text(rows)
    aria = _t(
        lang,
        "js.lanes.aria",
        batches=_tn(lang, "js.count.batch", 2),
        rows=_tn(lang, "js.count.row", 2),
    )
    expect(lanes.locator("svg")).to_have_attribute("aria-label", aria)
    titles = lanes.locator("line.arrow title")
    expect(titles).to_have_text([_t(lang, "js.lanes.continues_title")] * 2)
    legend = page.locator(".legend")
    expect(legend).to_contain_text(i18n.translate(lang, "index.legend_continues"))
    expect(legend).to_contain_text(i18n.translate(lang, "index.legend_reset"))

    # the cell inspector at the boundary
    cell_where = _t(lang, "js.cell.where", kind="LSTM", layer=0, row=0, batch=1, t=0)
    expect(page.locator("#cell-where")).to_have_text(cell_where)
    cell = page.locator("#cell")
    expect(cell).to_contain_text(_t(lang, "js.cell.boundary.continues", row=0))
    expect(cell).to_contain_text(_t(lang, "js.cell.equation_unit", unit=0))
    gate = cell.locator("table.gates th[title]").first
    expect(gate).to_have_attribute("title", _t(lang, "js.cell.gate.i"))
    diagram = cell.locator("svg.diagram")
    expect(diagram).to_have_attribute(
        "aria-label", _t(lang, "js.diagram.aria", kind="LSTM", unit=0)
    )

    # what happened at the boundaries
    explain = page.locator("#explain")
    layer = _t(
        lang,
        "js.explain.layer_stateful",
        layer=0,
        kind="LSTM",
        handoffs=_tn(lang, "js.count.handoff", 2),
        boundaries=_tn(lang, "js.count.boundary", 1),
    )
    expect(explain.locator("li")).to_have_text(
        [layer, _t(lang, "js.explain.continue_hc", n=2, total=2)]
    )

    # the heatmap's axis titles and hover text, the layer selector
    heatmap = page.locator("#heatmap")
    expect(heatmap.locator(".g-xtitle")).to_have_text(_t(lang, "js.heatmap.x_title"))
    expect(heatmap.locator(".g-ytitle")).to_have_text(_t(lang, "js.heatmap.h_title"))
    expect(heatmap.locator(".g-y2title")).to_have_text(_t(lang, "js.heatmap.c_title"))
    hover = page.evaluate("document.getElementById('heatmap').data[0].hovertemplate")
    assert hover.startswith(_t(lang, "js.heatmap.hover", t="%{x}", unit="%{y}", value="%{z:.4f}"))
    option = _t(lang, "js.main.layer_option_stateful", i=0, kind="LSTM", units=8)
    expect(page.locator("#sel-layer option")).to_have_text([option])

    # Play and Pause
    page.locator("#play").click()
    expect(page.locator("#play")).to_have_text(_t(lang, "js.main.pause"))
    page.locator("#play").click()
    expect(page.locator("#play")).to_have_text(_t(lang, "js.main.play"))

    # B: the same run with stateful flipped
    page.locator("#cmp").select_option("stateful")
    compare = page.locator("#compare")
    variant = _t(lang, "js.compare.variant.stateful")
    expect(compare.locator(".cmp-title")).to_have_text(
        _t(lang, "js.compare.title", variant=variant)
    )
    expect(compare.locator(".cmp-badge")).to_have_text(_pattern(lang, "js.compare.badge"))
    expect(compare.locator(".cmp-lanes")).to_contain_text(_t(lang, "js.lanes.stateless"))
    expect(compare.locator(".cmp-diff .gtitle")).to_have_text(
        _pattern(lang, "js.compare.plot_title")
    )
    expect(compare.locator(".cmp-diff .g-xtitle")).to_have_text(_t(lang, "js.compare.x_title"))

    text = page.locator("body").inner_text()
    assert _english_left(lang, text) == []
    shot(page, f"i18n-{lang}")


def test_lesson_and_claim_scripts_write_the_page_language(page: Page, server: str) -> None:
    lang = "ja"
    page.goto(f"{server}/lessons/one-state-per-row?lang={lang}")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator("#lesson .lesson-count")).to_have_text(
        _t(lang, "js.lesson.count", step=1, steps=2)
    )
    expect(page.locator("#lesson .lesson-try")).to_have_text(_pattern(lang, "js.lesson.try"))
    expect(page.locator("#lesson .lesson-claims")).to_contain_text(_t(lang, "js.lesson.claims"))
    assert "?step=0" in page.url and f"lang={lang}" in page.url  # the language stays in the URL
    assert _english_left(lang, page.locator("body").inner_text()) == []

    page.goto(f"{server}/claims?lang={lang}")
    claim = page.locator("#claim-gru-one-state")
    claim.locator("button.run").click()
    verdict = _t(lang, "js.claims.verdict.holds")
    expect(claim.locator(".claim-head .verdict")).to_contain_text(verdict, timeout=120_000)
    expect(claim.locator(".claim-head .verdict")).to_have_text(
        _pattern(lang, "js.claims.verdict_keras")
    )
    finding = i18n.translate(lang, "claim.gru-one-state.finding.finding")
    expect(claim.locator(".finding")).to_have_text(finding)  # the check's finding, translated


def test_keras_refusal_is_explained_in_the_page_language(page: Page, server: str) -> None:
    lang = "fr"
    page.goto(f"{server}/?preset=ramp&len=40&layout=consecutive&bs=3&ts=4&lang={lang}")
    message = page.locator("#message")
    # the hint names the form's choice as the form shows it
    option = _t(
        lang,
        "js.main.option_choice",
        label=i18n.translate(lang, "controls.partial"),
        choice=i18n.translate(lang, "controls.partial_drop"),
    )
    expect(message).to_contain_text(_t(lang, "js.main.partial_hint", bs=3, option=option))
    expect(message.locator("summary")).to_have_text(_t(lang, "js.main.keras_refused_summary"))
    expect(message.locator("pre")).to_contain_text("Expected batch size: 3")  # Keras's own words
    expect(page.locator("#badge")).to_have_text(_t(lang, "js.main.not_verified"))
    shot(page, f"i18n-{lang}-refusal")


@pytest.mark.parametrize("lang", LANGS)
def test_keras_surprise_notes_are_translated(page: Page, server: str, lang: str) -> None:
    # the moving-average preset feeds windows newest first: a note the server sends by code
    page.goto(f"{server}/?preset=moving_average&tsteps=2&lahead=2&ts=2&lang={lang}")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator("#notes")).to_contain_text(_t(lang, "js.note.newest_first"))
    assert "newest first" not in page.locator("#notes").inner_text()
