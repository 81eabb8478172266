r"""Numerical gradient checking: is a hand-written ``backward`` right?

Nudge one number up and down by $\epsilon$, watch the loss $L$, and compare the
slope with the gradient $a$ that ``backward`` computed (chapter 13). The
textbook central difference is

.. math:: n = \frac{L(\theta + \epsilon) - L(\theta - \epsilon)}{2\epsilon}

and each array gets one relative error, comparing the whole gradient at once:

.. math::
    \text{rel. error} =
    \frac{\lVert a - n \rVert_2}{\max(10^{-12},\ \lVert a \rVert_2 + \lVert n \rVert_2)}

In float64 a correct backward scores around $10^{-10}$, a wrong one something
near $10^{-2}$ to $1$; below $10^{-7}$ counts as correct.

Two choices make that reliable, and both are worth knowing:

* **Fourth-order differences.** The two-point difference has truncation error
  $O(\epsilon^2)$ and rounding error about $10^{-16} |L| / \epsilon$, so no
  $\epsilon$ makes both tiny. The default stencil

  .. math::
      n = \frac{8\,(L(\theta + \epsilon) - L(\theta - \epsilon))
          - (L(\theta + 2\epsilon) - L(\theta - 2\epsilon))}{12\epsilon}

  has truncation error $O(\epsilon^4)$, so $\epsilon = 10^{-3}$ is safe and the
  rounding error is a thousand times smaller.
* **One error per array, not per entry.** A deep or recurrent net has gradient
  entries of $10^{-6}$ (an early step seen through many gates); next to them
  even $10^{-13}$ of rounding noise is a relative error of $10^{-7}$. The
  per-entry error $|a - n| / \max(10^{-12}, |a| + |n|)$ is still available with
  ``elementwise=True``, to look for the entry that is wrong.

Use float64 (float32 rounding swamps the differences), and keep ReLU
pre-activations more than $2\epsilon$ away from 0: a step across the kink
measures nothing.
"""

import numpy as np

STENCILS = {2: ((1, 1 / 2),), 4: ((1, 8 / 12), (2, -1 / 12))}
r"""Central differences as ``order -> ((k, w_k), ...)``:
$n = \sum_k w_k (L(\theta + k\epsilon) - L(\theta - k\epsilon)) / \epsilon$. Taking the
differences first makes $n$ exactly 0 when $L$ does not depend on an entry at all."""


def relative_error(a, n, *, elementwise=False):
    r"""How far the analytic gradient ``a`` is from the numerical one ``n``.

    Default: $\lVert a - n \rVert_2 / \max(10^{-12}, \lVert a \rVert_2 + \lVert n \rVert_2)$,
    one float. ``elementwise=True``: the array $|a - n| / \max(10^{-12}, |a| + |n|)$.
    Both are 0 where ``a`` and ``n`` are exactly equal (also when both are 0).
    """
    a, n = np.asarray(a, np.float64), np.asarray(n, np.float64)
    if elementwise:
        return np.abs(a - n) / np.maximum(1e-12, np.abs(a) + np.abs(n))
    return float(np.linalg.norm(a - n) / max(1e-12, np.linalg.norm(a) + np.linalg.norm(n)))


def numerical_gradient(f, array, *, eps=1e-3, order=4):
    r"""Central-difference gradient of the scalar ``f()`` with respect to ``array``.

    ``order=4`` (default): the fourth-order stencil of the module docstring, four
    calls of ``f`` per entry. ``order=2``: $(L(\theta+\epsilon) - L(\theta-\epsilon))
    / 2\epsilon$, two calls. ``array`` is perturbed in place one entry at a time and
    restored exactly. Returns a float64 array shaped like ``array``.
    """
    if order not in STENCILS:
        raise ValueError(f"order must be 2 or 4, got {order!r}")
    grad = np.zeros(array.shape, np.float64)
    for index in np.ndindex(array.shape):
        original = array[index]
        total = 0.0
        for k, weight in STENCILS[order]:
            array[index] = original + k * eps
            plus = float(f())
            array[index] = original - k * eps
            minus = float(f())
            total += weight * (plus - minus)
        array[index] = original
        grad[index] = total / eps
    return grad


