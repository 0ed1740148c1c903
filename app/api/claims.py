"""The claim checker: every claim of CLAIMS.md, its check's source, and a run on Keras."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from app import i18n, metrics
from app.api.deps import owner, while_connected
from app.api.errors import NOT_FOUND
from app.api.lessons import Lang
from app.claim_store import ClaimStore
from app.claims import BY_ID, CLAIMS
from app.errors import LabError
from app.jobqueue import JobQueue

router = APIRouter(prefix="/api/claims", tags=["claims"])
log = logging.getLogger(__name__)
CHECKS = Path(__file__).resolve().parents[1] / "engine" / "checks"


@cache
def sources() -> dict[str, str]:
    """Each check's module, as its file reads (app/engine/checks/<claim_id>.py; read, never
    imported: the web layer does not import TensorFlow)."""
    return {
        c.id: (CHECKS / f"{c.id.replace('-', '_')}.py").read_text(encoding="utf-8") for c in CLAIMS
    }


@router.get("")
async def list_claims(lang: Lang = "en") -> list[dict[str, str]]:
    """Every claim, its text in `lang`, where it is made, and its check's source."""
    code = sources()
    return [
        {
            "id": c.id,
            "text": i18n.translate(lang, f"claim.{c.id}.text"),
            "source": i18n.translate(lang, f"claim.{c.id}.source"),
            "code": code.get(c.id, ""),
            "explore": f"/?{c.explore}",
            "rival": c.rival,
        }
        for c in CLAIMS
    ]


QUIET_S = 30.0


def _quiet() -> bool:
    """No live session open and no request for QUIET_S: nobody waits behind the fill."""
    return metrics.idle_for() >= QUIET_S


class ClaimRuns:
    """Claim checks run on a worker (through the job queue), one run per claim at a time (a
    class pressing "Run all" together computes each claim once), results kept on disk."""

    def __init__(self, store: ClaimStore, jobs: JobQueue) -> None:
        self.store, self.jobs = store, jobs
        self.running: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def run(self, claim_id: str, ahead: bool = True, owner: Any = None) -> dict[str, Any]:
        """`ahead`: the other backends' processes go on to settle the other claims too.
        Finished even when its client leaves (the result is kept for everyone); `owner`
        takes turns with others in the worker."""
        future = self.running.get(claim_id)
        if future is None:
            future = asyncio.ensure_future(self._compute(claim_id, ahead, owner))
            self.running[claim_id] = future
            future.add_done_callback(lambda f: self._done(claim_id, f))
        return await asyncio.shield(future)

    def _done(self, claim_id: str, future: asyncio.Future[dict[str, Any]]) -> None:
        self.running.pop(claim_id, None)
        if not future.cancelled():
            future.exception()  # retrieved here: its waiters may all have left

    async def _compute(self, claim_id: str, ahead: bool, owner: Any) -> dict[str, Any]:
        # keyed by claim and installed versions: replicas asking at once share one run
        key = f"{claim_id}@{self.store.path.stem}@{datetime.now(UTC):%Y%m%d%H%M%S}"
        result: dict[str, Any] = await self.jobs.call(
            "claim", claim_id, ahead, key=key, owner=owner
        )
        result["computed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.store.put(claim_id, result)
        return result

    async def fill(self, quiet: Callable[[], bool] = _quiet, poll_s: float = 5.0) -> None:
        """Compute every claim the store lacks (once per Keras/TF version), one by one, each
        only once nobody has used the server for a while: a class never shares the CPU with
        it, and a claim asked for never waits behind it in the jobs worker.
        (Measured, 30 students loading at once while it ran: load p95 18.7 s, 6.6 s without.)"""
        for claim in CLAIMS:
            if self.store.get(claim.id) is None:
                while not quiet():
                    await asyncio.sleep(poll_s)
                try:
                    await self.run(claim.id)
                except LabError:
                    log.warning("claim check failed", extra={"claim": claim.id})


def _runs(request: Request) -> ClaimRuns:
    runs: ClaimRuns = request.app.state.claims
    return runs


Runs = Annotated[ClaimRuns, Depends(_runs)]


def _in(lang: str, result: dict[str, Any]) -> dict[str, Any]:
    """The result's findings in `lang`: its own and each backend's."""
    if lang == i18n.DEFAULT:
        return result

    def said(r: dict[str, Any]) -> str:
        key = f"claim.{result['id']}.finding.{r['finding_key']}"
        return i18n.translate(lang, key, **r["finding_params"])

    out = {**result, "finding": said(result)}
    if "backends" in result:
        out["backends"] = {
            b: {**r, "finding": said(r)} if "finding_key" in r else r
            for b, r in result["backends"].items()
        }
    return out


@router.get("/results")
async def cached_results(runs: Runs, lang: Lang = "en") -> dict[str, Any]:
    """Every claim result kept for the installed Keras/TensorFlow (no computation): what the
    claims page shows at once."""
    return {
        "fingerprint": runs.store.path.stem,
        "results": {
            c.id: _in(lang, found) for c in CLAIMS if (found := runs.store.get(c.id)) is not None
        },
    }


@router.post("/{claim_id}/run", responses=NOT_FOUND)
async def run_claim(
    claim_id: str, request: Request, runs: Runs, lang: Lang = "en", fresh: bool = False
) -> dict[str, Any]:
    """The claim's check on the installed Keras: verdict, finding (in `lang`), evidence,
    versions. finding_key and finding_params name the finding's template and its values.
    The kept result unless `fresh` (then the check runs again, in the worker process)."""
    if claim_id not in BY_ID:
        raise HTTPException(404, f"no claim {claim_id!r}; see GET /api/claims")
    kept = None if fresh else runs.store.get(claim_id)
    if kept is not None:
        return {**_in(lang, kept), "cached": True}
    # one claim run again settles only itself on the other backends; a kept-or-computed one
    # ("Run all") has the others settled ahead in the same backend processes
    result = await while_connected(request, runs.run(claim_id, not fresh, owner(request)))
    return {**_in(lang, result), "cached": False}
