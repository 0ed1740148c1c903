"""The app factory (app/main.py): every router's routes served, the error handlers and
middleware wired, the job engine chosen by the settings, and a lifespan that readies the app
and tears it down. What each route answers is tests/api/'s."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from app import main
from app.api import (
    backends,
    claims,
    experiments,
    exports,
    generate,
    health,
    lessons,
    live,
    pages,
    presets,
    traces,
)
from app.api.deps import ClientGone
from app.errors import JobFailed, ScenarioError
from app.jobqueue import LocalJobQueue
from app.main import create_app
from app.redis_queue import RedisJobQueue
from app.settings import Settings
from app.workers import WorkerProcess
from tests import serving

ROUTERS = (
    health,
    presets,
    traces,
    exports,
    live,
    claims,
    backends,
    lessons,
    experiments,
    generate,
    pages,
)


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    # cache_dir: the claim store writes here, not in the home folder
    return Settings(warm_up=False, cache_dir=str(tmp_path), **overrides)  # type: ignore[arg-type]


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return create_app(_settings(tmp_path))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def test_every_routers_routes_are_served(app: FastAPI) -> None:
    for module in ROUTERS:
        assert module.router.routes, module.__name__
        for route in module.router.routes:
            params = {name: "1" for name in route.param_convertors}  # type: ignore[attr-defined]
            # found through the app's own router: the module's router is included in it
            found = app.url_path_for(route.name, **params)  # type: ignore[attr-defined]
            assert found == route.url_path_for(route.name, **params)  # type: ignore[attr-defined]


def test_the_probes_the_live_socket_and_the_api_are_at_their_addresses(app: FastAPI) -> None:
    for name, path in (
        ("healthz", "/healthz"),
        ("readyz", "/readyz"),
        ("metrics_endpoint", "/metrics"),
        ("live", "/ws/live"),
        ("create_trace", "/api/traces"),
        ("index", "/"),
    ):
        assert app.url_path_for(name) == path


def test_static_files_are_mounted_and_fastapis_cdn_docs_are_off(app: FastAPI) -> None:
    mounts = [r for r in app.routes if isinstance(r, Mount)]
    assert [(m.path, m.name) for m in mounts] == [("/static", "static")]
    assert app.url_path_for("static", path="css/app.css") == "/static/css/app.css"
    assert app.docs_url is None and app.redoc_url is None  # /docs is pages' (local assets)
    assert app.title == "LSTM State Lab"


def test_the_settings_given_are_the_apps(tmp_path: Path) -> None:
    settings = _settings(tmp_path, max_body_bytes=4096)
    assert create_app(settings).state.settings is settings


def test_the_lifespan_readies_the_app_and_its_services(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, tf_workers=3))
    bare = TestClient(app)  # used outside `with`: no lifespan run, so not ready
    try:
        assert bare.get("/readyz").status_code == 503
    finally:
        bare.close()
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"ready": True}
        state = app.state
        assert isinstance(state.jobs, LocalJobQueue) and state.jobs.worker.name == "jobs"
        assert state.tf_limiter.total_tokens == 3
        assert state.claims.store.directory == tmp_path
        assert state.claims.jobs is state.jobs
        # warm_up=False: no worker process is started before it is needed
        assert state.jobs.worker.pid is None


def test_leaving_the_lifespan_marks_this_process_exited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exited: list[int] = []
    monkeypatch.setattr(main.metrics, "process_exited", exited.append)
    with TestClient(create_app(_settings(tmp_path))) as client:
        client.get("/healthz")
        assert exited == []
    assert exited == [os.getpid()]


def test_a_lab_error_is_answered_as_structured_json_with_its_status(
    app: FastAPI, client: TestClient
) -> None:
    async def scenario_error() -> None:
        raise ScenarioError("3 samples", code="too_few_samples", samples=3)

    async def job_failed() -> None:
        raise JobFailed("the job was cancelled", code="cancelled")

    app.add_api_route("/test/scenario-error", scenario_error)
    app.add_api_route("/test/job-failed", job_failed)
    r = client.get("/test/scenario-error")
    assert r.status_code == 422
    assert r.json() == {
        "error": "invalid_scenario",
        "code": "too_few_samples",
        "message": "3 samples",
        "samples": 3,
    }
    r = client.get("/test/job-failed")
    assert r.status_code == 503 and r.json()["code"] == "cancelled"


def test_a_client_that_left_gets_499_not_a_500(app: FastAPI, client: TestClient) -> None:
    async def gone() -> None:
        raise ClientGone

    app.add_api_route("/test/gone", gone)
    assert client.get("/test/gone").status_code == 499


def test_an_invalid_body_is_a_structured_422(client: TestClient) -> None:
    r = client.post("/api/traces", json={"model": {"layers": [{"units": 500}]}})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_request" and body["code"] == "less_than_equal"
    assert body["field"] == "model.layers.0.units"


def test_a_missing_page_is_the_404_page_for_a_browser_and_json_for_the_api(
    client: TestClient,
) -> None:
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = client.get("/api/no-such-thing", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    r = client.get("/healthz")
    assert "frame-ancestors" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_body_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, max_body_bytes=1024))) as client:
        r = client.post(
            "/api/traces",
            content=b'{"x": "' + b"a" * 2000 + b'"}',
            headers={"content-type": "application/json"},
        )
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


def test_only_the_trusted_hosts_are_answered(tmp_path: Path) -> None:
    # blanks between commas are ignored, not taken as a host
    settings = _settings(tmp_path, trusted_hosts=" lab.example.org , ,testserver")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200  # Host: testserver
        assert client.get("/healthz", headers={"host": "lab.example.org"}).status_code == 200
        assert client.get("/healthz", headers={"host": "evil.example"}).status_code == 400


def test_the_embedded_job_engine_is_the_default(tmp_path: Path) -> None:
    worker = WorkerProcess("jobs", warm_up=False)
    settings = _settings(tmp_path, experiment_jobs=2, max_pending_jobs=7)
    queue = main._job_queue(settings, worker)
    assert isinstance(queue, LocalJobQueue)
    assert queue.worker is worker and queue.max_pending == 7
    assert queue.jobs.slots._value == 2  # experiments trained at once


def test_a_redis_url_selects_the_redis_job_engine(tmp_path: Path) -> None:
    # nothing listens there: the clients connect on first use only
    settings = _settings(
        tmp_path,
        redis_url="redis://127.0.0.1:1/0",
        queue_name="lab-test",
        max_pending_jobs=9,
        job_result_ttl_s=120,
    )
    queue = main._job_queue(settings, WorkerProcess("jobs", warm_up=False))
    try:
        assert isinstance(queue, RedisJobQueue)
        assert queue.queue.name == "lab-test"
        assert queue.max_pending == 9 and queue.result_ttl_s == 120
    finally:
        serving.run_async(queue.close, timeout=30)


def test_worker_processes_follow_the_settings(tmp_path: Path) -> None:
    one = main._workers(_settings(tmp_path, trace_lanes=1, worker_nice=7, worker_tf_threads=2))
    assert set(one) == {"jobs", "big"}
    assert all(w.nice == 7 and w.tf_threads == 2 and not w.warm_up for w in one.values())
    two = main._workers(_settings(tmp_path, trace_lanes=2, worker_nice=7))
    assert set(two) == {"jobs", "big", "lane"}
    assert two["lane"].nice == 0  # the explorer's second lane keeps full priority
    assert all(w.pid is None for w in (*one.values(), *two.values()))  # none started yet
