"""The lesson files: typed scenarios the page opens exactly, stable step ids, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app import i18n
from app.lessons import (
    LESSON_DIR,
    LESSONS,
    QUIZ_ANSWERS,
    Facts,
    Lesson,
    Step,
    load,
    load_all,
    quiz_answer,
)
from app.scenario import Scenario
from tests import node

ROOT = Path(__file__).resolve().parents[1]
STEPS = [(lesson, step) for lesson in LESSONS for step in lesson.steps]


def test_every_lesson_file_loads_in_order() -> None:
    files = sorted(LESSON_DIR.glob("*.yaml"))
    assert [lesson.slug for lesson in LESSONS] == [f.stem[3:] for f in files]
    assert len(LESSONS) >= 11 and len(STEPS) >= 26


def _page_scenarios(params: list[dict[str, str]]) -> list[dict[str, object]]:
    """What the explorer posts for these URL parameters: static/js/scenario.js, run by Node."""
    scenario_js = node.module("js/scenario.js")
    return node.evaluate(
        f"const {{ DEFAULTS, scenarioFromParams }} = await import({scenario_js});\n"
        "const all = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(all.map((p) => scenarioFromParams({ ...DEFAULTS, ...p }))));",
        json.dumps(params),
    )


def test_the_page_runs_exactly_each_steps_scenario() -> None:
    posted = _page_scenarios([step.params for _, step in STEPS])
    for (lesson, step), raw in zip(STEPS, posted, strict=True):
        assert Scenario.model_validate(raw) == step.scenario, (lesson.slug, step.id)


def test_translations_are_keyed_by_step_id() -> None:
    for lang in i18n.LANGS:
        for lesson, step in STEPS:
            key = f"lesson.{lesson.slug}.step.{step.id}.text"
            assert key in i18n.catalog(lang), (lang, key)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


STEP = """
- id: {id}
  text: Some words.
  scenario:
    data: {{preset: ramp}}
    schedule: {{ops: {ops}}}
"""


def _lesson(*steps: str) -> str:
    return "title: T\nsummary: S\nsteps:\n" + "".join(steps)


def test_a_well_formed_file_loads(tmp_path: Path) -> None:
    lesson = load(
        _write(
            tmp_path,
            "01-a-lesson.yaml",
            _lesson(STEP.format(id="s1", ops="[{op: fit, epochs: 2}]")),
        )
    )
    assert lesson.slug == "a-lesson"
    assert lesson.steps[0].params["op"] == "fit" and lesson.steps[0].params["epochs"] == "2"


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("lesson.yaml", _lesson(STEP.format(id="s", ops="[{op: call}]")), "NN-<slug>.yaml"),
        ("01-x.yaml", _lesson(STEP.format(id="s", ops="[{op: call}]") * 2), "step ids repeat"),
        ("01-x.yaml", _lesson(STEP.format(id="Bad Id", ops="[{op: call}]")), "steps.0.id"),
        ("01-x.yaml", _lesson(STEP.format(id="s", ops="[{op: call}, {op: call}]")), "exactly one"),
        ("01-x.yaml", _lesson(STEP.format(id="s", ops="[{op: reset}]")), "'reset'"),
        ("01-x.yaml", _lesson(STEP.format(id="s", ops="[{op: call, epochs: 0}]")), "epochs"),
        (
            "01-x.yaml",
            _lesson(STEP.format(id="s", ops="[{op: call}]")).replace("words.", "words.\n  oops: 1"),
            "oops",
        ),
        ("01-x.yaml", "- just a list", "01-x.yaml: a lesson file holds a mapping"),
        ("01-x.yaml", "title: [unclosed", "01-x.yaml: not YAML"),
    ],
)
def test_a_wrong_file_says_what_is_wrong(tmp_path: Path, name: str, text: str, words: str) -> None:
    with pytest.raises(ValueError) as info:
        load_all(_write(tmp_path, name, text).parent)
    assert words in str(info.value)


WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def _says(text: str, n: int) -> bool:
    return re.search(rf"(?<![\d.]){n}(?!\d|\.\d)", text) is not None or (
        re.search(rf"\b{WORDS.get(n, '-')}\b", text, re.IGNORECASE) is not None
    )


@pytest.mark.parametrize(
    ("lesson", "step"),
    [(lesson, step) for lesson, step in STEPS if step.facts.stated()],
    ids=lambda x: getattr(x, "id", getattr(x, "slug", "")),
)
def test_each_steps_text_is_true_to_its_trace(lesson: Lesson, step: Step) -> None:
    from app.engine import tracer

    measured = Facts.measure(tracer.run(step.scenario).document())
    for name, value in step.facts.stated().items():
        assert measured[name] == value, (step.id, name, measured[name], value)
        if value:  # "every hand-off continues" states 0 mismatches without the digit
            assert _says(step.text, value), (step.id, name, value, step.text)
    for lang in i18n.LANGS:  # a translation keeps the English text's figures
        theirs = i18n.translate(lang, f"lesson.{lesson.slug}.step.{step.id}.text")
        for value in step.facts.stated().values():
            if value and re.search(rf"(?<![\d.]){value}(?!\d|\.\d)", step.text):
                assert re.search(rf"(?<![\d.]){value}(?!\d|\.\d)", theirs), (lang, step.id, value)


QUIZZES = [(lesson, step) for lesson, step in STEPS if step.quiz is not None]


@pytest.mark.parametrize(("lesson", "step"), QUIZZES, ids=lambda x: getattr(x, "id", ""))
def test_each_quiz_asks_about_a_boundary_its_run_has(lesson: Lesson, step: Step) -> None:
    """The boundary exists in the step's trace, and its answer is one the learner can pick (a
    set_state is not a prediction): the page reads the same transfer."""
    from app.engine import tracer

    quiz = step.quiz
    assert quiz is not None
    trace = tracer.run(step.scenario).document()
    assert quiz.batch < len(trace.batches) and quiz.layer < len(step.scenario.model.layers)
    assert quiz.row < trace.model.batch_size
    assert quiz_answer(trace, quiz) in QUIZ_ANSWERS


def test_the_quizzes_ask_each_answer_somewhere() -> None:
    """Lessons that always answer "continues" would teach guessing, not state."""
    from app.engine import tracer

    answers = {quiz_answer(tracer.run(s.scenario).document(), s.quiz) for _, s in QUIZZES if s.quiz}
    assert answers == set(QUIZ_ANSWERS)


def test_quiz_answers_cover_every_transfer_kind_but_set() -> None:
    from typing import get_args

    from app.transfers import TransferKind

    covered = [kind for kinds in QUIZ_ANSWERS.values() for kind in kinds]
    assert sorted(covered) == sorted(k for k in get_args(TransferKind) if k != "set")


def test_the_page_reads_the_answer_by_the_same_rule() -> None:
    """static/js/quiz.js maps transfer kinds to answers as QUIZ_ANSWERS does."""
    js = node.evaluate(
        f"const {{ ANSWERS, answerOf }} = await import({node.module('js/quiz.js')});\n"
        "const kinds = ['initial', 'continues', 'mismatch', 'reset', 'set'];\n"
        "console.log(JSON.stringify({ ANSWERS, of: kinds.map((kind) => answerOf({ kind })) }));"
    )
    assert {a: tuple(k) for a, k in js["ANSWERS"].items()} == QUIZ_ANSWERS
    assert js["of"] == ["zeros", "continues", "other", "zeros", None]
