"""LSTM: shapes, properties, dropout, gradient check and clear errors (parity with PyTorch is in
test_torch_parity.py)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_magnifier.gradcheck import gradient_check
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.weights import from_keras_weights


@settings(max_examples=30, deadline=None)
@given(
    T=st.integers(1, 6),
    B=st.integers(1, 4),
    D=st.integers(1, 5),
    H=st.integers(1, 6),
    L=st.integers(1, 3),
    scale=st.floats(0.1, 100.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_shapes_and_ranges_for_any_sizes(T, B, D, H, L, scale, seed):
    rng = np.random.default_rng(seed)
    model = LSTM(D, H, L, rng=rng)
    out, (h_n, c_n) = model.forward(scale * rng.normal(size=(T, B, D)))
    assert out.shape == (T, B, H) and h_n.shape == c_n.shape == (L, B, H)
    np.testing.assert_array_equal(h_n[-1], out[-1])
    assert np.abs(out).max() <= 1.0
    for k in range(L):
        trace = model.trace(k)
        for gate in "ifo":
            assert getattr(trace, gate).min() >= 0.0 and getattr(trace, gate).max() <= 1.0
        assert np.abs(trace.g).max() <= 1.0
        # c_t can never grow by more than 1 per step: |c_t| <= |c_{t-1}| + 1.
        assert np.abs(trace.c).max() <= T
    dx, (dh0, dc0) = model.backward(rng.normal(size=out.shape))
    assert dx.shape == (T, B, D) and dh0.shape == dc0.shape == (L, B, H)
    assert {k: v.shape for k, v in model.grads.items()} == {
        k: v.shape for k, v in model.state_dict().items()
    }


def test_unbatched_input_matches_batch_of_one():
    rng = np.random.default_rng(0)
    model = LSTM(3, 4, 2, rng=rng)
    x = rng.normal(size=(5, 3))
    h0, c0 = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    out, (h_n, c_n) = model.forward(x, (h0, c0))
    out_b, (h_nb, c_nb) = model.forward(x[:, None], (h0[:, None], c0[:, None]))
    assert out.shape == (5, 4) and h_n.shape == (2, 4)
    np.testing.assert_array_equal(out, out_b[:, 0])
    np.testing.assert_array_equal(c_n, c_nb[:, 0])
    d_out = rng.normal(size=(5, 4))
    dx_b, (dh0_b, _) = model.backward(d_out[:, None])
    model.forward(x, (h0, c0))
    dx, (dh0, dc0) = model.backward(d_out)
    assert dx.shape == (5, 3) and dh0.shape == dc0.shape == (2, 4)
    np.testing.assert_array_equal(dx, dx_b[:, 0])
    np.testing.assert_array_equal(dh0, dh0_b[:, 0])


def test_cell_view_runs_the_same_numbers():
    rng = np.random.default_rng(1)
    model = LSTM(2, 3, 2, rng=rng)
    x = rng.normal(size=(4, 2, 2))
    out, _ = model.forward(x)
    below = model.trace(0)
    state = None
    for t in range(4):
        step = model.cell(1).step(below.h[t], state)
        state = step.state
        np.testing.assert_allclose(step.h, out[t], atol=1e-15)
        np.testing.assert_allclose(step.f, model.trace(1).f[t], atol=1e-15)


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("with_state", [False, True])
def test_gradient_check(num_layers, with_state):
    rng = np.random.default_rng(num_layers)
    model = LSTM(3, 4, num_layers, forget_bias=1.0, rng=rng)
    x = rng.normal(size=(5, 2, 3))
    h0, c0 = (rng.normal(size=(num_layers, 2, 4)) for _ in range(2))
    w_out, w_h, w_c = (
        rng.normal(size=(5, 2, 4)),
        rng.normal(size=h0.shape),
        rng.normal(size=c0.shape),
    )
    arrays = {**model.params, "x": x, "h0": h0, "c0": c0}

    def loss():
        out, (h_n, c_n) = model.forward(x, (h0, c0) if with_state else None)
        return np.sum(out * w_out) + np.sum(h_n * w_h) + np.sum(c_n * w_c)

    loss()
    dx, (dh0, dc0) = model.backward(w_out, (w_h, w_c))
    analytic = {**model.grads, "x": dx}
    if with_state:
        analytic.update(h0=dh0, c0=dc0)
    else:
        del arrays["h0"], arrays["c0"]
    errors = gradient_check(loss, arrays, analytic)
    assert max(errors.values()) < 1e-7, errors


def test_dropout_only_in_training_and_inverted():
    rng = np.random.default_rng(2)
    model = LSTM(3, 50, 2, dropout=0.5, rng=rng)
    x = rng.normal(size=(3, 8, 3))
    eval_a, _ = model.forward(x)
    eval_b, _ = model.forward(x)
    np.testing.assert_array_equal(eval_a, eval_b)
    train, _ = model.forward(x, train=True)
    assert not np.allclose(train, eval_a)
    mask = model._cache["masks"][0]
    assert set(np.unique(mask)) == {0.0, 2.0}
    assert 0.4 < np.mean(mask == 0) < 0.6
    assert model._cache["masks"][1] is None
    single = LSTM(3, 5, 1, dropout=0.5, rng=0)
    np.testing.assert_array_equal(single.forward(x, train=True)[0], single.forward(x)[0])


def test_dropout_gradient_check():
    rng = np.random.default_rng(3)
    model = LSTM(2, 3, 2, dropout=0.3, rng=rng)
    x = rng.normal(size=(4, 2, 2))
    w = rng.normal(size=(4, 2, 3))

    def loss():  # reseeding the model's generator draws the same dropout mask every time
        model.rng = np.random.default_rng(7)
        out, _ = model.forward(x, train=True)
        return np.sum(out * w)

    loss()
    assert np.any(model._cache["masks"][0] == 0)
    dx, _ = model.backward(w)
    errors = gradient_check(loss, {**model.params, "x": x}, {**model.grads, "x": dx})
    assert max(errors.values()) < 1e-7, errors


def test_float32_end_to_end():
    rng = np.random.default_rng(4)
    model = LSTM(3, 4, 2, dtype=np.float32, rng=rng)
    out, (h_n, c_n) = model.forward(rng.normal(size=(5, 2, 3)))
    assert out.dtype == h_n.dtype == c_n.dtype == np.float32
    dx, (dh0, dc0) = model.backward(np.ones((5, 2, 4)))
    assert dx.dtype == dh0.dtype == dc0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.grads.values())


def test_extreme_inputs_are_finite_without_warnings():
    model = LSTM(3, 4, 2, rng=0)
    x = np.array([[1e6, -1e6, 1e6], [-1e6, 1e6, 0.0]])[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, (h_n, c_n) = model.forward(x)
        dx, _ = model.backward(np.ones_like(out))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(c_n)) and np.all(np.isfinite(dx))


def test_forget_bias_only_shifts_forget_slice():
    plain, biased = LSTM(2, 3, rng=0), LSTM(2, 3, forget_bias=1.0, rng=0)
    diff = biased.params["bias_ih_l0"] - plain.params["bias_ih_l0"]
    np.testing.assert_allclose(diff, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


def test_from_keras_weights_layout():
    rng = np.random.default_rng(5)
    kernel, recurrent, bias = (
        rng.normal(size=(2, 12)),
        rng.normal(size=(3, 12)),
        rng.normal(size=12),
    )
    sd = from_keras_weights(kernel, recurrent, bias)
    np.testing.assert_array_equal(sd["weight_ih_l0"], kernel.T)
    np.testing.assert_array_equal(sd["weight_hh_l0"], recurrent.T)
    np.testing.assert_array_equal(sd["bias_hh_l0"], 0)
    model = LSTM(2, 3, rng=0)
    model.load_state_dict(sd)
    x = rng.normal(size=3)
    h = np.zeros(3)
    z = x[:2] @ kernel + h @ recurrent + bias
    sig = 1 / (1 + np.exp(-z))
    c = sig[:3] * np.tanh(z[6:9])
    out, _ = model.forward(x[None, :2])
    np.testing.assert_allclose(out[0], sig[9:] * np.tanh(c), atol=1e-14)
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(3, 12\)"):
        from_keras_weights(kernel, recurrent[:2], bias)
    with pytest.raises(ValueError, match="4\\*H columns"):
        from_keras_weights(kernel[:, :10], recurrent, bias)


def test_clear_errors():
    model = LSTM(3, 4, 2, rng=0)
    with pytest.raises(RuntimeError, match="call forward first"):
        LSTM(3, 4, rng=0).backward(np.ones((2, 1, 4)))
    with pytest.raises(ValueError, match="num_layers"):
        LSTM(3, 4, 0)
    with pytest.raises(ValueError, match="hidden_size"):
        LSTM(3, -4)
    with pytest.raises(ValueError, match="dropout"):
        LSTM(3, 4, 2, dropout=1.0)
    with pytest.raises(ValueError, match="dimensions"):
        model.forward(np.ones(3))
    with pytest.raises(ValueError, match=r"3 features .*got 5"):
        model.forward(np.ones((2, 1, 5)))
    with pytest.raises(ValueError, match="finite"):
        model.forward(np.array([[[np.inf, 0, 0]]]))
    with pytest.raises(ValueError, match=r"h_0 must have shape \(2, 1, 4\)"):
        model.forward(np.ones((2, 1, 3)), (np.zeros((1, 1, 4)), np.zeros((2, 1, 4))))
    model.forward(np.ones((2, 1, 3)))
    with pytest.raises(ValueError, match=r"d_out must have shape \(2, 1, 4\)"):
        model.backward(np.ones((2, 4)))
    sd = model.state_dict()
    with pytest.raises(KeyError, match="weight_hh_l1"):
        model.load_state_dict({k: v for k, v in sd.items() if k != "weight_hh_l1"})
    with pytest.raises(KeyError, match="weight_ih_l2"):
        model.load_state_dict({**sd, "weight_ih_l2": np.ones((16, 4))})
    with pytest.raises(ValueError, match=r"weight_ih_l1 must have shape \(16, 4\)"):
        model.load_state_dict({**sd, "weight_ih_l1": np.ones((16, 3))})
    with pytest.raises(ValueError, match="layer"):
        model.cell(2)


# --------------------------------------------------------------------------- no aliasing
# forward keeps what backward needs; changing the caller's arrays in place afterwards
# (x, the state passed in, or the returned out, as in ``out -= y``) must not change
# the gradients. Each run is compared with a clean run on the same numbers.


def aliasing_data():
    """x (5, 2, 3), h_0 and c_0 (2, 2, 4) and a target y (5, 2, 4), fresh arrays each call."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(5, 2, 3))
    h0, c0 = rng.normal(size=(2, 2, 2, 4))
    return x, h0, c0, rng.normal(size=(5, 2, 4))


