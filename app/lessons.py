"""Guided lessons, read from `content/lessons/NN-<slug>.yaml` (docs/lessons.md: how to write one).

Each step holds a typed scenario (the `Scenario` model the API validates), what to look at once
the run is drawn, and what the rendered page must then show (checked by the browser tests).
The page opens a step through the explorer's URL parameters, made here from the scenario.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from app.paths import CONTENT
from app.scenario import CallOp, FitOp, PredictOp, Scenario
from app.schemas import TraceDoc

LESSON_DIR = CONTENT / "lessons"
_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_FILE = re.compile(r"^(\d\d)-([a-z0-9-]+)\.yaml$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class View(_Strict):
    """Where the explorer opens: not part of the run, only of what is shown."""

    pos: int | None = Field(None, ge=0, description="Timestep position (default: the start).")
    layer: int = Field(0, ge=0, le=3, description="Layer shown in the state panel.")
    row: int = Field(0, ge=0, description="Row shown in the cell inspector.")
    cmp: Literal["", "stateful", "shuffle", "layout", "long"] = Field(
        "", description="A second run beside this one (static/js/compare.js VARIANTS)."
    )


class Expect(_Strict):
    """What the page shows when the step is right: at least `min` matches of `selector`,
    and/or `text` somewhere in the page."""

    selector: str = ""
    min: int = Field(1, ge=0)
    text: str = ""


class Facts(_Strict):
    """Counts the step's text states about its picture. A test runs the step's scenario and
    checks each against the trace, and that the English text says the number."""

    batches: int | None = Field(None, ge=0, description="Batches in the run.")
    rows: int | None = Field(None, ge=0, description="Rows per batch (the batch size).")
    sequences: int | None = Field(None, ge=0, description="Distinct sequences fed to Keras.")
    samples: int | None = Field(None, ge=0, description="Samples (rows that are not padding).")
    timesteps: int | None = Field(None, ge=0, description="Timesteps per row.")
    epochs: int | None = Field(None, ge=0, description="Epochs run.")
    continues: int | None = Field(None, ge=0, description="Layer 0 hand-offs that continue.")
    mismatches: int | None = Field(None, ge=0, description="Layer 0 hand-offs that do not.")
    padding_rows: int | None = Field(None, ge=0, description="Rows that copy another row.")

    def stated(self) -> dict[str, int]:
        return self.model_dump(exclude_none=True)

    @staticmethod
    def measure(trace: TraceDoc) -> dict[str, int]:
        """The same counts, read from a trace."""
        batches = trace.batches
        rows = [row for b in batches for row in b.rows]
        kinds = [t.kind for b in batches[1:] for t in b.layers[0].transfers]
        return {
            "batches": len(batches),
            "rows": trace.model.batch_size,
            "sequences": len({row.sequence for row in rows if not row.padding}),
            "samples": sum(not row.padding for row in rows),
            "timesteps": trace.scenario.batching.timesteps,
            "epochs": 1 + max(b.epoch for b in batches),
            "continues": kinds.count("continues"),
            "mismatches": kinds.count("mismatch"),
            "padding_rows": sum(row.padding for row in rows),
        }


class Quiz(_Strict):
    """Before the picture shows it, the learner predicts what the state of `row` (layer
    `layer`) is at the start of batch `batch`: carried on from its own sequence, zeros, or
    another sequence's. The answer is read from the step's trace, never written here."""

    batch: int = Field(ge=1, description="The batch the state goes into (1: the first boundary).")
    row: int = Field(0, ge=0)
    layer: int = Field(0, ge=0, le=3)


# the three answers a learner chooses from, by the transfer kinds they cover (app/transfers.py)
QUIZ_ANSWERS = {"continues": ("continues",), "zeros": ("reset", "initial"), "other": ("mismatch",)}


def quiz_answer(trace: TraceDoc, quiz: Quiz) -> str:
    """The right answer, from the trace (the same rule static/js/quiz.js applies)."""
    kind = trace.batches[quiz.batch].layers[quiz.layer].transfers[quiz.row].kind
    return next(answer for answer, kinds in QUIZ_ANSWERS.items() if kind in kinds)


class Step(_Strict):
    id: str = Field(pattern=_ID, description="Stable: translations are keyed by it.")
    text: str = Field(min_length=1)
    try_: str = Field("", alias="try", description="A thing to do (optional).")
    scenario: Scenario
    view: View = Field(default_factory=View)
    look: str = Field("", description="CSS selector highlighted once the run is drawn.")
    expect: Expect = Field(default_factory=Expect)
    facts: Facts = Field(default_factory=Facts)
    quiz: Quiz | None = Field(None, description="Predict the state at a boundary (optional).")

    @field_validator("scenario")
    @classmethod
    def _explorer_can_open(cls, s: Scenario) -> Scenario:
        # The page opens a step through its URL parameters: one call/predict/fit op, no
        # interventions, nothing the explorer's form cannot hold.
        if len(s.schedule.ops) != 1 or not isinstance(
            s.schedule.ops[0], CallOp | FitOp | PredictOp
        ):
            raise ValueError("a lesson step runs exactly one call, predict or fit op")
        if s.schedule.interventions:
            raise ValueError("a lesson step has no interventions (the explorer's form has none)")
        if s.data.preset == "values" or s.data.input_len != 40 or s.model.input_features:
            raise ValueError("a lesson step uses the explorer's presets and their input sizes")
        if len(s.model.layers) > 4 or any(x.return_sequences is not None for x in s.model.layers):
            raise ValueError("a lesson step's layers are kind, units and stateful only")
        op = s.schedule.ops[0]
        if getattr(op, "batch_size", None) is not None:
            raise ValueError("a lesson step's op uses the model's batch size")
        return s

    @cached_property
    def params(self) -> dict[str, str]:
        """The explorer's URL parameters of this step (static/js/scenario.js reads them back
        into the same scenario: tests/test_lessons.py runs it)."""
        s, b = self.scenario, self.scenario.batching
        d, op = s.data, s.schedule.ops[0]
        out = {
            "preset": d.preset,
            "layers": ",".join(
                f"{x.kind}.{x.units}.{'s' if x.stateful else 'n'}" for x in s.model.layers
            ),
            "bs": str(b.batch_size),
            "ts": str(b.timesteps),
            "layout": b.layout,
            "shuffle": "1" if b.shuffle else "0",
            "sseed": str(b.shuffle_seed),
            "partial": b.partial,
            "op": op.op,
            "epochs": str(getattr(op, "epochs", 1)),
            "fitshuffle": "1" if getattr(op, "shuffle", False) else "0",
            "reset": s.schedule.reset,
            "every": str(s.schedule.reset_every),
            "seed": str(s.seed),
        }
        if d.preset in ("ramp", "sine"):
            out |= {"n": str(d.n_sequences), "len": str(d.length)}
        if d.preset == "moving_average":
            out |= {"tsteps": str(d.tsteps), "lahead": str(d.lahead)}
        if d.preset == "text" and d.text is not None:
            out["text"] = d.text
        v = self.view
        out |= {"layer": str(v.layer), "row": str(v.row)}
        if v.pos is not None:
            out["pos"] = str(v.pos)
        if v.cmp:
            out["cmp"] = v.cmp
        return out


class Lesson(_Strict):
    slug: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    claims: list[str] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Lesson:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"step ids repeat in lesson {self.slug!r}: {ids}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """What the page reads (GET /api/lessons/<slug>)."""
        return {
            "slug": self.slug,
            "title": self.title,
            "summary": self.summary,
            "claims": list(self.claims),
            "steps": [
                {
                    "id": s.id,
                    "text": s.text,
                    "try": s.try_,
                    "params": s.params,
                    "scenario": s.scenario.model_dump(mode="json"),
                    "look": s.look,
                    "expect": s.expect.model_dump(exclude_defaults=True),
                    "quiz": None if s.quiz is None else s.quiz.model_dump(),
                }
                for s in self.steps
            ],
        }


def load(path: Path) -> Lesson:
    """One lesson file; its slug is the file name after the order number."""
    m = _FILE.match(path.name)
    if not m:
        raise ValueError(f"{path.name}: a lesson file is named NN-<slug>.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name}: not YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name}: a lesson file holds a mapping")
    try:
        return Lesson.model_validate({"slug": m.group(2), **raw})
    except ValidationError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


def load_all(folder: Path = LESSON_DIR) -> list[Lesson]:
    """Every lesson, in the order of the files' numbers."""
    return [load(p) for p in sorted(folder.glob("*.yaml"))]


LESSONS = load_all()
BY_SLUG = {lesson.slug: lesson for lesson in LESSONS}
