"""The messages of a live session both ways, as pydantic models (documented in docs/live.md;
their JSON Schemas are docs/live.schema.json and docs/live_replies.schema.json): commands are
validated as they arrive, replies are built from the trace's own models (app/schemas.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.scenario import MAX_BATCH, Scenario, StateValues
from app.schemas import (
    DataInfo,
    Doc,
    Event,
    Matrix,
    ModelInfo,
    NoteCode,
    Row,
    TransferInfo,
    VerificationInfo,
)

MAX_MESSAGE_BYTES = 256 * 1024


Slot = Literal["a", "b"]


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slot: Slot = Field(
        "a",
        description="Which of the connection's two sessions: `a` (the explorer) or `b` (its "
        'compare run); replies for `b` carry `slot: "b"`.',
    )


class Load(_Msg):
    type: Literal["load"]
    scenario: Scenario


class Step(_Msg):
    type: Literal["step"]
    count: int = Field(1, ge=1, le=10_000, description="Timesteps to advance.")


class StepBatch(_Msg):
    type: Literal["step_batch"]


class Play(_Msg):
    type: Literal["play"]
    speed: float = Field(4.0, ge=0.25, le=60.0, description="Timesteps per second.")


class Pause(_Msg):
    type: Literal["pause"]


class Seek(_Msg):
    type: Literal["seek"]
    position: int = Field(ge=-1, description="Global timestep (-1 = before the first).")


class ResetNow(_Msg):
    type: Literal["reset_states"]
    layer: int | None = Field(None, ge=0, le=3)


class SetStateNow(_Msg):
    type: Literal["set_state"]
    layer: int = Field(0, ge=0, le=3)
    state: Literal["h", "c"] = "h"
    row: int | None = Field(
        None, ge=0, le=MAX_BATCH - 1, description="One row, or omitted: all rows."
    )
    values: StateValues


Command = Annotated[
    Load | Step | StepBatch | Play | Pause | Seek | ResetNow | SetStateNow,
    Field(discriminator="type"),
]
COMMAND = TypeAdapter(Command)


# -- server -> client -------------------------------------------------------------------------
class _Reply(Doc):
    slot: Slot = Field(
        "a", description='Set (to "b") only on replies for the compare run\'s session.'
    )


class BatchSummary(Doc):
    """A batch without its per-timestep values: what the lanes picture needs."""

    index: int
    op_index: int
    op: str
    epoch: int
    batch: int
    events: list[Event]
    rows: list[Row]
    loss: float | None
    grad_loss: float | None
    max_abs_diff: float
    weights_version: int
    transfers: list[list[TransferInfo]] = Field(description="Per layer, per row.")


class Loaded(_Reply):
    """A scenario is loaded (or recomputed with an intervention): everything but the
    per-timestep values, which come as frames."""

    type: Literal["loaded"]
    scenario: Scenario
    model: ModelInfo
    data: DataInfo
    batches: list[BatchSummary]
    verification: VerificationInfo
    notes: list[str]
    note_codes: list[NoteCode]
    position: int = Field(description="The cursor: the last timestep sent, -1 before the first.")
    steps: int = Field(description="Timesteps in the run: batches × timesteps.")


class FrameLayer(Doc):
    h: Matrix = Field(description="(rows, units) at this timestep.")
    c: Matrix | None
    gates: dict[str, Matrix] | None
    initial: dict[str, Matrix] | None = Field(
        description="At a boundary (t = 0): the state each row started the batch from."
    )
    grad: dict[str, Matrix] | None = Field(
        description="Training batches: d(batch loss)/d state at this timestep."
    )
    grad_initial: dict[str, Matrix] | None = Field(
        description="At a boundary of a training batch: what Keras does not pass back."
    )


class Frame(_Reply):
    type: Literal["frame"]
    position: int
    batch: int
    t: int
    inputs: Matrix = Field(description="(rows fed, features) at this timestep.")
    boundary: bool = Field(description="True at t = 0.")
    layers: list[FrameLayer]
    max_abs_diff: float


class End(_Reply):
    type: Literal["end"]
    position: int


class Paused(_Reply):
    type: Literal["paused"]
    position: int


class ErrorReply(_Reply):
    """A command that failed; the session goes on. Extra fields (`op`, `op_index`, `limit`,
    `retry_after`, ...) hold the values the translated message is filled with."""

    model_config = ConfigDict(extra="allow")
    type: Literal["error"]
    error: str = Field(
        description="invalid_message, message_too_large, rate_limited, session, "
        "invalid_scenario, keras_rejected, verification_failed, ..."
    )
    code: str = Field(description="The exact problem: the page shows the catalog's error.<code>.")
    message: str = Field(description="In English.")


ReplyMessage = Loaded | Frame | End | Paused | ErrorReply
Reply = Annotated[ReplyMessage, Field(discriminator="type")]
REPLY = TypeAdapter(Reply)
