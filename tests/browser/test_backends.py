"""A scenario on every Keras backend, from the explorer: JAX and PyTorch run the same Keras
program and the page shows, batch by batch, where each keeps other states than TensorFlow or
where Keras raised; each difference links the claim that explains it."""

from __future__ import annotations

import os
from importlib import util

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot

# predict() on a stateful LSTM: TensorFlow and PyTorch carry the state from batch to batch,
# JAX's predict() keeps none (its state stays zero from the first batch on)
RUN = "/?preset=ramp&len=40&bs=2&ts=5&layers=LSTM.4.s&op=predict"


@pytest.fixture(autouse=True)
def _backends_installed() -> None:
    missing = [b for b in ("jax", "torch") if util.find_spec(b) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} required in CI (make test installs the backends extra)")
        pytest.skip(f"not installed: {missing}")


@pytest.mark.parametrize("page", [(1280, 800), (390, 844)], indirect=True)
def test_the_explorer_runs_a_scenario_on_every_backend(page: Page, server: str) -> None:
    page.goto(server + RUN)
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    page.locator(".backends-run").click()
    table = page.locator(".backends-table")
    # two backend processes start cold: 45 s alone, 92 s in CI's parallel run
    expect(table).to_be_visible(timeout=240_000)
    expect(table.locator("tr.backend")).to_have_count(3)
    expect(table.locator("tr.tensorflow")).to_contain_text("verified")
    jax = table.locator("tr.jax")
    expect(jax).to_have_class("backend jax differs")
    expect(jax).to_contain_text("differs from batch 0 (predict)")
    expect(jax.locator("a")).to_have_attribute(
        "href", "/claims#claim-stateful-predict-carries-state"
    )
    expect(jax.locator(".bk.differs")).to_have_count(4)  # 40 steps / (2 rows x 5 timesteps)
    # JAX's own LSTM, on TensorFlow's weights and states, computes TensorFlow's h: the math is
    # the same, only the state keeping differs
    expect(jax.locator(".backends-layers")).to_contain_text("Its own layers")
    torch = table.locator("tr.torch")
    expect(torch).to_have_class("backend torch same")
    expect(torch).to_contain_text("the same states after all 4 batches")
    expect(torch.locator(".bk.same")).to_have_count(4)
    shot(page, "backends")
