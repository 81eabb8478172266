"""Probes: how far back outputs look, what the memory keeps, what single units do."""

import numpy as np
import pytest

from lstm_magnifier import experiments as ex
from lstm_magnifier import probes
from lstm_magnifier.cell import LSTMCell
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import RNN, Dense, SequenceModel
from lstm_magnifier.probes import (
    best_accuracy,
    depth_correlations,
    find_depth_unit,
    input_gradient_norms,
    max_abs_diff,
    memory_gradient,
    memory_gradient_by_lag,
    memory_retention,
    order_of_magnitude,
)
from lstm_magnifier.tasks import encode, one_hot, recall_task
from lstm_magnifier.weights import pin_gates

# --------------------------------------------------------------------------- how far back


def test_input_gradient_norms_match_a_direct_computation():
    rng = np.random.default_rng(7)
    model = LSTM(2, 3, rng=8)
    x = rng.normal(size=(5, 4, 2))
    norms = input_gradient_norms(model, x, rng=9)
    r = np.random.default_rng(9).standard_normal((4, 3))
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    out, _ = model.forward(x)
    d_out = np.zeros_like(out)
    d_out[-1] = r
    dx, _ = model.backward(d_out)
    expected = np.linalg.norm(dx, axis=-1).mean(axis=1)[::-1]
    np.testing.assert_allclose(norms, expected)
    assert norms.shape == (5,)


def test_rnn_gradients_vanish_with_lag_at_initialisation():
    x = np.random.default_rng(0).normal(size=(60, 8, 2))
    norms = input_gradient_norms(RNN(2, 8, rng=1), x, rng=2)
    assert norms[50] < 1e-8 * norms[1]


def test_input_gradient_norms_of_a_model_with_one_output():
    model = SequenceModel(LSTM(2, 4, rng=0), Dense(4, 1, rng=1))
    norms = input_gradient_norms(model, np.ones((7, 3, 2)), rng=0)
    assert norms.shape == (7,) and np.all(norms > 0)
    with pytest.raises(ValueError, match="3 dimensions"):
        input_gradient_norms(model, np.ones((7, 2)))


def test_change_symbol_always_changes_it():
    rng = np.random.default_rng(0)
    x = one_hot(rng.integers(4, size=200), 4)
    changed = probes.change_symbol(rng, x)
    assert changed.shape == x.shape
    assert np.all(changed.sum(-1) == 1)
    assert np.all(changed.argmax(-1) != x.argmax(-1))
    with pytest.raises(ValueError, match="one-hot rows"):
        probes.change_symbol(rng, np.ones(4))


def test_influence_is_exactly_zero_beyond_a_convolution_window():
    x, _ = recall_task(np.random.default_rng(0), 16, 6)
    conv = ex.make_model("conv", 4, 4, hidden_size=5, kernel_size=3, rng=1)
    influence = probes.influence_of_past(conv, x, rng=0)
    assert influence.shape == (7,)
    assert np.all(influence[:3] > 0)
    assert np.all(influence[3:] == 0.0)
    lstm = ex.make_model("lstm", 4, 4, hidden_size=5, rng=1)
    assert np.all(probes.influence_of_past(lstm.core, x, rng=0) > 0)  # a core works too


def test_resample_past_keeps_the_last_steps_only():
    x, _ = recall_task(np.random.default_rng(0), 50, 5)
    new = probes.resample_past(x, rng=1, keep=2)
    np.testing.assert_array_equal(new[-2:], x[-2:])
    assert not np.array_equal(new[:-2], x[:-2])
    assert np.all(new.sum(-1) == 1)
    with pytest.raises(ValueError, match="keep"):
        probes.resample_past(x, keep=7)


# --------------------------------------------------------------------------- memory


def test_memory_retention_is_a_backward_product():
    f = np.array([[0.5, 1.0], [0.8, 0.9], [0.5, 1.0]])  # (T=3, H=2)
    retention = memory_retention(f)
    np.testing.assert_allclose(retention, [[1, 1], [0.5, 1.0], [0.4, 0.9], [0.2, 0.9]])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        memory_retention(np.array([1.5]))
    with pytest.raises(ValueError, match="time axis"):
        memory_retention(0.5)


