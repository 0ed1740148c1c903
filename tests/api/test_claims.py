import asyncio
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.claims import CLAIMS
from app.engine.checks import HERE as CHECKS
from tests import serving


def test_list_has_every_claim_with_its_program(client: TestClient) -> None:
    claims = client.get("/api/claims").json()
    assert len(claims) == len(CLAIMS)
    for c in claims:
        assert c["text"] and c["source"]
        # the check's own module, as its file reads
        module = CHECKS / f"{c['id'].replace('-', '_')}.py"
        assert c["code"] == module.read_text(encoding="utf-8"), c["id"]
        assert f'CLAIM = "{c["id"]}"' in c["code"]
        assert "def check_here() -> Result:" in c["code"]


@pytest.mark.slow
def test_run_one_claim(client: TestClient) -> None:
    r = client.post("/api/claims/gru-one-state/run")
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "holds"
    assert body["evidence"]["LSTM"]["state_variables"] == 2


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "ja", "zh-Hans"])
def test_run_gives_the_finding_in_the_page_language(client: TestClient, lang: str) -> None:
    english = client.post("/api/claims/batch-times-steps-equals-length/run").json()
    params = english["finding_params"]
    assert english["finding_key"] == "finding"
    assert params["batches"] == 4 and params["rows_times_steps"] == 10
    assert english["finding"].startswith("A sequence of 40 steps runs in 4 stateful batches")
    body = client.post(f"/api/claims/batch-times-steps-equals-length/run?lang={lang}").json()
    assert body["finding"] != english["finding"]
    assert body["finding_params"] == params and body["evidence"] == english["evidence"]
    for value in params.values():
        assert str(value) in body["finding"], (lang, value)
    assert "{" not in body["finding"]


def test_unknown_claim_is_404(client: TestClient) -> None:
    r = client.post("/api/claims/nope/run")
    assert r.status_code == 404 and "GET /api/claims" in r.json()["detail"]


def test_claims_page_lists_them(client: TestClient) -> None:
    html = client.get("/claims").text
    assert html.count('class="claim"') == len(CLAIMS)
    assert "https://" not in html


def test_a_result_is_kept_on_disk_and_fresh_recomputes(
    client: TestClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from app.claim_store import ClaimStore, fingerprint

    first = client.post("/api/claims/gru-one-state/run?fresh=true").json()
    assert first["cached"] is False and first["computed_at"]
    kept = client.post("/api/claims/gru-one-state/run").json()
    assert kept["cached"] is True and kept["computed_at"] == first["computed_at"]
    assert kept["evidence"] == first["evidence"]
    results = client.get("/api/claims/results?lang=fr").json()
    assert fingerprint() in results["fingerprint"]
    assert results["results"]["gru-one-state"]["computed_at"] == first["computed_at"]
    assert results["results"]["gru-one-state"]["finding"] != first["finding"]  # in French
    # on disk: a new process (a new store on the same directory) starts with it
    store = ClaimStore(client.app.state.claims.store.directory)  # type: ignore[attr-defined]
    assert store.get("gru-one-state") == client.app.state.claims.store.get("gru-one-state")  # type: ignore[attr-defined]
    again = client.post("/api/claims/gru-one-state/run?fresh=true").json()
    assert again["cached"] is False and again["computed_at"] >= first["computed_at"]


def test_claims_run_in_the_worker_process(client: TestClient) -> None:
    import os

    client.post("/api/claims/gru-one-state/run?fresh=true")
    heavy = client.app.state.jobs.worker  # type: ignore[attr-defined]
    assert heavy.pid is not None and heavy.pid != os.getpid()


def test_every_claim_opens_its_own_valid_scenario_in_the_explorer(client: TestClient) -> None:
    from urllib.parse import parse_qsl, urlparse

    from app.scenario import Scenario
    from tests import node

    claims = client.get("/api/claims").json()
    params = [dict(parse_qsl(urlparse(c["explore"]).query)) for c in claims]
    assert all(p.get("preset") for p in params)
    scenario_js = node.module("js/scenario.js")
    posted = node.evaluate(
        f"const {{ DEFAULTS, paramsFromUrl, scenarioFromParams }} = await import({scenario_js});\n"
        "const all = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(all.map((q) => "
        "scenarioFromParams(paramsFromUrl(new URLSearchParams(q).toString())))));",
        json.dumps(params),
    )
    for claim, raw in zip(claims, posted, strict=True):
        Scenario.model_validate(raw)  # what the page will post is a valid scenario
        assert raw["data"]["preset"] == dict(parse_qsl(urlparse(claim["explore"]).query))["preset"]
    rivals = {c["id"]: c["rival"] for c in claims if c["rival"]}
    assert rivals == {
        "stateless-reset-per-batch": "stateless-reset-per-sample",
        "stateless-reset-per-sample": "stateless-reset-per-batch",
    }
    page = client.get("/claims").text
    for rival in rivals:
        assert f'href="#claim-{rivals[rival]}"' in page


@pytest.mark.parametrize(
    ("lang", "word"),
    [("en", "question"), ("fr", "question"), ("ja", "質問"), ("zh-Hans", "问题")],
)
def test_claim_sources_are_translated(client: TestClient, lang: str, word: str) -> None:
    claims = client.get("/api/claims", params={"lang": lang}).json()
    assert all(word in c["source"] or "Keras" in c["source"] for c in claims), lang
    assert not any("seed 00" in c["source"] for c in claims)  # "seed" is the weights' seed


def test_claims_are_filled_in_only_while_no_class_is_on(tmp_path: Path) -> None:
    """The start-up fill computes nothing while a live session is open (a class would share
    the CPU with it) and goes on once none is."""
    from app.api.claims import ClaimRuns
    from app.claim_store import ClaimStore

    asked: list[str] = []

    class Jobs:
        async def call(
            self, task: str, claim_id: str, ahead: bool, key: str, owner: object
        ) -> dict[str, object]:
            assert ahead  # the fill has every backend settle the other claims ahead
            asked.append(claim_id)
            return {"id": claim_id, "verdict": "holds"}

    async def scenario() -> None:
        class_on = [True]
        runs = ClaimRuns(ClaimStore(tmp_path), Jobs())  # type: ignore[arg-type]
        filling = asyncio.ensure_future(runs.fill(quiet=lambda: not class_on[0], poll_s=0.01))
        await asyncio.sleep(0.2)
        assert asked == []  # a class is on: nothing computed
        class_on[0] = False
        await asyncio.wait_for(filling, 10)
        assert asked == [c.id for c in CLAIMS]
        assert all(runs.store.get(c.id) for c in CLAIMS)

    serving.run_async(scenario, timeout=30)  # its own thread: Playwright may hold this one's loop


def test_the_server_is_quiet_only_when_nobody_used_it(client: TestClient) -> None:
    """What the fill waits for: probes and scrapes leave the server quiet, a page request or a
    live session does not."""
    from app import metrics
    from app.api import claims

    client.get("/claims")
    assert metrics.idle_for() < 5 and not claims._quiet()
    before = metrics.last_active
    for probe in ("/healthz", "/readyz", "/metrics"):
        client.get(probe)
    assert metrics.last_active == before
    metrics.last_active -= claims.QUIET_S  # as if the page was asked QUIET_S ago
    assert claims._quiet()
    with client.websocket_connect("/ws/live"):
        assert metrics.idle_for() == 0 and not claims._quiet()
