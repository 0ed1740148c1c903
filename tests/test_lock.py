"""requirements.lock pins every dependency (and the tests') to a version pyproject allows."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def test_every_dependency_is_pinned_within_its_bounds() -> None:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = [*project["dependencies"], *extras["test"], *extras["backends"]]
    for spec in map(Requirement, wanted):
        if spec.marker is not None and not spec.marker.evaluate():
            continue  # another platform's package (tensorflow on aarch64)
        name = canonicalize_name(spec.name)
        assert name in pins, f"{spec.name} is not in requirements.lock (make lock)"
        assert spec.specifier.contains(pins[name], prereleases=True), (spec, pins[name])