def gradient_check(f, arrays, analytic, *, eps=1e-3, order=4, elementwise=False):
    r"""Compare analytic gradients with central differences, array by array.

    Parameters
    ----------
    f : callable
        ``f()`` returns the scalar loss computed from the *current* values of
        ``arrays``.
    arrays : dict of str -> float64 ndarray
        The arrays ``f`` reads (parameters, inputs); each is perturbed in place
        and restored.
    analytic : dict of str -> ndarray
        The gradient ``backward`` computed for each array, same keys and shapes.
    eps : float
        $\epsilon$, the step of the central difference.
    order : 4 or 2
        The fourth-order stencil (default) or the two-point difference.
    elementwise : bool
        ``False``: each array's error is
        $\lVert a - n \rVert / \max(10^{-12}, \lVert a \rVert + \lVert n \rVert)$.
        ``True``: the largest per-entry error $|a - n| / \max(10^{-12}, |a| + |n|)$.

    Returns
    -------
    dict of str -> float
        One relative error per array; below ``1e-7`` means the gradient is right.
    """
    if not callable(f):
        raise TypeError(f"f must be a function returning the loss, got {type(f).__name__}")
    missing = [name for name in arrays if name not in analytic]
    if missing:
        raise ValueError(f"analytic is missing gradients for {missing}")
    errors = {}
    for name, array in arrays.items():
        if not isinstance(array, np.ndarray) or array.dtype != np.float64:
            raise TypeError(
                f"arrays[{name!r}] must be a float64 NumPy array (float32 rounding would "
                f"swamp the finite differences), got {getattr(array, 'dtype', type(array))}"
            )
        if np.shape(analytic[name]) != array.shape:
            raise ValueError(
                f"analytic[{name!r}] must have shape {array.shape}, got {np.shape(analytic[name])}"
            )
        numeric = numerical_gradient(f, array, eps=eps, order=order)
        error = relative_error(analytic[name], numeric, elementwise=elementwise)
        errors[name] = float(np.max(error, initial=0.0))
    return errors


def check_module_gradients(module, x, *, rng, forward=None, **options):
    r"""Gradient-check a layer's ``backward``: every parameter and the input.

    The loss is $L = \sum R \odot \text{out}$ with a fixed random $R$, so
    $\partial L / \partial \text{out} = R$ exercises every output entry.

    Parameters
    ----------
    module : Dense, RNN, CausalConv1d, LSTM, SequenceModel, ...
        float64, with ``params``, ``grads``, ``forward`` and ``backward``.
    x : array_like
        An input for the module, e.g. ``(T, B, D)``; its gradient is checked as ``"x"``.
    rng : numpy.random.Generator or int seed
        Draws $R$.
    forward : callable, optional
        ``forward(x) -> out``; default ``module.forward(x)`` (first element if it
        returns a tuple, as recurrent layers do). ``module.backward(R)`` is then
        called; its first element is taken as ``dx`` if it returns a tuple.
    **options
        ``eps``, ``order``, ``elementwise``, passed to :func:`gradient_check`.

    Returns
    -------
    dict of str -> float
        The relative error of each parameter (by name) and of ``"x"``.
    """
    rng = np.random.default_rng(rng)
    x = np.array(x, dtype=np.float64)  # a private copy, perturbed in place

    def run(inp):
        out = forward(inp) if forward is not None else module.forward(inp)
        return out[0] if isinstance(out, tuple) else out

    R = rng.standard_normal(np.shape(run(x)))
    dx = module.backward(R)
    dx = dx[0] if isinstance(dx, tuple) else dx
    analytic = {name: np.array(g, dtype=np.float64) for name, g in module.grads.items()}
    analytic["x"] = np.array(dx, dtype=np.float64)
    arrays = dict(module.params)
    if "x" in arrays:
        raise ValueError("the module has a parameter named 'x', which clashes with the input")
    arrays["x"] = x
    return gradient_check(lambda: float(np.sum(R * run(x))), arrays, analytic, **options)
