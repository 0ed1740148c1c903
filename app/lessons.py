"""Guided lessons: each step is a scenario for the explorer (its URL parameters), what to look
at (highlighted), and what the page must then show (checked by the browser tests)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    text: str
    params: dict[str, str]
    look: str = ""  # CSS selector highlighted once the run is loaded
    try_: str = ""  # a thing to do
    # What the rendered page shows when the lesson is right: {"selector", "min"} or {"text"}.
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    summary: str
    steps: list[Step]
    claims: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for s in d["steps"]:
            s["try"] = s.pop("try_")
        return d


LESSONS = [
    Lesson(
        "one-state-per-row",
        "One state per row",
        "A batch is batch_size sequences run side by side, each with its own h and c.",
        [
            Step(
                "Four counting sequences in one batch of 4 rows, stateless. Each row is its own "
                "sequence and starts from zeros (the '0 →' at its left). Rows never share "
                "state: row 2 knows nothing of row 1.",
                {
                    "preset": "ramp",
                    "n": "8",
                    "len": "5",
                    "bs": "4",
                    "ts": "5",
                    "layers": "LSTM.4.n",
                },
                look="#lanes .zero",
                try_="Press → a few times and watch row 0's tokens light up.",
                expect={"selector": "#lanes .zero", "min": 8},
            ),
            Step(
                "Scale it up: 1000 sequences in batches of 200 are 5 batches × 200 rows, and "
                "every one of the 1000 sequences starts from zeros — 1000 fresh starts, run 200 "
                "at a time in parallel, not one reset after another. Here: 8 sequences, 2 "
                "batches of 4.",
                {
                    "preset": "ramp",
                    "n": "8",
                    "len": "5",
                    "bs": "4",
                    "ts": "5",
                    "layers": "LSTM.4.n",
                },
                look="#explain",
                expect={"text": "stateless"},
            ),
        ],
        claims=["stateless-reset-per-sample", "stateless-shared-within-batch"],
    ),
    Lesson(
        "stateless-vs-stateful",
        "Stateless vs stateful",
        "2 batches × 10 sequences × 7 steps: 20 sequences of 7, or 10 sequences of 14?",
        [
            Step(
                "Stateless: each of the 2 × 10 rows starts from zeros, so these are 20 "
                "independent sequences of 7 steps.",
                {
                    "preset": "ramp",
                    "n": "10",
                    "len": "14",
                    "bs": "10",
                    "ts": "7",
                    "layers": "LSTM.8.n",
                },
                look="#lanes .zero",
                expect={"selector": "#lanes .arrow", "min": 0, "text": "stateless"},
            ),
            Step(
                "Stateful: row i of batch 1 starts where row i of batch 0 ended — 10 sequences "
                "of 14 steps, cut in two.",
                {
                    "preset": "ramp",
                    "n": "10",
                    "len": "14",
                    "bs": "10",
                    "ts": "7",
                    "layers": "LSTM.8.s",
                },
                look="#lanes .arrow.continues",
                expect={"selector": "#lanes .arrow.continues", "min": 10},
            ),
            Step(
                "Compare both runs: identical in batch 0 (same data, same weights, zeros), "
                "different from batch 1 on. The claim checker shows that the stateful chunks "
                "equal one 14-step run to within 1e-6.",
                {
                    "preset": "ramp",
                    "n": "10",
                    "len": "14",
                    "bs": "10",
                    "ts": "7",
                    "layers": "LSTM.8.s",
                    "cmp": "stateful",
                    "pos": "9",
                },
                look="#compare",
                expect={"selector": "#compare .cmp-diff .gtitle", "min": 1},
            ),
            Step(
                "Now B is one stateless run of 14 steps over the same 10 sequences. The "
                "difference heatmap stays at zero (max |Δ| ≈ 1e-7) across the boundary: the "
                "two stateful chunks of 7 are exactly one sequence of 14.",
                {
                    "preset": "ramp",
                    "n": "10",
                    "len": "14",
                    "bs": "10",
                    "ts": "7",
                    "layers": "LSTM.8.s",
                    "cmp": "long",
                    "pos": "13",
                },
                look="#compare",
                expect={"text": "max |Δ| so far = 0.0000"},
            ),
        ],
        claims=["stateful-row-to-row", "stateful-equals-long-sequence"],
    ),
    Lesson(
        "data-layout",
        "Laying out data for stateful training",
        "x2[i] must continue x1[i]: split each verse line across consecutive batches.",
        [
            Step(
                "The lanes layout: row 0 holds 床前明月光 then 疑是地上霜, row 1 holds 举头望明月 "
                "then 低头思故乡. 光's state goes on to 疑: the line continues.",
                {"preset": "poem", "bs": "2", "ts": "5", "layout": "lanes"},
                look="#lanes .arrow.continues",
                expect={"selector": "#lanes .arrow.continues", "min": 2},
            ),
            Step(
                "The naive layout takes windows in order and fills batches with them: row 0 "
                "gets 床前明月光 then 举头望明月 — the state of one line lands in another.",
                {"preset": "poem", "bs": "2", "ts": "5", "layout": "consecutive"},
                look="#lanes .arrow.mismatch",
                expect={"selector": "#lanes .arrow.other_sequence", "min": 2},
            ),
        ],
    ),
    Lesson(
        "shuffle",
        "shuffle=True breaks continuity",
        "Shuffling reorders samples, so row i no longer holds the next part of its sequence.",
        [
            Step(
                "Four sequences in lanes, stateful, shuffle on: most hand-offs now land in a row "
                "that holds another sequence (✗ other seq).",
                {"preset": "ramp", "n": "4", "len": "20", "bs": "4", "ts": "5", "shuffle": "1"},
                look="#lanes .arrow.mismatch",
                expect={"selector": "#lanes .arrow.other_sequence", "min": 1},
            ),
            Step(
                "The same with shuffle off: every hand-off continues.",
                {"preset": "ramp", "n": "4", "len": "20", "bs": "4", "ts": "5"},
                look="#lanes .arrow.continues",
                expect={"selector": "#lanes .arrow.continues", "min": 12},
            ),
        ],
        claims=["shuffle-breaks-continuity"],
    ),
    Lesson(
        "batch-size-rules",
        "Batch size rules",
        "A stateful layer has one state row per batch row: the batch size is fixed and declared "
        "(keras.Input(batch_shape=(batch, steps, features)) in Keras 3).",
        [
            Step(
                "9 samples in batches of 2 with predict(): Keras 3 raises nothing and feeds the "
                "lone last sample into both state rows — row 1 becomes a padding copy.",
                {
                    "preset": "ramp",
                    "len": "18",
                    "bs": "2",
                    "ts": "2",
                    "layout": "consecutive",
                    "op": "predict",
                },
                look="#lanes .cell.padding",
                expect={"selector": "#lanes .cell.padding", "min": 1},
            ),
            Step(
                "10 windows in batches of 3 with a model call: Keras refuses the last batch of "
                "1 with its own message.",
                {"preset": "ramp", "len": "40", "bs": "3", "ts": "4", "layout": "consecutive"},
                look="#message",
                expect={"selector": "#message", "min": 1, "text": "Keras refused"},
            ),
            Step(
                "Dropping the partial batch fixes it.",
                {
                    "preset": "ramp",
                    "len": "40",
                    "bs": "3",
                    "ts": "4",
                    "layout": "consecutive",
                    "partial": "drop",
                },
                look="#badge",
                expect={"selector": "#badge.ok", "min": 1},
            ),
        ],
        claims=["fixed-batch-required"],
    ),
    Lesson(
        "reset-states",
        "reset_states()",
        "When to reset, and what it sets the state to.",
        [
            Step(
                "fit() for 2 epochs with a reset at each epoch end (a callback calling "
                "layer.reset_state()): the barrier shows where the state becomes zeros.",
                {
                    "preset": "poem",
                    "bs": "2",
                    "ts": "5",
                    "op": "fit",
                    "epochs": "2",
                    "reset": "epoch_end",
                },
                look="#lanes .barrier",
                expect={"selector": "#lanes .barrier", "min": 1},
            ),
            Step(
                "A manual train_on_batch loop that resets every 2 batches.",
                {
                    "preset": "ramp",
                    "len": "60",
                    "bs": "2",
                    "ts": "5",
                    "op": "train_on_batch",
                    "reset": "every_n_batches",
                    "every": "2",
                },
                look="#lanes .barrier",
                expect={"selector": "#lanes .barrier", "min": 2},
            ),
            Step(
                "Without any reset, fit() carries the state from epoch 1 into epoch 2: Keras "
                "does not reset for you. Epoch 2 starts each line again, so the state from a "
                "line's end is fed into its own beginning: the arrow says ✗ restart.",
                {"preset": "poem", "bs": "2", "ts": "5", "op": "fit", "epochs": "2"},
                look="#lanes .arrow.restart",
                try_="Press r (reset_states() now) before batch 2, then ▶.",
                expect={"selector": "#lanes .arrow.restart", "min": 1},
            ),
        ],
        claims=["reset-carries-not-zero", "fit-resets-each-epoch", "predict-resets"],
    ),
    Lesson(
        "keras-stateful-example",
        "The Keras stateful example",
        "Moving average: tsteps, lahead, batch_size — and why lahead must equal batch_size.",
        [
            Step(
                "lahead = 1, batch_size = 1: each window is one value, the next row holds the "
                "next value. Continues.",
                {"preset": "moving_average", "tsteps": "2", "lahead": "1", "bs": "1"},
                look="#lanes .arrow.continues",
                expect={"selector": "#lanes .arrow.continues", "min": 1},
            ),
            Step(
                "lahead = 1, batch_size = 2: row i of the next batch is 2 positions later — one "
                "value skipped (gap).",
                {"preset": "moving_average", "tsteps": "2", "lahead": "1", "bs": "2"},
                look="#lanes .arrow.mismatch",
                expect={"selector": "#lanes .arrow.gap", "min": 1},
            ),
            Step(
                "lahead = 2, batch_size = 1: the next window repeats a value (overlap).",
                {"preset": "moving_average", "tsteps": "2", "lahead": "2", "bs": "1"},
                look="#lanes .arrow.mismatch",
                expect={"selector": "#lanes .arrow.overlap", "min": 1},
            ),
            Step(
                "lahead = batch_size = 2: every position is covered once per row — but each "
                "window is fed newest first (see the notes), as the example builds it.",
                {"preset": "moving_average", "tsteps": "2", "lahead": "2", "bs": "2"},
                look="#notes",
                expect={"text": "newest first"},
            ),
        ],
        claims=["lahead-equals-batch", "stateful-helps-when-lahead-small"],
    ),
    Lesson(
        "stacks-and-set-state",
        "Multi-layer stacks and setting states",
        "Each layer owns its (h, c) of shape (batch_size, units); a stateful layer can sit under "
        "a stateless one.",
        [
            Step(
                "A stateful LSTM under a stateless LSTM: layer 0 carries its state, layer 1 "
                "restarts from zeros every batch. Switch the layer in the state panel.",
                {
                    "preset": "poem",
                    "bs": "2",
                    "ts": "5",
                    "layers": "LSTM.8.s,LSTM.4.n",
                    "layer": "1",
                },
                look="#sel-layer",
                expect={"text": "stateless"},
            ),
            Step(
                "Setting a state: it must have the variable's shape (batch_size, units) — here "
                "(2, 8). A (2,) value is refused by Keras (see the claim checker).",
                {"preset": "poem", "bs": "2", "ts": "5", "layers": "LSTM.8.s,LSTM.4.n"},
                look="#cell",
                expect={"selector": "#sel-layer option", "min": 2},
            ),
        ],
        claims=["wrong-shape-state-silent"],
    ),
    Lesson(
        "return-sequences-and-states",
        "return_sequences, return_state, and how many states",
        "The last output is the final h; LSTM keeps h and c, GRU and SimpleRNN only h.",
        [
            Step(
                "A GRU: one state, h. The cell inspector shows its update (z), reset (r) and "
                "candidate (h̃) gates; the state panel has no c.",
                {
                    "preset": "sine",
                    "len": "40",
                    "bs": "2",
                    "ts": "5",
                    "layers": "GRU.4.s",
                    "pos": "2",
                },
                look="#cell",
                expect={"selector": "#cell svg[aria-label^='GRU']", "min": 1},
            ),
            Step(
                "A SimpleRNN: h = tanh(x·W + h₋₁·U + b), nothing else.",
                {
                    "preset": "sine",
                    "len": "40",
                    "bs": "2",
                    "ts": "5",
                    "layers": "SimpleRNN.4.s",
                    "pos": "2",
                },
                look="#cell",
                expect={"selector": "#cell svg[aria-label^='SimpleRNN']", "min": 1},
            ),
        ],
        claims=["last-output-is-h", "gru-one-state"],
    ),
    Lesson(
        "char-level-batch-1",
        "Character-level text at batch size 1",
        "One row, one long text: a stateful model carries its state from chunk to chunk.",
        [
            Step(
                "fit() on one line of text at batch size 1, 3 epochs, reset at each epoch end: "
                "inside an epoch every chunk continues the previous one.",
                {
                    "preset": "text",
                    "bs": "1",
                    "ts": "8",
                    "layers": "LSTM.16.s",
                    "op": "fit",
                    "epochs": "3",
                    "reset": "epoch_end",
                },
                look="#lanes .arrow.continues",
                expect={"selector": "#lanes .arrow.continues", "min": 3},
            ),
        ],
    ),
]
LESSONS.append(
    Lesson(
        "cost-of-statefulness",
        "The cost of statefulness",
        "Keeping each sequence in its own row can force batch size 1: measure what that costs.",
        [
            Step(
                "A stateful model at batch size 1: one train step per sample. On the Experiment "
                "page, 'Measure now' times one epoch of it against one batched stateless "
                "epoch on this server and prints the ratio.",
                {
                    "preset": "sine",
                    "len": "64",
                    "bs": "1",
                    "ts": "8",
                    "layers": "LSTM.8.s",
                    "op": "fit",
                    "epochs": "2",
                    "reset": "epoch_end",
                },
                look="#lanes .arrow.continues",
                try_="Open /experiment and press 'Measure now'.",
                expect={"selector": "#lanes .arrow.continues", "min": 3},
            ),
        ],
    )
)
BY_SLUG = {lesson.slug: lesson for lesson in LESSONS}