def test_memory_retention_of_a_trace():
    model = LSTM(2, 3, forget_bias=1.0, rng=0)
    model.forward(np.random.default_rng(1).normal(size=(8, 4, 2)))
    f = model.trace().f
    retention = memory_retention(f)
    assert retention.shape == (9, 4, 3)
    np.testing.assert_allclose(retention[-1], np.prod(f, axis=0), rtol=1e-14)
    np.testing.assert_allclose(retention[1], f[-1], rtol=0, atol=0)


def test_memory_gradient_is_the_product_of_forget_gates():
    rng = np.random.default_rng(8)
    lstm = LSTM(3, 4, rng=9)
    x = rng.normal(size=(200, 2, 3))
    pin_gates(lstm.cell(0), f=1.0, i=0.0)
    np.testing.assert_array_equal(memory_gradient(lstm, x), 1.0)
    pin_gates(lstm.cell(0), f=0.9)
    np.testing.assert_allclose(memory_gradient(lstm, x), 0.9**200, rtol=1e-10)
    assert memory_gradient(lstm, x[:, 0]).shape == (1, 4)


def test_memory_gradient_matches_finite_differences_for_a_free_cell():
    rng = np.random.default_rng(10)
    lstm = LSTM(2, 3, rng=11)
    x, h0, c0 = rng.normal(size=(5, 2)), rng.normal(size=(1, 3)), rng.normal(size=(1, 3))
    grad = memory_gradient(lstm, x, (h0, c0))
    eps, numeric = 1e-6, np.empty(3)
    for k in range(3):
        up, down = c0.copy(), c0.copy()
        up[0, k] += eps
        down[0, k] -= eps
        numeric[k] = lstm.forward(x, (h0, up))[1][1].sum() - lstm.forward(x, (h0, down))[1][1].sum()
    np.testing.assert_allclose(grad[0], numeric / (2 * eps), rtol=1e-6, atol=1e-9)
    with pytest.raises(TypeError, match="LSTM"):
        memory_gradient(LSTMCell(2, 3, rng=0), x)


def test_memory_gradient_by_lag_ends_where_memory_gradient_does():
    rng = np.random.default_rng(12)
    lstm = LSTM(3, 4, forget_bias=1.0, rng=13)
    x, h0, c0 = rng.normal(size=(6, 2, 3)), rng.normal(size=(1, 2, 4)), rng.normal(size=(1, 2, 4))
    grads = memory_gradient_by_lag(lstm, x, (h0, c0))
    assert grads.shape == (7, 2, 4)
    np.testing.assert_array_equal(grads[0], 1.0)
    np.testing.assert_allclose(grads[-1], memory_gradient(lstm, x, (h0, c0))[0], rtol=1e-12)
    for k in (1, 3):  # the last k steps, started from the state the first T - k left
        _, state = lstm.forward(x[:-k], (h0, c0))
        np.testing.assert_allclose(grads[k], memory_gradient(lstm, x[-k:], state)[0], rtol=1e-12)
    assert memory_gradient_by_lag(lstm, x[:, 0]).shape == (7, 4)  # unbatched


@pytest.mark.parametrize("options", [{"peepholes": True}, {"coupled": True}])
def test_memory_gradient_by_lag_follows_the_variant_of_the_lstm(options):
    rng = np.random.default_rng(14)
    lstm = LSTM(3, 4, rng=15, **options)
    for name in ("weight_ci_l0", "weight_cf_l0", "weight_co_l0"):
        if name in lstm.params:  # peepholes start at 0: make them matter
            lstm.params[name] = rng.normal(size=4)
    x = rng.normal(size=(6, 2, 3))
    grads = memory_gradient_by_lag(lstm, x)
    np.testing.assert_allclose(grads[-1], memory_gradient(lstm, x)[0], rtol=1e-12)


def test_memory_gradient_by_lag_is_a_power_of_a_pinned_forget_gate():
    lstm = LSTM(3, 4, rng=9)
    pin_gates(lstm.cell(0), f=0.9, i=0.0)  # nothing written: only the memory path is left
    grads = memory_gradient_by_lag(lstm, np.random.default_rng(8).normal(size=(30, 2, 3)))
    np.testing.assert_allclose(grads, 0.9 ** np.arange(31)[:, None, None] * np.ones((1, 2, 4)))


def test_memory_gradient_by_lag_of_the_articles_use_network():
    lstm = LSTM(2, 3, output="article", rng=3)
    x = np.random.default_rng(4).normal(size=(5, 2, 2))
    grads = memory_gradient_by_lag(lstm, x)
    np.testing.assert_allclose(grads[-1], memory_gradient(lstm, x)[0], rtol=1e-12)


