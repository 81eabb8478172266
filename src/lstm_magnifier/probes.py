r"""Looking inside built and trained models, without drawing: gradients, memory, units.

Each function runs a model (an :class:`~lstm_magnifier.lstm.LSTM`, a plain RNN or a
whole :class:`~lstm_magnifier.nn.SequenceModel`) and returns numbers that the chapters
print, assert and plot (with :mod:`lstm_magnifier.viz.plots`):

* how far back the output depends on the input (chapters 3 to 5 and 13):
  :func:`input_gradient_norms` by one backward pass, :func:`influence_of_past` by
  changing one earlier input (:func:`change_symbol`), :func:`resample_past` to redraw
  the past altogether;
* what the long-term memory keeps (chapters 10 and 13): :func:`memory_retention`
  multiplies forget gates backwards in time, :func:`memory_gradient` backpropagates
  $\partial c_T / \partial c_0$ and :func:`memory_gradient_by_lag` every
  $\partial c_T / \partial c_{T-k}$ (chapter 9);
* what single units do (chapters 4 and 15): :func:`unit_summary` (each unit's gates
  and its share of the answer), :func:`depth_correlations` and :func:`find_depth_unit`
  (the unit that counts brackets), :func:`put_unit_first` (renumber the units so that
  it is unit 0 whatever training found), and :func:`best_accuracy`, the score of a
  perfect next-bracket guess;
* how far two results are apart, printed the same on every machine (chapters 12 and
  14, against PyTorch): :func:`max_abs_diff`, :func:`order_of_magnitude`.

Shapes follow the book: ``x`` is ``(T, B, D)``, the memories are ``(B, H)`` per step.
"""

import numbers

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import step_backward
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.tasks import one_hot

# --------------------------------------------------------------- how far back the output looks


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


def _core(model):
    return getattr(model, "core", model)


def _core_output(core, x):
    out = core.forward(x)
    return out[0] if isinstance(out, tuple) else out


