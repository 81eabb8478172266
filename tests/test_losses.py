"""Losses: values, gradients (checked numerically), stability and clear errors."""

import warnings

import numpy as np
import pytest

from lstm_magnifier.gradcheck import gradient_check
from lstm_magnifier.losses import accuracy, log_softmax, mse, softmax_cross_entropy


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


# --------------------------------------------------------------------------- mse


def test_mse_value_and_gradient():
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    target = np.array([[1.0, 0.0], [3.0, 4.0]])
    loss, d = mse(pred, target)
    assert loss == pytest.approx((0 + 4 + 0 + 1) / 4)
    np.testing.assert_allclose(d, 2 * (pred - target) / 4)
    assert isinstance(loss, float)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_mse_gradient_check(shape):
    pred, target = normal(0, shape), normal(1, shape)
    _, d = mse(pred, target)
    errors = gradient_check(lambda: mse(pred, target)[0], {"pred": pred}, {"pred": d})
    assert errors["pred"] < 1e-7


def test_mse_errors_and_dtype():
    with pytest.raises(ValueError, match=r"target must have shape \(2, 3\)"):
        mse(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="finite"):
        mse(np.array([np.nan, 1.0]), np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        mse(np.zeros(2), np.array([np.inf, 1.0]))
    _, d = mse(np.ones(3, np.float32), np.zeros(3))
    assert d.dtype == np.float32


# --------------------------------------------------------------------------- cross-entropy


def test_cross_entropy_of_uniform_logits_is_log_k():
    loss, d = softmax_cross_entropy(np.zeros((4, 5)), np.array([0, 1, 2, 4]))
    assert loss == pytest.approx(np.log(5))
    # gradient: (softmax - onehot) / N
    expected = np.full((4, 5), 0.2)
    expected[np.arange(4), [0, 1, 2, 4]] -= 1
    np.testing.assert_allclose(d, expected / 4)


def test_cross_entropy_by_hand():
    logits = np.array([[2.0, 1.0, 0.1]])
    p = np.exp(logits) / np.exp(logits).sum()
    loss, _ = softmax_cross_entropy(logits, np.array([0]))
    assert loss == pytest.approx(-np.log(p[0, 0]))


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 5), (3,)])
def test_cross_entropy_gradient_check(shape):
    """Covers (B, K), (T, B, K) (mean over all T * B positions) and a single (K,) example."""
    logits = 3 * normal(0, shape)
    labels = np.random.default_rng(1).integers(0, shape[-1], size=shape[:-1])
    _, d = softmax_cross_entropy(logits, labels)
    errors = gradient_check(
        lambda: softmax_cross_entropy(logits, labels)[0], {"logits": logits}, {"logits": d}
    )
    assert errors["logits"] < 1e-7


def test_cross_entropy_averages_over_all_positions():
    logits, labels = normal(0, (4, 3, 6)), np.random.default_rng(1).integers(0, 6, (4, 3))
    loss, _ = softmax_cross_entropy(logits, labels)
    per_position = [softmax_cross_entropy(logits[t, b], labels[t, b])[0] for t in range(4)
                    for b in range(3)]  # fmt: skip
    assert loss == pytest.approx(np.mean(per_position))


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-1e300, 1e300, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning
        loss, d = softmax_cross_entropy(logits, np.array([0, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(d))
    assert loss == pytest.approx((0.0 + 2e300) / 2)  # first row is right, second off by 2e300
    np.testing.assert_allclose(np.exp(log_softmax(logits)).sum(axis=-1), 1.0)


def test_cross_entropy_keeps_float32():
    loss, d = softmax_cross_entropy(np.zeros((2, 3), np.float32), [1, 2])
    assert d.dtype == np.float32 and isinstance(loss, float)


@pytest.mark.parametrize(
    "logits, labels, error, match",
    [
        (np.zeros((2, 3)), np.array([0, 3]), ValueError, r"labels must be in \[0, 3\).*got 3"),
        (np.zeros((2, 3)), np.array([-1, 0]), ValueError, r"labels must be in \[0, 3\).*got -1"),
        (np.zeros((2, 3)), np.array([0.0, 1.0]), TypeError, "integers"),
        (np.zeros((2, 3)), np.array([0, 1, 2]), ValueError, r"labels must have shape \(2,\)"),
        (np.array([[0.0, np.nan, 1.0]]), np.array([0]), ValueError, "finite"),
        (np.float64(1.0), np.array(0), ValueError, "class axis"),
    ],
)
def test_cross_entropy_errors(logits, labels, error, match):
    with pytest.raises(error, match=match):
        softmax_cross_entropy(logits, labels)


def test_accuracy():
    logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(logits, np.array([1, 0, 0, 0])) == 0.75
    assert accuracy(np.zeros((2, 3, 4)) + np.arange(4), np.full((2, 3), 3)) == 1.0
    with pytest.raises(ValueError, match="labels must be in"):
        accuracy(logits, np.array([1, 0, 2, 0]))


@pytest.mark.torch
def test_cross_entropy_matches_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed; live parity skipped")
    logits = 4 * normal(0, (5, 3, 7))
    labels = np.random.default_rng(1).integers(0, 7, size=(5, 3))
    lt = torch.from_numpy(logits).requires_grad_()
    ref = torch.nn.functional.cross_entropy(lt.reshape(-1, 7), torch.from_numpy(labels).reshape(-1))
    ref.backward()
    loss, d = softmax_cross_entropy(logits, labels)
    assert loss == pytest.approx(ref.item(), abs=1e-13)
    np.testing.assert_allclose(d, lt.grad.numpy(), atol=1e-15)
