"""The scenario: what a user asks the engine to run. Validation only, no TensorFlow."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

Kind = Literal["LSTM", "GRU", "SimpleRNN"]
PresetName = Literal["poem", "ramp", "sine", "moving_average", "text", "values"]

MAX_TEXT_CHARS = 2000
MAX_VOCAB = 64
MAX_VALUES = 2000
MAX_SEQUENCES = 64  # typed-in `values` sequences
MAX_GENERATED = 1000  # ramp/sine sequences: seed 000's 1000 sequences fit
MAX_SAMPLES = 1024
MAX_BATCH = 256  # rows per batch: seed 000's batch of 200 fits
MAX_BATCHES_RUN = 2000
MAX_STATE_ABS = 1e6


def _state_in_range(values: list[list[float]] | list[float]) -> list[list[float]] | list[float]:
    # Keras stores states as float32: 1e308 became inf (numpy's overflow RuntimeWarning in a TF
    # worker), NaN/inf states make a trace of NaNs. Found by the live fuzzer (close 1011).
    flat = [v for row in values for v in (row if isinstance(row, list) else [row])]
    if not all(math.isfinite(v) and abs(v) <= MAX_STATE_ABS for v in flat):
        raise PydanticCustomError(
            "state_not_finite",
            "state values must be finite numbers, |v| <= {limit}",
            {"limit": "1e6"},
        )
    return values


StateValues = Annotated[list[list[float]] | list[float], AfterValidator(_state_in_range)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LayerSpec(_Strict):
    kind: Kind = Field("LSTM", description="Recurrent layer class: LSTM, GRU or SimpleRNN.")
    units: int = Field(8, ge=1, le=128, description="Units = size of each state vector.")
    stateful: bool = Field(True, description="Keep each row's final state for the next batch.")
    return_sequences: bool | None = Field(
        None,
        description="Return the whole output sequence. Default: true for all but the last layer "
        "(a layer feeding another recurrent layer must return sequences).",
    )


class ModelSpec(_Strict):
    layers: list[LayerSpec] = Field(
        default_factory=lambda: [LayerSpec()],
        min_length=1,
        max_length=4,
        description="1 to 4 stacked recurrent layers, first = nearest to the input.",
    )
    input_features: int | None = Field(
        None,
        ge=1,
        le=MAX_VOCAB,
        description="Features per timestep; derived from the data when omitted.",
    )
    head: bool = Field(True, description="Add a Dense head (needed by training operations).")

    @model_validator(mode="after")
    def _sequences_between_layers(self) -> ModelSpec:
        for i, layer in enumerate(self.layers[:-1]):
            if layer.return_sequences is False:
                raise PydanticCustomError(
                    "layer_must_return_sequences",
                    "layers[{layer}].return_sequences must be true: layer {next_layer} is "
                    "recurrent and needs a sequence as input",
                    {"layer": i, "next_layer": i + 1},
                )
        return self

    def returns_sequences(self, index: int) -> bool:
        flag = self.layers[index].return_sequences
        return (index < len(self.layers) - 1) if flag is None else flag


class DataSpec(_Strict):
    preset: PresetName = Field("ramp", description="Which data set to lay out into batches.")
    n_sequences: int = Field(
        1, ge=1, le=MAX_GENERATED, description="ramp/sine: how many independent sequences."
    )
    length: int = Field(40, ge=2, le=MAX_VALUES, description="ramp/sine: steps per sequence.")
    text: str | None = Field(
        None,
        max_length=MAX_TEXT_CHARS,
        description="text: user text, char-level; each non-empty line is one sequence.",
    )
    values: list[list[float]] | None = Field(
        None,
        max_length=MAX_SEQUENCES,
        description="values: user sequences of numbers (each 2..2000 numbers).",
    )
    tsteps: int = Field(2, ge=1, le=32, description="moving_average: rolling-mean window.")
    lahead: int = Field(1, ge=1, le=32, description="moving_average: input window length.")
    input_len: int = Field(
        40, ge=4, le=MAX_VALUES, description="moving_average: number of input windows."
    )

    @model_validator(mode="after")
    def _preset_inputs(self) -> DataSpec:
        if self.preset == "text":
            if not self.text or not self.text.strip():
                raise PydanticCustomError(
                    "text_required",
                    "data.text is required for preset 'text' (1..{max_length} characters)",
                    {"max_length": MAX_TEXT_CHARS},
                )
            distinct = len(set(self.text.replace("\n", "")))
            if distinct > MAX_VOCAB:
                raise PydanticCustomError(
                    "text_too_many_characters",
                    "data.text may use at most {limit} distinct characters",
                    {"limit": MAX_VOCAB, "distinct": distinct},
                )
        if self.preset == "values":
            if not self.values:
                raise PydanticCustomError(
                    "values_required",
                    "data.values is required for preset 'values' (1..{max_sequences} sequences)",
                    {"max_sequences": MAX_SEQUENCES},
                )
            for i, seq in enumerate(self.values):
                if not 2 <= len(seq) <= MAX_VALUES:
                    raise PydanticCustomError(
                        "values_length",
                        "data.values[{index}] must hold {min_length}..{max_length} numbers",
                        {"index": i, "min_length": 2, "max_length": MAX_VALUES, "length": len(seq)},
                    )
                if any(abs(v) > 1e6 or v != v for v in seq):
                    raise PydanticCustomError(
                        "values_not_finite",
                        "data.values[{index}]: numbers must be finite, |v| <= {limit}",
                        {"index": i, "limit": "1e6"},
                    )
        return self


class BatchingSpec(_Strict):
    batch_size: int = Field(
        2, ge=1, le=MAX_BATCH, description="Rows per batch (fixed for the model)."
    )
    timesteps: int = Field(5, ge=1, le=64, description="Timesteps per sample row.")
    layout: Literal["lanes", "consecutive"] = Field(
        "lanes",
        description="lanes: row i of each batch continues row i of the previous batch; "
        "consecutive: windows taken in order (the naive layout).",
    )
    shuffle: bool = Field(False, description="Shuffle sample order before batching.")
    shuffle_seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed of the shuffle.")
    partial: Literal["keep", "drop"] = Field(
        "keep", description="A partial last batch: keep (do what Keras does) or drop it."
    )


class CallOp(_Strict):
    op: Literal["call", "predict_on_batch", "train_on_batch"]
    epochs: int = Field(1, ge=1, le=50, description="Passes over the data, batch by batch.")


class FitOp(_Strict):
    op: Literal["fit"]
    epochs: int = Field(1, ge=1, le=50)
    shuffle: bool = Field(False, description="Keras fit(shuffle=...): reshuffle every epoch.")
    batch_size: int | None = Field(None, ge=1, le=MAX_BATCH, description="Default: the model's.")


class PredictOp(_Strict):
    op: Literal["predict"]
    batch_size: int | None = Field(None, ge=1, le=MAX_BATCH, description="Default: the model's.")


class ResetOp(_Strict):
    op: Literal["reset_states"]
    layer: int | None = Field(None, ge=0, le=3, description="Layer index; omitted = whole model.")


class SetStateOp(_Strict):
    op: Literal["set_state"]
    layer: int = Field(0, ge=0, le=3)
    state: Literal["h", "c"] = "h"
    row: int | None = Field(
        None,
        ge=0,
        le=MAX_BATCH - 1,
        description="One row (values: its `units` numbers; the other rows keep their state), "
        "or omitted: the whole state variable.",
    )
    values: StateValues = Field(
        description="New value; Keras wants shape (batch_size, units) — anything else is "
        "passed to Keras as given, so you see Keras's own error.",
    )


Op = Annotated[CallOp | FitOp | PredictOp | ResetOp | SetStateOp, Field(discriminator="op")]


class Intervention(_Strict):
    before_batch: int = Field(
        ge=0, le=MAX_BATCHES_RUN, description="Index of the batch in the run (0 = the first)."
    )
    action: Annotated[ResetOp | SetStateOp, Field(discriminator="op")]


def _default_ops() -> list[Op]:
    return [CallOp(op="call", epochs=1)]


class ScheduleSpec(_Strict):
    ops: list[Op] = Field(
        default_factory=_default_ops,
        min_length=1,
        max_length=50,
        description="Operations run in order on one model.",
    )
    reset: Literal["never", "epoch_end", "every_n_batches"] = Field(
        "never", description="Shorthand: also call reset_states() at these points."
    )
    reset_every: int = Field(1, ge=1, le=1000, description="N for reset = every_n_batches.")
    interventions: list[Intervention] = Field(
        default_factory=list,
        max_length=200,
        description="reset_states / set_state applied just before a given batch of the run "
        "(what the live explorer's 'reset now' and 'set state' record).",
    )


class Scenario(_Strict):
    model: ModelSpec = Field(default_factory=lambda: ModelSpec())
    data: DataSpec = Field(default_factory=lambda: DataSpec())
    batching: BatchingSpec = Field(default_factory=lambda: BatchingSpec())
    schedule: ScheduleSpec = Field(default_factory=lambda: ScheduleSpec())
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed of the weights.")

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        n_layers = len(self.model.layers)
        actions = [(f"schedule.ops[{i}]", op) for i, op in enumerate(self.schedule.ops)]
        actions += [
            (f"schedule.interventions[{i}].action", iv.action)
            for i, iv in enumerate(self.schedule.interventions)
        ]
        for where, op in actions:
            layer = getattr(op, "layer", None)
            if layer is not None and layer >= n_layers:
                raise PydanticCustomError(
                    "layer_out_of_range",
                    "{where}.layer must be < {layers} (the layer count)",
                    {"where": where, "layer": layer, "layers": n_layers},
                )
            if (
                isinstance(op, SetStateOp)
                and op.state == "c"
                and self.model.layers[op.layer].kind != "LSTM"
            ):
                raise PydanticCustomError(
                    "cell_state_lstm_only",
                    "{where}.state 'c' exists only in LSTM layers; "
                    "layer {layer} is {kind} (state 'h' only)",
                    {"where": where, "layer": op.layer, "kind": self.model.layers[op.layer].kind},
                )
        for i, op in enumerate(self.schedule.ops):
            trains = isinstance(op, FitOp) or (isinstance(op, CallOp) and op.op == "train_on_batch")
            if trains and not self.model.head:
                raise PydanticCustomError(
                    "training_needs_head",
                    "schedule.ops[{index}] trains: model.head must be true",
                    {"index": i, "op": op.op},
                )
        if self.data.preset == "moving_average" and self.batching.timesteps != self.data.lahead:
            raise PydanticCustomError(
                "timesteps_must_equal_lahead",
                "batching.timesteps must equal data.lahead for preset 'moving_average' "
                "(each sample is one window of lahead values)",
                {"timesteps": self.batching.timesteps, "lahead": self.data.lahead},
            )
        return self
