import pytest

from app import layout, presets
from app.errors import ScenarioError
from app.scenario import BatchingSpec, DataSpec


def _arrange(data: dict, **batching: object) -> layout.Layout:
    return layout.arrange(presets.build(DataSpec(**data), 0), BatchingSpec(**batching))


def test_poem_lanes_split_each_line_across_batches() -> None:
    lay = _arrange({"preset": "poem"}, batch_size=2, timesteps=5, layout="lanes")
    batches = layout.chunk(list(range(len(lay.samples))), 2, "keep")
    assert [[lay.samples[i].positions for i in b] for b in batches] == [
        [(0, 1, 2, 3, 4)] * 2,
        [(5, 6, 7, 8, 9)] * 2,
    ]
    assert [lay.samples[i].sequence for i in batches[1]] == [0, 1]


def test_one_long_sequence_is_cut_into_lanes() -> None:
    lay = _arrange({"preset": "ramp", "length": 20}, batch_size=2, timesteps=5)
    assert [s.positions[0] for s in lay.samples] == [0, 10, 5, 15]
    assert lay.dropped_positions == 0


def test_consecutive_takes_windows_in_order() -> None:
    lay = _arrange({"preset": "ramp", "length": 9}, batch_size=2, timesteps=2, layout="consecutive")
    assert [s.positions for s in lay.samples] == [(0, 1), (2, 3), (4, 5), (6, 7)]
    assert lay.dropped_positions == 1


def test_partial_last_batch_keep_or_drop() -> None:
    assert layout.chunk(list(range(9)), 2, "keep")[-1] == [8]
    assert layout.chunk(list(range(9)), 2, "drop")[-1] == [6, 7]


def test_lanes_need_a_multiple_of_batch_size() -> None:
    with pytest.raises(
        ScenarioError,
        match=r"batch_size \(4\) must divide the number of sequences \(6\): "
        r"use batch size 2 or 3 or 6",
    ):
        _arrange({"preset": "ramp", "n_sequences": 6}, batch_size=4, timesteps=2)


def test_too_short_for_one_window() -> None:
    with pytest.raises(ScenarioError, match=r"shorter than batching\.timesteps=30"):
        _arrange({"preset": "ramp", "length": 20}, batch_size=1, timesteps=30)


def test_shuffle_is_seeded_permutation() -> None:
    order = list(range(10))
    assert layout.shuffled(order, 3) == layout.shuffled(order, 3)
    assert sorted(layout.shuffled(order, 3)) == order
    assert layout.shuffled(order, 3) != order
