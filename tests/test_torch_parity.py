"""The NumPy layers agree with PyTorch to rounding error, forward and backward.

Two kinds of tests:

* fixture tests compare against numbers PyTorch computed once and stored in
  ``tests/fixtures/*.npz`` (made by ``scripts/make_fixtures.py``); they need no torch;
* live tests build random models, copy the weights into torch and compare on the spot;
  they run only where torch is installed.

Tolerances are absolute: 1e-12 (forward) and 1e-10 (gradients) in float64, 1e-5 in float32
(gradients in float32 also get a relative 1e-5, as they can be larger than 1).
Run with ``pytest -s`` to see the largest error of every comparison.
"""

from pathlib import Path

import numpy as np
import pytest

from lstm_magnifier.cell import LSTMCell
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.weights import from_keras_weights

FIXTURES = Path(__file__).parent / "fixtures"
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

# (forward atol, gradient atol, gradient rtol) per dtype
TOLERANCES = {
    "float64": (1e-12, 1e-10, 0.0),
    "float32": (1e-5, 1e-5, 1e-5),
}


def load(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def fixture_paths(prefix):
    return sorted(FIXTURES.glob(f"{prefix}_*.npz"))


def ids(paths):
    return [p.stem for p in paths]


def check(what, actual, expected, atol, rtol=0.0):
    """assert_allclose with shape and dtype checked too; prints and returns the max error."""
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    err = float(np.max(np.abs(actual.astype(np.float64) - expected), initial=0.0))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)
    return err


def report(name, forward_err, grad_err=None):
    line = f"\n[parity] {name:32s} forward max err {forward_err:.2e}"
    if grad_err is not None:
        line += f"   gradient max err {grad_err:.2e}"
    print(line, end="")


def set_params(module, arrays):
    """Copy arrays into a module's live ``params`` (same keys, same shapes)."""
    assert set(module.params) == set(arrays), f"{sorted(module.params)} != {sorted(arrays)}"
    for name, value in arrays.items():
        assert module.params[name].shape == value.shape, name
        module.params[name][...] = value


# --------------------------------------------------------------------------- fixtures, no torch
LSTM_FIXTURES = fixture_paths("lstm")


def test_fixture_set_is_complete():
    """Every kind of fixture is there, in both dtypes (a missing file must not pass silently)."""
    names = {p.stem for p in FIXTURES.glob("*.npz")}
    for dtype in ("float64", "float32"):
        for kind in ("lstmcell", "rnn", "linear", "conv1d"):
            assert f"{kind}_{dtype}" in names
        assert sum(n.startswith("lstm_") and n.endswith(dtype) for n in names) >= 8
    assert "keras_l1_float64" in names
    covered = [load(p) for p in LSTM_FIXTURES]
    assert {int(f["num_layers"]) for f in covered} == {1, 2, 3}
    assert any(f["unbatched"] for f in covered)
    assert any(f["has_state"] for f in covered) and not all(f["has_state"] for f in covered)
    assert any(f["x"].shape[0] == 1 for f in covered)  # T = 1
    assert any(f["x"].ndim == 3 and f["x"].shape[1] == 1 for f in covered)  # B = 1


@pytest.mark.parametrize("path", LSTM_FIXTURES, ids=ids(LSTM_FIXTURES))
def test_lstm_matches_torch_fixture(path):
    fx = load(path)
    dtype = str(fx["dtype"])
    fwd_tol, grad_tol, grad_rtol = TOLERANCES[dtype]
    L = int(fx["num_layers"])
    model = LSTM(int(fx["input_size"]), int(fx["hidden_size"]), L, dtype=np.dtype(dtype), rng=0)
    model.load_state_dict({name: fx[name] for name in model.params})

    state = (fx["h0"], fx["c0"]) if fx["has_state"] else None
    out, (h_n, c_n) = model.forward(fx["x"], state)
    fwd = max(
        check("out", out, fx["out"], fwd_tol),
        check("h_n", h_n, fx["h_n"], fwd_tol),
        check("c_n", c_n, fx["c_n"], fwd_tol),
    )

    d_state = (fx["d_h_n"], fx["d_c_n"]) if fx["has_d_state"] else None
    dx, (dh0, dc0) = model.backward(fx["d_out"], d_state)
    grad = max(
        check("dx", dx, fx["dx"], grad_tol, grad_rtol),
        check("dh0", dh0, fx["dh0"], grad_tol, grad_rtol),
        check("dc0", dc0, fx["dc0"], grad_tol, grad_rtol),
    )
    assert set(model.grads) == {f"{n}_l{k}" for n in PARAM_NAMES for k in range(L)}
    for name, g in model.grads.items():
        grad = max(grad, check(f"grad {name}", g, fx[f"grad_{name}"], grad_tol, grad_rtol))
    report(path.stem, fwd, grad)


