"""The explorer in a real browser: what a teacher clicks, and what the page then shows."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot

POEM = "/?preset=poem&bs=2&ts=5"


def _open(page: Page, server: str, path: str) -> None:
    page.goto(server + path)
    expect(page.locator("#badge")).to_contain_text("verified against Keras")


def test_page_loads_offline_and_verified(page: Page, server: str) -> None:
    _open(page, server, POEM)
    expect(page.locator("#lanes .cell")).to_have_count(4)
    expect(page.locator("#lanes .col-head")).to_have_text(["batch 0", "batch 1"])
    expect(page.locator("#lanes")).to_contain_text("床前明月光")
    expect(page.locator(".arrow.continues")).to_have_count(2)
    expect(page.locator("#explain")).to_contain_text("2 of 2 continue")
    html = page.content()
    assert "cdn" not in html.lower() and "https://" not in html
    shot(page, "01-poem-loaded")


def test_boundary_is_explained_in_the_inspector(page: Page, server: str) -> None:
    _open(page, server, POEM + "&pos=4")
    expect(page.locator("#where")).to_have_text("batch 0, t = 4 · step 5 of 10")
    page.locator("#step").click()
    expect(page.locator("#cell")).to_contain_text("row 0 of the previous batch (continues)")


def test_step_moves_exactly_one_timestep(page: Page, server: str) -> None:
    _open(page, server, POEM)
    page.locator("#step").click()
    expect(page.locator("#where")).to_have_text("batch 0, t = 0 · step 1 of 10")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#where")).to_have_text("batch 0, t = 1 · step 2 of 10")
    expect(page.locator("#lanes .t.now")).to_have_text(["前", "头"])
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#where")).to_have_text("batch 0, t = 0 · step 1 of 10")
    expect(page).to_have_url(re.compile(r"pos=0"))


def test_play_animates_across_the_boundary(page: Page, server: str) -> None:
    _open(page, server, POEM)
    page.locator("#speed").fill("30")
    page.locator("#play").click()
    expect(page.locator("#where")).to_contain_text("batch 1,", timeout=10_000)
    expect(page.locator("#where")).to_contain_text("end of run", timeout=10_000)
    expect(page.locator("#lanes .cell.done")).to_have_count(2)
    heat = page.evaluate("document.getElementById('heatmap').data[0].z[0].length")
    assert heat == 10  # every timestep of both batches drawn
    shot(page, "02-poem-played")


def test_reset_now_puts_a_barrier_and_zeros(page: Page, server: str) -> None:
    _open(page, server, POEM)
    page.locator("#step-batch").click()
    expect(page.locator("#where")).to_have_text("batch 0, t = 4 · step 5 of 10")
    page.keyboard.press("r")
    expect(page.locator("#lanes .barrier")).to_have_count(1)
    expect(page.locator("#where")).to_have_text("batch 0, t = 4 · step 5 of 10")  # the past stays
    page.locator("#step").click()
    expect(page.locator("#where")).to_have_text("batch 1, t = 0 · step 6 of 10")
    expect(page.locator("#cell")).to_contain_text("zeros (reset_states())")
    prev = page.locator(".gates tr:has(th:text-is('h₋₁')) td")
    expect(prev).to_have_count(8)
    assert {t.strip() for t in prev.all_inner_texts()} <= {"0.00", "-0.00"}
    annotations = page.evaluate(
        "document.getElementById('heatmap').layout.annotations.map(a => a.text)"
    )
    assert "0" in annotations
    shot(page, "03-reset-now")


def test_shuffle_shows_other_sequence_arrows(page: Page, server: str) -> None:
    _open(page, server, "/?preset=ramp&n=4&len=20&bs=4&ts=5&shuffle=1")
    expect(page.locator(".arrow.other_sequence")).not_to_have_count(0)
    expect(page.locator("#lanes")).to_contain_text("other seq")
    expect(page.locator("#explain")).to_contain_text("went on into a different sequence")
    expect(page.locator("#explain")).to_contain_text("turn shuffle off")
    shot(page, "04-shuffle")


def test_partial_batch_padding_and_note(page: Page, server: str) -> None:
    _open(page, server, "/?preset=ramp&len=18&bs=2&ts=2&layout=consecutive&op=predict")
    expect(page.locator("#lanes .cell.padding")).to_have_count(1)
    expect(page.locator("#notes")).to_contain_text("broadcast")
    shot(page, "05-partial-batch")


def test_url_round_trips_the_configuration(page: Page, server: str) -> None:
    _open(page, server, "/?preset=ramp&len=30&bs=3&ts=4&layers=GRU.5.s,LSTM.3.n&layer=1&pos=6")
    expect(page.locator("#where")).to_have_text("batch 1, t = 2 · step 7 of 8")
    expect(page.locator("select[name=preset]")).to_have_value("ramp")
    expect(page.locator("input[name=bs]")).to_have_value("3")
    expect(page.locator("#layers .layer select").first).to_have_value("GRU")
    expect(page.locator("#sel-layer")).to_have_value("1")
    page.locator("input[name=ts]").fill("2")
    page.locator("#apply").click()
    expect(page).to_have_url(re.compile(r"ts=2"))
    expect(page.locator("#lanes .col-head")).to_have_count(5)
    url = page.url
    page.reload()
    expect(page.locator("#badge")).to_contain_text("verified")
    expect(page.locator("input[name=ts]")).to_have_value("2")
    assert page.url == url


def test_invalid_input_shows_a_clear_message(page: Page, server: str) -> None:
    page.goto(server + "/?bs=300")
    msg = page.locator("#message")
    expect(msg).to_be_visible()
    # the form's word for the field, the bound, and no developer's path beside them
    expect(msg).to_contain_text("Batch size")
    expect(msg).to_contain_text("256")
    expect(msg).not_to_contain_text("batching.batch_size")
    expect(page.locator("input[name=bs]")).to_have_attribute("aria-invalid", "true")
    shot(page, "06-invalid")


def test_keras_refusal_is_shown_in_its_words(page: Page, server: str) -> None:
    page.goto(server + "/?preset=ramp&len=40&layout=consecutive&bs=3&ts=4")
    expect(page.locator("#message")).to_contain_text("Keras refused")
    expect(page.locator("#message")).to_contain_text("Expected batch size: 3")
    expect(page.locator("#message")).to_contain_text("Last partial batch: drop")
    expect(page.locator("#step")).to_be_disabled()  # nothing ran: nothing to step through
    page.locator("select[name=partial]").select_option("drop")
    page.locator("#apply").click()
    expect(page.locator("#badge")).to_contain_text("verified against Keras")
    expect(page.locator("#message")).to_be_hidden()


def test_reset_during_play_pauses_cleanly(page: Page, server: str) -> None:
    _open(page, server, "/?preset=ramp&len=60&bs=2&ts=5")
    page.locator("#play").click()
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "true")
    page.locator("#reset-now").click()
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#lanes .barrier")).to_have_count(1)


@pytest.mark.parametrize("page", [(390, 844)], indirect=True)
def test_phone_width(page: Page, server: str) -> None:
    _open(page, server, POEM)
    page.locator("#step").click()
    expect(page.locator("#where")).to_have_text("batch 0, t = 0 · step 1 of 10")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways (only the lanes do)"
    shot(page, "07-phone")


def test_compare_stateful_with_stateless(page: Page, server: str) -> None:
    _open(page, server, POEM + "&cmp=stateful&pos=7")
    expect(page.locator("#compare")).to_be_visible()
    expect(page.locator("#compare .cmp-title")).to_contain_text("stateful flipped")
    expect(page.locator("#compare")).to_contain_text("stateless")
    title = page.locator("#compare .cmp-diff .gtitle")
    expect(title).to_contain_text("max |Δ| so far")
    z = page.evaluate("document.querySelector('#compare .cmp-diff').data[0].z")
    first_batch = [abs(v) for unit in z for v in unit[:5]]
    second_batch = [abs(v) for unit in z for v in unit[5:8]]
    assert max(first_batch) == 0  # same data, same weights, both start from zeros
    assert max(second_batch) > 1e-3  # carried state vs zeros
    shot(page, "08-compare")


def test_claim_checker_runs_a_claim(page: Page, server: str) -> None:
    page.goto(server + "/claims")
    claim = page.locator("#claim-stateful-last-to-first")
    claim.locator("button.run").click()
    # the first claim asked starts JAX and PyTorch (each settles it, then goes on with the rest)
    expect(claim.locator(".claim-head .verdict")).to_contain_text("does not hold", timeout=240_000)
    expect(claim.locator(".evidence")).to_contain_text("max_abs_diff_row0_vs_started_from_last_row")
    expect(claim.locator("table.backends tbody tr")).to_have_count(3)
    # TensorFlow's row does not repeat the finding written above the table
    tf_row = claim.locator("table.backends tbody tr").first
    expect(tf_row.locator("th")).to_contain_text("TensorFlow")
    expect(tf_row.locator("td.as-above")).to_have_text("The finding above.")
    other = page.locator("#claim-gru-one-state")
    other.locator("button.run").click()
    expect(other.locator(".claim-head .verdict")).to_contain_text("holds", timeout=240_000)
    shot(page, "09-claims")


def test_export_script_of_the_run_on_screen(page: Page, server: str) -> None:
    _open(page, server, POEM)
    page.locator("#step-batch").click()
    page.keyboard.press("r")
    expect(page.locator("#lanes .barrier")).to_have_count(1)
    with page.expect_download() as info:
        page.locator("#export").select_option("py")
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "keras.Input(batch_shape=(B, T, F))" in text
    assert '"kind":"reset"' in text  # the reset made on screen is in the script


def test_experiment_runs_and_cancels(page: Page, server: str) -> None:
    page.goto(server + "/experiment")
    form = page.locator("#exp-form")
    form.locator("textarea[name=configs]").fill("2,1,1\n2,2,2")
    form.locator("input[name=input_len]").fill("60")
    form.locator("input[name=epochs]").fill("1")
    page.locator("#exp-run").click()
    # generous: on a loaded 2-core machine this run has taken over 60 s
    expect(page.locator("#exp-status")).to_contain_text("done", timeout=180_000)
    rows = page.locator("#exp-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("✓ continues")
    expect(rows.first).to_contain_text("0.014813 / 0.031049")  # seed 000's figures beside ours
    shot(page, "10-experiment")
    # the job is in the URL: a reload (or a link sent to a friend) shows it again
    assert "job=" in page.url
    page.reload()
    expect(page.locator("#exp-status")).to_contain_text("done", timeout=20_000)
    expect(rows).to_have_count(2)
    form.locator("textarea[name=configs]").fill("2,1,1\n2,2,2")  # the reload reset the form
    # long enough to cancel, within the job budget (LSL_JOB_BUDGET_S: ~50 s estimated)
    form.locator("input[name=input_len]").fill("400")
    form.locator("input[name=epochs]").fill("5")
    page.locator("#exp-run").click()
    expect(page.locator("#exp-status")).to_contain_text("configuration 1/2", timeout=60_000)
    page.locator("#exp-cancel").click()
    expect(page.locator("#exp-status")).to_have_text("cancelled", timeout=60_000)


def test_char_generation_and_cost_sections(page: Page, server: str) -> None:
    page.goto(server + "/experiment")
    page.locator("#gen-run").click()
    expect(page.locator("#gen-out .gen-line")).to_have_count(2, timeout=60_000)
    expect(page.locator("#gen-status")).to_contain_text("state reset before each prompt")
    page.locator("#cost-run").click()
    expect(page.locator("#cost-result")).to_contain_text("slower", timeout=60_000)
    shot(page, "11-generation-and-cost")


def test_api_docs_render_offline(page: Page, server: str) -> None:
    page.goto(server + "/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/traces")


def test_stateless_explanation_counts_boundary_starts_only(page: Page, server: str) -> None:
    # 8 sequences in 2 batches of 4: one boundary, 4 rows start from zeros there (batch 0's
    # starts are not boundary hand-offs; counting them once said "8 of 4")
    _open(page, server, "/?preset=ramp&n=8&len=5&bs=4&ts=5&layers=LSTM.4.n")
    expect(page.locator("#explain")).to_contain_text("4 of 4 start from zeros")


def test_reset_now_is_off_in_the_last_batch(page: Page, server: str) -> None:
    _open(page, server, POEM + "&pos=6")  # batch 1 of 2: nothing comes after it
    expect(page.locator("#reset-now")).to_be_disabled()
    page.keyboard.press("r")
    expect(page.locator("#message")).to_be_hidden()
    page.keyboard.press("Home")
    expect(page.locator("#reset-now")).to_be_enabled()


def test_rival_claims_say_both_hold_and_each_claim_opens_in_the_explorer(
    page: Page, server: str
) -> None:
    page.goto(server + "/claims")
    for cid in ("stateless-reset-per-batch", "stateless-reset-per-sample"):
        page.locator(f"#claim-{cid} .run").click()
    for cid in ("stateless-reset-per-batch", "stateless-reset-per-sample"):
        verdict = page.locator(f"#claim-{cid} .claim-head .verdict")
        expect(verdict).to_contain_text("and so does its rival", timeout=240_000)
        expect(page.locator(f"#claim-{cid} .rival")).to_contain_text("do not contradict")
    page.locator("#claim-stateful-equals-long-sequence a.explore").click()
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    expect(page.locator("#compare")).to_be_visible()  # the claim's own run: chunks vs one run


def test_the_heatmap_scales_to_small_values(page: Page, server: str) -> None:
    # the Keras stateful example's states are ~±0.001: a fixed ±0.05 scale painted them blank
    page.goto(server + "/lessons/keras-stateful-example?step=0")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    page.locator("#step-batch").click()
    # polled from here: wait_for_function's polling evals its string in the page, which the
    # page's CSP (no unsafe-eval) refuses whenever the first look is not already true
    drawn = "() => document.getElementById('heatmap').data?.[0]?.z?.[0]?.length > 0"
    deadline = time.monotonic() + 30
    while not page.evaluate(drawn):
        assert time.monotonic() < deadline, "the heatmap was not drawn in 30 s"
        page.wait_for_timeout(100)
    zmax, biggest = page.evaluate(
        "(() => { const all = document.getElementById('heatmap').data;"
        " const zs = all.flatMap((d) => d.z.flat()).map(Math.abs);"
        " return [all[0].zmax, Math.max(...zs)]; })()"
    )
    assert abs(zmax - biggest) < 1e-9 and zmax < 0.05, (zmax, biggest)


SEED_000 = "/?preset=ramp&n=1000&len=20&bs=200&ts=20&layers=LSTM.8.s"


@pytest.mark.parametrize("page", [(1280, 800), (390, 844)], indirect=True)
def test_seed_000s_1000_sequences_at_batch_200(page: Page, server: str) -> None:
    """1000 sequences of 20 steps at batch 200: 5 batches of 200 rows. The lanes draw the
    first rows, the last ones and the selected one, and count the rest with what their states
    did; the advice says why stateful carries into new sequences here (shuffle and layout are
    already right)."""
    page.goto(server + SEED_000)
    expect(page.locator("#badge.ok")).to_be_visible(timeout=60_000)
    expect(page.locator("#where")).to_contain_text("5 batches")
    drawn = page.locator('#lanes .cell[data-batch="0"]')
    expect(drawn).to_have_count(10)  # rows 0-7, 198, 199
    gap = page.locator("#lanes .gap-rows").first
    expect(gap).to_contain_text("190 more rows (8–197)")
    # the hidden rows' hand-offs, counted: every one goes into a new sequence
    expect(page.locator('#lanes .gap-rows.arrow-label[data-boundary="1"]')).to_have_text(
        "✗ other seq ×190"
    )
    expect(page.locator("#explain")).to_contain_text("Use stateful=False")
    expect(page.locator("#explain")).not_to_contain_text("turn shuffle off")
    page.locator("#sel-row").select_option("150")
    expect(page.locator('#lanes .cell[data-batch="0"][data-row="150"]')).to_have_count(1)
    expect(page.locator("#lanes .gap-rows").first).to_contain_text("142 more rows (8–149)")
    page.locator("#step-batch").click()
    expect(page.locator("#cell-where")).to_contain_text("row 150")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= (page.viewport_size or {"width": 0})["width"]  # no sideways page
    shot(page, f"seed-000-{(page.viewport_size or {'width': 0})['width']}")


def test_a_claim_shows_every_backend_side_by_side(page: Page, server: str) -> None:
    """Keras on JAX does not carry a stateful layer's state through predict(): the claims page
    shows TensorFlow's verdict and JAX's beside it, the difference marked, in French."""
    page.goto(server + "/claims?lang=fr")
    li = page.locator("#claim-stateful-predict-carries-state")
    li.locator(".run").click()
    table = li.locator("table.backends")
    expect(table).to_be_visible(timeout=120_000)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)  # TensorFlow, JAX, PyTorch
    expect(rows.nth(0)).to_contain_text("TensorFlow")
    expect(rows.nth(0).locator(".verdict")).to_have_attribute("data-verdict", "holds")
    expect(rows.nth(1)).to_contain_text("JAX")
    expect(rows.nth(1).locator(".verdict")).to_have_attribute("data-verdict", "does_not_hold")
    expect(rows.nth(1)).to_have_class("differs")
    expect(rows.nth(1)).to_contain_text("contrairement à TensorFlow")
    expect(rows.nth(1)).to_contain_text("Sur jax")  # JAX's own finding, translated
    expect(rows.nth(2)).to_contain_text("PyTorch")
    shot(page, "claims-backends")
