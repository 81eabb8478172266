"""The carousel helpers: pinned gates, stepping a cell, the bare remember recurrence."""

import numpy as np
import pytest

from lstm_magnifier.carousel import (
    GIVEN,
    SATURATION,
    carousel,
    gate_preactivation,
    max_abs_diff,
    memory_gradient,
    order_of_magnitude,
    pin_gates,
    run_cell,
)
from lstm_magnifier.cell import LSTMCell, Trace, sigmoid
from lstm_magnifier.lstm import LSTM


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_gates_are_exact(dtype):
    z = np.array([SATURATION, -SATURATION], dtype)
    np.testing.assert_array_equal(sigmoid(z), [1.0, 0.0])
    np.testing.assert_array_equal(np.tanh(z), [1.0, -1.0])


def test_gate_preactivation_inverts_the_activation():
    values = np.array([0.0, 0.1, 0.5, 0.99, 1.0])
    np.testing.assert_allclose(sigmoid(gate_preactivation(values, "f")), values, atol=1e-15)
    np.testing.assert_allclose(
        np.tanh(gate_preactivation([-1, -0.3, 0.7, 1], "g")), [-1, -0.3, 0.7, 1]
    )
    assert (
        gate_preactivation(1.0, "i") == SATURATION and gate_preactivation(0.0, "o") == -SATURATION
    )
    assert isinstance(gate_preactivation(0.5, "f"), float)


@pytest.mark.parametrize(
    ("value", "gate", "message"),
    [
        (1.5, "f", r"\[0, 1\]"),
        (-0.1, "i", r"\[0, 1\]"),
        (-1.5, "g", r"\[-1, 1\]"),
        (0.5, "u", "gate"),
    ],
)
def test_gate_preactivation_rejects_bad_values(value, gate, message):
    with pytest.raises(ValueError, match=message):
        gate_preactivation(value, gate)


def test_pinned_gates_ignore_the_input_and_other_gates_do_not():
    rng = np.random.default_rng(0)
    cell = pin_gates(LSTMCell(3, 4, rng=1), f=1.0, i=0.0, o=[0.2, 0.4, 0.6, 0.8])
    trace = cell.step(rng.normal(size=(5, 3)), (rng.normal(size=(5, 4)), rng.normal(size=(5, 4))))
    np.testing.assert_array_equal(trace.f, 1.0)
    np.testing.assert_array_equal(trace.i, 0.0)
    np.testing.assert_allclose(trace.o, np.broadcast_to([0.2, 0.4, 0.6, 0.8], (5, 4)), atol=1e-15)
    assert np.ptp(trace.g, axis=0).min() > 0  # g was not pinned: it still reads the input
    np.testing.assert_array_equal(trace.c, trace.c_prev)


def test_pin_gates_reaches_the_lstm_through_its_cell():
    lstm = LSTM(2, 3, rng=0)
    pin_gates(lstm.cell(0), f=1.0, i=0.0)
    H = 3
    np.testing.assert_array_equal(lstm.params["weight_ih_l0"][: 2 * H], 0.0)
    np.testing.assert_array_equal(lstm.params["bias_ih_l0"][H : 2 * H], SATURATION)


def test_pin_gates_errors():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        pin_gates(cell, f=[0.5, 0.5])
    with pytest.raises(TypeError, match="LSTMCell"):
        pin_gates(LSTM(2, 3, rng=0), f=1.0)


def test_constant_error_carousel_in_a_real_cell_is_exact():
    rng = np.random.default_rng(2)
    cell = pin_gates(LSTMCell(3, 4, rng=3), f=1.0, i=0.0)
    c0 = rng.normal(size=4)
    run = run_cell(cell, rng.normal(size=(1000, 3)), (np.zeros(4), c0))
    assert isinstance(run, Trace)
    np.testing.assert_array_equal(run.c, np.broadcast_to(c0, (1000, 4)))
    assert run.h.shape == (1000, 4) and run.x.shape == (1000, 3)


def test_run_cell_chains_steps_like_step_by_hand():
    rng = np.random.default_rng(4)
    cell = LSTMCell(2, 3, rng=5)
    x = rng.normal(size=(6, 2, 2))
    run = run_cell(cell, x)
    state = None
    for t in range(6):
        trace = cell.step(x[t], state)
        for name, value in vars(trace).items():
            np.testing.assert_array_equal(getattr(run, name)[t], value, err_msg=name)
        state = trace.state
    np.testing.assert_array_equal(run.h_prev[1:], run.h[:-1])


def test_run_cell_agrees_with_the_fused_lstm():
    rng = np.random.default_rng(6)
    lstm = LSTM(3, 5, rng=7)
    x = rng.normal(size=(8, 2, 3))
    out, (h_n, c_n) = lstm.forward(x)
    run = run_cell(lstm.cell(0), x)
    assert max_abs_diff(run.h, out) < 1e-13 and max_abs_diff(run.c[-1], c_n[0]) < 1e-13
    for name, value in vars(lstm.trace()).items():
        assert max_abs_diff(getattr(run, name), value) < 1e-13, name


def test_run_cell_errors():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(ValueError, match="dimensions"):
        run_cell(cell, np.zeros(2))
    with pytest.raises(ValueError, match="at least one time step"):
        run_cell(cell, np.zeros((0, 2)))
    with pytest.raises(ValueError, match="2 features"):
        run_cell(cell, np.zeros((3, 5)))
    with pytest.raises(TypeError, match="LSTMCell"):
        run_cell("cell", np.zeros((1, 2)))


def test_carousel_closed_forms():
    keep = carousel(np.array([0.3, -2.0]), 1000, f=1.0, i=0.0, g=0.9)
    np.testing.assert_array_equal(keep, np.broadcast_to([0.3, -2.0], (1001, 2)))
    fade = carousel(1.0, 50, f=np.array([0.9, 0.5]))
    np.testing.assert_allclose(fade[:, 0], 0.9 ** np.arange(51), rtol=1e-13)
    grow = carousel(0.0, 100, f=1.0, i=1.0, g=0.25)
    np.testing.assert_array_equal(grow, 0.25 * np.arange(101))
    settle = carousel(0.0, 2000, f=0.9, i=1.0, g=0.25)
    assert abs(settle[-1] - 2.5) < 1e-12 and settle.max() <= 2.5 + 1e-12


def test_carousel_runs_the_remember_equation_with_the_gates_given():
    rng = np.random.default_rng(12)
    f, i, g = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3), rng.uniform(-1, 1, 3)
    c0 = rng.normal(size=3)
    c = carousel(c0, 5, f=f, i=i, g=g)
    for t in range(1, 6):
        np.testing.assert_array_equal(c[t], f * c[t - 1] + i * g)
    assert GIVEN.i == GIVEN.f == GIVEN.g == "identity"


def test_carousel_errors():
    with pytest.raises(ValueError, match=r"f must lie in \[0, 1\]"):
        carousel(1.0, 3, f=1.2)
    with pytest.raises(ValueError, match="broadcast"):
        carousel(np.zeros(3), 3, f=np.ones(2))
    with pytest.raises(ValueError, match="steps"):
        carousel(1.0, 0, f=1.0)


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
