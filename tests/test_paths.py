"""Where the templates, static files and lesson content are found (app/paths.py): the
top-level folders of a checkout, or the copies inside the package of an installed wheel."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import paths, web


def test_templates_static_and_content_are_existing_folders_with_their_files() -> None:
    assert (paths.TEMPLATES / "index.html").is_file()
    assert (paths.TEMPLATES / "base.html").is_file()
    assert (paths.STATIC / "js").is_dir() and (paths.STATIC / "css").is_dir()
    assert any((paths.CONTENT / "lessons").glob("*.yaml"))
    assert any((paths.CONTENT / "claims").glob("*.yaml"))


def test_paths_are_absolute_so_the_working_directory_does_not_matter() -> None:
    for found in (paths.APP, paths.ROOT, paths.TEMPLATES, paths.STATIC, paths.CONTENT):
        assert found.is_absolute()
    assert Path(paths.__file__).resolve().parent == paths.APP
    assert paths.APP.parent == paths.ROOT


def test_the_web_package_hands_out_the_same_folders() -> None:
    assert web.TEMPLATES == paths.TEMPLATES and web.STATIC == paths.STATIC


def _layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    app = tmp_path / "app"
    (app / "web").mkdir(parents=True)
    for name in ("templates", "static", "content"):
        (tmp_path / name).mkdir()
    monkeypatch.setattr(paths, "APP", app)
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    return app


def test_a_checkout_uses_the_top_level_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _layout(tmp_path, monkeypatch)
    assert paths._find("web", "templates") == tmp_path / "templates"
    assert paths._find("web", "static") == tmp_path / "static"
    assert paths._find("", "content") == tmp_path / "content"


def test_an_installed_package_uses_its_own_copies_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _layout(tmp_path, monkeypatch)
    for inside in (app / "web" / "templates", app / "web" / "static", app / "content"):
        inside.mkdir()
    assert paths._find("web", "templates") == app / "web" / "templates"
    assert paths._find("web", "static") == app / "web" / "static"
    assert paths._find("", "content") == app / "content"


def test_a_file_of_the_same_name_inside_the_package_is_not_taken_for_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _layout(tmp_path, monkeypatch)
    (app / "content").write_text("not a folder")
    assert paths._find("", "content") == tmp_path / "content"
