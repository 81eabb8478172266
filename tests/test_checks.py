"""Checks every layer shares (lstm_magnifier._checks): inputs NumPy would misread are refused."""

import numpy as np
import pytest

from lstm_magnifier import _checks
from lstm_magnifier.cell import LSTMCell
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import RNN, CausalConv1d, Dense

# name: (make the layer, shape of an input it accepts)
LAYERS = {
    "Dense": (lambda: Dense(3, 4, rng=0), (2, 3)),
    "RNN": (lambda: RNN(3, 4, rng=0), (5, 2, 3)),
    "CausalConv1d": (lambda: CausalConv1d(3, 4, 2, rng=0), (5, 2, 3)),
    "LSTMCell": (lambda: LSTMCell(3, 4, rng=0), (2, 3)),
    "LSTM": (lambda: LSTM(3, 4, rng=0), (5, 2, 3)),
}


def run(layer, x):
    """One forward pass (``step`` for the cell); returns the first output as an array."""
    if isinstance(layer, LSTMCell):
        return layer.step(x).h
    result = layer.forward(x)
    return result[0] if isinstance(result, tuple) else result


@pytest.mark.parametrize("name", LAYERS)
def test_complex_input_is_refused(name):
    make, shape = LAYERS[name]
    with pytest.raises(TypeError, match=r"x must be real, got complex numbers \(complex128\)"):
        run(make(), np.ones(shape) + 0.5j)


def test_as_finite_array_copies_only_when_asked():
    x = np.ones((2, 3))
    assert _checks.as_finite_array("x", x, np.float64) is x
    copy = _checks.as_finite_array("x", x, np.float64, copy=True)
    assert not np.shares_memory(copy, x)
    np.testing.assert_array_equal(copy, x)
    assert _checks.as_finite_array("x", [1, 2], None).dtype == np.float64
    with pytest.raises(TypeError, match="x must be an array of numbers, got str"):
        _checks.as_finite_array("x", "abc", np.float64)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason="torch is not installed: the tensor-input tests are skipped"
    )


@pytest.mark.torch
@pytest.mark.parametrize("name", LAYERS)
def test_torch_tensor_that_requires_grad_is_refused(torch, name):
    make, shape = LAYERS[name]
    x = torch.ones(shape, dtype=torch.float64, requires_grad=True)
    expected = r"x is a PyTorch tensor that requires grad.*tensor\.detach\(\)\.numpy\(\)"
    with pytest.raises(TypeError, match=expected):
        run(make(), x)
    # what the message says to do works, and gives the numbers of the plain array
    np.testing.assert_array_equal(run(make(), x.detach().numpy()), run(make(), np.ones(shape)))
