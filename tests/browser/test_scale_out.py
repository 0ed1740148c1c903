"""A course's deployment, for real: two server replicas behind the shipped nginx.conf, one
Redis, one `lstm-state-lab worker`, Chromium through the proxy.

The explorer goes live with the browser's own Origin; traces are byte-identical from either
replica and through the proxy; the experiment page runs a job to the
end; status and progress answer from either replica; a replica killed mid-stream is survived
by the page; everything but Redis restarted, the result is still there; the worker killed
mid-job, the job is retried on the next one.
"""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests import proxy, redis_server, serving

if proxy.NGINX is None and os.environ.get("CI") != "true":
    pytest.skip("nginx is not installed here (.ci/run installs it)", allow_module_level=True)

SMALL = ("2,1,1\n2,2,2", "60", "1")
MEDIUM = ("2,2,1\n2,1,2", "200", "3")
LONG = ("2,1,1\n2,2,2\n2,1,2", "300", "3")  # ~15 s on a worker: time to kill both replicas


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def _post(url: str) -> bytes:
    body = json.dumps(
        {
            "data": {"preset": "poem"},
            "batching": {"batch_size": 2, "timesteps": 5},
            "schedule": {"ops": [{"op": "fit", "epochs": 2, "shuffle": True}]},
        }
    )
    req = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return bytes(r.read())


def _run(page: Any, configs: str, input_len: str, epochs: str) -> None:
    form = page.locator("#exp-form")
    form.locator("textarea[name=configs]").fill(configs)
    form.locator("input[name=input_len]").fill(input_len)
    form.locator("input[name=epochs]").fill(epochs)
    page.locator("#exp-run").click()


def test_the_course_deployment_through_nginx(browser: Browser, tmp_path: Path) -> None:
    assert proxy.NGINX, "nginx is required in CI"
    with redis_server.running(tmp_path) as url:
        # the web replicas skip the TF warm-up (a restart takes ~2 s; their first trace pays the
        # TF import); the worker warms up, as it must for its jobs
        env = {"LSL_REDIS_URL": url, "LSL_WARM_UP": "false"}
        # not waited for: its warm-up overlaps the replicas' start and the explorer's first trace
        worker = redis_server.worker(url, tmp_path / "worker.log", wait=False)
        a, base_a = serving.start(tmp_path / "a.log", env=env)
        b, base_b = serving.start(tmp_path / "b.log", env=env)
        port_a = int(base_a.rsplit(":", 1)[1])
        nginx, front = proxy.start(tmp_path, [base_a, base_b])
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            # the explorer, live through the proxy (the browser sends its own Origin)
            page.goto(front + "/?preset=poem&bs=2&ts=5")
            expect(page.locator("#badge")).to_contain_text("verified against Keras", timeout=60_000)
            # deterministic traces: byte-identical from either replica and through the proxy
            direct = {_post(f"{base}/api/traces") for base in (base_a, base_b)}
            proxied = {_post(f"{front}/api/traces") for _ in range(2)}
            assert len(direct) == 1 and proxied == direct
            # an experiment to the end, on the worker
            page.goto(front + "/experiment")
            _run(page, *SMALL)
            expect(page.locator("#exp-status")).to_contain_text("done", timeout=120_000)
            expect(page.locator("#exp-table tbody tr")).to_have_count(2)
            job = page.url.split("job=")[1].split("&")[0]
            # status from either replica, the same
            one, two = (_get(f"{base}/api/experiments/{job}") for base in (base_a, base_b))
            assert one["status"] == two["status"] == "done" and one["result"] == two["result"]
            # a longer one; each replica killed in turn while the page follows its progress
            # (whichever one its stream went through, it is cut once and resumes on the other)
            port_b = int(base_b.rsplit(":", 1)[1])
            _run(page, *LONG)
            expect(page.locator("#exp-status")).to_contain_text("configuration", timeout=60_000)
            os.kill(a.pid, signal.SIGKILL)
            a.wait()
            a, _ = serving.start(tmp_path / "a2.log", port=port_a, env=env)
            os.kill(b.pid, signal.SIGKILL)
            b.wait()
            expect(page.locator("#exp-status")).to_contain_text("done", timeout=180_000)
            expect(page.locator("#exp-table tbody tr")).to_have_count(3)
            long_job = page.url.split("job=")[1].split("&")[0]
            # everything but Redis restarted: the result is still there
            serving.stop(a)
            worker.terminate()
            worker.wait(timeout=60)
            a, _ = serving.start(tmp_path / "a3.log", port=port_a, env=env)
            b, _ = serving.start(tmp_path / "b2.log", port=port_b, env=env)
            page.goto(f"{front}/experiment?job={long_job}")
            expect(page.locator("#exp-status")).to_contain_text("done", timeout=30_000)
            expect(page.locator("#exp-table tbody tr")).to_have_count(3)
            assert _get(f"{front}/api/experiments/{job}")["status"] == "done"
            # the worker killed mid-job: the job is retried once, on the next worker
            worker = redis_server.worker(url, tmp_path / "worker2.log", wait=False)
            _run(page, *MEDIUM)
            expect(page.locator("#exp-status")).to_contain_text("configuration", timeout=90_000)
            # the next worker starts while this one runs the job (its warm-up overlaps it)
            spare = redis_server.worker(url, tmp_path / "worker3.log", wait=False)
            worker.kill()
            worker.wait()
            worker = spare
            expect(page.locator("#exp-status")).to_contain_text("done", timeout=180_000)
            expect(page.locator("#exp-table tbody tr")).to_have_count(2)
            retried = page.url.split("job=")[1].split("&")[0]
            assert _get(f"{front}/api/experiments/{retried}")["tries"] == 2
            assert errors == []
        finally:
            context.close()
            proxy.stop(nginx)
            for proc in (a, b):
                if proc.poll() is None:
                    serving.stop(proc)
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=60)
