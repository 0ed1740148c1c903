"""The messages of a live session, validated with pydantic (documented in docs/live.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.scenario import MAX_BATCH, Scenario, StateValues

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
