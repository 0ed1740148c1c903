"""The installed package holds every module of app/: a wheel built from pyproject.toml's list
of packages, not from the source tree an editable install reads."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_of_app_is_packaged() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "app").rglob("__init__.py")
    }
    assert found <= listed, (
        f"not packaged (the image and a wheel would lack them): {found - listed}"
    )


def test_every_content_folder_is_packaged() -> None:
    """content/<kind>/*.yaml (lessons, claims) ride in the wheel and the image."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = set(data["package-data"]["app.content"])
    folders = {p.parent.name for p in (ROOT / "content").rglob("*.yaml")}
    assert folders == {"lessons", "claims"}
    assert {f"{folder}/*.yaml" for folder in folders} <= patterns
