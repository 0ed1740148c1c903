"""Every claim's check runs on the installed Keras; the verdicts are what Keras 3 does."""

import importlib
import json
import os
from typing import Any

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
# every claim on the other backends (Keras 3.15.1, JAX 0.10.2, PyTorch 2.13.0 CPU), found by
# running them: (verdict, finding_key)
SAME = {c: (v, "finding") for c, v in list(EXPECTED.items())[:17]}
ELSEWHERE = {
    "jax": {
        **SAME,
        # fit() keeps no state on JAX (stateful-fit-carries-state), so nothing carries over
        "fit-resets-each-epoch": ("holds", "never_carried"),
        "fixed-batch-required": ("holds", "raises"),
        "stateful-helps-when-lahead-small": ("depends", "not_carried"),
        "stateful-predict-carries-state": ("does_not_hold", "not_carried"),
        "partial-batch-filled-silently": ("does_not_hold", "raises"),
        "saved-model-keeps-states": ("does_not_hold", "dropped"),
        "reset-state-takes-values": ("does_not_hold", "refused"),
        "stateful-fit-carries-state": ("does_not_hold", "not_carried"),
        "batch-input-shape-accepted": ("does_not_hold", "refused"),
        "fit-takes-batch-from-model": ("does_not_hold", "refused"),
    },
    "torch": {
        **SAME,
        # keras#20875: training a stateful LSTM or GRU raises "modified by an inplace operation"
        "predict-resets": ("does_not_hold", "train_raises"),
        "fit-resets-each-epoch": ("raises", "raises"),
        "fixed-batch-required": ("holds", "raises"),
        "stateful-helps-when-lahead-small": ("raises", "raises"),
        "stateful-predict-carries-state": ("holds", "carries"),
        "partial-batch-filled-silently": ("does_not_hold", "raises"),
        "saved-model-keeps-states": ("does_not_hold", "dropped"),
        "reset-state-takes-values": ("does_not_hold", "refused"),
        # use_cudnn=False runs
        "stateful-fit-carries-state": ("does_not_hold", "raises"),
        "batch-input-shape-accepted": ("does_not_hold", "refused"),
        "fit-takes-batch-from-model": ("does_not_hold", "refused"),
    },
}
# which of its hand-offs a seeded shuffle happens to continue differs by backend
EITHER_KEY = {"shuffle-breaks-continuity": {"finding", "none"}}


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
    _settled_side_by_side(claim_id, result)


def _settled_side_by_side(claim_id: str, result: dict[str, object]) -> None:
    """A claim carries every backend's verdict, each with a finding the page can translate; each
    is what that backend does (the extra `backends` installs them: make test). A finding that
    differs from TensorFlow's names its backend."""
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
        verdict, key = expected[claim_id]
        assert side["verdict"] == verdict and side["version"], side
        assert side["finding_key"] in EITHER_KEY.get(claim_id, {key}), side
        named = side["verdict"] != result["verdict"] or "{backend}" in BY_ID[claim_id].findings[key]
        assert not named or f"On {backend}," in side["finding"], side
        for lang in i18n.LANGS:
            text = i18n.translate(
                lang, f"claim.{claim_id}.finding.{side['finding_key']}", **side["finding_params"]
            )
            assert "{" not in text and (not named or backend in text)
    if missing:
        pytest.skip(f"not installed: {missing} (pip install -e '.[backends]')")


def _here(claim_id: str) -> dict[str, Any]:
    """The check on TensorFlow alone (no other backend's process)."""
    module = importlib.import_module(f"app.engine.checks.{checks.module_name(claim_id)}")
    return module.check_here()["evidence"]  # type: ignore[no-any-return]


def test_evidence_backs_the_verdicts() -> None:
    row = _here("stateful-row-to-row")
    assert row["max_abs_diff_batch1_vs_started_from_row_i"] <= 1e-6
    last = _here("stateful-last-to-first")
    assert last["max_abs_diff_row0_vs_started_from_last_row"] > 1e-3
    assert last["max_abs_diff_vs_started_from_same_row"] <= 1e-6
    reset = _here("reset-carries-not-zero")
    assert reset["max_abs_state_before_reset"] > 0 == reset["max_abs_state_after_reset"]
    shuffle = _here("shuffle-breaks-continuity")
    assert shuffle["continued_handoffs"] < shuffle["handoffs"] == 12
    wrong = _here("wrong-shape-state-silent")
    assert "must match" in wrong["assign_error"] and wrong["next_call_error"]
    epochs = _here("fit-resets-each-epoch")
    assert epochs["max_abs_state_after_epoch1"] > 0 == epochs["diff_to_state_after_epoch1"]
