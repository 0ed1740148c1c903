"""What Keras does with state, observed through the engine on real Keras."""

from typing import Any

import numpy as np
import pytest

from app.errors import KerasRejected
from app.schemas import TraceDoc
from tests.conftest import final, initial, kinds, run

POEM = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}
RAMP10 = {
    "data": {"preset": "ramp", "n_sequences": 10, "length": 14},
    "batching": {"batch_size": 10, "timesteps": 7},
}


def _lstm(units: int = 4, stateful: bool = True, **kw: Any) -> dict[str, Any]:
    return {"layers": [{"kind": "LSTM", "units": units, "stateful": stateful, **kw}]}


@pytest.mark.slow
def test_trace_validates_against_documented_schema() -> None:
    trace = run(**POEM, model=_lstm())
    TraceDoc.model_validate(trace)
    v = trace["verification"]
    assert v["passed"] and v["max_abs_diff"] <= v["tolerance"] == 1e-5
    assert v["keras_version"].startswith("3.") and v["tensorflow_version"]


def test_stateless_rows_start_from_zeros_every_batch() -> None:
    trace = run(**POEM, model=_lstm(stateful=False))
    for batch in trace["batches"]:
        assert not initial(batch).any() and not initial(batch, name="c").any()
        assert kinds(batch) == [("reset", "stateless")] * 2
    assert final(trace["batches"][0]).any()


def test_stateful_row_i_carries_to_row_i() -> None:
    trace = run(**POEM, model=_lstm())
    b0, b1 = trace["batches"]
    # Row i of batch 1 starts from row i of batch 0, not from the last row.
    np.testing.assert_array_equal(initial(b1), np.asarray(b0["layers"][0]["keras_final"]["h"]))
    keras_c = np.asarray(b0["layers"][0]["keras_final"]["c"])
    np.testing.assert_array_equal(initial(b1, name="c"), keras_c)
    # Our recomputed c agrees with Keras's to float32 rounding (oneDNN's kernels vary by CPU).
    np.testing.assert_allclose(final(b0, name="c"), keras_c, atol=1e-6)
    assert not np.allclose(initial(b1)[0], initial(b1)[1])
    assert kinds(b0) == [("initial", None)] * 2
    assert kinds(b1) == [("continues", None)] * 2
    assert [r["positions"][0] for r in b1["rows"]] == [5, 5]


def test_chunked_stateful_equals_one_long_run() -> None:
    chunked = run(**RAMP10, model=_lstm(8))
    long = run(
        data=RAMP10["data"],
        batching={"batch_size": 10, "timesteps": 14},
        model=_lstm(8, stateful=False),
    )
    assert len(chunked["batches"]) == 2 and len(long["batches"]) == 1
    h_chunks = np.concatenate([np.asarray(b["layers"][0]["h"]) for b in chunked["batches"]], 1)
    h_long = np.asarray(long["batches"][0]["layers"][0]["h"])
    assert np.max(np.abs(h_chunks - h_long)) <= 1e-6
    assert (
        np.max(np.abs(final(chunked["batches"][1], name="c") - final(long["batches"][0], name="c")))
        <= 1e-6
    )


def test_reset_states_zeroes_the_carried_state() -> None:
    trace = run(**POEM, model=_lstm(), ops=[{"op": "call"}, {"op": "reset_states"}, {"op": "call"}])
    after_reset = trace["batches"][2]
    assert after_reset["events"] == [{"layer": 0, "kind": "reset", "cause": "reset_states"}]
    assert not initial(after_reset).any() and not initial(after_reset, name="c").any()
    assert kinds(after_reset) == [("reset", "reset_states")] * 2
    # The first batch of the second pass recomputes exactly the first pass's numbers.
    np.testing.assert_allclose(final(after_reset), final(trace["batches"][0]), atol=1e-7)


def test_fit_does_not_reset_between_epochs() -> None:
    trace = run(**POEM, model=_lstm(), ops=[{"op": "fit", "epochs": 2}])
    batches = trace["batches"]
    assert [b["epoch"] for b in batches] == [0, 0, 1, 1]
    second_epoch = batches[2]
    assert second_epoch["events"] == []
    np.testing.assert_array_equal(
        initial(second_epoch), np.asarray(batches[1]["layers"][0]["keras_final"]["h"])
    )
    assert np.abs(initial(second_epoch)).max() > 1e-3
    # Training changes the weights batch by batch; each pass records the weights it used.
    assert [b["weights_version"] for b in batches] == [0, 1, 2, 3]
    assert all(isinstance(b["loss"], float) for b in batches)


