"""nn.SequenceModel on RNN, CausalConv1d and LSTM cores: shapes, joined params, exact gradients."""

import numpy as np
import pytest

from lstm_magnifier.gradcheck import check_module_gradients
from lstm_magnifier.nn import RNN, CausalConv1d, Dense, SequenceModel, count_parameters

try:
    from lstm_magnifier.lstm import LSTM
except ImportError:  # only while lstm.py is being written
    LSTM = None

needs_lstm = pytest.mark.skipif(LSTM is None, reason="lstm_magnifier.lstm does not exist yet")

D, H, K, T, B = 3, 5, 4, 6, 2


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def make_core(kind, dtype=np.float64):
    if kind == "rnn":
        return RNN(D, H, dtype=dtype, rng=1)
    if kind == "conv":
        return CausalConv1d(D, H, 3, dtype=dtype, rng=1)
    if LSTM is None:
        pytest.skip("lstm_magnifier.lstm does not exist yet")
    return LSTM(D, H, dtype=dtype, rng=1)


CORES = ["rnn", "conv", pytest.param("lstm", marks=needs_lstm)]


@pytest.mark.parametrize("kind", CORES)
@pytest.mark.parametrize(
    "readout, x_shape, logits_shape",
    [
        ("last", (T, B, D), (B, K)),
        ("all", (T, B, D), (T, B, K)),
        ("last", (T, D), (K,)),
        ("all", (T, D), (T, K)),
    ],
)
def test_logit_shapes(kind, readout, x_shape, logits_shape):
    model = SequenceModel(make_core(kind), Dense(H, K, rng=2), readout=readout)
    logits = model.forward(normal(0, x_shape))
    assert logits.shape == logits_shape
    dx = model.backward(np.ones(logits_shape))
    assert dx.shape == x_shape


@pytest.mark.parametrize("kind", CORES)
def test_last_readout_is_the_head_on_the_last_step(kind):
    core, head = make_core(kind), Dense(H, K, rng=2)
    x = normal(0, (T, B, D))
    every = SequenceModel(core, head, readout="all").forward(x)
    last = SequenceModel(core, head, readout="last").forward(x)
    np.testing.assert_allclose(last, every[-1], atol=1e-15)


@pytest.mark.parametrize("kind", CORES)
@pytest.mark.parametrize("readout", ["last", "all"])
def test_gradients(kind, readout):
    model = SequenceModel(make_core(kind), Dense(H, K, rng=2), readout=readout)
    errors = check_module_gradients(model, normal(0, (T, B, D)), rng=0)
    assert set(errors) == set(model.params) | {"x"}
    assert max(errors.values()) < 1e-7, errors


def test_params_join_the_layers_live_arrays():
    core, head = RNN(D, H, rng=1), Dense(H, K, rng=2)
    model = SequenceModel(core, head)
    assert list(model.params) == [f"core.{k}" for k in core.params] + ["head.weight", "head.bias"]
    assert model.params["core.weight_hh_l0"] is core.params["weight_hh_l0"]
    assert model.params["head.bias"] is head.params["bias"]
    assert set(model.grads) == set(model.params)
    model.forward(normal(0, (T, B, D)))
    model.backward(np.ones((B, K)))
    assert model.grads["head.weight"] is head.grads["weight"]
    assert np.any(model.grads["core.weight_ih_l0"] != 0)


def test_last_readout_sends_gradient_only_into_the_last_output():
    """With readout="last" and a window of 2, inputs before T - 2 cannot matter."""
    model = SequenceModel(CausalConv1d(D, H, 2, rng=1), Dense(H, K, rng=2))
    model.forward(normal(0, (T, B, D)))
    dx = model.backward(normal(1, (B, K)))
    assert np.all(dx[: T - 2] == 0) and np.all(dx[T - 2 :] != 0)


def test_load_state_dict_and_num_parameters():
    a = SequenceModel(RNN(D, H, rng=1), Dense(H, K, rng=2))
    b = SequenceModel(RNN(D, H, rng=3), Dense(H, K, rng=4))
    b.load_state_dict(a.state_dict())
    x = normal(0, (T, B, D))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    assert a.num_parameters() == count_parameters(a) == H * (D + H + 2) + K * (H + 1)


def test_count_parameters():
    assert count_parameters(Dense(10, 4)) == 4 * 10 + 4
    assert count_parameters(RNN(10, 4)) == 4 * 10 + 4 * 4 + 2 * 4
    assert count_parameters(CausalConv1d(10, 4, 3)) == 4 * 10 * 3 + 4
    with pytest.raises(TypeError, match="params"):
        count_parameters(object())


@needs_lstm
def test_an_lstm_has_four_times_the_parameters_of_an_rnn():
    """Chapter 1: one LSTM layer is four RNN-sized networks side by side."""
    for d, h in [(1, 1), (10, 4), (32, 128)]:
        assert count_parameters(LSTM(d, h)) == 4 * count_parameters(RNN(d, h))


@pytest.mark.parametrize("kind", CORES)
def test_float32_model(kind):
    model = SequenceModel(make_core(kind, np.float32), Dense(H, K, dtype=np.float32, rng=2))
    logits = model.forward(normal(0, (T, B, D)))
    assert logits.dtype == np.float32
    assert model.backward(np.ones_like(logits)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.grads.values())


def test_errors():
    with pytest.raises(ValueError, match=r"head must read 5 features .*hidden_size.*in_features=4"):
        SequenceModel(RNN(D, 5), Dense(4, K))
    with pytest.raises(ValueError, match=r"out_channels"):
        SequenceModel(CausalConv1d(D, 5, 2), Dense(4, K))
    with pytest.raises(ValueError, match="readout"):
        SequenceModel(RNN(D, H), Dense(H, K), readout="first")
    with pytest.raises(TypeError, match="core must be a layer"):
        SequenceModel(np.zeros(3), Dense(H, K))
    with pytest.raises(ValueError, match="dtype"):
        SequenceModel(RNN(D, H), Dense(H, K, dtype=np.float32))
    with pytest.raises(RuntimeError, match="call forward first"):
        SequenceModel(RNN(D, H), Dense(H, K)).backward(np.ones((B, K)))


def tanh_model(kind):
    return SequenceModel(make_core(kind), Dense(H, K, activation="tanh", rng=2), readout="all")


@pytest.mark.parametrize("kind", CORES)
def test_changing_x_or_the_logits_after_forward_leaves_the_gradients_alone(kind):
    x, target = normal(0, (T, B, D)), normal(1, (T, B, K))
    clean = tanh_model(kind)
    clean_dx = clean.backward(clean.forward(x) - target)
    model = tanh_model(kind)
    x_changed = x.copy()
    logits = model.forward(x_changed)
    x_changed += 1.0
    logits -= target  # the gradient of (logits - target)^2 / 2, written in place
    np.testing.assert_array_equal(model.backward(logits), clean_dx)
    for name, grad in model.grads.items():
        np.testing.assert_array_equal(grad, clean.grads[name], err_msg=name)


def test_assigning_through_the_joined_params_reaches_the_layers():
    core, head = RNN(D, H, rng=1), Dense(H, K, rng=2)
    model = SequenceModel(core, head)
    model.params["head.bias"] = np.arange(K, dtype=float)
    np.testing.assert_array_equal(head.params["bias"], np.arange(K))
    with pytest.raises(ValueError, match=r"'head.weight' must have shape \(4, 5\), got \(1, 5\)"):
        model.params["head.weight"] = np.zeros((1, H))
    with pytest.raises(KeyError, match=r"'core.weight'.*'core.weight_ih_l0'"):
        model.params["core.weight"] = np.zeros((H, D))
