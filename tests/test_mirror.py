"""Tests mirror app/ one to one: a newcomer finds a module's tests by its path."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# every claim check is run, and held to its claim, by engine/test_checks.py
TESTED_TOGETHER = {"engine/checks": "engine/test_checks.py"}


def test_every_module_has_its_test_file() -> None:
    app = ROOT / "app"
    missing = []
    for module in sorted(app.rglob("*.py")):
        rel = module.relative_to(app)
        if module.name == "__init__.py":
            continue
        together = TESTED_TOGETHER.get(rel.parent.as_posix())
        mirror = together or (rel.parent / f"test_{rel.name}").as_posix()
        if not (ROOT / "tests" / mirror).is_file():
            missing.append(f"app/{rel.as_posix()} -> tests/{mirror}")
    assert missing == []


def test_no_test_file_names_a_module_that_is_gone() -> None:
    """A test file named test_<m>.py in a folder that mirrors an app package tests app's <m>."""
    tests, app = ROOT / "tests", ROOT / "app"
    orphans = []
    for test in sorted(tests.rglob("test_*.py")):
        rel = test.relative_to(tests)
        package = app / rel.parent
        if not (package / "__init__.py").is_file():
            continue  # browser/, deploy/, ...: no app package of that name
        name = rel.name.removeprefix("test_")
        if not (package / name).is_file() and not (package / name.removesuffix(".py")).is_dir():
            orphans.append(rel.as_posix())
    assert orphans == KNOWN_CROSS_CUTTING, orphans


# Tests of what several modules do together, named for the behaviour, not for a module
KNOWN_CROSS_CUTTING = [
    "api/test_fuzz_http.py",  # every route, from /openapi.json
    "api/test_fuzz_live.py",  # the live socket end to end
    "engine/test_independent.py",  # traces rebuilt with stock Keras, nothing of the engine
    "engine/test_properties.py",  # random scenarios through the whole engine
    "test_docs.py",  # docs/ generated from the code
    "test_i18n_errors.py",  # every error code in every language
    "test_i18n_pages.py",  # every page in every language
    "test_lock.py",  # requirements.lock against pyproject.toml
    "test_mirror.py",  # this file
    "test_packaging.py",  # the wheel holds app/ and its files
    "test_serve.py",  # `lstm-state-lab serve` over real HTTP
]
