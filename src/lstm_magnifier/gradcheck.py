r"""Numerical gradient checking: is a hand-written ``backward`` right? (chapter 13)

Nudge one number by $\pm\epsilon$, watch the loss $L$, and compare the slope $n$ with the
gradient $a$ that ``backward`` computed. Each array gets one relative error,

.. math::
    \frac{\lVert a - n \rVert_2}{\max(10^{-12},\ \lVert a \rVert_2 + \lVert n \rVert_2)},

around $10^{-10}$ for a correct backward in float64, $10^{-2}$ to $1$ for a wrong one;
below $10^{-7}$ counts as correct. Two choices make that reliable:

* **Fourth-order differences.** The two-point $n = (L(\theta + \epsilon) - L(\theta -
  \epsilon)) / 2\epsilon$ has truncation error $O(\epsilon^2)$ and rounding error about
  $10^{-16} |L| / \epsilon$: no $\epsilon$ makes both tiny. The default stencil

  .. math::
      n = \frac{8\,(L(\theta + \epsilon) - L(\theta - \epsilon))
          - (L(\theta + 2\epsilon) - L(\theta - 2\epsilon))}{12\epsilon}

  is $O(\epsilon^4)$, so $\epsilon = 10^{-3}$ is safe and rounding a thousand times smaller.
* **One error per array, not per entry.** A recurrent net has gradient entries of
  $10^{-6}$, next to which $10^{-13}$ of rounding noise is a relative error of $10^{-7}$.
  The per-entry error $|a - n| / \max(10^{-12}, |a| + |n|)$ (``elementwise=True``) helps
  find the entry that is wrong.

Use float64, and keep ReLU pre-activations more than $2\epsilon$ from 0 (a step across
the kink measures nothing).
"""

import numpy as np

STENCILS = {2: ((1, 1 / 2),), 4: ((1, 8 / 12), (2, -1 / 12))}
r"""``order -> ((k, w_k), ...)``: $n = \sum_k w_k (L(\theta + k\epsilon) - L(\theta -
k\epsilon)) / \epsilon$; the differences taken first make $n$ exactly 0 when $L$ does not
depend on an entry at all."""


def relative_error(a, n, *, elementwise=False):
    """The relative error above as a float, or per entry (``elementwise=True``); 0 where
    ``a`` and ``n`` are exactly equal (also both 0)."""
    a, n = np.asarray(a, np.float64), np.asarray(n, np.float64)
    if elementwise:
        return np.abs(a - n) / np.maximum(1e-12, np.abs(a) + np.abs(n))
    return float(np.linalg.norm(a - n) / max(1e-12, np.linalg.norm(a) + np.linalg.norm(n)))


def numerical_gradient(f, array, *, eps=1e-3, order=4):
    """Central-difference gradient (float64, shaped like ``array``) of the scalar ``f()``.

    ``order`` 4 (four calls of ``f`` per entry) or 2 (two calls); ``array`` is perturbed in
    place one entry at a time and restored exactly.
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
    """One relative error per array (below ``1e-7``: the gradient is right), as a dict.

    ``f()`` computes the scalar loss from the *current* values of ``arrays`` (name ->
    float64 array, each perturbed in place and restored); ``analytic`` holds the gradient
    ``backward`` computed for each. ``elementwise=True`` reports the largest per-entry error.
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
    r"""Gradient-check a float64 layer's ``backward``: every parameter and the input ``"x"``.

    The loss is $L = \sum R \odot \text{out}$ with a fixed random $R$ (from ``rng``), so
    $\partial L / \partial \text{out} = R$ reaches every output entry. ``forward(x)``
    defaults to ``module.forward(x)``; of a tuple returned the first part counts.
    ``options`` (``eps``, ``order``, ``elementwise``) go to :func:`gradient_check`.
    """
    rng = np.random.default_rng(rng)
    x = np.array(x, dtype=np.float64)  # a private copy, perturbed in place

    def run(inp):
        out = forward(inp) if forward is not None else module.forward(inp)
        return out[0] if isinstance(out, tuple) else out

    R = rng.standard_normal(np.shape(run(x)))
    dx = module.backward(R)
    analytic = {name: np.array(g, dtype=np.float64) for name, g in module.grads.items()}
    analytic["x"] = np.array(dx[0] if isinstance(dx, tuple) else dx, dtype=np.float64)
    arrays = dict(module.params)
    if "x" in arrays:
        raise ValueError("the module has a parameter named 'x', which clashes with the input")
    arrays["x"] = x
    return gradient_check(lambda: float(np.sum(R * run(x))), arrays, analytic, **options)
