"""static/js/gif.js: the GIF export's encoder, decoded by Pillow (an independent decoder)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests import node


def _encode(path: Path, width: int, height: int, frames: int, noisy: bool) -> dict[str, list]:
    # noise fills LZW's 4096-code table many times over (clear codes); gradients do not
    return node.evaluate(  # type: ignore[no-any-return]
        f"const {{ encodeGif, quantize, PALETTE }} = await import({node.module('js/gif.js')});\n"
        "const { writeFileSync } = await import('node:fs');\n"
        f"const w = {width}, h = {height}, noisy = {str(noisy).lower()};\n"
        "let seed = 12345;\n"
        "const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 256;\n"
        "const frames = [];\n"
        f"for (let f = 0; f < {frames}; f++) {{\n"
        "  const rgba = new Uint8ClampedArray(w * h * 4);\n"
        "  for (let p = 0; p < w * h; p++) {\n"
        "    const x = p % w, y = (p / w) | 0;\n"
        "    const smooth = [(x * 7 + f * 60) % 256, (y * 5) % 256, (x + y) % 256, 255];\n"
        "    rgba.set(noisy ? [rand(), rand(), rand(), 255] : smooth, p * 4);\n"
        "  }\n"
        "  frames.push({ indices: quantize(rgba), delayMs: 250 });\n"
        "}\n"
        "writeFileSync(process.argv[1], encodeGif(w, h, frames));\n"
        "console.log(JSON.stringify({ palette: PALETTE, "
        "frames: frames.map((f) => Array.from(f.indices)) }));",
        str(path),
    )


def _check(path: Path, width: int, height: int, expected: dict[str, list]) -> None:
    palette = [tuple(c) for c in expected["palette"]]
    with Image.open(path) as im:
        assert im.size == (width, height)
        assert im.n_frames == len(expected["frames"])
        assert im.info["loop"] == 0  # loops forever
        for i, indices in enumerate(expected["frames"]):
            im.seek(i)
            assert im.info["duration"] == 250
            got = list(im.convert("RGB").get_flattened_data())
            assert got == [palette[k] for k in indices], f"frame {i} decodes differently"


def test_a_gradient_animation_decodes_pixel_for_pixel(tmp_path: Path) -> None:
    path = tmp_path / "g.gif"
    expected = _encode(path, 64, 48, 3, noisy=False)
    assert len(expected["palette"]) == 256
    _check(path, 64, 48, expected)


def test_noise_that_fills_the_code_table_decodes_pixel_for_pixel(tmp_path: Path) -> None:
    path = tmp_path / "n.gif"
    _check(path, 150, 120, _encode(path, 150, 120, 2, noisy=True))


def test_white_black_and_grays_are_exact_or_close() -> None:
    out = node.evaluate(
        f"const {{ quantize, PALETTE }} = await import({node.module('js/gif.js')});\n"
        "const px = [[255,255,255],[0,0,0],[128,128,128],[37,37,37],[200,201,199]];\n"
        "const idx = quantize(new Uint8ClampedArray(px.flatMap((p) => [...p, 255])));\n"
        "console.log(JSON.stringify(Array.from(idx, (i) => PALETTE[i])));"
    )
    assert out[0] == [255, 255, 255] and out[1] == [0, 0, 0]
    for got, want in zip(out[2:], (128, 37, 200), strict=True):
        assert got[0] == got[1] == got[2] and abs(got[0] - want) <= 4  # gray stays gray
