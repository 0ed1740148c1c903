"""The deploy recipe holds what a course's operator needs: Redis and a worker beside the web
replicas, resources and autoscalers for both, and a proxy that forwards Host with its port."""

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_runs_web_replicas_redis_and_a_worker() -> None:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert {"redis", "app-1", "app-2", "worker", "proxy"} <= set(services)
    assert services["worker"]["command"] == ["lstm-state-lab", "worker"]
    for name in ("app-1", "app-2", "worker"):
        assert services[name]["environment"]["LSL_REDIS_URL"] == "redis://redis:6379/0"


def test_kubernetes_has_workers_redis_limits_and_autoscalers() -> None:
    docs = [d for d in yaml.safe_load_all((DEPLOY / "k8s.yaml").read_text()) if d]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == {"lstm-state-lab", "lstm-state-lab-worker", "lstm-state-lab-redis"}
    for d in deployments.values():
        for c in d["spec"]["template"]["spec"]["containers"]:
            assert {"requests", "limits"} <= set(c["resources"]), c["name"]
    worker = deployments["lstm-state-lab-worker"]["spec"]["template"]["spec"]["containers"][0]
    assert worker["command"] == ["lstm-state-lab", "worker"]
    scaled = {
        d["spec"]["scaleTargetRef"]["name"] for d in docs if d["kind"] == "HorizontalPodAutoscaler"
    }
    assert scaled == {"lstm-state-lab", "lstm-state-lab-worker"}


def test_nginx_forwards_host_with_its_port_and_websocket_upgrades() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header Host $http_host;" in conf and "$host;" not in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