def test_memory_gradient_by_lag_needs_a_one_layer_lstm():
    with pytest.raises(ValueError, match="one layer"):
        memory_gradient_by_lag(LSTM(2, 3, num_layers=2, rng=0), np.ones((4, 1, 2)))
    with pytest.raises(TypeError, match="LSTM"):
        memory_gradient_by_lag(LSTMCell(2, 3, rng=0), np.ones((4, 1, 2)))


# --------------------------------------------------------------------------- units


def test_unit_summary_matches_the_trace_and_the_head():
    model = ex.make_model("lstm", 4, 3, hidden_size=5, rng=0)
    x, _ = recall_task(np.random.default_rng(1), 20, 4)
    summary = probes.unit_summary(model, x)
    assert set(summary) == {"i", "f", "o", "readout", "readout_share"}
    assert all(value.shape == (5,) for value in summary.values())
    model.core.forward(x)
    np.testing.assert_allclose(summary["f"], model.core.trace().f.mean(axis=(0, 1)))
    assert summary["readout_share"].sum() == pytest.approx(1.0)
    # Shifting every class's weight for unit 0 by the same amount changes no softmax,
    # so it must not change how much the answer leans on unit 0.
    model.head.params["weight"][:, 0] += 5.0
    np.testing.assert_allclose(probes.unit_summary(model, x)["readout"], summary["readout"])
    # A unit the head does not read at all carries no share of the answer.
    model.head.params["weight"][:, 2] = 0.0
    assert probes.unit_summary(model, x)["readout"][2] == 0.0
    with pytest.raises(TypeError, match="LSTM core"):
        probes.unit_summary(ex.make_model("rnn", 4, 3, rng=0), x)


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
    x = encode("(()(()))()((")[:, None, :]
    before = model.forward(x)
    fields = ("i", "f", "g", "o", "c", "read", "h")
    old = {k: getattr(model.core.trace(), k) for k in fields}
    order = probes.put_unit_first(model, 3)
    assert list(order) == [3, 0, 1, 2, 4]
    after = model.forward(x)
    np.testing.assert_allclose(after, before, rtol=0, atol=1e-12)
    new = model.core.trace()
    for k, values in old.items():
        np.testing.assert_allclose(getattr(new, k), values[..., order], rtol=0, atol=1e-12)


def test_put_unit_first_keeps_the_arrays_the_optimizer_holds():
    model = _bracket_model()
    arrays = {name: p for name, p in model.params.items()}
    probes.put_unit_first(model, 2)
    assert all(model.params[name] is p for name, p in arrays.items())


@pytest.mark.parametrize("unit", [-1, 5, 1.5, True])
def test_put_unit_first_rejects_a_unit_that_does_not_exist(unit):
    with pytest.raises(ValueError, match="unit must be a whole number in \\[0, 5\\)"):
        probes.put_unit_first(_bracket_model(), unit)


def test_put_unit_first_needs_a_one_layer_lstm():
    from lstm_magnifier.lstm import LSTM
    from lstm_magnifier.nn import Dense, SequenceModel

    model = SequenceModel(LSTM(2, 4, num_layers=2, rng=0), Dense(4, 2, rng=1), readout="all")
    with pytest.raises(ValueError, match="one-layer LSTM"):
        probes.put_unit_first(model, 1)


# --------------------------------------------------------------------------- comparisons


def test_max_abs_diff_and_order_of_magnitude():
    assert max_abs_diff([1.0, 2.0], [1.0, 2.5]) == 0.5
    with pytest.raises(ValueError, match="same shape"):
        max_abs_diff(np.zeros(2), np.zeros(3))
    assert order_of_magnitude(2.2e-16) == 1e-15
    assert order_of_magnitude(6.7e-16) == 1e-15
    assert order_of_magnitude(0.0) == 1e-15
    assert order_of_magnitude(2.2e-16, floor=1e-16) == 1e-15
    assert order_of_magnitude(5e-17, floor=1e-16) == 1e-16
    assert order_of_magnitude(1.1e-15) == 1e-14
    assert order_of_magnitude(3e-13) == 1e-12
    assert order_of_magnitude(0.5, floor=1e-3) == 1.0
    with pytest.raises(ValueError, match="error"):
        order_of_magnitude(-1.0)
    with pytest.raises(ValueError, match="error"):
        order_of_magnitude(float("nan"))
