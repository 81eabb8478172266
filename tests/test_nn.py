"""Dense, RNN and CausalConv1d: shapes, PyTorch layouts and inits, exact gradients, clear errors.

Parity with stored PyTorch numbers is in test_torch_parity.py; the live PyTorch tests at the
end of this file run only where torch is installed.
"""

import re

import numpy as np
import pytest

from lstm_magnifier.gradcheck import check_module_gradients, gradient_check
from lstm_magnifier.nn import RNN, CausalConv1d, Dense

GRAD_TOL = 1e-7


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


# --------------------------------------------------------------------------- construction


@pytest.mark.parametrize(
    "make, names, shapes",
    [
        (lambda: Dense(5, 3, rng=0), ("weight", "bias"), ((3, 5), (3,))),
        (
            lambda: RNN(5, 3, rng=0),
            ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"),
            ((3, 5), (3, 3), (3,), (3,)),
        ),
        (lambda: CausalConv1d(5, 3, 4, rng=0), ("weight", "bias"), ((3, 5, 4), (3,))),
    ],
)
def test_params_have_pytorch_names_and_shapes(make, names, shapes):
    layer = make()
    assert tuple(layer.params) == names
    assert tuple(p.shape for p in layer.params.values()) == shapes
    assert set(layer.grads) == set(layer.params)
    assert all(layer.grads[k].shape == p.shape for k, p in layer.params.items())


@pytest.mark.parametrize(
    "layer, bound",
    [
        (Dense(50, 40, rng=1), 1 / np.sqrt(50)),  # nn.Linear: 1/sqrt(in_features)
        (RNN(30, 40, rng=1), 1 / np.sqrt(40)),  # nn.RNN: 1/sqrt(hidden_size)
        (CausalConv1d(10, 40, 5, rng=1), 1 / np.sqrt(10 * 5)),  # nn.Conv1d: 1/sqrt(in * k)
    ],
)
def test_default_init_is_pytorch_uniform(layer, bound):
    for name, p in layer.params.items():
        assert np.all(np.abs(p) <= bound), name
        # uniform over the whole interval: the extremes are reached, the mean is ~0
        assert np.max(np.abs(p)) > 0.8 * bound, name
    weights = np.concatenate([p.ravel() for p in layer.params.values()])
    assert abs(weights.mean()) < 0.1 * bound
    assert np.std(weights) == pytest.approx(bound / np.sqrt(3), rel=0.1)


@pytest.mark.parametrize("make", [Dense, RNN])
def test_seed_and_generator_give_repeatable_weights(make):
    a, b = make(4, 3, rng=7), make(4, 3, rng=np.random.default_rng(7))
    c = make(4, 3, rng=8)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(
        a.params["bias" if "bias" in a.params else "bias_ih_l0"],
        c.params["bias" if "bias" in c.params else "bias_ih_l0"],
    )


def test_state_dict_round_trip_and_copy_semantics():
    a, b = RNN(3, 4, rng=0), RNN(3, 4, rng=1)
    live = b.params["weight_hh_l0"]
    b.load_state_dict(a.state_dict())
    assert b.params["weight_hh_l0"] is live  # copied in place: optimizers keep working
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    sd = a.state_dict()
    sd["bias_ih_l0"][:] = 99.0
    assert not np.any(a.params["bias_ih_l0"] == 99.0)  # state_dict hands out copies
    assert a.num_parameters() == 4 * 3 + 4 * 4 + 4 + 4


def test_load_state_dict_rejects_wrong_keys_and_shapes():
    dense = Dense(3, 2, rng=0)
    with pytest.raises(KeyError, match="missing"):
        dense.load_state_dict({"weight": np.zeros((2, 3))})
    with pytest.raises(ValueError, match=r"weight must have shape \(2, 3\)"):
        dense.load_state_dict({"weight": np.zeros((3, 2)), "bias": np.zeros(2)})


# --------------------------------------------------------------------------- shapes and values


@pytest.mark.parametrize("leading", [(), (7,), (5, 2), (2, 3, 4)])
def test_dense_applies_to_any_leading_axes(leading):
    dense = Dense(4, 3, activation="tanh", rng=0)
    x = normal(0, leading + (4,))
    y = dense.forward(x)
    assert y.shape == leading + (3,)
    np.testing.assert_allclose(y, np.tanh(x @ dense.params["weight"].T + dense.params["bias"]))
    assert dense.backward(np.ones_like(y)).shape == x.shape


