"""First picture on a phone over 4G: navigation → lanes drawn and the verified badge shown.

Starts the real server, opens the explorer in system Chromium at 390 x 844 with an empty cache
and the network throttled through CDP (150 ms latency, 1.6 MB/s down and up), and reads the
page's own clock (performance.now(), from navigation start) when `#lanes .cell` and
`#badge.ok` are both there. Bytes are what came over the wire (HTTP responses with headers, and
WebSocket frames) until then. Each run is a new browser context (cold cache); the median of
--runs is reported, with gzip as the browser asks for it and with `Accept-Encoding: identity`
forced, side by side.
The page's main-thread time until then is printed too: on a busy machine it, not the network,
is what the first picture waits for (plotly.js alone is 4.8 MB of script to parse and run).
Last line: RESULT first_picture_s=... bytes_transferred=... main_thread_s=... identity_s=...
identity_bytes=... speedup=...
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, sync_playwright

from benchmarks.browser_frames import ARGS
from tests import serving

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
NETWORK = {  # CDP throughputs are bytes per second
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000,
    "uploadThroughput": 1_600_000,
    "connectionType": "cellular4g",
}
PICTURE = """() => document.querySelector('#lanes .cell') && document.querySelector('#badge.ok')
  ? performance.now() : false"""


def first_picture(browser: Browser, url: str, identity: bool) -> tuple[float, int, float]:
    """Seconds from navigation start to the first picture, the bytes received until then and
    the seconds the page's main thread was busy (parsing and running scripts, layout)."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Performance.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    if identity:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    received: list[int] = []

    def http(event: dict[str, Any]) -> None:
        received.append(int(event["encodedDataLength"]))

    def ws(event: dict[str, Any]) -> None:
        received.append(len(event["response"]["payloadData"].encode()))

    cdp.on("Network.loadingFinished", http)
    cdp.on("Network.webSocketFrameReceived", ws)
    try:
        page.goto(url, wait_until="commit")
        ms = page.wait_for_function(PICTURE, polling="raf", timeout=120_000).json_value()
        total = sum(received)
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        busy = next(m["value"] for m in metrics if m["name"] == "TaskDuration")
    finally:
        context.close()
    return float(ms) / 1000, total, float(busy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/", help="page to open (default: the explorer)")
    parser.add_argument("--runs", type=int, default=3, help="runs per mode (median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        proc, base = serving.start(Path(tmp) / "server.log")
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            results: dict[bool, list[tuple[float, int, float]]] = {False: [], True: []}
            for run in range(args.runs):
                for identity in (False, True):
                    s, n, busy = first_picture(browser, base + args.path, identity)
                    results[identity].append((s, n, busy))
                    mode = "identity" if identity else "gzip"
                    print(
                        f"run {run + 1} {mode:8} first picture {s:.2f} s, {n / 1e6:.2f} MB, "
                        f"main thread busy {busy:.2f} s"
                    )
            browser.close()
        finally:
            serving.stop(proc)
    gz_s, gz_n, gz_busy = (statistics.median(r[i] for r in results[False]) for i in range(3))
    id_s, id_n, _ = (statistics.median(r[i] for r in results[True]) for i in range(3))
    print(
        f"RESULT first_picture_s={gz_s:.2f} bytes_transferred={int(gz_n)} "
        f"main_thread_s={gz_busy:.2f} identity_s={id_s:.2f} identity_bytes={int(id_n)} "
        f"speedup={id_s / gz_s:.2f}"
    )


if __name__ == "__main__":
    main()