def test_reset_at_epoch_end_shorthand() -> None:
    trace = run(**POEM, model=_lstm(), ops=[{"op": "fit", "epochs": 2}], reset="epoch_end")
    assert kinds(trace["batches"][2]) == [("reset", "reset_states")] * 2
    assert not initial(trace["batches"][2]).any()


def test_reset_every_n_batches_in_train_on_batch_loop() -> None:
    trace = run(
        data={"preset": "ramp", "length": 40},
        batching={"batch_size": 2, "timesteps": 5},
        model=_lstm(),
        ops=[{"op": "train_on_batch"}],
        reset="every_n_batches",
        every=2,
    )
    resets = [b["index"] for b in trace["batches"] if b["events"]]
    assert resets == [2]
    assert len(trace["batches"]) == 4
    assert trace["batches"][2]["events"] == [{"layer": 0, "kind": "reset", "cause": "reset_every"}]


@pytest.mark.parametrize(
    "op",
    [
        {"op": "call", "epochs": 3},
        {"op": "train_on_batch", "epochs": 3},
        {"op": "predict_on_batch", "epochs": 3},
        {"op": "fit", "epochs": 3},
        {"op": "fit", "epochs": 3, "shuffle": True},
    ],
    ids=lambda op: "-".join(str(v) for v in op.values()),
)
def test_reset_every_n_counts_the_ops_batches_across_epochs_on_every_path(
    op: dict[str, object],
) -> None:
    """One schedule whatever the call: with 4 batches an epoch and N = 3, resets before the op's
    batches 3, 6 and 9 (fit with shuffle once restarted the count every epoch: 3, 7, 11)."""
    trace = run(
        data={"preset": "ramp", "length": 40},
        batching={"batch_size": 2, "timesteps": 5},
        model=_lstm(),
        ops=[op, {"op": "call"}],
        reset="every_n_batches",
        every=3,
    )
    batches = trace["batches"]
    assert len(batches) == 16
    resets = [b["index"] for b in batches if b["events"]]
    assert resets == [3, 6, 9, 15]  # the second op counts its own: its batch 3 is index 15
    for k in resets:
        assert not initial(batches[k]).any()
        assert kinds(batches[k]) == [("reset", "reset_states")] * 2
    assert initial(batches[12]).any()  # nothing resets between two ops


def test_predict_does_not_reset() -> None:
    trace = run(**POEM, model=_lstm(), ops=[{"op": "predict"}, {"op": "predict"}])
    b = trace["batches"]
    np.testing.assert_array_equal(initial(b[2]), np.asarray(b[1]["layers"][0]["keras_final"]["h"]))
    assert initial(b[2]).any()
    # the second call starts the lines again: each line's end state is fed into its beginning
    assert kinds(b[2]) == [("mismatch", "restart")] * 2


def test_shuffle_lands_state_in_other_lines() -> None:
    trace = run(
        data={"preset": "ramp", "n_sequences": 4, "length": 20},
        batching={"batch_size": 4, "timesteps": 5, "shuffle": True, "shuffle_seed": 1},
        model=_lstm(),
    )
    reasons = {r for b in trace["batches"][1:] for _, r in kinds(b)}
    assert "other_sequence" in reasons


def test_consecutive_mismatches_while_lanes_continue() -> None:
    data = {"preset": "ramp", "length": 40}
    lanes = run(data=data, batching={"batch_size": 2, "timesteps": 5}, model=_lstm())
    naive = run(
        data=data,
        batching={"batch_size": 2, "timesteps": 5, "layout": "consecutive"},
        model=_lstm(),
    )
    assert all(k == ("continues", None) for b in lanes["batches"][1:] for k in kinds(b))
    assert all(k == ("mismatch", "gap") for b in naive["batches"][1:] for k in kinds(b))
    assert naive["batches"][1]["layers"][0]["transfers"][0]["gap"] == 5


