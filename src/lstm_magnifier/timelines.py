r"""The cell run step by step: by a plain loop, with its gates given, over one sequence.

What the chapters and the explorers of :mod:`lstm_magnifier.viz.explorers` show, computed
without drawing, always by the cell's own networks (with the gates given,
:data:`~lstm_magnifier.cell.GIVEN`) or its :func:`~lstm_magnifier.cell.step`, never by a
copy of their equations.
"""

import math
import numbers
from dataclasses import fields

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import (
    GIVEN,
    LSTMCell,
    Trace,
    forget_network,
    learn_network,
    remember_network,
    step,
    use_network,
)

GATE_RANGES = {"i": (0.0, 1.0), "f": (0.0, 1.0), "g": (-1.0, 1.0), "o": (0.0, 1.0)}
"""The values each gate can take: $i, f, o \\in [0, 1]$ (sigmoid), $g \\in [-1, 1]$ (tanh)."""

WEIGHT_NAMES = tuple(name for gate in "ifgo" for name in (f"W_i{gate}", f"W_h{gate}", f"b_{gate}"))
"""The 12 parameters of a one-unit cell as in the notation table: $W_{ii}, W_{hi}, b_i$, then
the same for $f$, $g$ and $o$."""

SEQUENCES = ("pulse", "step", "two pulses", "sine")
"""The input sequences :func:`input_sequence` makes for the WeightExplorer."""


def unroll(cell, x, state=None):
    r"""Run ``cell`` over ``x`` with a plain Python loop: the recurrence, unrolled.

    .. math:: (h_t, c_t) = \mathrm{cell}(x_t, h_{t-1}, c_{t-1}), \qquad t = 1 \dots T

    The same weights at every step; ``x`` is ``(T, B, D)`` or ``(T, D)``, ``state`` is
    ``(h_0, c_0)`` or ``None`` for zeros. Returns one :class:`~lstm_magnifier.cell.Trace` per step.
    """
    _checks.check_instance("cell", cell, LSTMCell)
    x = _checks.as_finite_array("x", x, cell.dtype, ndim=(2, 3))
    if x.shape[0] == 0:
        raise ValueError(f"x must hold at least one time step, got shape {x.shape}")
    _checks.check_features("x", x, cell.input_size, "input_size")
    traces = []
    for x_t in x:
        traces.append(cell.step(x_t, state))
        state = traces[-1].state
    return traces


def over_time(traces, name):
    """Field ``name`` (``"c"``, ``"h"``, ...) of all traces stacked: ``(T, B, H)`` or ``(T, H)``."""
    if not traces:
        raise ValueError("traces must be a non-empty list of Trace objects")
    if name not in Trace.__dataclass_fields__:
        raise ValueError(f"name must be a Trace field {tuple(Trace.__dataclass_fields__)}")
    return np.stack([getattr(trace, name) for trace in traces])


def run_cell(cell, x, state=None):
    """:func:`unroll` with the traces stacked into one :class:`~lstm_magnifier.cell.Trace`
    whose fields are ``(T, H)`` or ``(T, B, H)`` (``x``: ``(T, D)`` or ``(T, B, D)``)."""
    return Trace.stack(unroll(cell, x, state))


def carousel(c0, steps, *, f, i=0.0, g=0.0):
    r"""The forget and remember networks alone, run ``steps`` times with the gates given.

    .. math:: c_t = f \odot c_{t-1} + i \odot g, \qquad t = 1, \dots, T

    ``c0``, ``f``, ``i`` (in $[0, 1]$) and ``g`` (in $[-1, 1]$) are numbers or arrays, the
    same at every step, broadcast together: ``carousel(1.0, 100, f=[1.0, 0.9])`` runs two
    memories side by side. Returns ``c`` ``(steps + 1, *shape)`` with ``c[0] = c0``. With
    $f = 1, i = 0$ every ``c[t]`` equals ``c0`` exactly (the constant error carousel); with
    $f < 1, i = 0$, $c_t = f^t c_0$ fades; with $f = 1, i g > 0$ it grows without bound.
    """
    steps = _checks.check_positive_int("steps", steps)
    arrays = {"c0": _checks.as_finite_array("c0", c0, np.float64)}
    arrays.update(
        (name, _checks.check_range(name, value, *GATE_RANGES[name]))
        for name, value in (("f", f), ("i", i), ("g", g))
    )
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError as err:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in arrays.items())
        raise ValueError(f"c0, f, i and g must broadcast together, got shapes {shapes}") from err
    c = np.empty((steps + 1, *shape))
    c[0] = arrays["c0"]
    c[1:] = _remember(arrays["c0"], arrays["f"], arrays["i"], arrays["g"], steps)
    return c


