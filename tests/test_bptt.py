"""Step-by-step BPTT equals LSTM.backward and finite differences; lag norms, retention."""

import numpy as np
import pytest

from lstm_magnifier.bptt import (
    backprop_through_time,
    input_gradient_norms,
    memory_retention,
    step_backward,
)
from lstm_magnifier.cell import LSTMCell
from lstm_magnifier.gradcheck import gradient_check
from lstm_magnifier.nn import RNN, Dense
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.models import SequenceModel


def setup(seed=0, T=6, B=3, D=3, H=4):
    rng = np.random.default_rng(seed)
    model = LSTM(D, H, rng=seed + 1)
    x = rng.normal(size=(T, B, D))
    d_out = rng.normal(size=(T, B, H))
    state = (rng.normal(size=(1, B, H)), rng.normal(size=(1, B, H)))
    return model, x, d_out, state


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bptt_by_steps_equals_lstm_backward(seed):
    model, x, d_out, (h0, c0) = setup(seed)
    model.forward(x, (h0, c0))
    dx, (dh0, dc0) = model.backward(d_out)
    grads = backprop_through_time(model.cell(0), x, d_out, (h0[0], c0[0]))
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        np.testing.assert_allclose(grads[name], model.grads[f"{name}_l0"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(grads["dx"], dx, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grads["dh0"], dh0[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(grads["dc0"], dc0[0], rtol=0, atol=1e-12)


def test_step_backward_matches_finite_differences():
    rng = np.random.default_rng(3)
    cell = LSTMCell(2, 3, rng=4)
    x, h, c = rng.normal(size=(2, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    dh, dc = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))

    def loss():
        trace = cell.step(x, (h, c))
        return np.sum(dh * trace.h) + np.sum(dc * trace.c)

    step = step_backward(cell, cell.step(x, (h, c)), dh, dc)
    analytic = {"x": step["dx"], "h": step["dh_prev"], "c": step["dc_prev"]}
    analytic.update({name: step[name] for name in ("weight_ih", "weight_hh")})
    arrays = {"x": x, "h": h, "c": c, "weight_ih": cell.weight_ih, "weight_hh": cell.weight_hh}
    errors = gradient_check(loss, arrays, analytic)
    assert max(errors.values()) < 1e-8, errors
    assert step["dz"].shape == (2, 12)


def test_step_backward_gives_forget_gate_times_dc_when_dh_is_zero():
    rng = np.random.default_rng(5)
    cell = LSTMCell(2, 3, rng=6)
    trace = cell.step(rng.normal(size=(4, 2)), (rng.normal(size=(4, 3)), rng.normal(size=(4, 3))))
    dc = rng.normal(size=(4, 3))
    step = step_backward(cell, trace, np.zeros((4, 3)), dc)
    np.testing.assert_allclose(step["dc_prev"], dc * trace.f)  # the long-term memory's path


def test_step_backward_errors():
    cell = LSTMCell(2, 3, rng=0)
    trace = cell.step(np.ones((1, 2)))
    with pytest.raises(ValueError, match="dh must have shape"):
        step_backward(cell, trace, np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="batched"):
        step_backward(cell, cell.step(np.ones(2)), np.ones(3), np.ones(3))


def test_backprop_through_time_errors():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(ValueError, match="3 dimensions"):
        backprop_through_time(cell, np.ones((4, 2)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="d_out must have shape"):
        backprop_through_time(cell, np.ones((4, 1, 2)), np.ones((4, 3)))


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


def test_memory_retention_is_a_backward_product():
    f = np.array([[0.5, 1.0], [0.8, 0.9], [0.5, 1.0]])  # (T=3, H=2)
    retention = memory_retention(f)
    np.testing.assert_allclose(retention, [[1, 1], [0.5, 1.0], [0.4, 0.9], [0.2, 0.9]])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        memory_retention(np.array([1.5]))
    with pytest.raises(ValueError, match="time axis"):
        memory_retention(0.5)