CELL_FIXTURES = fixture_paths("lstmcell")


@pytest.mark.parametrize("path", CELL_FIXTURES, ids=ids(CELL_FIXTURES))
def test_lstm_cell_step_matches_torch_fixture(path):
    fx = load(path)
    dtype = str(fx["dtype"])
    tol = TOLERANCES[dtype][0]
    cell = LSTMCell(int(fx["input_size"]), int(fx["hidden_size"]), dtype=np.dtype(dtype), rng=0)
    cell.load_state_dict({name: fx[name] for name in PARAM_NAMES})
    trace = cell.step(fx["x"], (fx["h0"], fx["c0"]))
    err = max(check("h", trace.h, fx["h"], tol), check("c", trace.c, fx["c"], tol))
    h, c = trace.state
    assert h is trace.h and c is trace.c
    # one unbatched sample gives the same numbers as its row of the batch
    row = cell.step(fx["x"][1], (fx["h0"][1], fx["c0"][1]))
    err = max(err, check("h[1]", row.h, fx["h"][1], tol), check("c[1]", row.c, fx["c"][1], tol))
    report(path.stem, err)


RNN_FIXTURES = fixture_paths("rnn")


@pytest.mark.parametrize("path", RNN_FIXTURES, ids=ids(RNN_FIXTURES))
def test_rnn_matches_torch_fixture(path):
    from lstm_magnifier.nn import RNN

    fx = load(path)
    dtype = str(fx["dtype"])
    fwd_tol, grad_tol, grad_rtol = TOLERANCES[dtype]
    rnn = RNN(int(fx["input_size"]), int(fx["hidden_size"]), dtype=np.dtype(dtype), rng=0)
    set_params(rnn, {name: fx[name] for name in rnn.params})
    out, h_n = rnn.forward(fx["x"], fx["h0"])
    fwd = max(check("out", out, fx["out"], fwd_tol), check("h_n", h_n, fx["h_n"], fwd_tol))
    dx, dh0 = rnn.backward(fx["d_out"], fx["d_h_n"])
    grad = max(
        check("dx", dx, fx["dx"], grad_tol, grad_rtol),
        check("dh0", dh0, fx["dh0"], grad_tol, grad_rtol),
    )
    assert set(rnn.grads) == set(rnn.params)
    for name, g in rnn.grads.items():
        grad = max(grad, check(f"grad {name}", g, fx[f"grad_{name}"], grad_tol, grad_rtol))
    report(path.stem, fwd, grad)


LINEAR_FIXTURES = fixture_paths("linear")


@pytest.mark.parametrize("path", LINEAR_FIXTURES, ids=ids(LINEAR_FIXTURES))
def test_dense_matches_torch_linear_fixture(path):
    from lstm_magnifier.nn import Dense

    fx = load(path)
    dtype = str(fx["dtype"])
    fwd_tol, grad_tol, grad_rtol = TOLERANCES[dtype]
    sizes = int(fx["in_features"]), int(fx["out_features"])
    dense = Dense(*sizes, activation=None, dtype=np.dtype(dtype), rng=0)
    set_params(dense, {"weight": fx["weight"], "bias": fx["bias"]})
    fwd = check("out", dense.forward(fx["x"]), fx["out"], fwd_tol)
    grad = check("dx", dense.backward(fx["d_out"]), fx["dx"], grad_tol, grad_rtol)
    assert set(dense.grads) == {"weight", "bias"}
    for name, g in dense.grads.items():
        grad = max(grad, check(f"grad {name}", g, fx[f"grad_{name}"], grad_tol, grad_rtol))
    report(path.stem, fwd, grad)