@pytest.mark.parametrize(
    "activation, expected",
    [
        (None, lambda z: z),
        ("tanh", np.tanh),
        ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
        ("relu", lambda z: np.maximum(z, 0)),
    ],
)
def test_dense_activations(activation, expected):
    dense = Dense(3, 4, activation=activation, rng=0)
    x = normal(1, (6, 3))
    z = x @ dense.params["weight"].T + dense.params["bias"]
    np.testing.assert_allclose(dense.forward(x), expected(z), rtol=1e-12, atol=1e-15)


def test_rnn_shapes_batched_and_unbatched():
    rnn = RNN(3, 5, rng=0)
    x = normal(0, (7, 4, 3))
    out, h_n = rnn.forward(x)
    assert out.shape == (7, 4, 5) and h_n.shape == (1, 4, 5)
    np.testing.assert_array_equal(h_n[0], out[-1])
    dx, dh0 = rnn.backward(np.ones_like(out), np.ones_like(h_n))
    assert dx.shape == x.shape and dh0.shape == (1, 4, 5)

    out1, h1 = rnn.forward(x[:, 2])  # one sequence, unbatched (T, D)
    assert out1.shape == (7, 5) and h1.shape == (1, 5)
    np.testing.assert_allclose(out1, out[:, 2], rtol=0, atol=1e-15)
    dx1, dh01 = rnn.backward(np.ones_like(out1), np.ones_like(h1))
    assert dx1.shape == (7, 3) and dh01.shape == (1, 5)
    np.testing.assert_allclose(dx1, dx[:, 2], atol=1e-14)


def test_rnn_follows_the_elman_equation():
    rnn = RNN(2, 3, nonlinearity="relu", rng=3)
    p = rnn.params
    x, h0 = normal(1, (4, 2, 2)), normal(2, (1, 2, 3))
    out, _ = rnn.forward(x, h0)
    h = h0[0]
    for t in range(4):
        z = x[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T
        h = np.maximum(z + p["bias_hh_l0"], 0)
        np.testing.assert_allclose(out[t], h, rtol=1e-12, atol=1e-15)


def test_rnn_state_carries_over_between_calls():
    rnn = RNN(3, 4, rng=0)
    x = normal(0, (8, 2, 3))
    out, h_n = rnn.forward(x)
    first, h_mid = rnn.forward(x[:5])
    second, h_end = rnn.forward(x[5:], h_mid)
    np.testing.assert_allclose(np.concatenate([first, second]), out, atol=1e-14)
    np.testing.assert_allclose(h_end, h_n, atol=1e-14)


def test_conv_is_causal_with_a_receptive_field_of_kernel_size():
    k = 3
    conv = CausalConv1d(2, 4, k, rng=0)
    x = normal(0, (10, 3, 2))
    y = conv.forward(x)
    assert y.shape == (10, 3, 4)
    for s in (0, 4, 9):  # change one step of the input
        x2 = x.copy()
        x2[s] += 1.0
        changed = np.any(conv.forward(x2) != y, axis=(1, 2))
        # exactly the outputs s, ..., s + k - 1 see step s
        expected = np.zeros(10, bool)
        expected[s : s + k] = True
        np.testing.assert_array_equal(changed, expected)
    assert conv.receptive_field == k


def test_conv_kernel_one_is_a_dense_layer_per_step():
    conv = CausalConv1d(3, 4, 1, activation="sigmoid", rng=0)
    dense = Dense(3, 4, activation="sigmoid", rng=1)
    dense.load_state_dict({"weight": conv.params["weight"][:, :, 0], "bias": conv.params["bias"]})
    x = normal(0, (6, 2, 3))
    np.testing.assert_allclose(conv.forward(x), dense.forward(x), atol=1e-15)
    np.testing.assert_allclose(
        conv.backward(x[..., :1] * np.ones(4)), dense.backward(x[..., :1] * np.ones(4)), atol=1e-15
    )


def test_conv_unbatched_matches_batched_row():
    conv = CausalConv1d(2, 3, 2, rng=0)
    x = normal(0, (5, 4, 2))
    y = conv.forward(x)
    dx = conv.backward(np.ones_like(y))
    y1 = conv.forward(x[:, 1])
    assert y1.shape == (5, 3)
    np.testing.assert_allclose(y1, y[:, 1], atol=1e-15)
    np.testing.assert_allclose(conv.backward(np.ones_like(y1)), dx[:, 1], atol=1e-15)


@pytest.mark.parametrize(
    "layer, x",
    [
        (Dense(3, 2, activation="tanh", dtype=np.float32, rng=0), normal(0, (4, 3))),
        (RNN(3, 2, dtype=np.float32, rng=0), normal(0, (4, 2, 3))),
        (CausalConv1d(3, 2, 2, dtype=np.float32, rng=0), normal(0, (4, 2, 3))),
    ],
)
def test_float32_is_kept_end_to_end(layer, x):
    assert all(p.dtype == np.float32 for p in layer.params.values())
    out = layer.forward(x)  # float64 input is cast to the layer's dtype
    out = out[0] if isinstance(out, tuple) else out
    assert out.dtype == np.float32
    dx = layer.backward(np.ones_like(out))
    dx = dx[0] if isinstance(dx, tuple) else dx
    assert dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())


