"""The claim checker: every claim of CLAIMS.md, its check's source, and a run on Keras."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Request

from app import i18n
from app.api.errors import NOT_FOUND
from app.api.lessons import Lang
from app.claims import BY_ID, CLAIMS

router = APIRouter(prefix="/api/claims", tags=["claims"])
CHECKS_FILE = Path(__file__).resolve().parents[1] / "engine" / "claim_checks.py"


@cache
def sources() -> dict[str, str]:
    """Each check's source, read from the file (no TensorFlow import in the web layer)."""
    text = CHECKS_FILE.read_text(encoding="utf-8")
    out = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "check":
                    claim_id = deco.args[0].value  # type: ignore[attr-defined]
                    out[claim_id] = ast.get_source_segment(text, node) or ""
    return out


@router.get("")
async def list_claims(lang: Lang = "en") -> list[dict[str, str]]:
    """Every claim, its text in `lang`, where it is made, and its check's source."""
    code = sources()
    return [
        {
            "id": c.id,
            "text": i18n.translate(lang, f"claim.{c.id}.text"),
            "source": c.source,
            "code": code.get(c.id, ""),
        }
        for c in CLAIMS
    ]


def _run(claim_id: str) -> dict[str, Any]:
    from app.engine import claim_checks  # loaded with the engine at start-up

    return claim_checks.run(claim_id)


@router.post("/{claim_id}/run", responses=NOT_FOUND)
async def run_claim(claim_id: str, request: Request, lang: Lang = "en") -> dict[str, Any]:
    """Run the claim's check on the installed Keras: verdict, finding (in `lang`), evidence,
    versions. finding_key and finding_params name the finding's template and its values."""
    if claim_id not in BY_ID:
        raise HTTPException(404, f"no claim {claim_id!r}; see GET /api/claims")
    result = await anyio.to_thread.run_sync(_run, claim_id, limiter=request.app.state.tf_limiter)
    if lang != i18n.DEFAULT:
        key = f"claim.{claim_id}.finding.{result['finding_key']}"
        result["finding"] = i18n.translate(lang, key, **result["finding_params"])
    return result
