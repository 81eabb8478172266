r"""Looking inside built and trained models, without drawing: how far back the output looks
(chapters 3 to 5 and 13), what the long-term memory keeps (9, 10 and 13), what single units
do (4 and 15), and how far two results are apart, printed alike on every machine (12, 14).
Shapes follow the book: ``x`` is ``(T, B, D)``, the memories are ``(B, H)`` per step.
"""

import numbers

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import step_backward
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.tasks import one_hot


def _first(out):
    """A recurrent layer's output without its state (a tuple's first part)."""
    return out[0] if isinstance(out, tuple) else out


def input_gradient_norms(module, x, *, rng=None):
    r"""How much the last output depends on each earlier input, by one backward pass.

    A random unit vector $r_b$ (from ``rng``) picks a direction of each sequence's last
    output $y_T$ (an ``LSTM``'s or ``RNN``'s top $h_T$, or a ``SequenceModel``'s logits with
    ``readout="last"``); ``x`` is ``(T, B, D)``. Returns ``norms`` ``(T,)``, with

    .. math::
        n_k = \frac1B \sum_b \left\lVert \frac{\partial\, (r_b \cdot y_{T,b})}
        {\partial x_{T-k,\,b}} \right\rVert_2, \qquad k = 0, \dots, T-1 .
    """
    x = _checks.as_finite_array("x", x, None, ndim=(3,))
    rng = np.random.default_rng(rng)
    out = _first(module.forward(x))
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
    dx = _first(module.backward(d_out))
    return np.linalg.norm(dx, axis=-1).mean(axis=1)[::-1]