# --------------------------------------------------------------------------- gradients


def preactivations(layer, x):
    """Every value that goes into the layer's activation, flattened."""
    p = layer.params
    if isinstance(layer, Dense):
        return (x @ p["weight"].T + p["bias"]).ravel()
    if isinstance(layer, CausalConv1d):
        linear = CausalConv1d(
            layer.in_channels, layer.out_channels, layer.kernel_size, activation=None, rng=0
        )
        linear.load_state_dict(layer.state_dict())
        return linear.forward(x).ravel()
    h, zs = np.zeros(x.shape[1:-1] + (layer.hidden_size,)), []
    for x_t in x:
        zs.append(
            x_t @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        )
        h = np.maximum(zs[-1], 0)
    return np.concatenate([z.ravel() for z in zs])


def input_away_from_kink(layer, shape, margin=0.02):
    """A random input whose ReLU pre-activations all stay ``margin`` away from 0.

    A finite difference that steps across the kink of ReLU measures nothing useful, so the
    ReLU checks use inputs where the +-2 eps steps of the stencil cannot reach it.
    """
    for seed in range(100):
        x = normal(seed, shape)
        if np.min(np.abs(preactivations(layer, x))) > margin:
            return x
    raise AssertionError("no input away from the ReLU kink found")


def grad_input(layer, activation, shape):
    return input_away_from_kink(layer, shape) if activation == "relu" else normal(2, shape)


