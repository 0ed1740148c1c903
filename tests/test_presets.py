import numpy as np

from app import presets
from app.scenario import DataSpec


def test_poem_is_two_lines_of_one_hot_chars() -> None:
    ds = presets.build(DataSpec(preset="poem"), 0)
    assert ["".join(s.tokens) for s in ds.sequences] == list(presets.POEM_LINES)
    assert ds.task == "classification"
    assert ds.n_features == len(set("".join(presets.POEM_LINES)))
    first = ds.sequences[0]
    assert first.inputs.shape == (10, ds.n_features)
    assert ds.vocab is not None and ds.vocab[int(first.targets[0])] == "前"
    assert int(first.targets[-1]) == ds.n_classes - 1  # end-of-line class


def test_ramp_counts_and_targets_next_value() -> None:
    ds = presets.build(DataSpec(preset="ramp", n_sequences=2, length=5), 0)
    assert ds.sequences[1].tokens == ["1000", "1001", "1002", "1003", "1004"]
    np.testing.assert_allclose(ds.sequences[0].targets[:-1], ds.sequences[0].inputs[1:, 0])


def test_moving_average_matches_the_keras_example() -> None:
    spec = DataSpec(preset="moving_average", tsteps=2, lahead=3, input_len=10)
    ds = presets.build(spec, 7)
    x = ds.sequences[0].inputs[:, 0]
    assert len(x) == 10 + 2  # input_len + max(tsteps, lahead) - 1
    assert np.all(np.abs(x) <= 0.1)
    assert ds.windows is not None and len(ds.windows) == 10
    w = ds.windows[0]
    # Column c is the series shifted by c: timestep 0 is the newest value.
    assert w.positions == (2, 1, 0)
    assert w.target_position == 2
    np.testing.assert_allclose(ds.sequences[0].targets[2], (x[1] + x[2]) / 2, rtol=1e-6)


def test_text_lines_become_sequences() -> None:
    ds = presets.build(DataSpec(preset="text", text="abc\n\nba\n"), 0)
    assert [s.tokens for s in ds.sequences] == [["a", "b", "c"], ["b", "a"]]
    assert ds.vocab == ["a", "b", "c", presets.END_TOKEN]