def change_symbol(rng, x):
    """A new ``(B, D)`` array: each one-hot row of ``x`` replaced by a *different* symbol,
    drawn uniformly."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[-1] < 2:
        raise ValueError(f"x must be one-hot rows (B, D) with D >= 2, got shape {x.shape}")
    symbols = x.argmax(axis=-1)
    shift = rng.integers(1, x.shape[-1], size=symbols.shape)
    return one_hot((symbols + shift) % x.shape[-1], x.shape[-1]).astype(x.dtype)


def influence_of_past(model, x, *, rng=None):
    r"""How much the core's last output $h_T$ moves when one earlier input is changed.

    For each $s = 0, \dots, T-1$ the one-hot input $x_{T-s}$ of ``x`` ``(T, B, D)`` is
    replaced by a different symbol (:func:`change_symbol`, from ``rng``) in every sequence:

    .. math:: \mathrm{influence}(s) = \operatorname{mean}\,
        \bigl| h_T(x) - h_T(x \text{ with } x_{T-s} \text{ changed}) \bigr|

    Returns ``(T,)``, indexed by ``s``. A convolution with kernel $k$ gives exactly 0 for
    every $s \ge k$; a recurrent model can stay above 0 at any $s$.
    """
    x = _checks.as_finite_array("x", x, None, ndim=(3,))
    core = getattr(model, "core", model)
    rng = np.random.default_rng(rng)
    reference = _first(core.forward(x))[-1]
    T = x.shape[0]
    influence = np.empty(T)
    for s in range(T):
        changed = x.copy()
        changed[T - 1 - s] = change_symbol(rng, x[T - 1 - s])
        influence[s] = np.abs(_first(core.forward(changed))[-1] - reference).mean()
    return influence


def resample_past(x, *, rng=None, keep=1):
    """``x`` ``(T, B, D)`` one-hot with every step but the last ``keep`` redrawn uniformly:
    an answer that depends only on the kept steps cannot change."""
    x = _checks.as_finite_array("x", x, None, ndim=(3,))
    keep = _checks.check_positive_int("keep", keep)
    T, B, D = x.shape
    if keep > T:
        raise ValueError(f"keep must be at most the number of steps ({T}), got {keep}")
    rng = np.random.default_rng(rng)
    out = x.copy()
    out[: T - keep] = one_hot(rng.integers(D, size=(T - keep, B)), D)
    return out


def memory_retention(f):
    r"""How much old memory survives: forget gates ``f`` ``(T, ...)`` (e.g.
    ``LSTM.trace().f``) multiplied backwards from the last step.

    Returns ``(T + 1, ...)`` with ``retention[k]`` $= \prod_{s=T-k+1}^{T} f_s$ (``[0]`` is
    1): along the long-term memory alone, $c_T$ holds that times $c_{T-k}$, and the same
    factor multiplies the gradient from $c_T$ back to $c_{T-k}$.
    """
    f = _checks.as_finite_array("f", f, None)
    if f.ndim == 0:
        raise ValueError("f must have a time axis first, (T, ...), got a scalar")
    if f.min(initial=0.0) < 0 or f.max(initial=0.0) > 1:
        raise ValueError("f must hold forget gates, values in [0, 1]")
    ones = np.ones((1,) + f.shape[1:], f.dtype)
    return np.concatenate([ones, np.cumprod(f[::-1], axis=0)])


def memory_gradient(lstm, x, state=None):
    r"""$\partial c_T / \partial c_0$: how far a nudge to the first memory moves the last.

    Runs ``lstm`` on ``x`` ``(T, B, D)`` or ``(T, D)`` from ``state`` and backpropagates
    $L = \sum c_T$ (every layer, batch item and unit; no gradient on the outputs). Returns
    ``dc0`` ``(num_layers, B, H)`` (``(num_layers, H)`` unbatched). Along the carousel alone
    $\partial c_t / \partial c_{t-1} = f_t$, so for gates that do not read $h$ this is
    $\prod_t f_t$: exactly 1 when $f_t = 1$.
    """
    _checks.check_instance("lstm", lstm, LSTM)
    out, (h_n, c_n) = lstm.forward(x, state)
    _, (_, dc0) = lstm.backward(np.zeros_like(out), (np.zeros_like(h_n), np.ones_like(c_n)))
    return dc0


def memory_gradient_by_lag(lstm, x, state=None):
    r"""$\partial c_T / \partial c_{T-k}$ for every lag $k = 0, \dots, T$ (chapter 9).

    As :func:`memory_gradient` for a one-layer ``lstm``, but going back step by step with
    :func:`~lstm_magnifier.cell.step_backward` and keeping the gradient that reaches the
    memory at every step: all paths count, along the memory ($\prod f_t$,
    :func:`memory_retention`) and through $h$ and the gates. Returns ``(T + 1, B, H)``
    (``(T + 1, H)`` unbatched): ``grad[0]`` is 1, ``grad[T]`` is ``memory_gradient(...)[0]``.
    """
    _checks.check_instance("lstm", lstm, LSTM)
    if lstm.num_layers != 1:
        raise ValueError(f"lstm must have one layer, got num_layers={lstm.num_layers}")
    _, (_, c_n) = lstm.forward(x, state)
    trace, layer = lstm.trace(), lstm._layer(0)  # weights, variant, use layer, peepholes
    dh, dc = np.zeros_like(c_n[0]), np.ones_like(c_n[0])
    grads = [dc]
    for t in reversed(range(len(trace.c))):
        back = step_backward(trace.at(t), dh, dc, **layer)
        dh, dc = back["dh_prev"], back["dc_prev"]
        grads.append(dc)
    return np.stack(grads)


def unit_summary(model, x):
    r"""What each unit of the (first) LSTM layer of ``model`` does on ``x`` ``(T, B, D)``.

    A dict of ``(H,)`` arrays: ``"i"``, ``"f"``, ``"o"``, each gate's mean over steps and
    sequences; ``"readout"``, how much the answer leans on unit $u$ (the swing of its output
    times its column in the head, centred over the classes, since only differences between
    logits change a softmax) and ``"readout_share"``, $r_u / \sum_v r_v$:

    .. math:: r_u = \operatorname{std}_{t,b}(h_{t,u}) \,
        \bigl\lVert W_{:,u} - \tfrac1K \textstyle\sum_k W_{k,u} \bigr\rVert
    """
    core = getattr(model, "core", model)
    if not isinstance(core, LSTM) or not hasattr(model, "head"):
        raise TypeError(
            f"model must be a SequenceModel with an LSTM core, got {type(model).__name__}"
        )
    x = _checks.as_finite_array("x", x, None, ndim=(3,))
    core.forward(x)
    trace = core.trace(0)
    summary = {name: getattr(trace, name).mean(axis=(0, 1)) for name in "ifo"}
    W = model.head.params["weight"]
    centred = W - W.mean(axis=0, keepdims=True)
    readout = trace.h.std(axis=(0, 1)) * np.linalg.norm(centred, axis=0)
    summary["readout"] = readout
    summary["readout_share"] = readout / readout.sum()
    return summary


def depth_correlations(values, depth):
    r"""Pearson correlation ``(H,)`` of every unit's value with the nesting depth, over all
    steps and sequences (0 for a unit that never changes).

    ``values`` is ``(T, B, H)`` or ``(T, H)``, e.g. ``LSTM.trace().c``; ``depth`` is
    ``(T, B)`` or ``(T,)``.
    """
    values = _checks.as_finite_array("values", values, np.float64, ndim=(2, 3))
    depth = _checks.as_finite_array("depth", depth, np.float64)
    _checks.check_shape("depth", depth, values.shape[:-1])
    v = values.reshape(-1, values.shape[-1])
    d = depth.reshape(-1)
    v = v - v.mean(axis=0)
    d = d - d.mean()
    scale = np.linalg.norm(v, axis=0) * np.linalg.norm(d)
    return np.divide(v.T @ d, scale, out=np.zeros(v.shape[1]), where=scale > 0)


def find_depth_unit(values, depth):
    """``(unit, correlation)``: the largest $|r|$ of :func:`depth_correlations`; its sign says
    whether the unit rises or falls as brackets open."""
    r = depth_correlations(values, depth)
    unit = int(np.argmax(np.abs(r)))
    return unit, float(r[unit])


def put_unit_first(model, unit):
    r"""Renumber the hidden units so that ``unit`` becomes unit 0, in place (chapter 15).

    Hidden units have no order: moving unit ``u`` to the front of all four networks (its
    row in each gate's block of ``weight_ih``, ``weight_hh`` and both biases), of the
    recurrence (its column of ``weight_hh``) and of the head (its column of ``weight``)
    gives the same function, so the unit the chapter talks about is unit 0 whatever number
    training gave it. ``model`` is a ``SequenceModel`` with a one-layer LSTM core; optimizers
    keep working. Returns ``order``: ``order[k]`` is the old number of the new unit ``k``.
    """
    core, head = model.core, model.head
    if getattr(core, "num_layers", None) != 1:
        raise ValueError("put_unit_first needs a model whose core is a one-layer LSTM")
    hidden = core.hidden_size
    if isinstance(unit, bool) or not 0 <= int(unit) < hidden or int(unit) != unit:
        raise ValueError(f"unit must be a whole number in [0, {hidden}), got {unit!r}")
    order = np.array([int(unit)] + [k for k in range(hidden) if k != unit])
    rows = np.concatenate([gate * hidden + order for gate in range(4)])
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        core.params[name][...] = core.params[name][rows]
    core.params["weight_hh_l0"][...] = core.params["weight_hh_l0"][:, order]
    if "weight_u_l0" in core.params:  # the article's use layer reads and writes the units
        core.params["weight_u_l0"][...] = core.params["weight_u_l0"][order][:, order]
        core.params["bias_u_l0"][...] = core.params["bias_u_l0"][order]
    head.params["weight"][...] = head.params["weight"][:, order]
    return order


def best_accuracy(depth, *, max_depth, p_open=0.5):
    r"""Accuracy of the best possible next-character guess, given the depths.

    At depth 0 the next character is surely ``(``, at ``max_depth`` surely ``)``; anywhere
    else the best guess is right with probability $\max(p, 1-p)$. Returns the mean chance
    over ``depth`` (any array of depths after each character).
    """
    depth = np.asarray(depth)
    forced = (depth == 0) | (depth == max_depth)
    return float(np.mean(np.where(forced, 1.0, max(p_open, 1 - p_open))))


def max_abs_diff(a, b):
    r"""$\max |a - b|$ over all entries, as a float (shapes must be equal)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b), initial=0.0))


def order_of_magnitude(error, floor=1e-15):
    r"""The power of ten just above ``error``, at least ``floor``: ``3e-13`` -> ``1e-12``.

    A bound that reads the same on machines whose rounding differs in the last bits;
    float64 rounding near 1 (a few times $10^{-16}$, or 0) reports as ``floor``.
    """
    if isinstance(error, bool) or not isinstance(error, numbers.Real) or not error >= 0:
        raise ValueError(f"error must be a number >= 0, got {error!r}")
    if not isinstance(floor, numbers.Real) or not floor > 0:
        raise ValueError(f"floor must be a number > 0, got {floor!r}")
    if error <= floor:
        return float(floor)
    return float(10.0 ** np.ceil(np.log10(error)))
