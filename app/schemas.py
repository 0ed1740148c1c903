"""Pydantic description of the trace format, for its JSON Schema and for validating traces.

The engine builds traces as plain dicts (fast); tests validate them against these models, so
the documented schema and the real output cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.scenario import Scenario

Matrix = list[list[float]]
Cube = list[list[list[float]]]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LayerInfo(_Doc):
    index: int
    name: str
    kind: Literal["LSTM", "GRU", "SimpleRNN"]
    units: int
    stateful: bool
    return_sequences: bool
    state_names: list[str] = Field(description="['h', 'c'] for LSTM, ['h'] otherwise.")
    gate_names: list[str] = Field(description="LSTM i,f,g,o; GRU z,r,hh; SimpleRNN none.")


class HeadInfo(_Doc):
    units: int
    task: Literal["regression", "classification"]


class ModelInfo(_Doc):
    batch_size: int
    timesteps: int
    input_features: int
    layers: list[LayerInfo]
    head: HeadInfo | None


class SequenceInfo(_Doc):
    name: str
    tokens: list[str] = Field(description="How each position is shown (characters, numbers).")


class SampleInfo(_Doc):
    sequence: int
    positions: list[int] = Field(description="Positions in the order they are fed.")
    target_position: int
    newest_first: bool


class DataInfo(_Doc):
    preset: str
    task: Literal["regression", "classification"]
    vocab: list[str] | None
    sequences: list[SequenceInfo]
    samples: list[SampleInfo]
    dropped_positions: int


class LayerWeights(_Doc):
    name: str
    arrays: list[Any] = Field(description="Keras get_weights() of the layer, in order.")


class WeightsVersion(_Doc):
    version: int
    layers: list[LayerWeights]


class Event(_Doc):
    layer: int
    kind: Literal["reset", "set"]


class Row(_Doc):
    row: int
    sample: int | None = Field(description="Index into data.samples; null for a padding row.")
    sequence: int | None
    positions: list[int]
    padding: bool = Field(description="True where Keras filled the row from another row.")
    newest_first: bool


class TransferInfo(_Doc):
    row: int
    kind: Literal["initial", "continues", "mismatch", "reset", "set"]
    reason: (
        Literal["gap", "overlap", "other_sequence", "padding", "stateless", "reset_states"] | None
    )
    gap: int = Field(description="Positions skipped (>0) or repeated (<0) at this boundary.")


class LayerBatch(_Doc):
    initial: dict[str, Matrix] = Field(description="Initial state per name, (rows, units).")
    transfers: list[TransferInfo]
    h: Cube = Field(description="(rows, timesteps, units)")
    c: Cube | None
    gates: dict[str, Cube] | None
    final: dict[str, Matrix]
    keras_final: dict[str, Matrix] | None = Field(
        description="The Keras layer's own state variables after the batch (stateful only)."
    )


class Batch(_Doc):
    index: int
    op_index: int
    op: str
    epoch: int
    batch: int
    weights_version: int
    events: list[Event] = Field(description="reset_states / set_state applied just before.")
    rows: list[Row]
    inputs: Cube = Field(description="Exactly what Keras was fed: (rows fed, timesteps, F).")
    targets: Any = Field(description="The targets of those rows (what a loss compares with).")
    layers: list[LayerBatch]
    outputs: Any | None
    loss: float | None
    max_abs_diff: float


class VerificationInfo(_Doc):
    max_abs_diff: float
    tolerance: float
    passed: bool
    checks: int
    keras_version: str
    tensorflow_version: str
    references: list[str]


class NoteCode(_Doc):
    code: Literal["broadcast", "newest_first", "predict_rows"]
    params: dict[str, int | str]


class TraceDoc(_Doc):
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


def schemas() -> dict[str, dict[str, Any]]:
    from app.live.protocol import COMMAND

    return {
        "scenario": Scenario.model_json_schema(),
        "trace": TraceDoc.model_json_schema(),
        "live": COMMAND.json_schema(),
    }
