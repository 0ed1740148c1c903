import json
import re
from pathlib import Path

import numpy as np

from app.cli import main

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_worked_example_numbers_are_true(tmp_path: Path) -> None:
    text = (DOCS / "formats.md").read_text(encoding="utf-8")
    quoted = json.loads(re.search(r"<!-- numbers -->\n```json\n(.*?)\n```", text, re.S)[1])
    out = tmp_path / "t.json"
    assert main(["trace", str(DOCS / "worked_example.scenario.json"), "-o", str(out)]) == 0
    trace = json.loads(out.read_text(encoding="utf-8"))
    b0, b1 = trace["batches"]
    for name in ("h", "c"):
        np.testing.assert_allclose(b0["layers"][0]["final"][name], quoted[name], atol=1e-4)
        assert b1["layers"][0]["initial"][name] == b0["layers"][0]["keras_final"][name]
    assert [t["kind"] for t in b1["layers"][0]["transfers"]] == ["continues", "continues"]
