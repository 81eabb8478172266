"""The gradient checker passes right gradients, catches wrong ones and leaves arrays as found."""

import numpy as np
import pytest

from lstm_magnifier.gradcheck import (
    check_module_gradients,
    gradient_check,
    numerical_gradient,
    relative_error,
)
from lstm_magnifier.nn import RNN, Dense


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def sin_problem():
    """L = sum(sin(a) * b), b broadcast over rows: dL/da = cos(a) * b, dL/db = sum_rows sin(a)."""
    a, b = normal(0, (3, 4)), normal(1, (4,))
    analytic = {"a": np.cos(a) * b, "b": np.sin(a).sum(axis=0)}
    return (lambda: np.sum(np.sin(a) * b)), {"a": a, "b": b}, analytic


def test_relative_error_formulas():
    assert relative_error(1.0, 1.1, elementwise=True) == pytest.approx(0.1 / 2.1)
    assert relative_error(0.0, 0.0, elementwise=True) == 0.0
    assert relative_error(1e-20, 0.0, elementwise=True) == pytest.approx(1e-8)  # floor 1e-12
    a, n = np.array([3.0, 0.0]), np.array([0.0, 4.0])
    assert relative_error(a, n) == pytest.approx(5.0 / (3.0 + 4.0))
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


@pytest.mark.parametrize("order, eps", [(4, 1e-3), (2, 1e-6)])
def test_right_gradients_pass(order, eps):
    f, arrays, analytic = sin_problem()
    errors = gradient_check(f, arrays, analytic, eps=eps, order=order)
    assert set(errors) == {"a", "b"}
    assert max(errors.values()) < 1e-7, errors
    elementwise = gradient_check(f, arrays, analytic, eps=eps, order=order, elementwise=True)
    assert max(elementwise.values()) < 1e-6, elementwise


def test_wrong_gradients_are_caught():
    f, arrays, analytic = sin_problem()
    analytic["b"] = analytic["b"] * 1.01  # 1% off
    analytic["a"] = analytic["a"].copy()
    analytic["a"][1, 2] += 0.1  # one wrong entry
    errors = gradient_check(f, arrays, analytic)
    assert errors["b"] > 1e-3
    assert errors["a"] > 1e-3


def test_arrays_are_restored_exactly():
    f, arrays, analytic = sin_problem()
    before = {k: v.copy() for k, v in arrays.items()}
    live = arrays["a"]
    gradient_check(f, arrays, analytic)
    assert arrays["a"] is live
    for k in arrays:
        np.testing.assert_array_equal(arrays[k], before[k])


def test_fourth_order_beats_second_order_at_the_same_eps():
    x = np.array([0.3, -1.2, 2.0])

    def f():
        return np.sum(np.exp(x))

    exact = np.exp(x)
    err2 = np.max(np.abs(numerical_gradient(f, x, eps=1e-2, order=2) - exact))
    err4 = np.max(np.abs(numerical_gradient(f, x, eps=1e-2, order=4) - exact))
    assert err2 > 1e-6 and err4 < 1e-8


def test_independent_entry_gets_exactly_zero():
    x = np.array([1.0, 2.0])
    grad = numerical_gradient(lambda: 3.0 * x[0] ** 2, x)
    assert grad[1] == 0.0
    assert grad[0] == pytest.approx(6.0, rel=1e-10)


def test_bad_arguments():
    f, arrays, analytic = sin_problem()
    with pytest.raises(TypeError, match="float64"):
        gradient_check(f, {"a": arrays["a"].astype(np.float32)}, analytic)
    with pytest.raises(ValueError, match="missing"):
        gradient_check(f, arrays, {"a": analytic["a"]})
    with pytest.raises(ValueError, match=r"analytic\['b'\] must have shape \(4,\)"):
        gradient_check(f, arrays, {"a": analytic["a"], "b": np.zeros(3)})
    with pytest.raises(ValueError, match="order"):
        gradient_check(f, arrays, analytic, order=3)
    with pytest.raises(TypeError, match="function"):
        gradient_check(1.0, arrays, analytic)


class WrongDense(Dense):
    """A Dense layer whose backward forgets the activation's derivative in dx."""

    def backward(self, dy):
        super().backward(dy)
        return dy @ self.params["weight"]


def test_check_module_gradients_catches_a_broken_backward():
    errors = check_module_gradients(WrongDense(3, 2, activation="tanh", rng=0), normal(0, (4, 3)),
                                    rng=0)  # fmt: skip
    assert errors["weight"] < 1e-7 and errors["bias"] < 1e-7  # these are still right
    assert errors["x"] > 1e-2


def test_check_module_gradients_leaves_parameters_alone():
    rnn = RNN(2, 3, rng=0)
    before = rnn.state_dict()
    x = normal(0, (4, 2, 2))
    check_module_gradients(rnn, x, rng=0)
    for name, p in rnn.params.items():
        np.testing.assert_array_equal(p, before[name])
    np.testing.assert_array_equal(x, normal(0, (4, 2, 2)))  # the caller's x is not touched


def test_check_module_gradients_with_a_custom_forward():
    """Check an RNN from a fixed non-zero initial state."""
    rnn = RNN(2, 3, rng=0)
    h0 = normal(5, (1, 2, 3))
    errors = check_module_gradients(rnn, normal(0, (4, 2, 2)), rng=1,
                                    forward=lambda x: rnn.forward(x, h0))  # fmt: skip
    assert max(errors.values()) < 1e-7, errors


def test_check_module_gradients_on_the_lstm():
    lstm_module = pytest.importorskip("lstm_magnifier.lstm", reason="lstm.py not written yet")
    lstm = lstm_module.LSTM(3, 4, 2, forget_bias=1.0, rng=0)
    errors = check_module_gradients(lstm, normal(0, (5, 2, 3)), rng=0)
    assert set(errors) == set(lstm.params) | {"x"}
    assert max(errors.values()) < 1e-7, errors