CONV_FIXTURES = fixture_paths("conv1d")


@pytest.mark.parametrize("path", CONV_FIXTURES, ids=ids(CONV_FIXTURES))
def test_causal_conv1d_matches_torch_conv1d_fixture(path):
    from lstm_magnifier.nn import CausalConv1d

    fx = load(path)
    dtype = str(fx["dtype"])
    fwd_tol, grad_tol, grad_rtol = TOLERANCES[dtype]
    sizes = (int(fx["in_channels"]), int(fx["out_channels"]), int(fx["kernel_size"]))
    conv = CausalConv1d(*sizes, activation=None, dtype=np.dtype(dtype), rng=0)  # plain conv
    set_params(conv, {"weight": fx["weight"], "bias": fx["bias"]})
    fwd = check("out", conv.forward(fx["x"]), fx["out"], fwd_tol)
    grad = check("dx", conv.backward(fx["d_out"]), fx["dx"], grad_tol, grad_rtol)
    assert set(conv.grads) == {"weight", "bias"}
    for name, g in conv.grads.items():
        grad = max(grad, check(f"grad {name}", g, fx[f"grad_{name}"], grad_tol, grad_rtol))
    report(path.stem, fwd, grad)


def test_from_keras_weights_reproduces_torch_fixture():
    fx = load(FIXTURES / "keras_l1_float64.npz")
    tol = TOLERANCES["float64"][0]
    converted = from_keras_weights(fx["kernel"], fx["recurrent_kernel"], fx["bias"])
    assert set(converted) == {f"{n}_l0" for n in PARAM_NAMES}
    np.testing.assert_array_equal(converted["weight_ih_l0"], fx["weight_ih_l0"])
    np.testing.assert_array_equal(converted["weight_hh_l0"], fx["weight_hh_l0"])
    np.testing.assert_array_equal(converted["bias_ih_l0"], fx["bias"])
    np.testing.assert_array_equal(converted["bias_hh_l0"], np.zeros_like(fx["bias"]))

    model = LSTM(int(fx["input_size"]), int(fx["hidden_size"]), rng=0)
    model.load_state_dict(converted)
    out, (h_n, c_n) = model.forward(fx["x"])
    err = max(
        check("out", out, fx["out"], tol),
        check("h_n", h_n, fx["h_n"], tol),
        check("c_n", c_n, fx["c_n"], tol),
    )
    report("keras_l1_float64", err)


def test_from_keras_weights_places_a_later_layer():
    fx = load(FIXTURES / "keras_l1_float64.npz")
    converted = from_keras_weights(fx["kernel"], fx["recurrent_kernel"], fx["bias"], layer=2)
    assert set(converted) == {f"{n}_l2" for n in PARAM_NAMES}


# --------------------------------------------------------------------------- live, with torch
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason="torch is not installed: live comparison skipped (fixture tests still run)"
    )


def live_configs(n=12, seed=20240611):
    """Random (D, H, L, T, B, has_state, has_d_state) drawn from a seeded Generator.

    B = None means an unbatched (T, D) input. The list always covers L = 1, 2, 3, B = 1,
    T = 1, unbatched input and nonzero initial states.
    """
    rng = np.random.default_rng(seed)
    configs = []
    for k in range(n):
        D, H = (int(v) for v in rng.integers(1, 7, size=2))
        L = k % 3 + 1
        T = 1 if k % 4 == 0 else int(rng.integers(2, 9))
        B = 1 if k % 5 == 1 else int(rng.integers(2, 5))
        if k % 6 == 5:
            B = None
        configs.append((D, H, L, T, B, k % 2 == 1, bool(rng.integers(0, 2))))
    return configs


LIVE = live_configs()


