r"""Backpropagation through time, one cell step at a time, and how far back gradients reach.

Chapter 13 uses this module to open up :meth:`lstm_magnifier.lstm.LSTM.backward`:

* :func:`step_backward` is the backward pass of **one** :class:`~lstm_magnifier.cell.LSTMCell`
  step, written network by network (use, remember, forget, learn) from the
  :class:`~lstm_magnifier.cell.CellTrace` the forward step kept;
* :func:`backprop_through_time` runs the cell forward over a sequence and then
  :func:`step_backward` from the last step to the first, adding up the weight
  gradients. It computes the same numbers as ``LSTM.backward``, only slower and
  easier to read;
* :func:`input_gradient_norms` measures how strongly the last output still depends
  on the input $k$ steps back, for an LSTM, a plain RNN or a whole model;
* :func:`memory_retention` multiplies forget gates backwards in time: the share of
  an old long-term memory (and of its gradient) that the forget network lets through.

Shapes follow the book: ``x`` is ``(T, B, D)``, the memories are ``(B, H)`` per step.
"""

import numpy as np

from lstm_magnifier import _checks

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def step_backward(cell, trace, dh, dc):
    r"""Backward pass of one LSTM cell step.

    Parameters
    ----------
    cell : LSTMCell
        The cell that ran the step (its weights ``weight_ih`` ``(4H, D)`` and
        ``weight_hh`` ``(4H, H)`` are needed for the last two lines below).
    trace : CellTrace
        What ``cell.step`` returned, each array ``(B, H)`` (``x`` is ``(B, D)``).
    dh : array ``(B, H)``
        $\delta h_t = \partial L / \partial h_t$: the loss at step $t$ plus what step
        $t+1$ sends back.
    dc : array ``(B, H)``
        $\partial L / \partial c_t$ arriving from step $t+1$ (zeros at the last step).

    Returns
    -------
    dict
        ``dx`` ``(B, D)``, ``dh_prev`` and ``dc_prev`` ``(B, H)``, ``dz`` ``(B, 4H)`` (the
        gradient of the four pre-activations, order i, f, g, o) and this step's share
        of the parameter gradients ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.

    Notes
    -----
    Each line undoes one network of the forward step, last network first:

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
    """
    dh = _checks.as_finite_array("dh", dh, trace.h.dtype)
    dc = _checks.as_finite_array("dc", dc, trace.c.dtype)
    _checks.check_shape("dh", dh, trace.h.shape)
    _checks.check_shape("dc", dc, trace.c.shape)
    if trace.x.ndim != 2:
        raise ValueError(f"trace must come from a batched step, x (B, D); got x {trace.x.shape}")
    i, f, g, o = trace.i, trace.f, trace.g, trace.o
    tanh_c = np.tanh(trace.c)
    # use network: h = o * tanh(c)
    do = dh * tanh_c
    dc = dc + dh * o * (1 - tanh_c**2)
    # remember network: c = forget + learn passes dc to both unchanged
    # forget network: forget = f * c_prev
    df = dc * trace.c_prev
    dc_prev = dc * f
    # learn network: learn = i * g
    di = dc * g
    dg = dc * i
    # through the gate activations (sigmoid' = s(1-s), tanh' = 1-g^2)
    dz = np.concatenate(
        [di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1
    )
    db = dz.sum(axis=0)
    return {
        "dx": dz @ cell.weight_ih,
        "dh_prev": dz @ cell.weight_hh,
        "dc_prev": dc_prev,
        "dz": dz,
        "weight_ih": dz.T @ trace.x,
        "weight_hh": dz.T @ trace.h_prev,
        "bias_ih": db,
        "bias_hh": db.copy(),
    }


def backprop_through_time(cell, x, d_out, state=None):
    r"""Run ``cell`` over ``x``, then backpropagate ``d_out`` through every step.

    Parameters
    ----------
    cell : LSTMCell
    x : array ``(T, B, D)``
        The events $x_1 \dots x_T$.
    d_out : array ``(T, B, H)``
        $\partial L / \partial h_t$ from the loss at every step (zeros where the loss
        does not look).
    state : ``(h_0, c_0)`` each ``(B, H)``, or None for zeros.

    Returns
    -------
    dict
        ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` (summed over steps, shaped
        like the cell's weights), ``dx`` ``(T, B, D)``, ``dh0`` and ``dc0`` ``(B, H)``.

    Going backward from $t = T$ to 1, step $t$ receives
    $\delta h_t = \partial L/\partial h_t + \delta h_t^{\text{from } t+1}$ and
    $\delta c_t$ from step $t+1$; :func:`step_backward` turns them into the gradients
    for step $t-1$. Weights are shared by all steps, so their gradients add up.
    """
    x = _checks.as_finite_array("x", x, cell.dtype, ndim=(3,))
    _checks.check_features("x", x, cell.input_size, "input_size")
    T, B, _ = x.shape
    H = cell.hidden_size
    d_out = _checks.as_finite_array("d_out", d_out, cell.dtype)
    _checks.check_shape("d_out", d_out, (T, B, H))
    traces = []
    for t in range(T):
        traces.append(cell.step(x[t], state))
        state = traces[-1].state
    grads = {name: np.zeros_like(getattr(cell, name)) for name in PARAM_NAMES}
    dx = np.zeros_like(x)
    dh_next = np.zeros((B, H), cell.dtype)
    dc_next = np.zeros((B, H), cell.dtype)
    for t in reversed(range(T)):
        step = step_backward(cell, traces[t], d_out[t] + dh_next, dc_next)
        for name in PARAM_NAMES:
            grads[name] += step[name]
        dx[t] = step["dx"]
        dh_next, dc_next = step["dh_prev"], step["dc_prev"]
    grads.update(dx=dx, dh0=dh_next, dc0=dc_next)
    return grads


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
        Forget gates over time, e.g. ``LSTM.trace()["f"]`` ``(T, B, H)``.

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
