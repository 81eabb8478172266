"""The GRU (chapter 16) agrees with ``torch.nn.GRU`` forward and backward, passes a gradient
check, and names bad input.

Fixtures in ``tests/fixtures/gru_*.npz`` come from ``scripts/make_fixtures.py``; tolerances
are those of ``tests/test_torch_parity.py``.
"""

from pathlib import Path

import numpy as np
import pytest

from lstm_magnifier.gradcheck import check_module_gradients, gradient_check
from lstm_magnifier.gru import GRU, step, step_backward
from lstm_magnifier.nn import Dense, SequenceModel

FIXTURES = Path(__file__).parent / "fixtures"
GRU_FIXTURES = sorted(FIXTURES.glob("gru_*.npz"))
TOLERANCES = {"float64": (1e-12, 1e-10, 0.0), "float32": (1e-5, 1e-5, 1e-5)}


def load(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def check(what, actual, expected, atol, rtol=0.0):
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def test_fixture_set_is_complete():
    fixtures = [load(p) for p in GRU_FIXTURES]
    assert {str(f["dtype"]) for f in fixtures} == {"float64", "float32"}
    assert {int(f["num_layers"]) for f in fixtures} == {1, 2}
    assert any(f["has_state"] for f in fixtures) and not all(f["has_state"] for f in fixtures)
    assert any(f["unbatched"] for f in fixtures)


@pytest.mark.parametrize("path", GRU_FIXTURES, ids=[p.stem for p in GRU_FIXTURES])
def test_gru_matches_torch_fixture(path):
    fx = load(path)
    dtype = str(fx["dtype"])
    fwd_tol, grad_tol, grad_rtol = TOLERANCES[dtype]
    L = int(fx["num_layers"])
    model = GRU(int(fx["input_size"]), int(fx["hidden_size"]), L, dtype=np.dtype(dtype), rng=0)
    assert set(model.params) == {n[5:] for n in fx if n.startswith("grad_")}
    model.load_state_dict({name: fx[name] for name in model.params})
    out, h_n = model.forward(fx["x"], fx["h0"] if fx["has_state"] else None)
    check("out", out, fx["out"], fwd_tol)
    check("h_n", h_n, fx["h_n"], fwd_tol)
    dx, dh0 = model.backward(fx["d_out"], fx["d_h_n"])
    check("dx", dx, fx["dx"], grad_tol, grad_rtol)
    check("dh0", dh0, fx["dh0"], grad_tol, grad_rtol)
    for name, grad in model.grads.items():
        check(f"grad {name}", grad, fx[f"grad_{name}"], grad_tol, grad_rtol)


def test_live_torch_agrees_on_random_weights():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    model = GRU(3, 5, 2, rng=4)
    x, h0 = rng.normal(size=(6, 4, 3)), rng.normal(size=(2, 4, 5))
    reference = torch.nn.GRU(3, 5, 2, dtype=torch.float64)
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    expected, expected_h = reference(torch.from_numpy(x), torch.from_numpy(h0))
    out, h_n = model.forward(x, h0)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n, expected_h.detach().numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_gradient_check(num_layers):
    model = GRU(2, 3, num_layers, rng=5)
    x = np.random.default_rng(6).normal(size=(4, 2, 2))
    errors = check_module_gradients(model, x, rng=7)
    assert set(errors) == set(model.params) | {"x"}
    assert max(errors.values()) < 1e-7, errors


def test_gradient_check_of_the_states():
    rng = np.random.default_rng(8)
    model = GRU(2, 3, 2, rng=9)
    x, h0 = rng.normal(size=(3, 2, 2)), rng.normal(size=(2, 2, 3))
    R, R_h = rng.normal(size=(3, 2, 3)), rng.normal(size=(2, 2, 3))

    def loss():
        out, h_n = model.forward(x, h0)
        return np.sum(R * out) + np.sum(R_h * h_n)

    loss()
    _, dh0 = model.backward(R, R_h)
    errors = gradient_check(loss, {"h0": h0}, {"h0": dh0})
    assert errors["h0"] < 1e-7, errors


def test_step_is_the_written_out_equations():
    rng = np.random.default_rng(10)
    B, D, H = 3, 2, 4
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    W_ih, W_hh = rng.normal(size=(3 * H, D)), rng.normal(size=(3 * H, H))
    b_ih, b_hh = rng.normal(size=3 * H), rng.normal(size=3 * H)
    trace = step(x, h, W_ih, W_hh, b_ih, b_hh)
    part = [slice(k * H, (k + 1) * H) for k in range(3)]

    def layer(k):
        return x @ W_ih[part[k]].T + b_ih[part[k]], h @ W_hh[part[k]].T + b_hh[part[k]]

    r = 1 / (1 + np.exp(-sum(layer(0))))
    z = 1 / (1 + np.exp(-sum(layer(1))))
    n = np.tanh(layer(2)[0] + r * layer(2)[1])
    for name, value in dict(r=r, z=z, n=n, h=(1 - z) * n + z * h).items():
        np.testing.assert_allclose(getattr(trace, name), value, rtol=0, atol=1e-14)
    da_x, da_h, dh_prev = step_backward(trace, np.ones((B, H)), W_hh)
    np.testing.assert_array_equal(da_x[:, : 2 * H], da_h[:, : 2 * H])  # r and z: one layer
    np.testing.assert_allclose(da_h[:, 2 * H :], da_x[:, 2 * H :] * r)  # r scales h's part


def test_an_update_gate_near_one_keeps_the_state():
    model = GRU(2, 3, rng=0)
    model.params["bias_hh_l0"][3:6] = 30.0  # z = 1: h_t = h_{t-1}
    h0 = np.random.default_rng(1).normal(size=(1, 2, 3))
    out, h_n = model.forward(np.random.default_rng(2).normal(size=(7, 2, 2)), h0)
    np.testing.assert_allclose(out, np.broadcast_to(h0, out.shape), atol=1e-12)


def test_unbatched_float32_and_a_model_head():
    model = GRU(2, 3, 2, dtype=np.float32, rng=0)
    x = np.random.default_rng(0).normal(size=(5, 2))
    out, h_n = model.forward(x)
    dx, dh0 = model.backward(np.ones((5, 3), np.float32))
    assert out.shape == (5, 3) and h_n.shape == (2, 3) and out.dtype == np.float32
    assert dx.shape == (5, 2) and dh0.shape == (2, 3) and dx.dtype == np.float32
    batched, h_b = model.forward(x[:, None])
    np.testing.assert_array_equal(out, batched[:, 0])
    np.testing.assert_array_equal(h_n, h_b[:, 0])
    head = SequenceModel(GRU(2, 3, rng=0), Dense(3, 4, rng=0))
    assert head.forward(np.zeros((5, 6, 2))).shape == (6, 4)
    assert GRU(4, 5, 2).num_parameters() == 3 * 5 * (4 + 5 + 2) + 3 * 5 * (5 + 5 + 2)


def test_bad_input_is_named():
    model = GRU(2, 3, 2, rng=0)
    with pytest.raises(ValueError, match="hidden_size"):
        GRU(2, 0)
    with pytest.raises(ValueError, match="input_size"):
        model.forward(np.zeros((4, 1, 3)))
    with pytest.raises(ValueError, match="state"):
        model.forward(np.zeros((4, 1, 2)), np.zeros((1, 1, 3)))  # one layer's state for two
    with pytest.raises(RuntimeError):
        GRU(2, 3).backward(np.zeros((4, 1, 3)))  # no forward yet
    model.forward(np.zeros((4, 1, 2)))
    with pytest.raises(ValueError, match="d_out"):
        model.backward(np.zeros((4, 2, 3)))
    with pytest.raises(ValueError, match="d_state"):
        model.backward(np.zeros((4, 1, 3)), np.zeros((2, 3)))
