"""Animation cost in a real browser: batch 32 x 64 units, played at 30 timesteps/s.

Starts the server, opens the explorer in headless Chromium, presses play, and records the
interval between animation frames (requestAnimationFrame) while frames stream in.
Last line: RESULT median_frame_ms=... p95_frame_ms=... frames_drawn=...
"""

from __future__ import annotations

import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from benchmarks.live_latency import server

URL = "/?preset=ramp&n=32&len=80&bs=32&ts=5&layers=LSTM.64.s"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROBE = """() => new Promise((done) => {
  const gaps = []; let last = performance.now(); const until = last + 2500;
  function tick(t) {
    gaps.push(t - last); last = t;
    if (t < until) requestAnimationFrame(tick); else done(gaps);
  }
  requestAnimationFrame(tick);
})"""


def main() -> None:
    with server(None) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base + URL)
        page.wait_for_selector("#badge.ok", timeout=60_000)
        page.locator("#speed").fill("30")
        page.locator("#play").click()
        gaps = page.evaluate(PROBE)[5:]  # skip the first frames (start-up)
        drawn = page.evaluate("document.getElementById('heatmap').data[0].x.length")
        browser.close()
    median = statistics.median(gaps)
    p95 = statistics.quantiles(gaps, n=20)[-1]
    print(f"{len(gaps)} animation frames in 2.5 s while playing 32 rows x 64 units")
    print(f"RESULT median_frame_ms={median:.1f} p95_frame_ms={p95:.1f} frames_drawn={drawn}")


if __name__ == "__main__":
    main()
