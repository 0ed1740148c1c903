"""Classify what happens to one row's state at a batch boundary.

This is the one place that decides `continues` / `mismatch` / `reset` / `initial` / `set`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TransferKind = Literal["initial", "continues", "mismatch", "reset", "set"]
Reason = Literal[
    "gap", "overlap", "restart", "other_sequence", "padding", "stateless", "reset_states"
]


@dataclass(frozen=True)
class RowOrigin:
    """What a row holds: a sample's positions, or a padding copy of another row."""

    sequence: int | None
    positions: tuple[int, ...]
    padding: bool = False

    @property
    def newest_first(self) -> bool:
        return len(self.positions) > 1 and self.positions[0] > self.positions[-1]


@dataclass(frozen=True)
class Transfer:
    kind: TransferKind
    reason: Reason | None = None
    gap: int = 0  # positions skipped (>0) or repeated (<0) between the two windows


def classify(
    prev: RowOrigin | None,
    cur: RowOrigin,
    *,
    stateful: bool,
    event: Literal["reset", "set"] | None,
) -> Transfer:
    if not stateful:
        return Transfer("reset", "stateless")
    if event == "set":
        return Transfer("set")
    if event == "reset":
        return Transfer("reset", "reset_states")
    if prev is None:
        return Transfer("initial")
    if prev.padding or cur.padding:
        return Transfer("mismatch", "padding")
    if prev.sequence != cur.sequence:
        return Transfer("mismatch", "other_sequence")
    # Coverage, not feeding order: a newest-first window is still judged by the span it covers
    # (the trace says newest_first separately).
    skipped = min(cur.positions) - max(prev.positions) - 1
    if skipped == 0:
        return Transfer("continues")
    if skipped > 0:
        return Transfer("mismatch", "gap", skipped)
    # Back to where the previous window started or earlier: the data restarted (a new epoch or
    # call), and the end of the sequence's state is fed into its own beginning. Less than that
    # is an overlap: windows that slide by fewer positions than they hold.
    if min(cur.positions) <= min(prev.positions):
        return Transfer("mismatch", "restart", skipped)
    return Transfer("mismatch", "overlap", skipped)