def test_partial_last_batch_of_one_is_broadcast_by_keras() -> None:
    """Keras 3 fit/predict feed a 1-sample last batch to every state row, without an error."""
    data = {"preset": "ramp", "length": 18}
    batching = {"batch_size": 2, "timesteps": 2, "layout": "consecutive"}
    trace = run(data=data, batching=batching, model=_lstm(), ops=[{"op": "predict"}])
    last = trace["batches"][-1]
    assert len(trace["data"]["samples"]) == 9
    assert sum(len(b["outputs"]) for b in trace["batches"]) == 10  # 10 rows for 9 samples
    assert len(last["inputs"]) == 1 and len(last["rows"]) == 2
    assert last["rows"][1]["padding"] and kinds(last)[1] == ("mismatch", "padding")
    assert any("broadcast" in n for n in trace["notes"])
    codes = {n["code"]: n["params"] for n in trace["note_codes"]}  # translatable by code
    assert codes["broadcast"]["samples"] == 1 and codes["broadcast"]["rows"] == 2
    # Both rows saw the same input, from different carried states.
    h = np.asarray(last["layers"][0]["h"])
    assert not np.allclose(h[0], h[1])
    dropped = run(
        data=data, batching={**batching, "partial": "drop"}, model=_lstm(), ops=[{"op": "predict"}]
    )
    assert len(dropped["batches"]) == 4


def test_partial_batch_of_other_size_is_rejected_by_keras() -> None:
    with pytest.raises(KerasRejected) as info:
        run(
            data={"preset": "ramp", "length": 20},
            batching={"batch_size": 4, "timesteps": 2, "layout": "consecutive"},
            model=_lstm(),
            ops=[{"op": "fit"}],
        )
    err = info.value.to_dict()
    assert err["op"] == "fit" and "Incompatible shapes" in err["message"]
    assert "File" not in err["message"]


def test_model_call_rejects_partial_batch_with_keras_message() -> None:
    with pytest.raises(KerasRejected, match="batch size of the input sequences must be the same"):
        run(
            data={"preset": "ramp", "length": 18},
            batching={"batch_size": 2, "timesteps": 2, "layout": "consecutive"},
            model=_lstm(),
            ops=[{"op": "call"}],
        )


def test_stateful_first_layer_under_stateless_second() -> None:
    model = {"layers": [{"units": 4, "stateful": True}, {"units": 3, "stateful": False}]}
    trace = run(**POEM, model=model)
    b1 = trace["batches"][1]
    assert kinds(b1, 0) == [("continues", None)] * 2
    assert kinds(b1, 1) == [("reset", "stateless")] * 2
    assert initial(b1, 0).any() and not initial(b1, 1).any()
    assert b1["layers"][1]["keras_final"] is None


def test_set_state_takes_effect() -> None:
    values = [[0.5] * 4, [-0.25] * 4]
    trace = run(
        **POEM,
        model=_lstm(),
        ops=[{"op": "set_state", "layer": 0, "state": "c", "values": values}, {"op": "call"}],
    )
    b0 = trace["batches"][0]
    np.testing.assert_array_equal(initial(b0, name="c"), values)
    assert not initial(b0).any()
    assert kinds(b0) == [("set", None)] * 2


def test_set_state_of_wrong_shape_returns_keras_error() -> None:
    with pytest.raises(KerasRejected) as info:
        run(**POEM, model=_lstm(8), ops=[{"op": "set_state", "values": [0.1, 0.2]}])
    err = info.value.to_dict()
    assert err["error"] == "keras_rejected" and err["op"] == "set_state"
    assert "variable.shape=(2, 8)" in err["message"] and "value.shape=(2,)" in err["message"]


@pytest.mark.parametrize("kind", ["GRU", "SimpleRNN"])
def test_gru_and_simple_rnn_have_one_state(kind: str) -> None:
    trace = run(**POEM, model={"layers": [{"kind": kind, "units": 3}]})
    layer = trace["model"]["layers"][0]
    assert layer["state_names"] == ["h"]
    b = trace["batches"][1]["layers"][0]
    assert list(b["final"]) == ["h"] and b["c"] is None
    assert (b["gates"] is None) == (kind == "SimpleRNN")
    if kind == "GRU":
        assert list(b["gates"]) == ["z", "r", "hh"]


def test_lstm_gates_are_recorded() -> None:
    b = run(**POEM, model=_lstm())["batches"][0]["layers"][0]
    assert list(b["gates"]) == ["i", "f", "g", "o"]
    i, f, g = (np.asarray(b["gates"][k]) for k in "ifg")
    c = np.asarray(b["c"])
    # c_1 = f * c_0 + i * g with c_0 = 0 at the first step of the first batch.
    np.testing.assert_allclose(c[:, 0], i[:, 0] * g[:, 0], atol=1e-6)
    np.testing.assert_allclose(c[:, 1], f[:, 1] * c[:, 0] + i[:, 1] * g[:, 1], atol=1e-6)


