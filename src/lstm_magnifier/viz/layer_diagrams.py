r"""Diagrams of layers and of time: a dense layer beside a cell, the recurrence, a stack.

- :func:`draw_dense_vs_cell` (chapter 1): a feed-forward layer next to an LSTM cell of the same
  width, whose four networks are four dense layers on one shared input;
- :func:`draw_unrolled` (chapters 2 and 3): one and the same cell drawn once per step;
- :func:`draw_stacked` (chapter 6): a stacked LSTM unrolled, layers bottom to top.

All in the colours of :mod:`lstm_magnifier.viz.palette`, drawn with the shapes of
:mod:`lstm_magnifier.viz.drawing`.
"""

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import GATES
from lstm_magnifier.viz.drawing import (
    _arrow,
    _box,
    _caption,
    _label,
    _rounded,
    _setup_axes,
    _tint,
    _units,
    _wire,
)
from lstm_magnifier.viz.palette import GATE_COLORS, MEMORY_COLORS, NETWORK_COLORS, NEUTRAL, ink

_STEP, _CELL_W, _CELL_H, _Y_CELL = 5.2, 3.7, 2.6, 3.6  # step pitch, cell size, cell centre height
_GREY = "#F4F4F4"  # the face of a cell drawn as one box


def _unrolled_cell(ax, cx, t):
    """One copy of the cell at time ``t``: a grey box holding the four networks as chips."""
    x0, y0 = cx - _CELL_W / 2, _Y_CELL - _CELL_H / 2
    _rounded(ax, (x0, y0), _CELL_W, _CELL_H, NEUTRAL, _GREY, radius=0.3)
    _label(ax, (cx, y0 + _CELL_H - 0.35), f"LSTM cell, t = {t}", "black", size=9.5)
    for name, side, row in (("forget", -1, 0), ("learn", 1, 0), ("remember", -1, 1), ("use", 1, 1)):
        color = NETWORK_COLORS[name]
        center = (cx + side * 0.85, _Y_CELL + 0.15 - row * 0.75)
        face = _tint(color, 0.15)
        _box(ax, center, (1.6, 0.6), name, color, face=face, fontsize=8.5, round_=0.12)


def _memory_wire(ax, x0, x1, name, t, y):
    """A memory wire (c above, h below) from ``x0`` to ``x1`` labelled with its time index."""
    color = MEMORY_COLORS[name]
    _wire(ax, [(x0, y), (x1, y)], color)
    dy = 0.32 if name == "c" else -0.32
    _label(ax, ((x0 + x1) / 2, y + dy), f"${name}_{{{t}}}$", color, size=11)


