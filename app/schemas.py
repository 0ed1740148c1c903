"""The trace format as pydantic models: the engine builds every trace through them
(app/engine/document.py), they generate its JSON Schema (docs/trace.schema.json), and tests
validate real traces against them, so the documented format and the output cannot drift apart.

Arrays are numpy in the engine and in the web process (orjson writes them fast, in float32's
shortest form); JSON and the schema see nested lists of numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from app.presets import Task
from app.scenario import Kind, Scenario
from app.transfers import Reason, TransferKind

# why a layer's state was reset or set before a batch (app/engine/runner.py records it)
Cause = Literal["reset_states", "set_state", "reset_every", "epoch_end", "intervention"]


class _ArrayOf:
    """A numpy array of `ndim` dimensions (None: any) in Python, nested lists of numbers in
    JSON; floats are float32, as Keras computed them."""

    def __init__(self, ndim: int | None) -> None:
        self.ndim = ndim

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        nested: core_schema.CoreSchema = core_schema.float_schema()
        for _ in range(self.ndim or 0):
            nested = core_schema.list_schema(nested)
        if self.ndim is None:  # targets (ints or floats), outputs, weights: any depth
            nested = core_schema.list_schema(core_schema.any_schema())
        from_lists = core_schema.no_info_after_validator_function(_array, nested)
        return core_schema.json_or_python_schema(
            json_schema=from_lists,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(np.ndarray), from_lists]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _tolist, when_used="json"
            ),
        )


def _array(value: Any) -> np.ndarray:
    a = np.asarray(value)
    return a.astype(np.float32) if a.dtype.kind == "f" else a


def _tolist(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value


Matrix = Annotated[np.ndarray, _ArrayOf(2)]
Cube = Annotated[np.ndarray, _ArrayOf(3)]
AnyArray = Annotated[np.ndarray, _ArrayOf(None)]


class Doc(BaseModel):
    """A part of a trace or of a live message: built with `model_construct` from the engine's
    own values, written by `plain`."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class LayerInfo(Doc):
    index: int
    name: str
    kind: Kind
    units: int
    stateful: bool
    return_sequences: bool
    state_names: list[str] = Field(description="['h', 'c'] for LSTM, ['h'] otherwise.")
    gate_names: list[str] = Field(description="LSTM i,f,g,o; GRU z,r,hh; SimpleRNN none.")


class HeadInfo(Doc):
    units: int
    task: Task


class ModelInfo(Doc):
    batch_size: int
    timesteps: int
    input_features: int
    layers: list[LayerInfo]
    head: HeadInfo | None


class SequenceInfo(Doc):
    name: str
    tokens: list[str] = Field(description="How each position is shown (characters, numbers).")


class SampleInfo(Doc):
    sequence: int
    positions: list[int] = Field(description="Positions in the order they are fed.")
    target_position: int
    newest_first: bool


class DataInfo(Doc):
    preset: str
    task: Task
    vocab: list[str] | None
    sequences: list[SequenceInfo]
    samples: list[SampleInfo]
    dropped_positions: int
    encoding: dict[str, Any] = Field(
        description="How tokens became inputs and targets: `kind` one_hot | scaled | raw, the "
        "formulas (`input`, `target`) and their values (`divisor` of scaled numbers; ramp's "
        "`length`, `n_sequences` and token/value mapping; moving_average's `tsteps`, `lahead`)."
    )


class LayerWeights(Doc):
    name: str
    arrays: list[AnyArray] = Field(description="Keras get_weights() of the layer, in order.")


class WeightsVersion(Doc):
    version: int
    layers: list[LayerWeights]


class Event(Doc):
    layer: int
    kind: Literal["reset", "set"]
    cause: Cause = Field(
        description="The schedule op, the reset shorthand (reset_every: before the op's batch "
        "N, 2N, ... counted across its epochs; epoch_end: after each of its epochs' last batch), "
        "or an intervention before this batch."
    )
    state: Literal["h", "c"] | None = Field(None, description="set only: which state.")
    values: Matrix | None = Field(
        None, description="set only: the Keras state variable right after the assign."
    )
    row: int | None = Field(
        None, description="set only: the one row that was set (absent: every row)."
    )


class Row(Doc):
    row: int
    sample: int | None = Field(description="Index into data.samples; null for a padding row.")
    sequence: int | None
    positions: list[int]
    padding: bool = Field(
        description="A row past the samples of a partial batch: Keras broadcast row 0's input "
        "into it, and ran it from that row's own carried state."
    )
    newest_first: bool


class TransferInfo(Doc):
    row: int
    kind: TransferKind
    reason: Reason | None
    gap: int = Field(description="Positions skipped (>0) or repeated (<0) at this boundary.")


