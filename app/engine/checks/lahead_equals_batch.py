"""Claim `lahead-equals-batch`: "In the Keras stateful example, the carried state is only right
when lahead == batch_size."

Which window row i of the next batch holds is decided by how the example lays its data out
(app/layout.py), the same on every backend: no Keras runs here.
"""

from __future__ import annotations

from itertools import pairwise

from app.engine.checks.keras_only import Result, finding
from app.layout import arrange, chunk
from app.presets import build
from app.scenario import BatchingSpec, DataSpec
from app.transfers import RowOrigin, classify

CLAIM = "lahead-equals-batch"


def _handoffs(lahead: int, batch: int) -> list[str]:
    """What each row's state meets at every batch boundary (app/transfers.py)."""
    data = DataSpec(preset="moving_average", tsteps=2, lahead=lahead, input_len=12)
    samples = arrange(build(data, 0), BatchingSpec(batch_size=batch, timesteps=lahead)).samples
    rows = [
        [RowOrigin(samples[i].sequence, samples[i].positions) for i in group]
        for group in chunk(list(range(len(samples))), batch, "keep")
    ]
    kinds = {
        t.reason or t.kind
        for prev, cur in pairwise(rows)
        for t in (
            classify(p, c, stateful=True, event=None) for p, c in zip(prev, cur, strict=False)
        )
    }
    return sorted(kinds)


def check_here() -> Result:
    found = {
        f"lahead={lahead}, batch_size={batch}": _handoffs(lahead, batch)
        for lahead, batch in ((1, 1), (1, 2), (2, 1), (2, 2))
    }
    ok = found["lahead=1, batch_size=1"] == ["continues"] == found["lahead=2, batch_size=2"]
    return {
        "verdict": "holds" if ok else "does_not_hold",
        **finding(CLAIM),
        "evidence": found,
    }