def change_symbol(rng, x):
    """Replace each one-hot row of ``x`` ``(B, D)`` by a *different* symbol, drawn uniformly.

    Returns a new ``(B, D)`` array; the input is not modified.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[-1] < 2:
        raise ValueError(f"x must be one-hot rows (B, D) with D >= 2, got shape {x.shape}")
    symbols = x.argmax(axis=-1)
    shift = rng.integers(1, x.shape[-1], size=symbols.shape)
    return one_hot((symbols + shift) % x.shape[-1], x.shape[-1]).astype(x.dtype)


def influence_of_past(model, x, *, rng=None):
    r"""How much the last output $h_T$ moves when one earlier input is changed.

    For each $s = 0, 1, \dots, T-1$ the one-hot input $x_{T-s}$ (``s`` steps before
    the last) is replaced by a different symbol in every sequence, all other inputs
    kept, and the change of the core's last output is averaged over batch and units:

    .. math:: \mathrm{influence}(s) = \operatorname{mean}\,
        \bigl| h_T(x) - h_T(x \text{ with } x_{T-s} \text{ changed}) \bigr|

    ``s = 0`` is the current input. A convolution with kernel $k$ gives exactly 0
    for every $s \ge k$; a recurrent model can stay above 0 at any $s$.

    Parameters
    ----------
    model : SequenceModel or a core (LSTM, RNN, CausalConv1d)
    x : array ``(T, B, D)``
        One-hot inputs.
    rng : numpy.random.Generator, int seed or None
        Chooses the replacement symbols.

    Returns
    -------
    numpy.ndarray
        ``(T,)``, indexed by ``s``.
    """
    x = _checks.as_finite_array("x", x, None, ndim=(3,))
    core = _core(model)
    rng = np.random.default_rng(rng)
    reference = _core_output(core, x)[-1]
    T = x.shape[0]
    influence = np.empty(T)
    for s in range(T):
        changed = x.copy()
        changed[T - 1 - s] = change_symbol(rng, x[T - 1 - s])
        influence[s] = np.abs(_core_output(core, changed)[-1] - reference).mean()
    return influence


def resample_past(x, *, rng=None, keep=1):
    """``x`` ``(T, B, D)`` one-hot with every step but the last ``keep`` redrawn at random.

    The kept steps are copied unchanged; the earlier ones get fresh uniform symbols,
    so any answer that depends only on the kept steps cannot change.
    """
    x = _checks.as_finite_array("x", x, None, ndim=(3,))
    keep = _checks.check_positive_int("keep", keep)
    T, B, D = x.shape
    if keep > T:
        raise ValueError(f"keep must be at most the number of steps ({T}), got {keep}")
    rng = np.random.default_rng(rng)
    out = x.copy()
    out[: T - keep] = one_hot(rng.integers(D, size=(T - keep, B)), D)
    return out


# --------------------------------------------------------------- what the memory keeps


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


def memory_gradient(lstm, x, state=None):
    r"""How far a nudge to the first long-term memory moves the last: $\partial c_T / \partial c_0$.

    Runs ``lstm`` (an :class:`LSTM`) forward on ``x`` ``(T, B, D)`` or ``(T, D)`` from
    ``state`` (``(h_0, c_0)`` or ``None``) and backpropagates from
    $L = \sum c_T$ (every layer, batch item and unit), with no gradient on the
    outputs. Returns ``dc0``, $\partial L / \partial c_0$, of shape ``(num_layers, B, H)``
    (``(num_layers, H)`` unbatched).

    Along the carousel alone, $\partial c_t / \partial c_{t-1} = f_t$, so for a cell whose
    gates do not read $h$ this is $\prod_{t=1}^{T} f_t$: exactly 1 when $f_t = 1$.
    """
    if not isinstance(lstm, LSTM):
        raise TypeError(f"lstm must be an LSTM, got {type(lstm).__name__}")
    out, (h_n, c_n) = lstm.forward(x, state)
    _, (_, dc0) = lstm.backward(np.zeros_like(out), (np.zeros_like(h_n), np.ones_like(c_n)))
    return dc0


def memory_gradient_by_lag(lstm, x, state=None):
    r"""$\partial c_T / \partial c_{T-k}$ for every lag $k = 0, \dots, T$, by one backward pass.

    Runs the one-layer ``lstm`` on ``x`` ``(T, B, D)`` or ``(T, D)`` from ``state`` and
    goes back through time step by step with :func:`~lstm_magnifier.cell.step_backward`,
    starting from $L = \sum c_T$ (no gradient on the outputs, as in
    :func:`memory_gradient`), and keeps the gradient that reaches the long-term memory
    at every step on the way: all paths count, the one along the memory
    ($\prod f_t$, :func:`memory_retention`) and the ones through $h$ and the gates.

    Returns
    -------
    ndarray ``(T + 1, B, H)`` (``(T + 1, H)`` unbatched)
        ``grad[k]`` is $\partial L / \partial c_{T-k}$: ``grad[0]`` is 1, ``grad[T]``
        equals ``memory_gradient(lstm, x, state)[0]``.
    """
    if not isinstance(lstm, LSTM):
        raise TypeError(f"lstm must be an LSTM, got {type(lstm).__name__}")
    if lstm.num_layers != 1:
        raise ValueError(f"lstm must have one layer, got num_layers={lstm.num_layers}")
    _, (_, c_n) = lstm.forward(x, state)
    trace, p = lstm.trace(), lstm.params
    use = (p["weight_u_l0"], p["bias_u_l0"]) if lstm.variant.read == "article" else None
    weights = {"weight_ih": p["weight_ih_l0"], "weight_hh": p["weight_hh_l0"]}
    dh, dc = np.zeros_like(c_n[0]), np.ones_like(c_n[0])
    grads = [dc]
    for t in reversed(range(len(trace.c))):
        back = step_backward(trace.at(t), dh, dc, **weights, variant=lstm.variant, use_layer=use)
        dh, dc = back["dh_prev"], back["dc_prev"]
        grads.append(dc)
    return np.stack(grads)


# --------------------------------------------------------------- what single units do


def unit_summary(model, x):
    r"""What each unit of a trained LSTM model's (first) layer does on the inputs ``x``.

    Runs ``model.core`` on ``x`` ``(T, B, D)`` and returns a dict of ``(H,)`` arrays:

    - ``"i"``, ``"f"``, ``"o"``: each gate's value for unit $u$, averaged over all
      steps and sequences;
    - ``"readout"``: how much the answer leans on unit $u$, the typical swing of its
      output times the size of its column in the head, with the column centred over
      the classes (only differences between logits change a softmax):

      .. math:: r_u = \operatorname{std}_{t,b}(h_{t,u}) \,
          \bigl\lVert W_{:,u} - \tfrac1K \textstyle\sum_k W_{k,u} \bigr\rVert

    - ``"readout_share"``: $r_u / \sum_v r_v$.
    """
    core = _core(model)
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
    r"""Pearson correlation of every unit's value with the nesting depth.

    ``values`` is ``(T, B, H)`` (or ``(T, H)``), e.g. the long-term memory ``c`` from
    ``LSTM.trace()``; ``depth`` is ``(T, B)`` (or ``(T,)``). All time steps and
    sequences are pooled. Returns ``(H,)`` correlations in $[-1, 1]$ (0 for a unit
    that never changes).
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
    """The unit whose value follows the depth most closely: ``(unit, correlation)``.

    Picks the largest $|r|$ of :func:`depth_correlations`; the sign of ``correlation``
    says whether the unit rises (positive) or falls (negative) as brackets open.
    """
    r = depth_correlations(values, depth)
    unit = int(np.argmax(np.abs(r)))
    return unit, float(r[unit])


