r"""Loss functions that also return their gradient, and accuracy.

Each loss returns ``(loss, d_pred)``: the scalar loss as a Python float and
$\partial L / \partial \text{pred}$ with the shape and dtype of the prediction,
ready to hand to a model's ``backward``.
"""

import numpy as np

from lstm_magnifier import _checks


def _float_array(name, x):
    """``x`` as a finite float array; float32 stays float32, anything else becomes float64."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    return _checks.as_finite_array(name, x, dtype)


def mse(pred, target):
    r"""Mean squared error over the $N$ elements of ``pred`` and ``target`` (same shape):

    .. math:: L = \frac1N \sum_n (\hat y_n - y_n)^2, \qquad
        \frac{\partial L}{\partial \hat y_n} = \frac2N (\hat y_n - y_n)
    """
    pred = _float_array("pred", pred)
    target = _checks.as_finite_array("target", target, pred.dtype)
    _checks.check_shape("target", target, pred.shape)
    if pred.size == 0:
        raise ValueError("pred must not be empty")
    diff = pred - target
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


def _labels(labels, logits_shape):
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers (class indices), got dtype {labels.dtype}")
    _checks.check_shape("labels", labels, logits_shape[:-1])
    K = logits_shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= K):
        bad = labels[(labels < 0) | (labels >= K)].ravel()[0]
        raise ValueError(f"labels must be in [0, {K}) for {K} classes, got {bad}")
    return labels


def log_softmax(logits):
    r"""Log-softmax over the last axis, shifted by the max so nothing overflows.

    .. math:: \log \mathrm{softmax}(z)_k = z_k - m - \log \sum_j e^{z_j - m},
        \quad m = \max_j z_j
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(logits, labels):
    r"""Cross-entropy of a softmax classifier, averaged over all $N$ positions.

    ``logits`` ``(..., K)``: ``(B, K)`` for one label per sequence, ``(T, B, K)`` for one per
    step; ``labels`` are class indices in ``[0, K)`` of the leading shape ``(...)``.

    .. math::
        L = -\frac1N \sum_n \log \mathrm{softmax}(z_n)_{y_n}, \qquad
        \frac{\partial L}{\partial z_n} = \frac1N (\mathrm{softmax}(z_n) - \mathrm{onehot}(y_n))

    computed through :func:`log_softmax`, so large logits do not overflow.
    """
    logits = _float_array("logits", logits)
    if logits.ndim == 0 or logits.shape[-1] < 1:
        raise ValueError(f"logits must have a class axis last (..., K), got shape {logits.shape}")
    labels = _labels(labels, logits.shape)
    n = labels.size
    if n == 0:
        raise ValueError("logits must hold at least one position")
    logp = log_softmax(logits).reshape(n, -1)
    flat = labels.reshape(n)
    loss = -logp[np.arange(n), flat].mean()
    d = np.exp(logp)
    d[np.arange(n), flat] -= 1
    return float(loss), (d / n).reshape(logits.shape).astype(logits.dtype, copy=False)


def accuracy(logits, labels):
    """Fraction of positions whose largest logit is the label; ``logits`` ``(..., K)``."""
    logits = _float_array("logits", logits)
    labels = _labels(labels, logits.shape)
    return float(np.mean(logits.argmax(axis=-1) == labels))