@pytest.mark.parametrize("activation", [None, "tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("shape", [(5, 4), (3, 2, 4), (4,)])
def test_dense_gradients(activation, shape):
    dense = Dense(4, 3, activation=activation, rng=1)
    errors = check_module_gradients(dense, grad_input(dense, activation, shape), rng=0)
    assert set(errors) == {"weight", "bias", "x"}
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("shape", [(6, 2, 3), (5, 3), (1, 1, 3)])
def test_rnn_gradients(nonlinearity, shape):
    rnn = RNN(3, 4, nonlinearity=nonlinearity, rng=1)
    errors = check_module_gradients(rnn, grad_input(rnn, nonlinearity, shape), rng=0)
    assert set(errors) == set(rnn.params) | {"x"}
    assert max(errors.values()) < GRAD_TOL, errors


def test_rnn_gradients_with_initial_state_and_state_gradient():
    """L = sum(R * out) + sum(S * h_n): checks dh_0 and the d_state path too."""
    rnn = RNN(3, 4, rng=1)
    x, h0 = normal(1, (5, 2, 3)), normal(2, (1, 2, 4))
    R, S = normal(3, (5, 2, 4)), normal(4, (1, 2, 4))

    def loss():
        out, h_n = rnn.forward(x, h0)
        return np.sum(R * out) + np.sum(S * h_n)

    loss()
    dx, dh0 = rnn.backward(R, S)
    analytic = {**{k: g.copy() for k, g in rnn.grads.items()}, "x": dx, "h0": dh0}
    errors = gradient_check(loss, {**rnn.params, "x": x, "h0": h0}, analytic, eps=1e-3, order=4)
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("activation", [None, "tanh", "relu"])
@pytest.mark.parametrize("k, shape", [(1, (5, 2, 3)), (3, (6, 2, 3)), (4, (3, 3)), (7, (4, 1, 3))])
def test_conv_gradients(activation, k, shape):
    """Includes a kernel longer than the sequence (k = 7 > T = 4)."""
    conv = CausalConv1d(3, 2, k, activation=activation, rng=1)
    errors = check_module_gradients(conv, grad_input(conv, activation, shape), rng=0)
    assert set(errors) == {"weight", "bias", "x"}
    assert max(errors.values()) < GRAD_TOL, errors


def test_grads_are_overwritten_not_accumulated():
    rnn = RNN(2, 3, rng=0)
    x = normal(0, (4, 2, 2))
    out, _ = rnn.forward(x)
    rnn.backward(np.ones_like(out))
    first = {k: g.copy() for k, g in rnn.grads.items()}
    rnn.forward(x)
    rnn.backward(np.ones_like(out))
    for name, g in rnn.grads.items():
        np.testing.assert_array_equal(g, first[name])


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: Dense(0, 3), "in_features"),
        (lambda: Dense(3, -1), "out_features"),
        (lambda: RNN(0, 3), "input_size"),
        (lambda: RNN(3, 0), "hidden_size"),
        (lambda: CausalConv1d(0, 3, 2), "in_channels"),
        (lambda: CausalConv1d(3, 0, 2), "out_channels"),
        (lambda: CausalConv1d(3, 3, 0), "kernel_size"),
    ],
)
def test_sizes_must_be_positive(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_bad_options_are_named():
    with pytest.raises(TypeError, match="hidden_size"):
        RNN(3, 2.5)
    with pytest.raises(ValueError, match="activation"):
        Dense(3, 2, activation="softmax")
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 2, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dtype"):
        Dense(3, 2, dtype=np.int64)


@pytest.mark.parametrize(
    "layer, x, match",
    [
        (Dense(16, 2, rng=0), np.zeros((3, 12)), r"16 features.*in_features.*got 12"),
        (RNN(16, 2, rng=0), np.zeros((5, 3, 12)), r"16 features.*input_size.*got 12"),
        (CausalConv1d(16, 2, 3, rng=0), np.zeros((5, 12)), r"16 features.*in_channels.*got 12"),
        (RNN(3, 2, rng=0), np.zeros((5, 3)[:1] + (2, 2, 3)), r"x must have 2 or 3 dimensions"),
        (RNN(3, 2, rng=0), np.zeros(3), r"x must have 2 or 3 dimensions"),
        (CausalConv1d(3, 2, 2, rng=0), np.zeros((1, 2, 3, 3)), r"x must have 2 or 3"),
        (Dense(3, 2, rng=0), np.zeros(()), "x"),
        (Dense(3, 2, rng=0), np.array([1.0, np.nan, 0.0]), "finite"),
        (RNN(3, 2, rng=0), np.full((2, 1, 3), np.inf), "finite"),
        (CausalConv1d(3, 2, 2, rng=0), np.full((2, 3), -np.inf), "finite"),
    ],
)
def test_bad_inputs_get_clear_errors(layer, x, match):
    with pytest.raises(ValueError, match=match):
        layer.forward(x)


@pytest.mark.parametrize(
    "layer, d_out",
    [
        (Dense(3, 2, rng=0), np.ones((4, 2))),
        (RNN(3, 2, rng=0), np.ones((4, 1, 2))),
        (CausalConv1d(3, 2, 2, rng=0), np.ones((4, 1, 2))),
    ],
)
def test_backward_before_forward(layer, d_out):
    with pytest.raises(RuntimeError, match="call forward first"):
        layer.backward(d_out)


def test_backward_checks_gradient_shapes_and_state_shapes():
    rnn = RNN(3, 2, rng=0)
    out, h_n = rnn.forward(np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match=r"d_out must have shape \(4, 5, 2\)"):
        rnn.backward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"d_state must have shape \(1, 5, 2\)"):
        rnn.backward(np.ones_like(out), np.ones((5, 2)))
    with pytest.raises(ValueError, match="finite"):
        rnn.backward(np.full_like(out, np.nan))
    with pytest.raises(ValueError, match=r"h_0 must have shape \(1, 5, 2\)"):
        rnn.forward(np.zeros((4, 5, 3)), np.zeros((5, 2)))
    dense = Dense(3, 2, rng=0)
    dense.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"dy must have shape \(4, 2\)"):
        dense.backward(np.ones((2, 4)))


# --------------------------------------------------------------------------- no aliasing
# Changing the caller's input or the returned output in place between forward and backward
# must leave the gradients alone (compared with a clean run on the same numbers).

