import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
REJECTED = sorted((ROOT / "examples" / "rejected").glob("*.json"))


def test_there_is_an_example_per_teaching_situation() -> None:
    assert len(EXAMPLES) >= 12


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_traces_and_verifies(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "trace.json"
    assert main(["trace", str(path), "-o", str(out)]) == 0
    trace = json.loads(out.read_text(encoding="utf-8"))
    assert trace["verification"]["passed"] is True
    assert trace["verification"]["max_abs_diff"] <= 1e-5
    assert "verified against Keras" in capsys.readouterr().out


@pytest.mark.parametrize("path", REJECTED, ids=lambda p: p.stem)
def test_rejected_examples_return_keras_error(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trace", str(path)]) == 3
    err = json.loads(capsys.readouterr().err)
    assert err["error"] == "keras_rejected" and err["message"]


def test_invalid_scenario_names_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"batching": {"batch_size": 0}}', encoding="utf-8")
    assert main(["trace", str(bad)]) == 2
    err = json.loads(capsys.readouterr().err)
    assert err["errors"][0]["field"] == "batching.batch_size"
    assert "greater than or equal to 1" in err["errors"][0]["message"]


def test_presets_and_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets"]) == 0
    assert "moving_average" in capsys.readouterr().out
    assert main(["schema", "trace"]) == 0
    assert "verification" in json.loads(capsys.readouterr().out)["properties"]


def test_console_script_prints_trace_json() -> None:
    script = Path(sys.executable).parent / "lstm-state-lab"
    done = subprocess.run(
        [str(script), "trace", str(ROOT / "examples" / "poem_shuffle.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    trace = json.loads(done.stdout)
    reasons = {t["reason"] for b in trace["batches"] for t in b["layers"][0]["transfers"]}
    assert "other_sequence" in reasons


def test_serve_listens_where_lsl_host_and_lsl_port_say(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment sets the address; a flag overrides it (the CLI's defaults once
    overwrote LSL_HOST / LSL_PORT, so a container's settings had no effect)."""
    import app.server
    from app import cli

    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(app.server, "run", lambda host, port, *rest: calls.append((host, port)))
    monkeypatch.setenv("LSL_HOST", "0.0.0.0")
    monkeypatch.setenv("LSL_PORT", "8123")
    assert cli.main(["serve"]) == 0
    assert cli.main(["serve", "--port", "9000"]) == 0
    assert calls == [("0.0.0.0", 8123), ("0.0.0.0", 9000)]
