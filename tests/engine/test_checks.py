"""Every claim's check runs on the installed Keras; the verdicts are what Keras 3 does."""

import json
import os

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
    # portable: on TensorFlow (the verdicts on the other backends: tests/engine/test_backends.py)
    "stateful-predict-carries-state": "holds",
    "partial-batch-filled-silently": "holds",
    "saved-model-keeps-states": "does_not_hold",
    "reset-state-takes-values": "does_not_hold",
    "stateful-fit-carries-state": "holds",
    "batch-input-shape-accepted": "does_not_hold",
    "fit-takes-batch-from-model": "does_not_hold",
}
# the portable claims on the other backends (Keras 3.15.1, JAX 0.10.2, PyTorch 2.13.0 CPU),
# found by running them
ELSEWHERE = {
    "jax": {
        "stateful-predict-carries-state": ("does_not_hold", "not_carried"),
        "partial-batch-filled-silently": ("does_not_hold", "raises"),
        "saved-model-keeps-states": ("does_not_hold", "dropped"),
        "reset-state-takes-values": ("does_not_hold", "refused"),
        "stateful-fit-carries-state": ("does_not_hold", "not_carried"),
        "batch-input-shape-accepted": ("does_not_hold", "refused"),
        "fit-takes-batch-from-model": ("does_not_hold", "refused"),
    },
    "torch": {
        "stateful-predict-carries-state": ("holds", "carries"),
        "partial-batch-filled-silently": ("does_not_hold", "raises"),
        "saved-model-keeps-states": ("does_not_hold", "dropped"),
        "reset-state-takes-values": ("does_not_hold", "refused"),
        # keras#20875: LSTM and GRU raise "modified by an inplace operation"; use_cudnn=False runs
        "stateful-fit-carries-state": ("does_not_hold", "raises"),
        "batch-input-shape-accepted": ("does_not_hold", "refused"),
        "fit-takes-batch-from-model": ("does_not_hold", "refused"),
    },
}


def test_every_claim_has_its_own_module() -> None:
    modules = {p.stem for p in checks.HERE.glob("*.py")} - {"__init__", "common", "keras_only"}
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
    if checks.is_portable(claim_id):
        _settled_side_by_side(claim_id, result)


def _settled_side_by_side(claim_id: str, result: dict[str, object]) -> None:
    """A portable claim carries every backend's verdict, each with a finding the page can
    translate; each is what that backend does (the extra `backends` installs them: make test)."""
    sides = result["backends"]
    assert isinstance(sides, dict)
    assert sides["tensorflow"]["verdict"] == result["verdict"]
    missing = [b for b in ELSEWHERE if sides[b]["verdict"] == "not_installed"]
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"{missing} required in CI (make test installs the backends extra)")
    for backend, expected in ELSEWHERE.items():
        if backend in missing:
            continue
        side = sides[backend]
        assert (side["verdict"], side["finding_key"]) == expected[claim_id], side
        assert f"On {backend}," in side["finding"] and side["version"]
        for lang in i18n.LANGS:
            text = i18n.translate(
                lang, f"claim.{claim_id}.finding.{side['finding_key']}", **side["finding_params"]
            )
            assert "{" not in text and backend in text
    if missing:
        pytest.skip(f"not installed: {missing} (pip install -e '.[backends]')")


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
