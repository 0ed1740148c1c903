"""Claim verdicts kept on disk (app/claim_store.py): a stored result comes back in a new store
on the same folder, only for the same Keras/TensorFlow/backends and checks, and a damaged or
foreign file is ignored rather than trusted. The claims API's use of it is
tests/api/test_claims.py's."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from app import claim_store
from app.claim_store import ClaimStore, default_dir, fingerprint

VERDICT = {"id": "gru-one-state", "verdict": "holds", "finding": "un seul état", "n": [1, 2]}


def test_a_stored_verdict_comes_back_in_a_new_store_on_the_same_folder(tmp_path: Path) -> None:
    ClaimStore(tmp_path).put("gru-one-state", VERDICT)
    again = ClaimStore(tmp_path)  # as another process, or the next start, would open it
    assert again.get("gru-one-state") == VERDICT
    assert again.get("predict-resets") is None


def test_results_are_one_json_file_named_for_the_fingerprint(tmp_path: Path) -> None:
    store = ClaimStore(tmp_path)
    store.put("a", {"verdict": "holds"})
    store.put("b", {"verdict": "holds"})
    store.put("a", {"verdict": "fails"})  # a fresh run replaces the kept one
    assert store.path == tmp_path / f"claims-{fingerprint()}.json"
    on_disk = json.loads(store.path.read_text(encoding="utf-8"))
    assert on_disk == {"a": {"verdict": "fails"}, "b": {"verdict": "holds"}}
    # written to a temp file then renamed: nothing half-written is left beside it (the
    # hidden .claims.lock serialises the writers)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".claims.lock", store.path.name]


def test_two_processes_keep_each_others_verdicts(tmp_path: Path) -> None:
    """Each server process opens its own store on the same folder at start."""
    first, second = ClaimStore(tmp_path), ClaimStore(tmp_path)
    first.put("gru-one-state", VERDICT)
    second.put("predict-resets", {"verdict": "holds"})  # it never read the first's
    assert second.get("gru-one-state") == VERDICT
    assert first.get("predict-resets") == {"verdict": "holds"}  # settled since it opened
    assert set(ClaimStore(tmp_path).results) == {"gru-one-state", "predict-resets"}


def test_text_is_stored_as_utf8_not_escaped(tmp_path: Path) -> None:
    store = ClaimStore(tmp_path)
    store.put("gru-one-state", VERDICT)
    assert "un seul état" in store.path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2, 3]", b'"a string"', b"\xff\xfe\x00garbage", b""],
    ids=["truncated", "a list", "a string", "not utf-8", "empty"],
)
def test_a_damaged_file_is_ignored_and_then_replaced(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / f"claims-{fingerprint()}.json"
    path.write_bytes(content)
    store = ClaimStore(tmp_path)
    assert store.results == {} and store.get("gru-one-state") is None
    store.put("gru-one-state", VERDICT)
    assert ClaimStore(tmp_path).get("gru-one-state") == VERDICT


def test_results_of_another_keras_or_checks_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claim_store, "fingerprint", lambda: "keras0.0-tf0.0-checksold")
    ClaimStore(tmp_path).put("gru-one-state", VERDICT)
    monkeypatch.setattr(claim_store, "fingerprint", lambda: "keras9.9-tf9.9-checksnew")
    assert ClaimStore(tmp_path).get("gru-one-state") is None


def test_the_fingerprint_names_keras_tensorflow_the_backends_and_the_checks() -> None:
    from importlib import metadata

    found = fingerprint()
    assert found.startswith(f"keras{metadata.version('keras')}-tf")
    assert "-jax" in found and "-torch" in found
    assert found == fingerprint()  # the same install, the same fingerprint
    assert len(found.rsplit("-checks", 1)[1]) == 12


def test_editing_a_check_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gru_one_state.py").write_text("VERDICT = 'holds'\n")
    monkeypatch.setattr(claim_store, "CHECKS_DIR", tmp_path)
    before = fingerprint()
    (tmp_path / "gru_one_state.py").write_text("VERDICT = 'fails'\n")
    edited = fingerprint()
    (tmp_path / "common.py").write_text("")
    added = fingerprint()
    assert len({before, edited, added}) == 3


def test_a_package_that_is_not_installed_has_version_none() -> None:
    assert claim_store._version("no-such-package-lsl") == "none"
    # the first of the names that is installed
    assert claim_store._version("no-such-package-lsl", "keras") == claim_store._version("keras")


def test_the_default_folder_follows_xdg_cache_home_else_the_home_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_dir() == tmp_path / "xdg" / "lstm-state-lab"
    store = ClaimStore()
    assert store.directory == tmp_path / "xdg" / "lstm-state-lab" and store.directory.is_dir()
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_dir() == tmp_path / "home" / ".cache" / "lstm-state-lab"


def test_a_folder_that_cannot_be_written_falls_back_to_the_temp_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a regular file where a parent folder should be: creating the folder fails (even as root,
    # unlike a read-only mode)
    (tmp_path / "blocked").write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    store = ClaimStore(tmp_path / "blocked" / "cache")
    assert store.directory == tmp_path / "tmp" / f"lstm-state-lab-{os.getuid()}"
    store.put("gru-one-state", VERDICT)
    assert ClaimStore(tmp_path / "blocked" / "cache").get("gru-one-state") == VERDICT
    assert not (store.directory / ".probe").exists()
