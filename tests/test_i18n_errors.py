"""Error messages in every language: each error users see has a stable code whose catalog key
(error.<code>) exists in all four languages with the same placeholders, and the payloads carry
the code and the values that fill it."""

from __future__ import annotations

import ast
import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pydantic_core import PydanticKnownError
from pydantic_core.core_schema import ErrorType

from app import i18n
from app.errors import LabError, ScenarioError, json_safe, validation_items
from app.main import create_app
from app.scenario import Scenario
from app.settings import Settings

APP = Path(__file__).resolve().parents[1] / "app"

# pydantic's error types users can meet, with the ctx names pydantic gives each
PYDANTIC: dict[str, set[str]] = {
    "missing": set(),
    "extra_forbidden": set(),
    "less_than_equal": {"le"},
    "less_than": {"lt"},
    "greater_than_equal": {"ge"},
    "greater_than": {"gt"},
    "multiple_of": {"multiple_of"},
    "int_parsing": set(),
    "int_type": set(),
    "int_parsing_size": set(),
    "int_from_float": set(),
    "float_parsing": set(),
    "float_type": set(),
    "finite_number": set(),
    "bool_parsing": set(),
    "bool_type": set(),
    "string_type": set(),
    "string_too_short": {"min_length"},
    "string_too_long": {"max_length"},
    "string_pattern_mismatch": {"pattern"},
    "too_short": {"field_type", "min_length", "actual_length"},
    "too_long": {"field_type", "max_length", "actual_length"},
    "literal_error": {"expected"},
    "enum": {"expected"},
    "list_type": set(),
    "dict_type": set(),
    "model_type": {"class_name"},
    "model_attributes_type": set(),
    "json_invalid": {"error"},
    "json_type": set(),
    "union_tag_invalid": {"discriminator", "tag", "expected_tags"},
    "union_tag_not_found": {"discriminator"},
    "value_error": {"error"},
}
ALWAYS = {"field", "message"}  # every payload has a message; field where it applies


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _source_codes() -> tuple[dict[str, set[str]], set[str]]:
    """Codes raised in app/ with the values each raise site gives (intersected over sites),
    and the error kinds (LabError.kind, `"error": "..."`, error_frame / Refused kinds)."""
    codes: dict[str, set[str]] = {}
    kinds: set[str] = set()

    def add(code: str, values: set[str]) -> None:
        codes[code] = codes[code] & values if code in codes else values

    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                words = {k.arg: k.value for k in node.keywords if k.arg}
                code = _str(words.get("code"))
                if code is not None:
                    add(code, {k for k in words if k != "code"})
                if name == "PydanticCustomError":
                    ctx = node.args[2] if len(node.args) > 2 else None
                    keys = {_str(k) for k in ctx.keys} if isinstance(ctx, ast.Dict) else set()
                    add(_str(node.args[0]) or "?", {k for k in keys if k})
                if name == "error_frame" and node.args and _str(node.args[0]):
                    kinds.add(_str(node.args[0]) or "")
                if name == "Refused" and len(node.args) > 1 and _str(node.args[1]):
                    kinds.add(_str(node.args[1]) or "")
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None and _str(key) == "error" and _str(value):
                        kinds.add(_str(value) or "")
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and [getattr(t, "id", "") for t in stmt.targets] == ["kind"]
                        and _str(stmt.value)
                    ):
                        kinds.add(_str(stmt.value) or "")
    kinds.discard("lab_error")  # the base class: never raised as such
    return codes, kinds


CODES, KINDS = _source_codes()


def test_the_source_scan_finds_the_codes() -> None:
    assert {"too_many_samples", "training_needs_head", "no_scenario_loaded"} <= set(CODES)
    assert {"invalid_scenario", "keras_rejected", "rate_limited", "session"} <= KINDS
    assert CODES["too_many_samples"] >= {"samples", "limit"}


@pytest.mark.parametrize("code", sorted(set(CODES) | KINDS | set(PYDANTIC)))
def test_every_code_has_a_message_in_every_language(code: str) -> None:
    key = f"error.{code}"
    english = i18n.catalog("en").get(key)
    assert english, f"{key} missing in en/errors.json"
    for lang in i18n.LANGS:
        text = i18n.catalog(lang).get(key)
        assert text and text.strip(), (lang, key)
        assert i18n.placeholders(text) == i18n.placeholders(english), (lang, key)
    # every placeholder is a value the payload carries
    given = CODES.get(code, set()) | PYDANTIC.get(code, set()) | ALWAYS
    if code in KINDS and code not in CODES:
        return  # a kind's fallback text: checked below against real payloads
    assert i18n.placeholders(english) <= given, (code, i18n.placeholders(english) - given)


def test_every_error_key_is_used() -> None:
    keys = {k.removeprefix("error.") for k in i18n.catalog("en") if k.startswith("error.")}
    assert keys - (set(CODES) | KINDS | set(PYDANTIC)) == set()


@pytest.mark.parametrize("error_type", sorted(PYDANTIC))
def test_pydantic_types_and_ctx_names_are_pydantics(error_type: str) -> None:
    assert error_type in typing.get_args(ErrorType)
    texts = {"expected", "pattern", "field_type", "class_name", "error", "discriminator"}
    texts |= {"tag", "expected_tags"}
    ctx = {n: "x" if n in texts else 7 for n in PYDANTIC[error_type]} or None
    assert PydanticKnownError(error_type, ctx).message()  # type: ignore[arg-type]


def test_lab_error_carries_its_code() -> None:
    assert ScenarioError("x").to_dict() == {
        "error": "invalid_scenario",
        "code": "invalid_scenario",
        "message": "x",
    }
    err = ScenarioError("640 samples", code="too_many_samples", samples=640, limit=512)
    assert isinstance(err, LabError)
    assert err.to_dict()["code"] == "too_many_samples" and err.to_dict()["limit"] == 512


