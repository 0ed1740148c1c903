"""Claim results kept on disk, once per installed Keras/TensorFlow and version of the checks.

A claim's verdict only changes when Keras, TensorFlow or the check itself changes, so the
claims page answers from this file; "Run it on Keras" recomputes one check on demand.
No TensorFlow: versions come from the installed packages' metadata.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

CHECKS_DIR = Path(__file__).resolve().parent / "engine" / "checks"


def _version(*names: str) -> str:
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            return metadata.version(name)
    return "none"


def fingerprint() -> str:
    """Keras, its backends and the checks' source: a result is valid for exactly these."""
    digest = hashlib.sha256()
    for path in sorted(CHECKS_DIR.glob("*.py")):  # every check's module and what they share
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    checks = digest.hexdigest()[:12]
    keras = _version("keras")
    tf = _version("tensorflow-cpu", "tensorflow")
    # portable claims are also settled on these: another version is another verdict
    others = f"jax{_version('jax')}-torch{_version('torch')}"
    return f"keras{keras}-tf{tf}-{others}-checks{checks}"


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lstm-state-lab"


def _writable(directory: Path) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".probe"
        probe.write_text("")
        probe.unlink()
        return directory
    except OSError:  # e.g. a read-only home in a container: the temp dir still works
        fallback = Path(tempfile.gettempdir()) / f"lstm-state-lab-{os.getuid()}"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


class ClaimStore:
    """One JSON file per fingerprint, shared by every server process on the machine."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = _writable(directory or default_dir())
        self.path = self.directory / f"claims-{fingerprint()}.json"
        self.results: dict[str, dict[str, Any]] = self._read()

    def _read(self) -> dict[str, dict[str, Any]]:
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                return loaded
        return {}

    def get(self, claim_id: str) -> dict[str, Any] | None:
        if claim_id not in self.results:  # another process may have settled it since
            self.results = {**self._read(), **self.results}
        return self.results.get(claim_id)

    def put(self, claim_id: str, result: dict[str, Any]) -> None:
        # Under a lock, merged with the file as it is now: each process writing its own copy
        # dropped the verdicts other processes had written since it started.
        with open(self.directory / ".claims.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.results = {**self._read(), **self.results, claim_id: result}
            # a temp file and a rename: a reader never sees half of it
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.results, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.path)
