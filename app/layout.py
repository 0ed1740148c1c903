"""Lay samples out into batches: which sequence and which positions each row holds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.errors import ScenarioError
from app.presets import Dataset
from app.scenario import MAX_SAMPLES, BatchingSpec


@dataclass(frozen=True)
class Sample:
    sequence: int
    positions: tuple[int, ...]  # in the order the timesteps are fed
    target_position: int

    @property
    def newest_first(self) -> bool:
        return len(self.positions) > 1 and self.positions[0] > self.positions[-1]


@dataclass(frozen=True)
class Layout:
    samples: list[Sample]  # in batch order (before any shuffle)
    dropped_positions: int  # positions that fit no full window


def arrange(ds: Dataset, batching: BatchingSpec) -> Layout:
    t = batching.timesteps
    if ds.windows is not None:
        samples = [Sample(w.sequence, w.positions, w.target_position) for w in ds.windows]
        dropped = 0
    elif batching.layout == "lanes":
        samples, dropped = _lanes(ds, batching.batch_size, t)
    else:
        samples, dropped = _consecutive(ds, t)
    if not samples:
        raise ScenarioError(
            f"no sample fits: every sequence is shorter than batching.timesteps={t} "
            f"(per lane, for the lanes layout)",
            code="no_sample_fits",
            field="batching.timesteps",
            timesteps=t,
        )
    if len(samples) > MAX_SAMPLES:
        raise ScenarioError(
            f"{len(samples)} samples: at most {MAX_SAMPLES}; shorten the data or raise timesteps",
            code="too_many_samples",
            field="data",
            samples=len(samples),
            limit=MAX_SAMPLES,
        )
    return Layout(samples, dropped)


def _window(seq: int, start: int, t: int) -> Sample:
    return Sample(seq, tuple(range(start, start + t)), start + t - 1)


def _consecutive(ds: Dataset, t: int) -> tuple[list[Sample], int]:
    samples, dropped = [], 0
    for s, seq in enumerate(ds.sequences):
        n = len(seq.inputs) // t
        samples += [_window(s, k * t, t) for k in range(n)]
        dropped += len(seq.inputs) - n * t
    return samples, dropped


def _lanes(ds: Dataset, b: int, t: int) -> tuple[list[Sample], int]:
    """Row i of batch k+1 continues row i of batch k.

    One sequence is cut into `b` contiguous lanes; several sequences go `b` at a time, one per
    row, chunked in lockstep up to the shortest of the group.
    """
    n_seq = len(ds.sequences)
    if n_seq == 1:
        length = len(ds.sequences[0].inputs)
        lane_len = length // b
        lanes = [(0, i * lane_len, lane_len) for i in range(b)]
        groups = [lanes]
        dropped = length - b * (lane_len // t) * t
    else:
        if n_seq % b:
            fits = [d for d in range(1, min(n_seq, 64) + 1) if n_seq % d == 0]
            raise ScenarioError(
                f"the lanes layout puts one sequence per row, so batching.batch_size ({b}) must "
                f"divide the number of sequences ({n_seq}): use batch size "
                f"{' or '.join(map(str, fits[-3:]))}, or the consecutive layout",
                code="batch_size_must_divide_sequences",
                field="batching.batch_size",
                batch_size=b,
                sequences=n_seq,
                sizes=", ".join(map(str, fits[-3:])),
            )
        groups = []
        for g in range(0, n_seq, b):
            span = min(len(ds.sequences[s].inputs) for s in range(g, g + b))
            groups.append([(s, 0, span) for s in range(g, g + b)])
        dropped = sum(len(s.inputs) for s in ds.sequences)
        dropped -= sum(b * (grp[0][2] // t) * t for grp in groups)
    samples = []
    for grp in groups:
        for k in range(grp[0][2] // t):
            samples += [_window(s, start + k * t, t) for s, start, _ in grp]
    return samples, dropped


def shuffled(order: list[int], seed: int) -> list[int]:
    perm = np.random.default_rng(seed).permutation(len(order))
    return [order[i] for i in perm]


def chunk(order: list[int], batch_size: int, partial: str) -> list[list[int]]:
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if partial == "drop" and batches and len(batches[-1]) < batch_size:
        batches.pop()
    return batches