def put_unit_first(model, unit):
    r"""Renumber the hidden units of ``model`` so that ``unit`` becomes unit 0, in place.

    Hidden units have no order: moving unit ``u`` to the front of all four networks
    (its rows in ``weight_ih``, ``weight_hh`` and both biases, in each gate's block of
    $H$ rows), of the recurrence (its column of ``weight_hh``) and of the head (its
    column of the head's ``weight``) gives the same function. Training on another
    computer may store the same behaviour in a unit with another number (chapter 15);
    after this call the unit the chapter talks about is unit 0 everywhere.

    ``model`` is a :class:`~lstm_magnifier.nn.SequenceModel` whose core is a
    one-layer :class:`~lstm_magnifier.lstm.LSTM`. The arrays are rewritten in place,
    so optimizers built on ``model.params`` keep working. Returns the new order:
    ``order[k]`` is the old number of the unit now numbered ``k``.
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

    At depth 0 the next character is surely ``(``; at ``max_depth`` surely ``)``;
    anywhere else it is ``(`` with probability ``p_open``, so the best guess is right
    with probability $\max(p, 1-p)$. ``depth`` is any array of depths after each
    character; returns the mean of those chances as a float.
    """
    depth = np.asarray(depth)
    forced = (depth == 0) | (depth == max_depth)
    return float(np.mean(np.where(forced, 1.0, max(p_open, 1 - p_open))))


# --------------------------------------------------------------- how far apart two results are


def max_abs_diff(a, b):
    r"""$\max |a - b|$ over all entries, as a float (shapes must be equal)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b), initial=0.0))


def order_of_magnitude(error, floor=1e-15):
    r"""The power of ten just above ``error`` (at least ``floor``), for printing.

    ``order_of_magnitude(3e-13)`` is ``1e-12``: a bound that reads the same on
    machines whose rounding differs in the last bits. Differences at the level of
    float64 rounding for numbers near 1 (a few times $10^{-16}$, including 0) all
    report as ``floor``, $10^{-15}$ by default.
    """
    if isinstance(error, bool) or not isinstance(error, numbers.Real) or not error >= 0:
        raise ValueError(f"error must be a number >= 0, got {error!r}")
    if not isinstance(floor, numbers.Real) or not floor > 0:
        raise ValueError(f"floor must be a number > 0, got {floor!r}")
    if error <= floor:
        return float(floor)
    return float(10.0 ** np.ceil(np.log10(error)))


__all__ = [
    "best_accuracy",
    "change_symbol",
    "depth_correlations",
    "find_depth_unit",
    "influence_of_past",
    "input_gradient_norms",
    "max_abs_diff",
    "memory_gradient",
    "memory_gradient_by_lag",
    "memory_retention",
    "order_of_magnitude",
    "put_unit_first",
    "resample_past",
    "unit_summary",
]