@pytest.mark.parametrize(
    ("tsteps", "lahead", "batch", "expected"),
    [
        (2, 1, 1, ("continues", None)),
        (2, 1, 2, ("mismatch", "gap")),
        (2, 2, 1, ("mismatch", "overlap")),
        (2, 2, 2, ("continues", None)),
    ],
)
def test_keras_stateful_example_windows(
    tsteps: int, lahead: int, batch: int, expected: tuple[str, str | None]
) -> None:
    trace = run(
        data={"preset": "moving_average", "tsteps": tsteps, "lahead": lahead, "input_len": 8},
        batching={"batch_size": batch, "timesteps": lahead},
        model=_lstm(),
    )
    for b in trace["batches"][1:]:
        assert set(kinds(b)) == {expected}
    if (lahead, batch) == (2, 2):
        for row in (0, 1):  # each row covers its positions exactly once
            fed = [p for b in trace["batches"] for p in b["rows"][row]["positions"]]
            assert sorted(fed) == list(range(row, row + 8))
        assert all(r["newest_first"] for b in trace["batches"] for r in b["rows"])
        assert trace["batches"][0]["rows"][0]["positions"] == [1, 0]
        assert any("newest first" in n for n in trace["notes"])
        assert {"code": "newest_first", "params": {}} in trace["note_codes"]


def test_same_scenario_same_trace() -> None:
    a = run(**POEM, model=_lstm(), ops=[{"op": "fit", "epochs": 2, "shuffle": True}])
    b = run(**POEM, model=_lstm(), ops=[{"op": "fit", "epochs": 2, "shuffle": True}])
    assert a == b


def test_weights_reproduce_the_trace_with_plain_keras() -> None:
    import keras

    trace = run(**POEM, model=_lstm(), ops=[{"op": "train_on_batch"}])
    b1 = trace["batches"][1]
    layer = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    x = np.asarray(b1["inputs"], dtype=np.float32)
    layer.build(x.shape)
    arrays = trace["weights"][b1["weights_version"]]["layers"][0]["arrays"]
    layer.set_weights([np.asarray(a, dtype=np.float32) for a in arrays])
    init = [initial(b1).astype(np.float32), initial(b1, name="c").astype(np.float32)]
    seq, _, c = layer(x, initial_state=init)
    np.testing.assert_allclose(np.asarray(seq), b1["layers"][0]["h"], atol=1e-5)
    np.testing.assert_allclose(np.asarray(c), final(b1, name="c"), atol=1e-5)


def test_partial_first_batch_same_on_fresh_or_reused_model() -> None:
    """Keras's answer to a batch of another size depends on its tracing history; runs don't."""
    full = {
        "data": {"preset": "ramp", "length": 8},
        "batching": {"batch_size": 2, "timesteps": 2, "layout": "consecutive"},
    }
    lone = {
        "data": {"preset": "ramp", "length": 2},
        "batching": {"batch_size": 2, "timesteps": 2, "layout": "consecutive"},
    }
    ops = [{"op": "predict_on_batch"}]
    outcomes = []
    for parts in (lone, full, lone):  # the model is cached between runs
        try:
            run(**parts, model=_lstm(), ops=ops)
            outcomes.append("ok")
        except KerasRejected as exc:
            outcomes.append(exc.message.split("\n")[0])
    assert outcomes[0] == outcomes[2]
    assert outcomes[1] == "ok"


@pytest.mark.parametrize("op", ["call", "train_on_batch", "fit", "predict"])
def test_interventions_apply_before_their_batch(op: str) -> None:
    values = [[0.25] * 4, [0.5] * 4]
    interventions = [
        {"before_batch": 1, "action": {"op": "reset_states"}},
        {"before_batch": 2, "action": {"op": "set_state", "state": "h", "values": values}},
    ]
    scenario = {
        "data": {"preset": "ramp", "length": 40},
        "batching": {"batch_size": 2, "timesteps": 5},
        "model": _lstm(),
        "schedule": {"ops": [{"op": op}], "interventions": interventions},
    }
    from app.engine import tracer
    from app.scenario import Scenario

    trace = tracer.run(Scenario.model_validate(scenario)).to_dict()
    b = trace["batches"]
    assert kinds(b[1]) == [("reset", "reset_states")] * 2
    assert not initial(b[1]).any()
    assert kinds(b[2]) == [("set", None)] * 2
    np.testing.assert_array_equal(initial(b[2]), values)
    assert kinds(b[3]) == [("continues", None)] * 2
    assert trace["verification"]["passed"]


