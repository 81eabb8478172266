r"""The remember network over many steps, and the cell put back together (chapters 7, 10, 12).

The remember network has no weights: it adds what the forget network kept to what
the learn network wrote,

.. math:: c_t = f_t \odot c_{t-1} + i_t \odot g_t .

Run it with $f_t = 1$ and $i_t = 0$ and the long-term memory passes through any
number of steps unchanged: the *constant error carousel* of Hochreiter and
Schmidhuber (1997). This module holds the small tools the chapters use to show it:

* :func:`gate_preactivation` and :func:`pin_gates` give a real :class:`LSTMCell`
  gates with fixed values, whatever the input (exactly 0 or 1 at the ends);
* :func:`run_cell` steps a cell through a sequence and stacks its traces into one;
* :func:`carousel` runs the forget and remember networks alone, gates given as numbers;
* :func:`memory_gradient` measures $\partial c_T / \partial c_0$ by backpropagation;
* :func:`max_abs_diff` and :func:`order_of_magnitude` report how far two results
  are apart in a way that prints the same on every machine.
"""

import numbers

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.anatomy import unroll
from lstm_magnifier.cell import (
    GATES,
    GIVEN,
    LSTMCell,
    Trace,
    forget_network,
    learn_network,
    remember_network,
)
from lstm_magnifier.lstm import LSTM

SATURATION = 50.0
r"""Pre-activation used for a gate pinned at 0 or 1 (for ``g``: at -1 or 1).

$\sigma(\pm 50) = \tfrac12(1 + \tanh(\pm 25))$ and $\tanh(\pm 50)$ round to exactly
1, 0 and $\pm 1$ in float32 and float64, so a pinned gate is exact, not just close.
"""


def gate_preactivation(value, gate):
    r"""The pre-activation $z$ that makes gate ``gate`` output ``value``.

    For the sigmoid gates ``"i"``, ``"f"``, ``"o"``: $\sigma(z) = $ ``value`` with
    ``value`` in $[0, 1]$, $z = \ln\frac{v}{1 - v}$; for the tanh candidate ``"g"``:
    $\tanh(z) = $ ``value`` with ``value`` in $[-1, 1]$, $z = \operatorname{artanh}(v)$.
    The ends (0 and 1, or -1 and 1) give $z = \pm$ :data:`SATURATION`, where the
    activation equals the end exactly. ``value`` is a number or an array; the result
    has its shape.
    """
    _checks.check_one_of("gate", gate, GATES)
    v = _checks.as_finite_array("value", value, np.float64)
    low = -1.0 if gate == "g" else 0.0
    if np.any(v < low) or np.any(v > 1.0):
        raise ValueError(f"value for gate {gate!r} must lie in [{low:g}, 1], got {value!r}")
    with np.errstate(divide="ignore"):
        z = np.arctanh(v) if gate == "g" else np.log(v) - np.log1p(-v)
    z = np.clip(z, -SATURATION, SATURATION)
    return float(z) if z.ndim == 0 else z


def pin_gates(cell, *, i=None, f=None, g=None, o=None):
    r"""Fix gates of ``cell`` to constant values, in place, and return the cell.

    For every gate given (a number, or an array of shape ``(H,)`` with one value per
    unit), its rows of ``weight_ih`` ``(4H, D)`` and ``weight_hh`` ``(4H, H)`` are set to
    zero, ``bias_hh`` to zero and ``bias_ih`` to :func:`gate_preactivation`, so that
    the gate outputs that value at every step, whatever $x_t$ and $h_{t-1}$ are.
    Gates not given keep their weights. ``cell`` is an :class:`LSTMCell`, or
    ``lstm.cell(layer)``, whose arrays are shared with the :class:`LSTM`, which is
    then pinned too.

    Example: ``pin_gates(cell, f=1.0, i=0.0)`` turns the cell into a constant error
    carousel, $c_t = 1 \cdot c_{t-1} + 0 \cdot g_t = c_{t-1}$.
    """
    if not isinstance(cell, LSTMCell):
        kind = type(cell).__name__
        raise TypeError(f"cell must be an LSTMCell (or lstm.cell(layer)), got {kind}")
    H = cell.hidden_size
    for name, value in (("i", i), ("f", f), ("g", g), ("o", o)):
        if value is None:
            continue
        if np.shape(value) not in ((), (H,)):
            raise ValueError(f"{name} must be a number or have shape ({H},), got {np.shape(value)}")
        z = gate_preactivation(value, name)
        rows = slice(GATES.index(name) * H, (GATES.index(name) + 1) * H)
        cell.weight_ih[rows] = 0.0
        cell.weight_hh[rows] = 0.0
        cell.bias_hh[rows] = 0.0
        cell.bias_ih[rows] = z
    return cell


