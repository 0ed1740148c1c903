"""Data presets: turn a DataSpec into sequences of model inputs, targets and display tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from app.scenario import DataSpec

# 静夜思 by Li Bai (8th century, public domain): the seeds' example couplet and its pair.
POEM_LINES = ("床前明月光疑是地上霜", "举头望明月低头思故乡")
END_TOKEN = "⏎"

PRESETS: dict[str, str] = {
    "poem": "Li Bai's 静夜思 as two 10-character lines, one-hot characters, next-char targets.",
    "ramp": "Counting numbers (sequence s counts s*1000, s*1000+1, ...), fed as position/length "
    "plus a small per-sequence offset; next-value targets.",
    "sine": "Sine waves with a phase per sequence; next-value targets.",
    "moving_average": "The Keras stateful example: uniform noise (amplitude 0.1), target = "
    "rolling mean over tsteps, inputs = windows of lahead values, newest first.",
    "text": "Your text, char-level: one sequence per non-empty line.",
    "values": "Your numbers: one sequence per list; next-value targets.",
}


@dataclass(frozen=True)
class Sequence:
    name: str
    inputs: np.ndarray  # (length, features) float32, what the model is fed
    targets: np.ndarray  # (length,) float32 value or class id, the target at each position
    tokens: list[str]  # how each position is displayed


@dataclass(frozen=True)
class Window:
    """A sample made by the preset itself (moving_average): positions in the order fed."""

    sequence: int
    positions: tuple[int, ...]
    target_position: int


Task = Literal["regression", "classification"]


@dataclass(frozen=True)
class Dataset:
    preset: str
    sequences: list[Sequence]
    task: Task
    n_features: int
    n_classes: int
    vocab: list[str] | None = None
    windows: list[Window] | None = field(default=None)
    # how shown tokens became model inputs and targets, so every input can be rebuilt
    encoding: dict[str, Any] = field(default_factory=dict)


def build(spec: DataSpec, seed: int) -> Dataset:
    if spec.preset == "poem":
        return _chars(list(POEM_LINES), "poem")
    if spec.preset == "text":
        assert spec.text is not None
        lines = [ln for ln in spec.text.splitlines() if ln.strip()]
        return _chars(lines, "text")
    if spec.preset == "ramp":
        # Shown as counting numbers (sequence s counts s*1000, s*1000+1, ...); fed as
        # position / length plus a per-sequence offset, so every sequence has inputs of order 1.
        t = np.arange(spec.length + 1, dtype=np.float64)
        shown = [t + 1000 * s for s in range(spec.n_sequences)]
        fed = [t / spec.length + 0.5 * s / spec.n_sequences for s in range(spec.n_sequences)]
        mapping = {
            "token": "t + 1000 * s (t = position, s = sequence)",
            "value": "t / length + 0.5 * s / n_sequences",
            "length": spec.length,
            "n_sequences": spec.n_sequences,
        }
        return _numeric(fed, "ramp", "{:.0f}", shown, mapping)
    if spec.preset == "sine":
        t = np.arange(spec.length + 1, dtype=np.float64)
        series = [np.sin(2 * np.pi * t / 20 + s * np.pi / 4) for s in range(spec.n_sequences)]
        return _numeric(series, "sine", "{:.2f}")
    if spec.preset == "values":
        assert spec.values is not None
        return _numeric([np.asarray(v, dtype=np.float64) for v in spec.values], "values", "{:g}")
    return _moving_average(spec, seed)


def _numeric(
    series: list[np.ndarray],
    preset: str,
    fmt: str,
    shown: list[np.ndarray] | None = None,
    mapping: dict[str, Any] | None = None,
) -> Dataset:
    # Inputs are scaled to |x| <= 1 so the cells stay in their sensitive range; tokens keep the
    # numbers as the user knows them.
    scale = max(float(np.max(np.abs(s))) for s in series) or 1.0
    shown = series if shown is None else shown
    seqs = [
        Sequence(
            name=f"{preset} {i}",
            inputs=(s[:-1] / scale).astype(np.float32)[:, None],
            targets=(s[1:] / scale).astype(np.float32),
            tokens=[fmt.format(v) for v in shown[i][:-1]],
        )
        for i, s in enumerate(series)
    ]
    encoding = {
        "kind": "scaled",
        "input": "value[t] / divisor",
        "target": "value[t + 1] / divisor",
        "divisor": scale,
        **(mapping or {}),
    }
    return Dataset(preset, seqs, "regression", n_features=1, n_classes=1, encoding=encoding)


def _chars(lines: list[str], preset: str) -> Dataset:
    vocab: list[str] = []
    for ch in "".join(lines):
        if ch not in vocab:
            vocab.append(ch)
    index = {ch: i for i, ch in enumerate(vocab)}
    eye = np.eye(len(vocab), dtype=np.float32)
    seqs = []
    for i, line in enumerate(lines):
        ids = [index[ch] for ch in line]
        # The last character's target is the end-of-line class (id = len(vocab)).
        targets = np.asarray([*ids[1:], len(vocab)], dtype=np.float32)
        seqs.append(Sequence(f"line {i}", eye[ids], targets, list(line)))
    encoding = {
        "kind": "one_hot",
        "input": "one-hot of the character's index in vocab",
        "target": "index of the next character; the last one's is the end-of-line class",
        "end_class": len(vocab),
    }
    return Dataset(
        preset,
        seqs,
        "classification",
        len(vocab),
        len(vocab) + 1,
        [*vocab, END_TOKEN],
        None,
        encoding,
    )


def _moving_average(spec: DataSpec, seed: int) -> Dataset:
    """The data of Keras's stateful_lstm example, built the way that example builds it."""
    to_drop = max(spec.tsteps - 1, spec.lahead - 1)
    rng = np.random.RandomState(seed)
    x = rng.uniform(-0.1, 0.1, spec.input_len + to_drop)
    # pandas rolling(window=tsteps).mean(): the mean of x[t-tsteps+1 .. t], undefined before.
    mean = np.full_like(x, np.nan)
    for t in range(spec.tsteps - 1, len(x)):
        mean[t] = x[t - spec.tsteps + 1 : t + 1].mean()
    # The example repeats the column lahead times and shifts column c down by c: timestep c of
    # sample t holds x[t - c], so each window is fed newest first.
    windows = [
        Window(0, tuple(t - c for c in range(spec.lahead)), t) for t in range(to_drop, len(x))
    ]
    seq = Sequence(
        "noise", x.astype(np.float32)[:, None], mean.astype(np.float32), [f"{v:.3f}" for v in x]
    )
    encoding = {
        "kind": "raw",
        "input": "x[t - c] at timestep c (newest first, as the Keras example feeds it)",
        "target": "mean of x[t - tsteps + 1 .. t]",
        "tsteps": spec.tsteps,
        "lahead": spec.lahead,
    }
    return Dataset("moving_average", [seq], "regression", 1, 1, windows=windows, encoding=encoding)