def clean_grads():
    x, h0, c0, y = aliasing_data()
    model = LSTM(3, 4, 2, rng=0)
    out, _ = model.forward(x, (h0, c0))
    dx, _ = model.backward(out - y)
    return {**model.grads, "x": dx}


def assert_same_grads(model, dx):
    expected = clean_grads()
    for name, grad in {**model.grads, "x": dx}.items():
        np.testing.assert_array_equal(grad, expected[name], err_msg=name)


def test_changing_x_after_forward_leaves_the_gradients_alone():
    x, h0, c0, y = aliasing_data()
    model = LSTM(3, 4, 2, rng=0)
    out, _ = model.forward(x, (h0, c0))
    x += 1.0
    dx, _ = model.backward(out - y)
    assert_same_grads(model, dx)


def test_changing_the_initial_state_after_forward_leaves_the_gradients_alone():
    x, h0, c0, y = aliasing_data()
    model = LSTM(3, 4, 2, rng=0)
    out, _ = model.forward(x, (h0, c0))
    h0 += 1.0
    c0 *= -1.0
    dx, _ = model.backward(out - y)
    assert_same_grads(model, dx)


def test_changing_the_returned_out_leaves_the_gradients_alone():
    x, h0, c0, y = aliasing_data()
    model = LSTM(3, 4, 2, rng=0)
    out, (h_n, c_n) = model.forward(x, (h0, c0))
    out -= y  # the loss gradient of (out - y)^2 / 2, written in place
    h_n[...] = 0.0
    c_n[...] = 0.0
    dx, _ = model.backward(out)
    assert_same_grads(model, dx)


