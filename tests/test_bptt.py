"""How far back gradients reach: lag norms and forget-gate retention (chapter 13).

One step's backward pass and the loop over it that is LSTM.backward are tested in
test_cell.py, next to cell.step_backward.
"""

import numpy as np
import pytest

from lstm_magnifier.bptt import input_gradient_norms, memory_retention
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import RNN, Dense, SequenceModel


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


def test_memory_retention_of_a_trace():
    model = LSTM(2, 3, forget_bias=1.0, rng=0)
    model.forward(np.random.default_rng(1).normal(size=(8, 4, 2)))
    f = model.trace().f
    retention = memory_retention(f)
    assert retention.shape == (9, 4, 3)
    np.testing.assert_allclose(retention[-1], np.prod(f, axis=0), rtol=1e-14)
    np.testing.assert_allclose(retention[1], f[-1], rtol=0, atol=0)
