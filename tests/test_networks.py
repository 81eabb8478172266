"""The four network functions: equations, composition, numerical stability."""

import warnings

import numpy as np
import pytest

from lstm_magnifier.cell import LSTMCell
from lstm_magnifier.networks import (
    forget_network,
    learn_network,
    remember_network,
    sigmoid,
    use_network,
    use_network_article,
)


def test_sigmoid_matches_definition_and_is_stable():
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=0, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        extreme = sigmoid(np.array([-1e300, -1e6, 1e6, 1e300]))
    np.testing.assert_array_equal(extreme, [0.0, 0.0, 1.0, 1.0])
    assert sigmoid(np.float32(2.0)).dtype == np.float32


def test_composition_of_the_four_networks_equals_cell_step_exactly():
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 5, forget_bias=1.0, rng=rng)
    x, h_prev, c_prev = rng.normal(size=(4, 3)), rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    w = {name: cell.gate_weights(name) for name in "ifgo"}
    learn, i, g = learn_network(x, h_prev, w["i"], w["g"])
    forget, f = forget_network(c_prev, x, h_prev, w["f"])
    c = remember_network(forget, learn)
    h, o = use_network(c, x, h_prev, w["o"])
    trace = cell.step(x, (h_prev, c_prev))
    for name, value in dict(i=i, f=f, g=g, o=o, learn=learn, forget=forget, c=c, h=h).items():
        np.testing.assert_array_equal(getattr(trace, name), value, err_msg=name)


def test_networks_against_written_out_equations():
    rng = np.random.default_rng(1)
    W_x, W_h, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 2)), rng.normal(size=2)
    x, h_prev, c_prev = rng.normal(size=3), rng.normal(size=2), rng.normal(size=2)
    z = W_x @ x + W_h @ h_prev + b
    forget, f = forget_network(c_prev, x, h_prev, (W_x, W_h, b))
    np.testing.assert_allclose(f, 1 / (1 + np.exp(-z)), atol=1e-15)
    np.testing.assert_allclose(forget, f * c_prev, atol=1e-15)
    learn, i, g = learn_network(x, h_prev, (W_x, W_h, b), (W_x, W_h, -b))
    np.testing.assert_allclose(g, np.tanh(W_x @ x + W_h @ h_prev - b), atol=1e-15)
    np.testing.assert_allclose(learn, i * g, atol=1e-15)
    h, o = use_network(c_prev, x, h_prev, (W_x, W_h, b))
    np.testing.assert_allclose(h, f * np.tanh(c_prev), atol=1e-15)


def test_article_use_network_reads_only_the_forget_output():
    rng = np.random.default_rng(2)
    gate = (rng.normal(size=(2, 3)), rng.normal(size=(2, 2)), rng.normal(size=2))
    W_u, b_u = rng.normal(size=(2, 2)), rng.normal(size=2)
    forget, x, h_prev = rng.normal(size=2), rng.normal(size=3), rng.normal(size=2)
    h, u, o = use_network_article(forget, x, h_prev, (W_u, b_u), gate)
    np.testing.assert_allclose(u, np.tanh(W_u @ forget + b_u), atol=1e-15)
    np.testing.assert_allclose(h, u * o, atol=1e-15)
    _, o_std = use_network(forget, x, h_prev, gate)
    np.testing.assert_array_equal(o, o_std)


@pytest.mark.parametrize("bad", ["x", "q", 0])
def test_gate_weights_rejects_unknown_gate(bad):
    with pytest.raises(ValueError, match="gate name"):
        LSTMCell(2, 2, rng=0).gate_weights(bad)
