from typing import get_args

from app.transfers import Reason, RowOrigin, TransferKind, classify
from tests import node

A = RowOrigin(0, (0, 1, 2))


def test_each_kind() -> None:
    assert classify(None, A, stateful=True, event=None).kind == "initial"
    assert classify(A, RowOrigin(0, (3, 4, 5)), stateful=True, event=None).kind == "continues"
    gap = classify(A, RowOrigin(0, (5, 6, 7)), stateful=True, event=None)
    assert (gap.kind, gap.reason, gap.gap) == ("mismatch", "gap", 2)
    over = classify(A, RowOrigin(0, (2, 3, 4)), stateful=True, event=None)
    assert (over.reason, over.gap) == ("overlap", -1)
    # back at (or before) where the previous window began: the data restarted the sequence
    again = classify(RowOrigin(0, (6, 7, 8)), A, stateful=True, event=None)
    assert (again.kind, again.reason, again.gap) == ("mismatch", "restart", -9)
    same = classify(A, A, stateful=True, event=None)
    assert (same.reason, same.gap) == ("restart", -3)
    assert classify(A, RowOrigin(1, (3,)), stateful=True, event=None).reason == "other_sequence"
    pad = RowOrigin(0, (3, 4, 5), padding=True)
    assert classify(A, pad, stateful=True, event=None).reason == "padding"
    assert classify(A, A, stateful=False, event=None).reason == "stateless"
    assert classify(A, A, stateful=True, event="reset").reason == "reset_states"
    assert classify(A, A, stateful=True, event="set").kind == "set"


def test_newest_first_judged_by_span() -> None:
    prev, cur = RowOrigin(0, (1, 0)), RowOrigin(0, (3, 2))
    assert cur.newest_first
    assert classify(prev, cur, stateful=True, event=None).kind == "continues"


def test_the_page_has_one_vocabulary_of_kinds_and_reasons() -> None:
    # static/js/vocab/transfers.js: what every view labels, explains and colours by
    vocab = node.evaluate(
        f"const v = await import({node.module('js/vocab/transfers.js')});\n"
        "console.log(JSON.stringify({ kinds: v.KINDS, reasons: v.REASONS }));"
    )
    assert vocab["kinds"] == list(get_args(TransferKind))
    assert sorted(vocab["reasons"]) == sorted(get_args(Reason))