class LayerBatch(Doc):
    initial: dict[str, Matrix] = Field(description="Initial state per name, (rows, units).")
    transfers: list[TransferInfo]
    h: Cube = Field(description="(rows, timesteps, units)")
    c: Cube | None
    gates: dict[str, Cube] | None
    final: dict[str, Matrix]
    keras_final: dict[str, Matrix] | None = Field(
        description="The Keras layer's own state variables after the batch (stateful only)."
    )
    grad: dict[str, Cube] | None = Field(
        description="Training batches: d(batch loss)/d state per name, (rows, timesteps, "
        "units), through every path (next timestep, layer above, head). None otherwise."
    )
    grad_initial: dict[str, Matrix] | None = Field(
        description="Training batches of a stateful layer: d(batch loss)/d initial state, (rows, "
        "units): what would flow back into the previous batch. Keras does not pass it back "
        "(truncated backpropagation through time)."
    )


class Batch(Doc):
    index: int
    op_index: int
    op: str
    epoch: int
    batch: int
    weights_version: int
    events: list[Event] = Field(
        description="Every reset_state() / state assign applied just before, in order."
    )
    rows: list[Row]
    inputs: Cube = Field(description="Exactly what Keras was fed: (rows fed, timesteps, F).")
    targets: AnyArray = Field(description="The targets of those rows (what a loss compares with).")
    layers: list[LayerBatch]
    outputs: AnyArray | None
    loss: float | None
    grad_loss: float | None = Field(
        description="Training batches: the loss the gradients are of (verified against `loss`)."
    )
    max_abs_diff: float


QuantityName = Literal[
    "h", "h_cell", "c", "gates", "gates_rebuild", "final", "state_variables", "outputs", "loss"
]


class QuantityCheck(Doc):
    max_abs_diff: float
    max_scaled_diff: float = Field(description="max |Δ| / max(1, |Keras's value|)")
    values: int = Field(description="How many numbers were compared.")
    covers: str = Field(description="What was compared with what.")


class VerificationInfo(Doc):
    max_abs_diff: float
    max_scaled_diff: float = Field(description="The largest |Δ| / max(1, |Keras's value|).")
    tolerance: float
    criterion: str = Field(description="passed: every |Δ| ≤ tolerance · max(1, |Keras's value|)")
    passed: bool
    quantities: dict[QuantityName, QuantityCheck] = Field(
        description="Per quantity shown: what it was compared with, and how closely."
    )
    checks: int
    keras_version: str
    tensorflow_version: str
    references: list[str]


class NoteCode(Doc):
    code: Literal["broadcast", "newest_first", "predict_rows"]
    params: dict[str, int | str]


class TraceDoc(Doc):
    format: Literal["lstm-state-lab/trace@1"]
    scenario: Scenario
    model: ModelInfo
    data: DataInfo
    weights: list[WeightsVersion]
    batches: list[Batch]
    verification: VerificationInfo
    notes: list[str] = Field(description="What Keras did that may surprise, in English.")
    note_codes: list[NoteCode] = Field(
        default_factory=list, description="The same notes by code and values (translatable)."
    )


def plain(model: BaseModel, arrays: bool = False) -> Any:
    """A trace model as JSON-able data: what `model_dump(mode="json", exclude_unset=True)`
    gives (tests/test_schemas.py checks it), ~10x faster on large traces. `arrays=True` keeps
    the numpy arrays (for orjson) instead of lists."""
    return _plain(model, np.ascontiguousarray if arrays else _tolist)


_LEAF = frozenset({int, float, str, bool, type(None)})


def _plain(value: Any, conv: Callable[[np.ndarray], Any]) -> Any:
    # leaves are passed through without a call: a large trace holds ~10^5 of them
    if isinstance(value, Doc):
        given = value.__pydantic_fields_set__
        out = {
            k: v if type(v) in _LEAF else _plain(v, conv)
            for k, v in value.__dict__.items()
            if k in given
        }
        if value.__pydantic_extra__:  # an error reply's values
            out.update({k: _plain(v, conv) for k, v in value.__pydantic_extra__.items()})
        return out
    if isinstance(value, np.ndarray):
        return conv(value)
    if isinstance(value, list):
        return [v if type(v) in _LEAF else _plain(v, conv) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in _LEAF else _plain(v, conv) for k, v in value.items()}
    if isinstance(value, BaseModel):  # the scenario: its own JSON form
        return value.model_dump(mode="json")
    return value


def schemas() -> dict[str, dict[str, Any]]:
    from app.live.protocol import COMMAND, REPLY

    return {
        "scenario": Scenario.model_json_schema(),
        "trace": TraceDoc.model_json_schema(),
        "live": COMMAND.json_schema(),
        "live_replies": REPLY.json_schema(),
    }
