"""Bracket capstone helpers: encoding, targets, correlations, the unit finder and the heat maps."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lstm_magnifier import brackets
from lstm_magnifier.brackets import (
    best_accuracy,
    depth_correlations,
    depth_of,
    encode,
    find_depth_unit,
    next_char_batches,
)

plt.switch_backend("Agg")


def test_encode_and_depth():
    np.testing.assert_array_equal(encode("(()"), [[1, 0], [1, 0], [0, 1]])
    np.testing.assert_array_equal(depth_of("(()(()))"), [1, 2, 1, 2, 3, 2, 1, 0])
    np.testing.assert_array_equal(depth_of(")"), [-1])
    with pytest.raises(ValueError, match=r"only hold the characters"):
        encode("(a)")
    with pytest.raises(ValueError, match="non-empty"):
        encode("")


def test_next_char_targets_are_the_inputs_shifted_by_one():
    batches = next_char_batches(12, 5, max_depth=3)
    x, y = batches(np.random.default_rng(0))
    assert x.shape == (12, 5, 2) and y.shape == (12, 5)
    np.testing.assert_array_equal(y[:-1], x[1:].argmax(-1))
    again, _ = batches(np.random.default_rng(0))
    np.testing.assert_array_equal(x, again)  # the rng alone fixes the batch
    with pytest.raises(ValueError, match="length"):
        next_char_batches(0, 5)


def test_best_accuracy():
    assert best_accuracy([0, 3, 1, 2], max_depth=3) == pytest.approx(0.75)
    assert best_accuracy([1, 2], max_depth=3, p_open=0.8) == pytest.approx(0.8)


def test_depth_correlations_find_the_planted_counter():
    rng = np.random.default_rng(1)
    depth = rng.integers(0, 5, size=(20, 6)).astype(float)
    values = rng.normal(size=(20, 6, 4))
    values[..., 2] = -0.5 * depth + 0.01 * rng.normal(size=depth.shape)
    values[..., 3] = 1.0  # a unit that never changes has no correlation
    r = depth_correlations(values, depth)
    assert r.shape == (4,) and r[3] == 0.0
    unit, corr = find_depth_unit(values, depth)
    assert unit == 2 and corr < -0.99
    unit_1d, _ = find_depth_unit(values[:, 0], depth[:, 0])
    assert unit_1d == 2
    with pytest.raises(ValueError, match="depth must have shape"):
        depth_correlations(values, depth[:, :3])


def _bracket_model(seed=0, hidden=5, output="tanh"):
    from lstm_magnifier.lstm import LSTM
    from lstm_magnifier.nn import Dense, SequenceModel

    core = LSTM(2, hidden, output=output, rng=seed)
    return SequenceModel(core, Dense(hidden, 2, rng=seed + 1), readout="all")


@pytest.mark.parametrize("output", ["tanh", "article"])
def test_put_unit_first_keeps_the_function_and_moves_the_unit(output):
    model = _bracket_model(output=output)
    x = brackets.encode("(()(()))()((")[:, None, :]
    before = model.forward(x)
    fields = ("i", "f", "g", "o", "c", "read", "h")
    old = {k: getattr(model.core.trace(), k) for k in fields}
    order = brackets.put_unit_first(model, 3)
    assert list(order) == [3, 0, 1, 2, 4]
    after = model.forward(x)
    np.testing.assert_allclose(after, before, rtol=0, atol=1e-12)
    new = model.core.trace()
    for k, values in old.items():
        np.testing.assert_allclose(getattr(new, k), values[..., order], rtol=0, atol=1e-12)


def test_put_unit_first_keeps_the_arrays_the_optimizer_holds():
    model = _bracket_model()
    arrays = {name: p for name, p in model.params.items()}
    brackets.put_unit_first(model, 2)
    assert all(model.params[name] is p for name, p in arrays.items())


@pytest.mark.parametrize("unit", [-1, 5, 1.5, True])
def test_put_unit_first_rejects_a_unit_that_does_not_exist(unit):
    with pytest.raises(ValueError, match="unit must be a whole number in \\[0, 5\\)"):
        brackets.put_unit_first(_bracket_model(), unit)


def test_put_unit_first_needs_a_one_layer_lstm():
    from lstm_magnifier.lstm import LSTM
    from lstm_magnifier.nn import Dense, SequenceModel

    model = SequenceModel(LSTM(2, 4, num_layers=2, rng=0), Dense(4, 2, rng=1), readout="all")
    with pytest.raises(ValueError, match="one-layer LSTM"):
        brackets.put_unit_first(model, 1)
