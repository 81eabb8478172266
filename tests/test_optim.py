"""Optimizers update the live parameter arrays in place, converge, and match torch.optim."""

import numpy as np
import pytest

from lstm_magnifier.optim import SGD, Adam, clip_grad_norm, grad_norm


def quadratic(seed=0):
    r"""L(p) = 1/2 sum a (p - c)^2 over two arrays; its gradient is a (p - c), minimum at c."""
    rng = np.random.default_rng(seed)
    params = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    a = {k: rng.uniform(0.5, 2.0, size=p.shape) for k, p in params.items()}
    c = {k: rng.normal(size=p.shape) for k, p in params.items()}

    def loss_and_grads():
        loss = sum(0.5 * np.sum(a[k] * (params[k] - c[k]) ** 2) for k in params)
        return loss, {k: a[k] * (params[k] - c[k]) for k in params}

    return params, loss_and_grads


@pytest.mark.parametrize(
    "make, steps",
    [
        (lambda p: SGD(p, lr=0.1), 200),
        (lambda p: SGD(p, lr=0.05, momentum=0.9), 200),
        (lambda p: Adam(p, lr=0.05), 500),
    ],
)
def test_optimizers_minimise_a_quadratic(make, steps):
    params, loss_and_grads = quadratic()
    live = dict(params)  # the very arrays the model owns
    opt = make(params)
    start, _ = loss_and_grads()
    for _ in range(steps):
        _, grads = loss_and_grads()
        opt.step(grads)
    end, _ = loss_and_grads()
    assert end < 1e-6 * start
    assert all(params[k] is live[k] for k in params)  # updated in place, not replaced
    assert opt.t == steps


def test_adam_first_step_by_hand():
    p0 = np.array([1.0, -2.0, 0.5, 0.0])
    g = np.array([0.3, -4.0, 1e-3, 0.0])
    params = {"p": p0.copy()}
    Adam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8).step({"p": g})
    # m = 0.1 g, v = 0.001 g^2; bias-corrected m_hat = g, v_hat = g^2
    expected = p0 - 0.01 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(params["p"], expected, rtol=1e-14, atol=1e-16)
    # first step moves by ~lr in the sign of the gradient, whatever its size
    np.testing.assert_allclose(np.abs(params["p"] - p0)[:3], 0.01, rtol=1e-4)


def test_sgd_step_by_hand():
    params = {"p": np.array([1.0, 2.0])}
    opt = SGD(params, lr=0.5, momentum=0.9)
    opt.step({"p": np.array([1.0, -1.0])})  # v = g
    np.testing.assert_allclose(params["p"], [0.5, 2.5])
    opt.step({"p": np.array([1.0, -1.0])})  # v = 0.9 g + g
    np.testing.assert_allclose(params["p"], [0.5 - 0.95, 2.5 + 0.95])


def test_float32_parameters_stay_float32():
    params = {"p": np.ones(3, np.float32)}
    opt = Adam(params, lr=0.1)
    opt.step({"p": np.ones(3, np.float32)})
    assert params["p"].dtype == np.float32 and opt.m["p"].dtype == np.float32


def test_step_checks_the_gradients():
    params = {"w": np.zeros((2, 3)), "b": np.zeros(3)}
    opt = SGD(params, lr=0.1)
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        opt.step({"w": np.zeros((2, 3))})
    with pytest.raises(ValueError, match=r"grads\['b'\] must have shape \(3,\)"):
        opt.step({"w": np.zeros((2, 3)), "b": np.zeros(2)})
    with pytest.raises(ValueError, match="finite"):
        opt.step({"w": np.full((2, 3), np.nan), "b": np.zeros(3)})
    np.testing.assert_array_equal(params["w"], 0.0)  # a rejected step changes nothing


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda p: SGD(p, lr=0.0), ValueError, "lr"),
        (lambda p: SGD(p, lr=-1.0), ValueError, "lr"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), ValueError, "momentum"),
        (lambda p: Adam(p, lr=0.1, betas=(0.9, 1.0)), ValueError, "betas"),
        (lambda p: Adam(p, eps=0.0), ValueError, "eps"),
        (lambda p: Adam({}, lr=0.1), TypeError, "params"),
        (lambda p: Adam({"p": [1.0, 2.0]}), TypeError, "NumPy array"),
    ],
)
def test_bad_settings(make, error, match):
    with pytest.raises(error, match=match):
        make({"p": np.zeros(2)})


def test_clip_grad_norm_scales_all_arrays_together():
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([12.0])}  # global norm 13
    total = clip_grad_norm(grads, 1.3)
    assert total == pytest.approx(13.0)
    assert grad_norm(grads) == pytest.approx(1.3, rel=1e-6)
    np.testing.assert_allclose(grads["a"] / grads["b"], [3 / 12, 4 / 12])  # direction kept

    small = {"a": np.array([0.3, 0.4])}
    assert clip_grad_norm(small, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(small["a"], [0.3, 0.4])  # below the limit: untouched


def test_clip_grad_norm_errors():
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm({"a": np.ones(2)}, 0.0)
    with pytest.raises(ValueError, match="finite"):
        clip_grad_norm({"a": np.array([np.inf, 1.0])}, 1.0)


# --------------------------------------------------------------------------- PyTorch parity


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="torch is not installed; live parity tests skipped")


@pytest.mark.torch
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda p: SGD(p, lr=0.1), lambda torch, t: torch.optim.SGD(t, lr=0.1)),
        (
            lambda p: SGD(p, lr=0.1, momentum=0.8),
            lambda torch, t: torch.optim.SGD(t, lr=0.1, momentum=0.8),
        ),
        (
            lambda p: Adam(p, lr=0.02, betas=(0.8, 0.95), eps=1e-6),
            lambda torch, t: torch.optim.Adam(t, lr=0.02, betas=(0.8, 0.95), eps=1e-6),
        ),
    ],
)
def test_optimizers_match_torch(torch, ours, theirs):
    rng = np.random.default_rng(0)
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt, ref = ours(params), theirs(torch, list(tensors.values()))
    for _ in range(10):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        for k, t in tensors.items():
            t.grad = torch.from_numpy(grads[k].copy())
        ref.step()
        opt.step(grads)
    for k in params:
        np.testing.assert_allclose(params[k], tensors[k].detach().numpy(), rtol=1e-13, atol=1e-14)


@pytest.mark.torch
def test_clip_grad_norm_matches_torch(torch):
    rng = np.random.default_rng(1)
    grads = {"a": rng.normal(size=(4, 3)), "b": rng.normal(size=5)}
    tensors = [
        torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()
    ]
    for t, g in zip(tensors, grads.values(), strict=True):
        t.grad = torch.from_numpy(g.copy())
    ref_total = torch.nn.utils.clip_grad_norm_(tensors, 0.5)
    total = clip_grad_norm(grads, 0.5)
    assert total == pytest.approx(ref_total.item(), rel=1e-14)
    for t, g in zip(tensors, grads.values(), strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-14)