def run_cell(cell, x, state=None):
    r"""Step ``cell`` through a sequence with :meth:`LSTMCell.step` and stack the traces.

    ``x`` is ``(T, D)`` or ``(T, B, D)``; ``state`` is ``(h_0, c_0)``, each ``(H,)`` or
    ``(B, H)``, or ``None`` for zeros. Step $t$ reads the state step $t - 1$ left:
    $(h_t, c_t) = \mathrm{cell}(x_t, h_{t-1}, c_{t-1})$ (the loop is
    :func:`~lstm_magnifier.anatomy.unroll`). Returns one :class:`~lstm_magnifier.cell.Trace`
    whose fields (``x, h_prev, c_prev, i, f, g, o, learn, forget, c, read, h``) are stacked
    over time: ``(T, H)`` or ``(T, B, H)`` (``x``: ``(T, D)`` or ``(T, B, D)``).
    """
    return Trace.stack(unroll(cell, x, state))


def carousel(c0, steps, *, f, i=0.0, g=0.0):
    r"""The forget and remember networks alone, run ``steps`` times with gates given as numbers.

    .. math:: c_t = f \odot c_{t-1} + i \odot g, \qquad t = 1, \dots, T

    The networks are the cell's own, with the gate values given (:data:`GIVEN`) instead
    of computed from $x_t$ and $h_{t-1}$.

    ``c0`` is a number or an array, e.g. ``(H,)``; ``f`` and ``i`` (in $[0, 1]$) and
    ``g`` (in $[-1, 1]$) are numbers or arrays, the same at every step. All four are
    broadcast together, so ``carousel(1.0, 100, f=[1.0, 0.9])`` runs two memories side
    by side. Returns ``c`` of shape ``(steps + 1, *shape)`` with ``c[0] = c0`` and
    ``c[t]`` the memory after step ``t``.

    With ``f = 1`` and ``i = 0`` every ``c[t]`` equals ``c0`` exactly (the constant
    error carousel); with ``f < 1`` and ``i = 0``, $c_t = f^t c_0$ fades; with
    ``f = 1`` and $i g > 0$, $c_t = c_0 + t\, i g$ grows without bound.
    """
    steps = _checks.check_positive_int("steps", steps)
    arrays = {"c0": _checks.as_finite_array("c0", c0, np.float64)}
    for name, value, low in (("f", f, 0.0), ("i", i, 0.0), ("g", g, -1.0)):
        value = _checks.as_finite_array(name, value, np.float64)
        if np.any(value < low) or np.any(value > 1.0):
            raise ValueError(f"{name} must lie in [{low:g}, 1], got {value}")
        arrays[name] = value
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError as err:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in arrays.items())
        raise ValueError(f"c0, f, i and g must broadcast together, got shapes {shapes}") from err
    learn, _, _ = learn_network(arrays["i"], arrays["g"], GIVEN)  # the same at every step
    c = np.empty((steps + 1, *shape))
    c[0] = arrays["c0"]
    for t in range(1, steps + 1):
        forget, _ = forget_network(c[t - 1], arrays["f"], GIVEN)
        c[t] = remember_network(forget, learn)
    return c


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
    "SATURATION",
    "carousel",
    "gate_preactivation",
    "max_abs_diff",
    "memory_gradient",
    "order_of_magnitude",
    "pin_gates",
    "run_cell",
]