def test_validation_items_are_json_safe() -> None:
    try:
        Scenario.model_validate({"schedule": {"ops": [{"op": "fit"}]}, "model": {"head": False}})
    except ValidationError as exc:
        items = validation_items(exc.errors(include_url=False))
    assert items[0]["type"] == "training_needs_head"
    assert items[0]["ctx"] == {"index": 0, "op": "fit"}
    assert "model.head must be true" in items[0]["message"]
    assert json_safe({"error": ValueError("bad"), "x": float("nan"), "t": (1, 2), "n": 10**30}) == {
        "error": "bad",
        "x": "nan",
        "t": [1, 2],
        "n": str(10**30),
    }
    json.dumps(items)


def _filled(lang: str, payload: dict[str, Any]) -> str:
    """What the page's tError shows: error.<code or error> filled with {...err, ...err.ctx}."""
    code = payload.get("code") or payload["error"]
    return i18n.translate(lang, f"error.{code}", **{**payload, **payload.get("ctx", {})})


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(warm_up=False))) as c:
        yield c


def test_invalid_scenario_422_has_type_ctx_and_code(client: TestClient) -> None:
    r = client.post("/api/traces", json={"model": {"layers": [{"units": 500}]}})
    assert r.status_code == 422
    body = r.json()
    first = body["errors"][0]
    assert first["type"] == "less_than_equal" and first["ctx"] == {"le": 128}
    assert first["field"] == "model.layers.0.units"
    assert (body["code"], body["ctx"], body["field"]) == (
        "less_than_equal",
        {"le": 128},
        first["field"],
    )
    assert body["error"] == "invalid_request" and "128" in body["message"]
    assert body["detail"][0]["loc"][-1] == "units"  # FastAPI's own shape is still there
    for lang in i18n.LANGS:
        text = _filled(lang, body)
        assert "128" in text and "model.layers.0.units" in text, (lang, text)


def test_custom_validator_422_has_its_code(client: TestClient) -> None:
    r = client.post(
        "/api/traces",
        json={"data": {"preset": "moving_average", "lahead": 2}, "batching": {"timesteps": 3}},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "timesteps_must_equal_lahead"
    assert body["ctx"] == {"timesteps": 3, "lahead": 2}
    assert "must equal data.lahead" in body["errors"][0]["message"]
    assert "3" in _filled("ja", body) and "2" in _filled("ja", body)


def test_scenario_error_has_code_and_values(client: TestClient) -> None:
    r = client.post(
        "/api/traces", json={"data": {"preset": "ramp", "length": 3}, "batching": {"timesteps": 10}}
    )
    assert r.status_code == 422
    body = r.json()
    assert (body["error"], body["code"], body["timesteps"]) == (
        "invalid_scenario",
        "no_sample_fits",
        10,
    )
    assert body["field"] == "batching.timesteps"
    for lang in i18n.LANGS:
        assert "batching.timesteps=10" in _filled(lang, body)


def test_route_refusal_keeps_detail_and_adds_code(client: TestClient) -> None:
    r = client.post("/api/generate", json={"prompts": [""]})
    assert r.status_code == 422
    body = r.json()
    assert "prompts[0]" in body["detail"] and body["code"] == "prompt_length"
    assert "40" in _filled("fr", body)


def test_full_queue_is_503_with_a_code(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.jobs import QueueFull

    async def full(*_: Any) -> None:
        raise QueueFull("20 experiments are already waiting; retry later")

    monkeypatch.setattr(client.app.state.jobs, "submit", full)  # type: ignore[attr-defined]
    r = client.post("/api/experiments", json={})
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    body = r.json()
    assert body["detail"] == body["message"] == "20 experiments are already waiting; retry later"
    assert (body["error"], body["code"]) == ("queue_full", "queue_full")
    assert str(body["limit"]) in _filled("ja", body)


def test_path_parameter_422_is_structured_too(client: TestClient) -> None:
    r = client.post("/api/export/doc", json={})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "literal_error" and body["field"] == "fmt"
    assert "'py'" in body["ctx"]["expected"]


def test_live_error_frames_carry_a_code(client: TestClient) -> None:
    with client.websocket_connect("/ws/live") as ws:
        ws.send_json({"type": "load", "scenario": {"batching": {"batch_size": 999}}})
        reply = ws.receive_json()
        assert (reply["type"], reply["error"], reply["code"]) == (
            "error",
            "invalid_message",
            "less_than_equal",
        )
        assert reply["ctx"] == {"le": 256} and reply["field"] == "batching.batch_size"
        assert reply["errors"][0]["type"] == "less_than_equal"
        assert reply["message"] == "batching.batch_size: Input should be less than or equal to 256"
        assert "256" in _filled("zh-Hans", reply) and "batching.batch_size" in _filled("en", reply)

        ws.send_json({"type": "step"})
        reply = ws.receive_json()
        assert (reply["error"], reply["code"]) == ("session", "no_scenario_loaded")

        ws.send_bytes(b"{}")
        reply = ws.receive_json()
        assert (reply["error"], reply["code"]) == ("invalid_message", "binary_frame")

        ws.send_text("not json")
        reply = ws.receive_json()
        assert reply["code"] == "json_invalid" and reply["ctx"]["error"]


def test_cli_validation_items_have_type_and_ctx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text('{"batching": {"batch_size": 0}}', encoding="utf-8")
    assert main(["trace", str(bad)]) == 2
    item = json.loads(capsys.readouterr().err)["errors"][0]
    assert (item["field"], item["type"], item["ctx"]) == (
        "batching.batch_size",
        "greater_than_equal",
        {"ge": 1},
    )
