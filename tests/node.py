"""Run the page's ES modules in Node (no browser): `evaluate(js)` returns what `js` prints.

Tests that need Node skip with that reason locally; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from app.web import STATIC

# What the modules read from the page at import (the i18n catalog, the language).
_PAGE = (
    "globalThis.document = { getElementById: () => null, documentElement: { lang: 'en' } };\n"
    "globalThis.location = { search: '', pathname: '/' };\n"
)


def module(path: str) -> str:
    """The URL of static/<path> for an import in `evaluate`."""
    return json.dumps((STATIC / path).as_uri())


def evaluate(js: str, *args: str) -> Any:
    """Run `js` (an ES module body; argv[1:] holds `args`) and parse its console.log as JSON."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required in CI (.ci/run installs it)")
        pytest.skip("node is not installed")
    out = subprocess.run(
        [node, "--input-type=module", "-e", _PAGE + js, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)