ALIASING_LAYERS = [
    pytest.param(lambda: Dense(3, 4, activation="tanh", rng=0), id="Dense"),
    pytest.param(lambda: RNN(3, 4, rng=0), id="RNN"),
    pytest.param(lambda: CausalConv1d(3, 4, 2, activation="tanh", rng=0), id="CausalConv1d"),
]


def first(result):
    """``out`` of a recurrent layer's ``(out, state)``, or the result itself."""
    return result[0] if isinstance(result, tuple) else result


def gradients(make, change_input=None, change_output=None):
    """Grads and dx of the loss sum((y - target)^2) / 2, with optional in-place changes."""
    x, target = normal(0, (5, 2, 3)), normal(1, (5, 2, 4))
    layer = make()
    y = first(layer.forward(x))
    if change_input:
        change_input(x)
    d_y = y - target
    if change_output:
        change_output(y, target)
        d_y = y
    dx = first(layer.backward(d_y))
    return {**layer.grads, "x": dx}


def assert_same(grads, expected):
    for name, grad in grads.items():
        np.testing.assert_array_equal(grad, expected[name], err_msg=name)


@pytest.mark.parametrize("make", ALIASING_LAYERS)
def test_changing_x_after_forward_leaves_the_gradients_alone(make):
    def change(x):
        x += 1.0

    assert_same(gradients(make, change_input=change), gradients(make))


@pytest.mark.parametrize("make", ALIASING_LAYERS)
def test_changing_the_output_leaves_the_gradients_alone(make):
    def change(y, target):
        y -= target  # d_y = y - target, computed in place

    assert_same(gradients(make, change_output=change), gradients(make))


def test_changing_the_rnn_state_leaves_the_gradients_alone():
    x, h0 = normal(0, (5, 2, 3)), normal(1, (1, 2, 4))
    d_out, d_h_n = normal(2, (5, 2, 4)), normal(3, (1, 2, 4))
    expected = RNN(3, 4, rng=0)
    expected.forward(x, h0.copy())
    expected.backward(d_out, d_h_n)
    rnn = RNN(3, 4, rng=0)
    out, h_n = rnn.forward(x, h0)
    h0 += 1.0
    h_n[...] = 0.0  # h_n is also the last row of out inside the layer
    out[...] = 0.0
    rnn.backward(d_out, d_h_n)
    assert_same(rnn.grads, expected.grads)


@pytest.mark.parametrize(
    "layer, shape",
    [(RNN(3, 2, rng=0), (0, 2, 3)), (CausalConv1d(3, 2, 2, rng=0), (0, 3))],
)
def test_an_empty_sequence_is_named(layer, shape):
    with pytest.raises(ValueError, match=r"x has no time steps \(T = 0"):
        layer.forward(np.zeros(shape))


@pytest.mark.parametrize(
    "layer, name, shape",
    [
        (Dense(3, 2, rng=0), "weight", (2, 3)),
        (RNN(3, 2, rng=0), "weight_ih_l0", (2, 3)),
        (CausalConv1d(3, 2, 4, rng=0), "weight", (2, 3, 4)),
    ],
)
def test_assigning_a_parameter_checks_it(layer, name, shape):
    weight = layer.params[name]
    with pytest.raises(ValueError, match=re.escape(f"'{name}' must have shape {shape}")):
        layer.params[name] = np.zeros((1,) + shape[1:])
    with pytest.raises(KeyError, match=rf"'weights'.*'{name}'"):
        layer.params["weights"] = np.zeros(shape)
    with pytest.raises(ValueError, match=rf"'{name}' must be finite"):
        layer.params[name] = np.full(shape, np.inf)
    with pytest.raises(TypeError, match=rf"'{name}' must hold floating-point numbers.*bool"):
        layer.params[name] = np.zeros(shape, dtype=bool)
    layer.params[name] = np.full(shape, 0.5, dtype=np.float32)
    assert layer.params[name] is weight and np.all(weight == 0.5) and weight.dtype == np.float64


# --------------------------------------------------------------------------- live PyTorch parity


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="torch is not installed; live parity tests skipped")


def _to_torch(torch, arrays):
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}


TORCH_ACT = {
    None: lambda t: t,
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "relu": lambda t: t.relu(),
}