def draw_unrolled(ax=None, *, steps=3):
    r"""Draw the recurrence unrolled over ``steps`` time steps and return the Axes.

    One and the same cell (same weights) is drawn once per step $t = 1 \dots T$: it reads $x_t$ from
    below and $(h_{t-1}, c_{t-1})$ from the left, and passes $(h_t, c_t)$ to the right, where
    $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ and $h_t = o_t \odot \tanh(c_t)$; $h_t$ also goes up
    as the output at step $t$. Fed a sequence ``(T, B, D)``, the cell produces outputs
    ``(T, B, H)``.
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}")
    width = 2.2 + steps * _STEP + 0.8
    fig_width = min(2.0 + 2.0 * steps, 16.0)
    ax = _setup_axes(ax, width, 7.0, (fig_width, fig_width * 7.0 / width + 0.2))
    y_c, y_h = _Y_CELL + 0.8, _Y_CELL - 0.8
    x_prev = 0.9
    for t in range(1, steps + 1):
        cx = 2.2 + (t - 0.5) * _STEP
        _unrolled_cell(ax, cx, t)
        _memory_wire(ax, x_prev, cx - _CELL_W / 2, "c", t - 1, y_c)
        _memory_wire(ax, x_prev, cx - _CELL_W / 2, "h", t - 1, y_h)
        _wire(ax, [(cx, 0.85), (cx, _Y_CELL - _CELL_H / 2)], MEMORY_COLORS["x"])
        _label(ax, (cx, 0.5), f"$x_{{{t}}}$", MEMORY_COLORS["x"], size=13)
        _wire(ax, [(cx, _Y_CELL + _CELL_H / 2), (cx, 6.15)], MEMORY_COLORS["h"])
        _label(ax, (cx, 6.55), f"$h_{{{t}}}$", MEMORY_COLORS["h"], size=13)
        x_prev = cx + _CELL_W / 2
    _memory_wire(ax, x_prev, width - 0.1, "c", steps, y_c)
    _memory_wire(ax, x_prev, width - 0.1, "h", steps, y_h)
    _caption(ax, (0.1, 6.55), "outputs", ha="left")
    _caption(ax, (0.1, 0.5), "inputs", ha="left")
    _caption(ax, (width - 0.1, 0.5), "time \u2192", ha="right")
    return ax


def _check_count(name, value, largest):
    value = _checks.check_positive_int(name, value)
    if value > largest:
        raise ValueError(f"{name} must be at most {largest} for a readable figure, got {value}")
    return value


def draw_dense_vs_cell(hidden_size=3):
    r"""Figure: a feed-forward layer next to an LSTM cell of the same width ``hidden_size``.

    Left, a dense layer: $x_t$ goes through one layer of $H$ units, $y_t = \phi(W x_t + b)$. Right,
    an LSTM cell: $[h_{t-1}, x_t]$ feeds four layers of $H$ units each ($\sigma \to i$,
    $\sigma \to f$, $\tanh \to g$, $\sigma \to o$, in the gate colours), whose outputs are
    recombined without weights into $c_t$ and $h_t$. Returns the matplotlib Figure (9 x 3.6 inches).
    """
    import matplotlib.pyplot as plt

    H = _check_count("hidden_size", hidden_size, 8)
    widths, top = (4.0, 13.0), 7.2
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), width_ratios=widths, layout="constrained")
    left, right = (_setup_axes(ax, w, top, None) for ax, w in zip(axes, widths, strict=True))
    x_color, h_color, c_color = MEMORY_COLORS["x"], MEMORY_COLORS["h"], MEMORY_COLORS["c"]

    # Left: one dense layer.
    _label(left, (2.0, top - 0.3), "Feed-forward layer", "black")
    _rounded(left, (0.5, 2.3), 3.0, 1.3, NEUTRAL, lw=1.8)
    _units(left, (2.0, 3.18), H, NEUTRAL, 3.0)
    _label(left, (2.0, 2.65), r"$\phi(W x_t + b)$", "black", size=10)
    _arrow(left, (2.0, 0.95), (2.0, 2.3), x_color)
    _label(left, (2.0, 0.5), r"$x_t$", "black", size=13)
    _arrow(left, (2.0, 3.6), (2.0, 5.3), NEUTRAL)
    _label(left, (2.0, 5.75), r"$y_t$", "black", size=13)
    _caption(left, (2.2, 4.45), f"{H} units,\nno memory", ha="left")

    # Right: the four layers of the cell on one shared input.
    title = f"LSTM cell: four layers of {H} units on one shared input"
    _label(right, (6.5, top - 0.3), title, "black")
    y_bus, y_box, y_mix, x0, x1 = 0.95, 2.3, 4.6, 1.1, 11.9
    right.plot([x0, x1], [y_bus, y_bus], color=NEUTRAL, lw=2, solid_capstyle="round")
    _arrow(right, (0.35, y_bus), (x0, y_bus), h_color)
    right.text(0.0, y_bus + 0.45, r"$h_{t-1}$", color=ink(h_color), fontsize=13)
    _arrow(right, (x1, 0.0), (x1, y_bus), x_color)
    right.text(x1 + 0.15, 0.3, r"$x_t$", fontsize=13)
    right.text(6.5, 0.35, r"joined input $[h_{t-1}, x_t]$", ha="center", color=NEUTRAL, fontsize=9)
    for gate, cx in zip(GATES, (2.45, 5.05, 7.65, 10.25), strict=True):
        color = GATE_COLORS[gate]
        label = (r"$\tanh" if gate == "g" else r"$\sigma") + rf" \to {gate}_t$"
        _arrow(right, (cx, y_bus), (cx, y_box), NEUTRAL)
        _rounded(right, (cx - 1.15, y_box), 2.3, 1.3, color, lw=1.8)
        _units(right, (cx, y_box + 0.88), H, color, 2.3)
        right.text(cx, y_box + 0.35, label, ha="center", va="center", color=ink(color))
        _arrow(right, (cx, y_box + 1.3), (cx, y_mix), color)
    _rounded(right, (x0, y_mix), x1 - x0, 1.2, NEUTRAL, face=_GREY, radius=0.3)
    equation = r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t)$"
    _label(right, (6.5, y_mix + 0.6), equation, "black", size=11)
    _caption(right, (6.5, y_mix + 1.5), "recombined with no weights", va="baseline")
    _arrow(right, (0.35, y_mix + 0.6), (x0, y_mix + 0.6), c_color)
    right.text(0.0, y_mix + 1.05, r"$c_{t-1}$", color=ink(c_color), fontsize=13)
    _arrow(right, (x1, y_mix + 0.9), (x1 + 0.7, y_mix + 0.9), c_color)
    right.text(x1 + 0.25, y_mix + 1.45, r"$c_t$", color=ink(c_color), fontsize=13)
    _arrow(right, (x1, y_mix + 0.3), (x1 + 0.7, y_mix + 0.3), h_color)
    right.text(x1 + 0.25, y_mix - 0.3, r"$h_t$", color=ink(h_color), fontsize=13)
    return fig


def draw_stacked(num_layers=2, steps=3, *, dropout=True):
    r"""Figure: a stacked LSTM unrolled, layers bottom to top and time left to right.

    Each layer $\ell$ runs its own cell (its own weights) along time, passing $(h_t, c_t)$ to the
    right; its $h_t$ also goes up as the input of layer $\ell + 1$ (through dropout when ``dropout``
    is true: only between layers, never along time, never after the top layer). The top layer's
    $h_t$ are ``out`` ``(T, B, H)``; the last column's memories, one per layer, are ``h_n[l]`` and
    ``c_n[l]``. Returns the Figure.
    """
    L = _check_count("num_layers", num_layers, 4)
    T = _check_count("steps", steps, 5)
    pitch_x, pitch_y, w, hgt, y0 = 3.2, 2.2, 2.0, 1.1, 1.2
    width, height = 1.6 + T * pitch_x + 1.3, y0 + L * pitch_y + 0.3
    fig_w = min(9.0, 0.7 * width)
    ax = _setup_axes(None, width, height, (fig_w, fig_w * height / width))
    memories = ((0.8, "c", MEMORY_COLORS["c"]), (0.3, "h", MEMORY_COLORS["h"]))  # wire heights
    h_color = MEMORY_COLORS["h"]
    for k in range(L):
        y = y0 + k * pitch_y
        ax.text(0.1, y + hgt / 2, f"layer {k}", va="center", fontsize=12.5, weight="bold")
        for t in range(1, T + 1):
            x0 = 1.6 + (t - 1) * pitch_x
            _rounded(ax, (x0, y), w, hgt, NEUTRAL, face=_GREY)
            _label(ax, (x0 + w / 2, y + hgt / 2), "LSTM cell", "black", size=11.5)
            if t > 1:
                for dy, _, color in memories:
                    _arrow(ax, (x0 - (pitch_x - w), y + dy), (x0, y + dy), color)
            below = y - (pitch_y - hgt)
            if k == 0:
                _arrow(ax, (x0 + w / 2, 0.55), (x0 + w / 2, y), MEMORY_COLORS["x"])
                _label(ax, (x0 + w / 2, 0.25), f"$x_{t}$", "black", size=14)
            else:
                _arrow(ax, (x0 + w / 2, below), (x0 + w / 2, y), h_color)
                note = "$h_t$, dropout" if dropout else "$h_t$"
                xy = (x0 + w / 2 + 0.12, (below + y) / 2)
                _label(ax, xy, note, h_color, ha="left", size=10.5)
        x_end = 1.6 + (T - 1) * pitch_x + w
        for dy, name, color in memories:
            _arrow(ax, (x_end, y + dy), (x_end + 0.6, y + dy), color)
            _label(ax, (x_end + 0.7, y + dy), f"${name}_n[{k}]$", color, ha="left", size=12.5)
    top = y0 + (L - 1) * pitch_y + hgt
    for t in range(1, T + 1):
        xc = 1.6 + (t - 1) * pitch_x + w / 2
        _arrow(ax, (xc, top), (xc, top + 0.55), h_color)
        _label(ax, (xc + 0.12, top + 0.4), f"out[{t - 1}]", h_color, ha="left", size=10.5)
    return ax.figure