def test_intervention_of_wrong_shape_is_keras_error() -> None:
    from app.engine import tracer
    from app.scenario import Scenario

    scenario = Scenario.model_validate(
        {
            **POEM,
            "model": _lstm(),
            "schedule": {
                "ops": [{"op": "call"}],
                "interventions": [
                    {"before_batch": 1, "action": {"op": "set_state", "values": [1.0]}}
                ],
            },
        }
    )
    with pytest.raises(KerasRejected, match="must match") as info:
        tracer.run(scenario)
    assert info.value.detail["op"] == "set_state"


@pytest.mark.slow
def test_reused_model_trains_like_a_fresh_one() -> None:
    """The cached model is restored between runs (weights, states, optimizer): a run on it
    gives the numbers of a run on a model built from scratch."""
    from app.engine import keras_model

    parts = {**POEM, "model": _lstm(), "ops": [{"op": "fit", "epochs": 2, "shuffle": True}]}
    keras_model._cache.clear()
    fresh = run(**parts)
    reused = run(**parts)
    assert fresh["weights"][-1] == reused["weights"][-1]
    assert fresh["weights"][-1] != fresh["weights"][0]  # it did train
    assert fresh == reused


def test_every_event_at_a_boundary_is_kept_in_order_with_set_values() -> None:
    """A reset then a set_state before the same batch: both are in the trace, in order, the set
    with Keras's variable after the assign; the boundary is classified by the last one."""
    from app.engine import tracer
    from app.scenario import Scenario

    c = [[2.0, -1.0, 0.5, 0.0], [0.25, 0.0, 0.0, 3.0]]
    scenario = Scenario.model_validate(
        {
            **POEM,
            "model": _lstm(),
            "schedule": {
                "ops": [{"op": "call"}],
                "interventions": [
                    {"before_batch": 1, "action": {"op": "reset_states"}},
                    {"before_batch": 1, "action": {"op": "set_state", "state": "c", "values": c}},
                ],
            },
        }
    )
    trace = tracer.run(scenario).to_dict()
    events = trace["batches"][1]["events"]
    assert events == [
        {"layer": 0, "kind": "reset", "cause": "intervention"},
        {"layer": 0, "kind": "set", "cause": "intervention", "state": "c", "values": c},
    ]
    assert kinds(trace["batches"][1]) == [("set", None)] * 2
    np.testing.assert_array_equal(initial(trace["batches"][1], name="c"), c)
    assert not initial(trace["batches"][1]).any()  # h: zeroed by the reset before the set


def test_set_state_of_one_row_keeps_the_other_rows() -> None:
    from app.engine import tracer
    from app.errors import ScenarioError
    from app.scenario import Scenario

    def run_with(values: list[float], row: int) -> dict[str, Any]:
        action = {"op": "set_state", "state": "c", "row": row, "values": values}
        scenario = {
            **POEM,
            "model": _lstm(),
            "schedule": {
                "ops": [{"op": "call"}],
                "interventions": [{"before_batch": 1, "action": action}],
            },
        }
        return tracer.run(Scenario.model_validate(scenario)).to_dict()

    trace = run_with([0.5] * 4, row=1)
    b0, b1 = trace["batches"][:2]
    assert b1["events"][0]["row"] == 1
    c = initial(b1, name="c")
    np.testing.assert_array_equal(c[1], [0.5] * 4)
    kept = b0["layers"][0]["keras_final"]
    np.testing.assert_array_equal(c[0], kept["c"][0])  # row 0 kept Keras's state
    np.testing.assert_array_equal(initial(b1)[1], kept["h"][1])  # and h was not touched
    assert kinds(b1) == [("continues", None), ("set", None)]
    assert trace["verification"]["passed"]
    with pytest.raises(ScenarioError) as info:
        run_with([0.5, 0.5], row=1)  # a row takes `units` numbers
    assert info.value.code == "set_state_row" and info.value.detail["units"] == 4
