"""Exports for slides: the current view as SVG and PNG, the animation as WebM; each file is
checked to be what it claims (parsed here, and the video decoded by the browser)."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS

POEM = "/?preset=poem&bs=2&ts=5&pos=4"


def _export(page: Page, value: str, timeout: float = 30_000) -> bytes:
    with page.expect_download(timeout=timeout) as info:
        page.locator("#export").select_option(value)
    path = info.value.path()
    data = Path(path).read_bytes()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"export.{value}").write_bytes(data)
    return data


def test_svg_and_png_of_the_current_view(page: Page, server: str) -> None:
    page.goto(server + POEM)
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    svg = _export(page, "svg")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.attrib["width"]) > 300 and float(root.attrib["height"]) > 300
    text = "".join(root.itertext())
    assert "床前明月光" in text and "batch 1" in text  # the lanes, as text
    assert len(root.findall(".//{http://www.w3.org/2000/svg}svg")) >= 2  # lanes + heatmap
    png = _export(page, "png")
    img = Image.open(io.BytesIO(png))
    img.verify()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.width >= 800 and img.height >= 600
    colours = img.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50, "the PNG is (nearly) blank"


def test_webm_recording_of_the_animation(page: Page, server: str) -> None:
    page.goto(server + "/?preset=poem&bs=2&ts=5")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    page.locator("#speed").fill("10")
    webm = _export(page, "webm", timeout=60_000)
    assert webm[:4] == bytes.fromhex("1A45DFA3"), "not an EBML (Matroska/WebM) file"
    assert b"webm" in webm[:64]
    assert len(webm) > 2_000
    # the browser itself decodes it: a real video with a size and frames
    meta = page.evaluate(
        """async (b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const v = document.createElement("video");
          v.muted = true;
          v.src = URL.createObjectURL(new Blob([bytes], { type: "video/webm" }));
          await new Promise((ok, bad) => { v.onloadeddata = ok; v.onerror = () => bad(v.error); });
          return { w: v.videoWidth, h: v.videoHeight, duration: v.duration };
        }""",
        base64.b64encode(webm).decode(),
    )
    assert meta["w"] > 300 and meta["h"] > 200
    # a Duration is written (MediaRecorder leaves it out: players show ∞ and cannot seek)
    assert bytes.fromhex("4489") in webm[:4096]
    assert meta["duration"] is not None and 0.5 < meta["duration"] < 120, meta
