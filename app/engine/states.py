"""Reading and writing Keras's state variables as a user does: `layer.states[i].assign(...)`
for a whole layer or one row, and the compiled loop's concatenated states split back."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine.records import States
from app.errors import ScenarioError
from app.scenario import SetStateOp


def assign(layer: Any, op_index: int, op: SetStateOp) -> np.ndarray:
    """Set `op.state` of a stateful Keras RNN layer; returns what the variable then holds."""
    if not layer.stateful:
        raise ScenarioError(
            f"schedule.ops[{op_index}]: layer {op.layer} is stateless, so Keras keeps no "
            "state variable to set (layer.states is None)",
            code="set_state_stateless",
            field=f"schedule.ops[{op_index}]",
            op_index=op_index,
            layer=op.layer,
        )
    index = 0 if op.state == "h" else 1
    new = np.asarray(op.values, dtype=np.float32)
    if op.row is not None:  # one row, as a user does it: read, replace the row, assign
        new = with_row(op_index, op, layer.states[index].numpy(), new)
    layer.states[index].assign(new)  # a wrong shape is Keras's own error
    return np.asarray(layer.states[index].numpy()).copy()


def with_row(op_index: int, op: SetStateOp, state: np.ndarray, row: np.ndarray) -> np.ndarray:
    """`state` with row `op.row` replaced by `row`, or a ScenarioError naming the bounds."""
    rows, units = state.shape
    if op.row is None or op.row >= rows or row.shape != (units,):
        raise ScenarioError(
            f"schedule.ops[{op_index}]: set_state of row {op.row} takes {units} numbers "
            f"(one per unit) for a row of 0..{rows - 1}; got shape {list(row.shape)}",
            code="set_state_row",
            field=f"schedule.ops[{op_index}].values",
            op_index=op_index,
            row=op.row,
            last=rows - 1,
            units=units,
            got=list(row.shape),
        )
    out = state.copy()
    out[op.row] = row
    return out


def unpack(rnns: list[Any], row: np.ndarray) -> list[States | None]:
    """Split the compiled loop's concatenated state variables back into layers and states
    (None for a stateless layer, which keeps none)."""
    out: list[States | None] = []
    pos = 0
    for layer in rnns:
        if not layer.stateful:
            out.append(None)
            continue
        states = []
        for _ in layer.states:
            states.append(row[:, pos : pos + layer.cell.units])
            pos += layer.cell.units
        out.append(states)
    return out