def to_torch(torch, arrays):
    return {name: torch.from_numpy(np.ascontiguousarray(v)) for name, v in arrays.items()}


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("k", range(len(LIVE)), ids=[f"cfg{k}" for k in range(len(LIVE))])
def test_lstm_matches_torch_live(torch, k, dtype):
    D, H, L, T, B, has_state, has_d_state = LIVE[k]
    fwd_tol, grad_tol, grad_rtol = TOLERANCES[dtype]
    tdt = {"float64": torch.float64, "float32": torch.float32}[dtype]
    rng = np.random.default_rng([k, np.dtype(dtype).itemsize])
    lead = (T,) if B is None else (T, B)
    state_shape = (L, H) if B is None else (L, B, H)

    def randn(*shape, scale=1.0):
        return (scale * rng.standard_normal(shape)).astype(dtype)

    model = LSTM(D, H, L, dtype=np.dtype(dtype), rng=rng)
    reference = torch.nn.LSTM(D, H, num_layers=L, dtype=tdt)
    assert set(reference.state_dict()) == set(model.params)
    reference.load_state_dict(to_torch(torch, model.state_dict()))

    x = randn(*lead, D)
    h0 = randn(*state_shape, scale=0.5) if has_state else np.zeros(state_shape, dtype)
    c0 = randn(*state_shape) if has_state else np.zeros(state_shape, dtype)
    xt, h0t, c0t = (torch.from_numpy(a).requires_grad_() for a in (x, h0, c0))
    out_t, (h_n_t, c_n_t) = reference(xt, (h0t, c0t))
    out, (h_n, c_n) = model.forward(x, (h0, c0) if has_state else None)
    fwd = max(
        check("out", out, out_t.detach().numpy(), fwd_tol),
        check("h_n", h_n, h_n_t.detach().numpy(), fwd_tol),
        check("c_n", c_n, c_n_t.detach().numpy(), fwd_tol),
    )

    d_out = randn(*out.shape)
    loss = (out_t * torch.from_numpy(d_out)).sum()
    d_state = None
    if has_d_state:
        d_state = (randn(*h_n.shape), randn(*c_n.shape))
        loss = loss + (h_n_t * torch.from_numpy(d_state[0])).sum()
        loss = loss + (c_n_t * torch.from_numpy(d_state[1])).sum()
    loss.backward()
    dx, (dh0, dc0) = model.backward(d_out, d_state)
    grad = max(
        check("dx", dx, xt.grad.numpy(), grad_tol, grad_rtol),
        check("dh0", dh0, h0t.grad.numpy(), grad_tol, grad_rtol),
        check("dc0", dc0, c0t.grad.numpy(), grad_tol, grad_rtol),
    )
    for name, p in reference.named_parameters():
        expected = p.grad.numpy()
        grad = max(grad, check(f"grad {name}", model.grads[name], expected, grad_tol, grad_rtol))
    report(f"live L={L} T={T} B={B} D={D} H={H} {dtype}", fwd, grad)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
def test_state_dict_round_trip_with_torch(torch, num_layers, dtype):
    tdt = {"float64": torch.float64, "float32": torch.float32}[dtype]
    torch.manual_seed(num_layers)
    reference = torch.nn.LSTM(3, 5, num_layers=num_layers, dtype=tdt)
    weights = {name: t.detach().numpy().copy() for name, t in reference.state_dict().items()}

    # torch -> numpy: every array arrives unchanged, in the model's dtype
    model = LSTM(3, 5, num_layers, dtype=np.dtype(dtype), rng=0)
    model.load_state_dict(weights)
    ours = model.state_dict()
    assert set(ours) == set(weights)
    for name, value in ours.items():
        assert value.dtype == np.dtype(dtype), name
        np.testing.assert_array_equal(value, weights[name], err_msg=name)

    # numpy -> torch: a fresh torch module takes our arrays and gives them back unchanged
    other = LSTM(3, 5, num_layers, dtype=np.dtype(dtype), rng=1)
    fresh = torch.nn.LSTM(3, 5, num_layers=num_layers, dtype=tdt)
    fresh.load_state_dict(to_torch(torch, other.state_dict()))
    for name, t in fresh.state_dict().items():
        np.testing.assert_array_equal(t.numpy(), other.params[name], err_msg=name)
