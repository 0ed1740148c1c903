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


def _video_size(page: Page, webm: bytes) -> dict[str, float]:
    size: dict[str, float] = page.evaluate(
        """async (b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const v = document.createElement("video");
          v.muted = true;
          v.src = URL.createObjectURL(new Blob([bytes], { type: "video/webm" }));
          await new Promise((ok, bad) => { v.onloadeddata = ok; v.onerror = () => bad(v.error); });
          return { w: v.videoWidth, h: v.videoHeight };
        }""",
        base64.b64encode(webm).decode(),
    )
    return size


def test_a_16_9_recording_for_slides_and_an_animated_gif(page: Page, server: str) -> None:
    page.goto(server + "/?preset=poem&bs=2&ts=5")
    expect(page.locator("#badge.ok")).to_be_visible(timeout=30_000)
    page.locator("#speed").fill("10")
    webm = _export(page, "webm169", timeout=60_000)
    assert webm[:4] == bytes.fromhex("1A45DFA3")
    assert _video_size(page, webm) == {"w": 1920, "h": 1080}  # a 16:9 slide, the view centred
    gif = _export(page, "gif", timeout=60_000)
    with Image.open(io.BytesIO(gif)) as img:
        assert img.format == "GIF" and img.info.get("loop") == 0
        assert 300 < img.width <= 960
        # one frame per timestep drawn (10 of the poem's run) and the start, give or take
        assert img.n_frames >= 8
        firsts, lasts = [], []
        for i in (0, img.n_frames - 1):
            img.seek(i)
            rgb = img.convert("RGB")
            colours = rgb.getcolors(maxcolors=1_000_000)
            assert colours is not None and len(colours) > 8, f"frame {i} is (nearly) blank"
            (firsts if i == 0 else lasts).append(rgb.tobytes())
        assert firsts != lasts  # it moves: the run's end differs from its start