@pytest.mark.torch
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("activation", [None, "tanh", "sigmoid", "relu"])
def test_dense_matches_torch_linear(torch, dtype, tol, activation):
    dense = Dense(5, 3, activation=activation, dtype=dtype, rng=0)
    linear = torch.nn.Linear(5, 3, dtype=torch.float64 if dtype == np.float64 else torch.float32)
    linear.load_state_dict(_to_torch(torch, dense.state_dict()))
    x = normal(1, (4, 2, 5)).astype(dtype)
    d_out = normal(2, (4, 2, 3)).astype(dtype)
    xt = torch.from_numpy(x).requires_grad_()
    yt = TORCH_ACT[activation](linear(xt))
    (yt * torch.from_numpy(d_out)).sum().backward()
    np.testing.assert_allclose(dense.forward(x), yt.detach().numpy(), atol=tol)
    np.testing.assert_allclose(dense.backward(d_out), xt.grad.numpy(), atol=tol)
    for name, p in linear.named_parameters():
        np.testing.assert_allclose(dense.grads[name], p.grad.numpy(), atol=tol, rtol=tol)


@pytest.mark.torch
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batched", [True, False])
def test_rnn_matches_torch_rnn(torch, dtype, tol, nonlinearity, batched):
    T, B, D, H = 6, 3, 4, 5
    rnn = RNN(D, H, nonlinearity=nonlinearity, dtype=dtype, rng=0)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    ref = torch.nn.RNN(D, H, nonlinearity=nonlinearity, dtype=tdt)
    ref.load_state_dict(_to_torch(torch, rnn.state_dict()))
    leading = (T, B) if batched else (T,)
    x = normal(1, leading + (D,)).astype(dtype)
    h0 = normal(2, (1,) + leading[1:] + (H,)).astype(dtype)
    d_out = normal(3, leading + (H,)).astype(dtype)
    d_h = normal(4, h0.shape).astype(dtype)
    xt, h0t = torch.from_numpy(x).requires_grad_(), torch.from_numpy(h0).requires_grad_()
    out_t, h_t = ref(xt, h0t)
    ((out_t * torch.from_numpy(d_out)).sum() + (h_t * torch.from_numpy(d_h)).sum()).backward()

    out, h_n = rnn.forward(x, h0)
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=tol)
    np.testing.assert_allclose(h_n, h_t.detach().numpy(), atol=tol)
    dx, dh0 = rnn.backward(d_out, d_h)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=tol, rtol=tol)
    np.testing.assert_allclose(dh0, h0t.grad.numpy(), atol=tol, rtol=tol)
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(rnn.grads[name], p.grad.numpy(), atol=tol, rtol=tol)


@pytest.mark.torch
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("k, activation", [(1, "tanh"), (2, None), (4, "relu"), (8, "sigmoid")])
def test_causal_conv_matches_left_padded_torch_conv1d(torch, dtype, tol, k, activation):
    T, B, C_in, C_out = 6, 2, 3, 4
    conv = CausalConv1d(C_in, C_out, k, activation=activation, dtype=dtype, rng=0)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    ref = torch.nn.Conv1d(C_in, C_out, k, dtype=tdt)
    ref.load_state_dict(_to_torch(torch, conv.state_dict()))
    x = normal(1, (T, B, C_in)).astype(dtype)
    d_out = normal(2, (T, B, C_out)).astype(dtype)
    xt = torch.from_numpy(x).requires_grad_()
    padded = torch.nn.functional.pad(xt.permute(1, 2, 0), (k - 1, 0))  # (B, C_in, k - 1 + T)
    yt = TORCH_ACT[activation](ref(padded)).permute(2, 0, 1)  # back to (T, B, C_out)
    (yt * torch.from_numpy(d_out)).sum().backward()
    np.testing.assert_allclose(conv.forward(x), yt.detach().numpy(), atol=tol)
    np.testing.assert_allclose(conv.backward(d_out), xt.grad.numpy(), atol=tol, rtol=tol)
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(conv.grads[name], p.grad.numpy(), atol=tol, rtol=tol)


@pytest.mark.torch
def test_load_state_dict_accepts_torch_tensors(torch):
    ref = torch.nn.RNN(3, 4, dtype=torch.float64)
    rnn = RNN(3, 4, rng=0)
    rnn.load_state_dict(ref.state_dict())  # tensors that require grad, no .numpy() needed
    np.testing.assert_array_equal(rnn.params["weight_hh_l0"], ref.weight_hh_l0.detach().numpy())