def _remember(c0, f, i, g, steps):
    """$c_1 \\dots c_T$ from constant gates, by the cell's networks with the gates given."""
    learn, _, _ = learn_network(i, g, GIVEN)  # the same at every step
    c = np.empty((steps, *np.broadcast_shapes(np.shape(c0), np.shape(f), np.shape(learn))))
    c_t = c0
    for t in range(steps):
        forget, _ = forget_network(c_t, f, GIVEN)
        c_t = c[t] = remember_network(forget, learn)
    return c


def _number(name, value, low=-math.inf, high=math.inf):
    """``value`` as a float, checked to be a finite number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a number in [{low:g}, {high:g}], got {value!r}")
    return value


def gate_step(i, f, g, o, c_prev):
    r"""One cell step with the gate values given directly, as the GateExplorer does:

    .. math::
        \mathrm{learn} = i \odot g, \qquad \mathrm{forget} = f \odot c_{t-1}, \qquad
        c_t = \mathrm{forget} + \mathrm{learn}, \qquad h_t = o \odot \tanh(c_t).

    Numbers or arrays that broadcast (e.g. to ``(H,)``); ``i, f, o`` in ``[0, 1]`` and ``g``
    in ``[-1, 1]``. Returns a dict of the inputs and ``learn``, ``forget``, ``c``, ``tanh_c``
    (the use network's ``read``) and ``h`` (NumPy scalars for scalar inputs).
    """
    i, f, g, o = (
        _checks.check_range(name, value, *GATE_RANGES[name])
        for name, value in zip("ifgo", (i, f, g, o), strict=True)
    )
    c_prev = _checks.as_finite_array("c_prev", c_prev, np.float64)
    learn, i, g = learn_network(i, g, GIVEN)
    forget, f = forget_network(c_prev, f, GIVEN)
    c = remember_network(forget, learn)
    h, o, read = use_network(c, o, GIVEN)
    values = dict(i=i, f=f, g=g, o=o, c_prev=c_prev, learn=learn, forget=forget)
    values.update(c=c, tanh_c=read, h=h)
    return {key: value[()] for key, value in values.items()}


def memory_half_life(f):
    r"""Steps until a constant forget factor halves the old memory: $t_{1/2} = \ln 0.5 / \ln f$
    (with $i = 0$, $c_t = f^t c_0$). ``inf`` for $f = 1$, ``0.0`` for $f = 0$."""
    f = _number("f", f, 0.0, 1.0)
    if f == 1.0:
        return math.inf
    if f == 0.0:
        return 0.0
    return math.log(0.5) / math.log(f)


def steady_state(i, g, f):
    r"""Long-term memory that constant gates settle at: $c^\ast = i g / (1 - f)$, the fixed
    point of $c = f c + i g$, reached from any $c_0$ when $f < 1$. For $f = 1$ there is none
    (the memory grows by $i g$ per step, or stays put when $i g = 0$): ``nan``."""
    i, g, f = _number("i", i, 0.0, 1.0), _number("g", g, -1.0, 1.0), _number("f", f, 0.0, 1.0)
    return math.nan if f == 1.0 else i * g / (1.0 - f)


def constant_gate_timeline(f, i, g, o, steps, c0=0.0):
    r"""Memories over ``steps`` steps when the four gates stay constant (MemoryTimeline).

    .. math::
        c_t = f\,c_{t-1} + i\,g, \qquad h_t = o \tanh(c_t), \qquad t = 1 \dots T

    so $c_t = f^t c_0 + i g\,(1 + f + \dots + f^{t-1})$: what is left of $c_0$ shrinks by $f$
    every step, what is learned piles up towards $i g / (1 - f)$. Returns a dict with ``t``
    (1 ... steps), ``c`` and ``h`` ``(steps,)``, ``kept`` ($f^t c_0$), ``half_life``
    (:func:`memory_half_life`) and ``steady_state`` (:func:`steady_state`).
    """
    f, i, o = (_number(n, v, 0.0, 1.0) for n, v in (("f", f), ("i", i), ("o", o)))
    g = _number("g", g, -1.0, 1.0)
    steps = _checks.check_positive_int("steps", steps)
    c0 = _number("c0", c0)
    c = _remember(c0, f, i, g, steps)
    h, _, _ = use_network(c, o, GIVEN)  # elementwise: all of c_1 ... c_T at once
    t = np.arange(1, steps + 1)
    return {
        "t": t,
        "c": c,
        "h": h,
        "kept": c0 * f ** t.astype(float),
        "half_life": memory_half_life(f),
        "steady_state": steady_state(i, g, f),
    }


def input_sequence(name, steps):
    r"""A one-feature input ``(steps,)`` for the WeightExplorer: ``"pulse"`` ($x_t = 1$ at
    $t = 3$, else 0), ``"step"`` (1 from $t = 3$ on), ``"two pulses"`` (1 at $t = 3$ and
    $t = \lfloor T/2 \rfloor + 3$) or ``"sine"`` ($\sin(2\pi t / 12)$)."""
    _checks.check_one_of("sequence", name, SEQUENCES)
    steps = _checks.check_positive_int("steps", steps)
    t = np.arange(1, steps + 1)
    if name == "sine":
        return np.sin(2 * np.pi * t / 12)
    x = np.zeros(steps)
    if name == "step":
        x[t >= 3] = 1.0
    else:
        x[t == 3] = 1.0
        if name == "two pulses":
            x[t == steps // 2 + 3] = 1.0
    return x


def weight_timeline(weights, x):
    r"""A one-unit cell ($D = H = 1$) with hand-set scalar weights run over ``x`` ``(T,)``.

    ``weights`` maps each of :data:`WEIGHT_NAMES` to a number; gate $k$ is $\sigma$ or
    $\tanh$ of $W_{ik} x_t + W_{hk} h_{t-1} + b_k$, and each step is
    :func:`lstm_magnifier.cell.step` from $h_0 = c_0 = 0$:

    .. math:: c_t = f_t c_{t-1} + i_t g_t, \qquad h_t = o_t \tanh(c_t)

    Returns a dict of ``x``, the gates ``i, f, g, o`` and the memories ``c, h``, each ``(T,)``.
    """
    missing = [name for name in WEIGHT_NAMES if name not in weights]
    if missing:
        raise KeyError(f"weights is missing {missing}; it needs all of {WEIGHT_NAMES}")
    w = {name: _number(name, weights[name]) for name in WEIGHT_NAMES}
    x = _checks.as_finite_array("x", x, np.float64, ndim=(1,))
    weight_ih = np.array([[w[f"W_i{k}"]] for k in "ifgo"])
    weight_hh = np.array([[w[f"W_h{k}"]] for k in "ifgo"])
    bias = np.array([w[f"b_{k}"] for k in "ifgo"])
    state, traces = (np.zeros(1), np.zeros(1)), []
    for x_t in x[:, None]:  # (1,): one feature
        traces.append(step(x_t, *state, weight_ih, weight_hh, bias))
        state = traces[-1].state
    trace = Trace.stack(traces)
    return {"x": x, **{name: getattr(trace, name)[:, 0] for name in "ifgoch"}}


def sequence_trace(model, x, *, layer=0, batch=0, state=None):
    r"""Every value of layer ``layer`` of ``model`` at every step of one sequence (in float64).

    ``model`` is an :class:`~lstm_magnifier.lstm.LSTM` or has one as ``.core``; ``x`` is
    ``(T, D)`` or ``(T, B, D)`` (then item ``batch`` is kept). Runs ``model.forward(x, state)``
    once and returns that layer's :class:`~lstm_magnifier.cell.Trace`: ``x`` ``(T, D_layer)``,
    the other fields ``(T, H)``.
    """
    core = getattr(model, "core", model)
    if not all(hasattr(core, name) for name in ("forward", "trace", "num_layers", "hidden_size")):
        raise TypeError(
            f"model must be an lstm_magnifier LSTM (or a model whose .core is one), "
            f"got {type(model).__name__}"
        )
    x = _checks.as_finite_array("x", x, core.dtype, ndim=(2, 3))
    if not 0 <= layer < core.num_layers:
        raise ValueError(f"layer must be in [0, {core.num_layers}), got {layer}")
    if x.ndim == 3 and not 0 <= batch < x.shape[1]:
        raise ValueError(
            f"batch must be in [0, {x.shape[1]}) for x of shape {x.shape}, got {batch}"
        )
    core.forward(x, state)
    trace = core.trace(layer)
    if x.ndim == 3:
        trace = trace.at((slice(None), batch))
    return Trace(*(np.array(getattr(trace, k.name), np.float64) for k in fields(Trace)))


def trace_at(trace, t):
    """Step ``t`` (1-based, as in $x_1 \\dots x_T$) of a :func:`sequence_trace`: every field
    ``(H,)`` (``x``: ``(D,)``). ``trace.at(t - 1)``, with ``t`` checked."""
    steps = len(trace.c)
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or not 1 <= t <= steps:
        raise ValueError(f"t must be a whole number in [1, {steps}], got {t!r}")
    return trace.at(t - 1)