def test_changing_a_trace_leaves_the_gradients_alone():
    x, h0, c0, y = aliasing_data()
    model = LSTM(3, 4, 2, rng=0)
    out, _ = model.forward(x, (h0, c0))
    for layer in (0, 1):
        for value in vars(model.trace(layer)).values():
            value[...] = 0.0
    dx, _ = model.backward(out - y)
    assert_same_grads(model, dx)


def test_unbatched_output_is_the_callers_too():
    x, _, _, y = aliasing_data()
    x, y = x[:, 0], y[:, 0]
    clean = LSTM(3, 4, 2, rng=0)
    clean_dx, _ = clean.backward(clean.forward(x)[0] - y)
    model = LSTM(3, 4, 2, rng=0)
    out, _ = model.forward(x)
    out -= y
    np.testing.assert_array_equal(model.backward(out)[0], clean_dx)
    for name, grad in model.grads.items():
        np.testing.assert_array_equal(grad, clean.grads[name], err_msg=name)


# --------------------------------------------------------------------------- clear errors


@pytest.mark.parametrize("shape", [(0, 2, 3), (0, 3)])
def test_an_empty_sequence_is_named(shape):
    with pytest.raises(ValueError, match=r"x has no time steps \(T = 0"):
        LSTM(3, 4).forward(np.zeros(shape))


