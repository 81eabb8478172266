r"""Backpropagation through time, one cell step at a time, and how far back gradients reach.

Chapter 13 opens up :meth:`lstm_magnifier.lstm.LSTM.backward`. It is a loop, from the
last step to the first, over :func:`lstm_magnifier.cell.step_backward`, the backward
pass of **one** cell step from the :class:`~lstm_magnifier.cell.Trace` the forward step
kept. Each of its lines undoes one network of the forward step, last network first:

.. math::
    \text{use:}\quad & \delta o = \delta h \odot \tanh c_t, \qquad
        \delta c = \delta c_{\text{next}} + \delta h \odot o \odot (1 - \tanh^2 c_t) \\
    \text{remember:}\quad & \delta\,\text{forget} = \delta\,\text{learn} = \delta c \\
    \text{forget:}\quad & \delta f = \delta c \odot c_{t-1}, \qquad
        \delta c_{t-1} = \delta c \odot f \\
    \text{learn:}\quad & \delta i = \delta c \odot g, \qquad \delta g = \delta c \odot i \\
    \text{gates:}\quad & \delta z = [\delta i\, i(1-i),\ \delta f\, f(1-f),\
        \delta g\,(1-g^2),\ \delta o\, o(1-o)] \\
    \text{inputs:}\quad & \delta x_t = \delta z\, W_{ih}, \qquad
        \delta h_{t-1} = \delta z\, W_{hh}

Going backward from $t = T$ to 1, step $t$ receives
$\delta h_t = \partial L/\partial h_t + \delta h_t^{\text{from } t+1}$ and $\delta c_t$
from step $t+1$, and turns them into the gradients for step $t-1$. Weights are shared
by all steps, so their gradients add up. A variant cell (chapters 8 and 11) puts the
derivatives of its own activations in place of $\sigma' = \sigma(1 - \sigma)$ and
$\tanh' = 1 - \tanh^2$; for ``output="article"`` the read-out
$u_t = \tanh(W_u (f_t \odot c_{t-1}) + b_u)$ depends on $f_t \odot c_{t-1}$ instead of
$c_t$, and its gradient $(\delta h \odot o \odot (1 - u^2))\, W_u$ joins $\delta c$ on
the way to $f_t$ and $c_{t-1}$.

This module measures what comes out of that loop:

* :func:`input_gradient_norms` measures how strongly the last output still depends
  on the input $k$ steps back, for an LSTM, a plain RNN or a whole model;
* :func:`memory_retention` multiplies forget gates backwards in time: the share of
  an old long-term memory (and of its gradient) that the forget network lets through.

Shapes follow the book: ``x`` is ``(T, B, D)``, the memories are ``(B, H)`` per step.
"""

import numpy as np

from lstm_magnifier import _checks


def input_gradient_norms(module, x, *, rng=None):
    r"""How much the last output depends on each earlier input: one norm per lag $k$.

    For each sequence $b$ a random unit vector $r_b$ picks a direction of the last
    output $y_T$ (the top hidden state of an ``LSTM`` or ``RNN``, or the logits of a
    ``SequenceModel`` with ``readout="last"``); then, by one backward pass,

    .. math::
        n_k = \frac1B \sum_b \left\lVert \frac{\partial\, (r_b \cdot y_{T,b})}
        {\partial x_{T-k,\,b}} \right\rVert_2, \qquad k = 0, \dots, T-1 .

    Parameters
    ----------
    module : LSTM, RNN or SequenceModel
        Anything with ``forward(x)`` and ``backward(d_out)``; recurrent cores return
        tuples, which are unpacked.
    x : array ``(T, B, D)``
    rng : numpy.random.Generator, int seed or None
        Draws the directions $r_b$.

    Returns
    -------
    ndarray ``(T,)``
        ``norms[k]`` is $n_k$: ``norms[0]`` for the last input, ``norms[T-1]`` for the first.
    """
    x = _checks.as_finite_array("x", x, None, ndim=(3,))
    rng = np.random.default_rng(rng)
    out = module.forward(x)
    if isinstance(out, tuple):
        out = out[0]
    last = out[-1] if out.ndim == 3 else out
    if last.shape[0] != x.shape[1]:
        raise ValueError(
            f"module must return (T, B, H) or (B, K) for x of shape {x.shape}, got {out.shape}"
        )
    r = rng.standard_normal(last.shape)
    r /= np.linalg.norm(r, axis=-1, keepdims=True)
    if out.ndim == 3:
        d_out = np.zeros_like(out)
        d_out[-1] = r
    else:
        d_out = r.astype(out.dtype)
    dx = module.backward(d_out)
    if isinstance(dx, tuple):
        dx = dx[0]
    return np.linalg.norm(dx, axis=-1).mean(axis=1)[::-1]


def memory_retention(f):
    r"""Products of forget gates backwards from the last step: how much old memory survives.

    Along the long-term memory alone, $c_T$ holds $\prod_{s=T-k+1}^{T} f_s$ times
    $c_{T-k}$, and by the chain rule the same factor multiplies the gradient that
    flows from $c_T$ back to $c_{T-k}$.

    Parameters
    ----------
    f : array ``(T, ...)``
        Forget gates over time, e.g. ``LSTM.trace().f`` ``(T, B, H)``.

    Returns
    -------
    ndarray ``(T + 1, ...)``
        ``retention[k]`` $= \prod_{s=T-k+1}^{T} f_s$, so ``retention[0]`` is 1.
    """
    f = _checks.as_finite_array("f", f, None)
    if f.ndim == 0:
        raise ValueError("f must have a time axis first, (T, ...), got a scalar")
    if f.min(initial=0.0) < 0 or f.max(initial=0.0) > 1:
        raise ValueError("f must hold forget gates, values in [0, 1]")
    ones = np.ones((1,) + f.shape[1:], f.dtype)
    return np.concatenate([ones, np.cumprod(f[::-1], axis=0)])
