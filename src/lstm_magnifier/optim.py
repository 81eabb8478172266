r"""Optimizers that update a model's parameter arrays in place, and gradient clipping.

Built on a model's live ``params`` (``opt = Adam(model.params, lr=1e-2)``), called with the
matching ``grads`` after every backward pass (``opt.step(model.grads)``). Both follow
``torch.optim`` exactly: the same gradients give the same parameters.
"""

import numpy as np

from lstm_magnifier import _checks


class Optimizer:
    """Shared part: keep the live params dict and check each ``grads`` dict against it."""

    def __init__(self, params):
        if not hasattr(params, "items") or not params:
            raise TypeError("params must be a non-empty dict of arrays (a model's .params)")
        for name, p in params.items():
            if not isinstance(p, np.ndarray) or p.dtype not in (np.float32, np.float64):
                raise TypeError(
                    f"params[{name!r}] must be a float32 or float64 NumPy array, "
                    f"got {type(p).__name__}"
                )
        self.params = params
        self.t = 0  # number of steps taken

    def _checked(self, grads):
        missing = [k for k in self.params if k not in grads]
        if missing:
            raise ValueError(f"grads is missing {missing}; it must have the keys of params")
        for name, p in self.params.items():
            g = grads[name]
            if np.shape(g) != p.shape:
                raise ValueError(f"grads[{name!r}] must have shape {p.shape}, got {np.shape(g)}")
            if not np.all(np.isfinite(g)):
                raise ValueError(
                    f"grads[{name!r}] must be finite but holds NaN or inf; "
                    "try a smaller learning rate or gradient clipping"
                )
        self.t += 1
        return {name: np.asarray(grads[name]) for name in self.params}


class SGD(Optimizer):
    r"""Stochastic gradient descent (``torch.optim.SGD``) with ``lr`` $\eta > 0$ and
    ``momentum`` $\mu \in [0, 1)$; with $\mu = 0$ it is $\theta \leftarrow \theta - \eta g$.

    .. math:: v \leftarrow \mu v + g, \qquad \theta \leftarrow \theta - \eta v
    """

    def __init__(self, params, lr, momentum=0.0):
        super().__init__(params)
        self.lr = _checks.check_positive_float("lr", lr)
        self.momentum = _checks.check_positive_float("momentum", momentum, allow_zero=True)
        if self.momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.velocity = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, grads):
        """Update every parameter in place from ``grads`` (the keys and shapes of params)."""
        grads = self._checked(grads)
        for name, p in self.params.items():
            if self.momentum:
                v = self.velocity[name]
                v *= self.momentum
                v += grads[name]
                p -= self.lr * v
            else:
                p -= self.lr * grads[name]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``. At step $t$, for each parameter
    $\theta$ with gradient $g$ (``lr`` $\eta$, ``betas`` $(\beta_1, \beta_2)$ in $[0, 1)$):

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2

        \theta \leftarrow \theta - \eta\, \frac{m / (1-\beta_1^t)}
            {\sqrt{v / (1-\beta_2^t)} + \epsilon}

    On the first step this moves each entry by about $\eta\,\mathrm{sign}(g)$.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        self.lr = _checks.check_positive_float("lr", lr)
        self.eps = _checks.check_positive_float("eps", eps)
        if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.m = {name: np.zeros_like(p) for name, p in params.items()}
        self.v = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, grads):
        """Update every parameter in place from ``grads`` (the keys and shapes of params)."""
        grads = self._checked(grads)
        b1, b2 = self.betas
        correction1 = 1 - b1**self.t
        correction2 = 1 - b2**self.t
        for name, p in self.params.items():
            g, m, v = grads[name], self.m[name], self.v[name]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= (self.lr / correction1) * m / (np.sqrt(v / correction2) + self.eps)


def grad_norm(grads):
    r"""Global L2 norm of all gradients together: $\sqrt{\sum_k \lVert g_k \rVert^2}$."""
    return float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values())))


def clip_grad_norm(grads, max_norm):
    r"""Scale all gradients in place so their global norm $n$ (:func:`grad_norm`) is at most
    ``max_norm``, as ``torch.nn.utils.clip_grad_norm_``: each is multiplied by
    $\min(1, \text{max\_norm} / (n + 10^{-6}))$, keeping the direction. Returns $n$ before
    clipping (worth plotting: spikes mean trouble)."""
    max_norm = _checks.check_positive_float("max_norm", max_norm)
    if not hasattr(grads, "values") or not grads:
        raise TypeError("grads must be a non-empty dict of arrays (a model's .grads)")
    total = grad_norm(grads)
    if not np.isfinite(total):
        raise ValueError(
            "the gradient norm is not finite (NaN or inf in grads); try a smaller learning rate"
        )
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in grads.values():
            g *= scale
    return total