def test_state_gradient_must_be_a_pair():
    model = LSTM(3, 4, 2, rng=0)
    out, (h_n, c_n) = model.forward(np.ones((5, 2, 3)))
    pair = r"d_state must be a pair \(dh_n, dc_n\), each of shape \(2, 2, 4\)"
    with pytest.raises(TypeError, match=pair + r".*got a tuple of length 1"):
        model.backward(out, (h_n,))
    with pytest.raises(TypeError, match=pair + r".*got one ndarray"):
        model.backward(out, h_n)  # one array, not a pair
    with pytest.raises(ValueError, match=r"dc_n must have shape \(2, 2, 4\), got \(2, 4\)"):
        model.backward(out, (h_n, c_n[0]))
    with pytest.raises(ValueError, match=r"dh_n must have shape \(2, 2, 4\), got \(2, 1, 2, 4\)"):
        model.backward(out, (h_n[:, None], None))
    model.backward(out, (None, c_n))  # None for one of the two still means zeros


def test_complex_numbers_are_refused_by_name():
    model = LSTM(3, 4, 2, rng=0)
    x = np.ones((5, 2, 3))
    with pytest.raises(TypeError, match=r"x must be real.*complex128"):
        model.forward(x + 0.5j)
    zeros = np.zeros((2, 2, 4))
    with pytest.raises(TypeError, match=r"c_0 must be real"):
        model.forward(x, (zeros, zeros + 1j))
    out, _ = model.forward(x)
    with pytest.raises(TypeError, match=r"d_out must be real"):
        model.backward(out + 1j)


def test_assigning_a_parameter_checks_it():
    model = LSTM(3, 4, 2, rng=0)
    weight = model.params["weight_ih_l0"]
    with pytest.raises(ValueError, match=r"'weight_ih_l0' must have shape \(16, 3\), got \(1, 3\)"):
        model.params["weight_ih_l0"] = np.zeros((1, 3))
    with pytest.raises(KeyError, match=r"'weight_ih_l2'.*'weight_ih_l0', 'weight_hh_l0'"):
        model.params["weight_ih_l2"] = np.zeros((16, 4))
    with pytest.raises(ValueError, match=r"'bias_hh_l1' must be finite"):
        model.params["bias_hh_l1"] = np.full(16, np.nan)
    with pytest.raises(TypeError, match=r"'bias_hh_l1' must hold floating-point.*int64"):
        model.params["bias_hh_l1"] = np.zeros(16, dtype=np.int64)
    with pytest.raises(TypeError, match=r"'bias_hh_l1' must be real.*complex"):
        model.params["bias_hh_l1"] = np.zeros(16, dtype=complex)
    with pytest.raises(ValueError, match=r"'weight_hh_l0' must have shape \(16, 4\)"):
        model.params.update(weight_hh_l0=np.zeros(4))
    with pytest.raises(TypeError, match="cannot be removed"):
        del model.params["bias_ih_l0"]
    np.testing.assert_array_equal(model.params["weight_ih_l0"], weight)  # nothing was written
    # A good value is copied into the existing array: an optimizer or a cell view holding
    # that array sees it, and the caller's array stays the caller's.
    new = np.ones((16, 3))
    model.params["weight_ih_l0"] = new
    new[0, 0] = 5.0
    assert model.params["weight_ih_l0"] is weight and np.all(weight == 1.0)
    assert model.cell(0).weight_ih is weight
    with pytest.raises(ValueError, match=r"'weight_hh' must have shape \(16, 4\)"):
        model.cell(1).params["weight_hh"] = np.zeros((1, 4))
    model.load_state_dict(model.state_dict())
    assert model.params["weight_ih_l0"] is weight


@pytest.mark.parametrize(
    "options", [{"peepholes": True}, {"coupled": True}, {"output": "identity"}]
)
def test_cell_refuses_an_lstm_that_is_not_the_standard_cell(options):
    lstm = LSTM(2, 3, rng=0, **options)
    with pytest.raises(ValueError, match="standard LSTMCell"):
        lstm.cell(0)
    LSTM(2, 3, rng=0).cell(0)  # the standard cell is fine
