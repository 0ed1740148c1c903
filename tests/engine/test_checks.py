"""Every claim's check runs on the installed Keras; the verdicts are what Keras 3 does."""

import json

import pytest

from app import i18n
from app.claims import BY_ID, CLAIMS
from app.engine import checks

EXPECTED = {
    "stateless-reset-per-batch": "holds",
    "stateless-reset-per-sample": "holds",
    "stateless-shared-within-batch": "does_not_hold",
    "stateful-row-to-row": "holds",
    "stateful-last-to-first": "does_not_hold",
    "stateful-equals-long-sequence": "holds",
    "predict-resets": "does_not_hold",
    "reset-carries-not-zero": "does_not_hold",
    "fit-resets-each-epoch": "does_not_hold",
    "fixed-batch-required": "holds",
    "shuffle-breaks-continuity": "holds",
    "lahead-equals-batch": "holds",
    "batch-times-steps-equals-length": "does_not_hold",
    "wrong-shape-state-silent": "does_not_hold",
    "last-output-is-h": "holds",
    "gru-one-state": "holds",
    "stateful-helps-when-lahead-small": "holds",
}


def test_every_claim_has_its_own_module() -> None:
    modules = {p.stem for p in checks.HERE.glob("*.py")} - {"__init__", "common"}
    assert modules == {checks.module_name(c.id) for c in CLAIMS}
    assert {c.id for c in CLAIMS} == set(EXPECTED)


@pytest.mark.parametrize("claim_id", list(EXPECTED))
def test_check_runs_on_keras(claim_id: str) -> None:
    result = checks.run(claim_id)
    assert result["verdict"] == EXPECTED[claim_id], result
    assert result["finding"] and result["evidence"]
    assert result["keras_version"].startswith("3.")
    # The English finding is its template (app/claims.py) filled with the JSON-safe params,
    # so every language can fill its own translation of that template the same way.
    key, params = result["finding_key"], result["finding_params"]
    assert json.loads(json.dumps(params)) == params
    assert BY_ID[claim_id].findings[key].format(**params) == result["finding"]
    assert i18n.translate("en", f"claim.{claim_id}.finding.{key}", **params) == result["finding"]
    for lang in i18n.LANGS:
        assert "{" not in i18n.translate(lang, f"claim.{claim_id}.finding.{key}", **params)


def test_evidence_backs_the_verdicts() -> None:
    row = checks.run("stateful-row-to-row")["evidence"]
    assert row["max_abs_diff"] == 0.0
    last = checks.run("stateful-last-to-first")["evidence"]
    assert last["max_abs_diff"] > 1e-3
    reset = checks.run("reset-carries-not-zero")["evidence"]
    assert reset["max_abs_state_before_reset"] > 0 == reset["max_abs_state_after_reset"]
    shuffle = checks.run("shuffle-breaks-continuity")["evidence"]
    assert shuffle["continued_handoffs"] < shuffle["handoffs"] == 12
    wrong = checks.run("wrong-shape-state-silent")["evidence"]
    assert "must match" in wrong["assign_error"] and wrong["next_call_error"]
