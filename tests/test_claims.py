"""The claims, read from content/claims/*.yaml: one file each, each with its check module."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.claims import BY_ID, CLAIM_DIR, CLAIMS, load

CHECKS = Path(__file__).resolve().parents[1] / "app" / "engine" / "checks"


def test_every_file_is_a_claim_in_the_order_of_its_number() -> None:
    files = sorted(CLAIM_DIR.glob("*.yaml"))
    assert [c.id for c in CLAIMS] == [f.stem[3:] for f in files]
    assert len(BY_ID) == len(CLAIMS) >= 20


def test_every_claim_has_its_own_check_module_and_every_check_a_claim() -> None:
    modules = {p.stem for p in CHECKS.glob("*.py")} - {"__init__", "common", "keras_only"}
    assert {c.id.replace("-", "_") for c in CLAIMS} == modules


def test_a_rival_is_a_claim_and_comes_with_its_reconciliation() -> None:
    for c in CLAIMS:
        if c.rival:
            assert c.rival in BY_ID and c.rival != c.id
            assert c.reconcile, c.id


def test_a_misnamed_file_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "stateful.yaml").write_text("text: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape("stateful.yaml: claim files are named NN-")):
        load(tmp_path)


def test_a_typo_in_a_field_is_refused(tmp_path: Path) -> None:
    (tmp_path / "01-some-claim.yaml").write_text(
        "text: x\nsource: q\nfindings: {finding: y}\nexplore: preset=ramp\nrivals: other\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match="rivals"):
        load(tmp_path)
    (tmp_path / "01-some-claim.yaml").write_text(
        "text: x\nsource: q\nfindings: {finding: y}\nexplore: preset=ramp\n", encoding="utf-8"
    )
    assert load(tmp_path)[0].id == "some-claim"
