r"""The explorers' figures drawn with Matplotlib, for print (``explorer.savefig``).

In the browser the explorers draw SVG (``explorers.js``); these are the same figures on paper, one
per explorer of :mod:`lstm_magnifier.viz.explorers` (:class:`GateView`, :class:`TimelineView`,
:class:`WeightView`, :class:`SequenceView`), each on a figure outside pyplot.
``view.update(values)`` takes what the explorer computed (a dict from
:mod:`lstm_magnifier.timelines`) and changes the existing artists.
"""

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lstm_magnifier.cell import Trace
from lstm_magnifier.viz.diagrams import CellDiagram
from lstm_magnifier.viz.drawing import _MINUS, _fmt
from lstm_magnifier.viz.palette import GATE_COLORS, MEMORY_COLORS, NETWORK_COLORS, NEUTRAL, ink


def _figure(figsize, dpi):
    """A figure outside pyplot (so the inline backend never shows it on its own), Agg canvas."""
    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    return figure


def _ladder(value):
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least ``value`` (>= 1): steady limits."""
    exponent = math.floor(math.log10(value))
    for mantissa in (1, 2, 5, 10):
        if mantissa * 10.0**exponent >= value:
            return mantissa * 10.0**exponent
    return 10.0 ** (exponent + 1)


def _limits(values, at_least=1.0):
    """Axis limits from :func:`_ladder` that contain ``values`` and 0, with a 6 % margin."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    low, high = (min(values.min(), 0.0), max(values.max(), 0.0)) if values.size else (0.0, 0.0)
    span = _ladder(max(abs(low), abs(high), at_least))
    if low >= 0:
        return (-0.06 * span, 1.06 * span)
    if high <= 0:
        return (-1.06 * span, 0.06 * span)
    return (-1.06 * span, 1.06 * span)


def _labelled(figure, x, label, color, y=0.935):
    """A fixed ``label`` at figure position (``x``, ``y``) and, returned, an empty text after it."""
    text = figure.text(x, y, label, fontsize=10.5, color="black")
    end = text.get_window_extent(figure.canvas.get_renderer()).x1
    return figure.text(end / figure.bbox.width, y, "", fontsize=10.5, color=color, weight="bold")


def _style_axes(*axes):
    for ax in axes:
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(labelsize=9, colors=NEUTRAL)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(NEUTRAL)


# =========================================================================== views

_BAR_ROWS = (  # key, label, colour
    ("c_prev", "$c_{t-1}$  long-term, before", MEMORY_COLORS["c"]),
    ("forget", r"forget $= f\,c_{t-1}$", NETWORK_COLORS["forget"]),
    ("learn", r"learn $= i\,g$", NETWORK_COLORS["learn"]),
    ("c", "$c_t$  long-term, after", MEMORY_COLORS["c"]),
    ("h", "$h_t$  short-term, after", MEMORY_COLORS["h"]),
)


class GateView:
    """Figure of the :class:`GateExplorer`: the cell diagram and bars of the memories.

    ``update(values)`` takes a :func:`gate_step` dict and changes the value boxes and the bars in
    place. ``diagram=False`` leaves the diagram out and writes the two equations with numbers under
    the bars instead (a compact figure).
    """

    BAR_LIMIT = 4.3  # |c_t| <= 3 + 1 with c_prev in [-3, 3]

    def __init__(self, *, diagram=True, highlight=None, dpi=90):
        bottom = 0.2 if diagram else 0.75  # room for the equations in the compact figure
        height = (5.5 if diagram else 0.0) + 1.95 + bottom
        self.figure = _figure((9.0, height), dpi)
        self.diagram, self.equations = None, []
        if diagram:
            ax = self.figure.add_axes((0.0, (height - 5.5) / height, 1.0, 5.5 / height))
            self.diagram = CellDiagram(ax, highlight=highlight)
            for key in ("x", "h_prev"):  # the gates are set by hand: x and h do not enter
                self.diagram.artists[key].set_visible(False)
        else:
            font = {"fontsize": 10, "family": "DejaVu Sans Mono", "color": "black"}
            self.equations = [self.figure.text(0.03, y / height, "", **font) for y in (0.4, 0.12)]
        box = (0.30, (bottom + 0.25) / height, 0.62, 1.45 / height)
        ax = self.bars_ax = self.figure.add_axes(box)
        rows = np.arange(len(_BAR_ROWS))[::-1]
        self.bars, self.labels = {}, {}
        for y, (key, _, color) in zip(rows, _BAR_ROWS, strict=True):
            self.bars[key] = ax.barh(y, 0.0, height=0.62, color=color, alpha=0.85)[0]
            self.labels[key] = ax.text(0, y, "", va="center", fontsize=9.5, color=ink(color))
        ax.set_yticks(rows, [label for _, label, _ in _BAR_ROWS], fontsize=10)
        ax.set(xlim=(-self.BAR_LIMIT, self.BAR_LIMIT), ylim=(-0.6, len(_BAR_ROWS) - 0.4))
        ax.axvline(0, color=NEUTRAL, lw=0.8)
        _style_axes(ax)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_title("memory before and after this step", fontsize=10, color=NEUTRAL, loc="left")

    def update(self, values):
        """Show a :func:`gate_step` dict; returns False (no full redraw needed)."""
        if self.diagram is not None:
            zero = np.zeros(1)
            keys = ("c_prev", "i", "f", "g", "o", "learn", "forget", "c", "h")
            one = {k: np.atleast_1d(values[k]) for k in keys}
            trace = Trace(x=zero, h_prev=zero, read=np.atleast_1d(values["tanh_c"]), **one)
            self.diagram.update(trace)
            self.diagram.note.set_text("gate values set by hand: x and h enter only through them")
        for key, bar in self.bars.items():
            value = float(values[key])
            bar.set_width(value)
            self.labels[key].set_text(_fmt(value))
            self.labels[key].set_x(value + (0.08 if value >= 0 else -0.08))
            self.labels[key].set_ha("left" if value >= 0 else "right")
        if self.equations:
            v = {k: _fmt(values[k]) for k in ("f", "c_prev", "i", "g", "c", "o", "h")}
            self.equations[0].set_text(
                f"c_t = f \u00b7 c_t-1 + i \u00b7 g = {v['f']} \u00d7 {v['c_prev']} + "
                f"{v['i']} \u00d7 {v['g']} = {v['c']}"
            )
            self.equations[1].set_text(
                f"h_t = o \u00b7 tanh(c_t)    = {v['o']} \u00d7 tanh({v['c']}) = {v['h']}"
            )
        return False


class TimelineView:
    r"""Figure of the :class:`MemoryTimeline`: $c_t$ above, $h_t$ below, for $t = 0 \dots T$.

    Marks the half-life (vertical line), the steady state (horizontal line) and what is left of
    $c_0$ ($f^t c_0$, dotted). ``update`` returns True when the axis limits had to change (a full
    redraw), else False.
    """

    def __init__(self, *, dpi=90, figsize=(9.0, 4.6)):
        fig = self.figure = _figure(figsize, dpi)
        ax = self.ax_c = fig.add_axes((0.09, 0.42, 0.88, 0.40))
        self.ax_h = fig.add_axes((0.09, 0.11, 0.88, 0.23), sharex=self.ax_c)
        c_color, h_color = MEMORY_COLORS["c"], MEMORY_COLORS["h"]
        steady, half = NETWORK_COLORS["remember"], NETWORK_COLORS["forget"]
        (self.kept,) = ax.plot([], [], ":", color=c_color, lw=1.6, label="left of $c_0$: $f^t c_0$")
        (self.c,) = ax.plot([], [], "-", color=c_color, lw=2.2, label="$c_t$ long-term memory")
        (self.c0,) = ax.plot([], [], "o", mfc="white", mec=c_color, ms=6, mew=1.6)
        self.steady = ax.axhline(0, color=steady, ls="--", lw=1.2, label="steady state $ig/(1-f)$")
        self.half_c = ax.axvline(0, color=half, ls="-.", lw=1.2, label="half-life")
        self.half_h = self.ax_h.axvline(0, color=half, ls="-.", lw=1.2)
        ax.axhline(0, color=NEUTRAL, lw=0.6)
        ax.set_ylabel("$c_t$", fontsize=12, color=ink(c_color), rotation=0, labelpad=12)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8.5, ncols=4, frameon=False)
        ax.tick_params(labelbottom=False)
        (self.h,) = self.ax_h.plot([], [], "-", color=h_color, lw=2.0)
        self.ax_h.axhline(0, color=NEUTRAL, lw=0.6)
        self.ax_h.set_ylim(-1.08, 1.08)
        self.ax_h.set_ylabel("$h_t$", fontsize=12, color=ink(h_color), rotation=0, labelpad=12)
        self.ax_h.set_xlabel("time step $t$", fontsize=10)
        _style_axes(self.ax_c, self.ax_h)
        self.half_value = _labelled(fig, 0.09, "half-life  ln 0.5 / ln f = ", ink(half))
        label = "steady state  i\u00b7g / (1 \u2212 f) = "
        self.steady_value = _labelled(fig, 0.50, label, ink(steady))
        box = {"fc": "white", "ec": "none", "pad": 1.0}
        self.half_label = ax.text(0, 0, "", fontsize=9, color=ink(half), va="bottom", bbox=box)
        self._limits = None
        self.c_limits = None  # fixed (low, high) of the c_t axis; None follows the data

    def update(self, values):
        """Show a :func:`constant_gate_timeline` dict (plus ``c0``, ``f``, ``i``, ``g``, ``o``)."""
        t, c, h = values["t"], values["c"], values["h"]
        steps, c0 = len(t), values["c0"]
        time = np.concatenate([[0], t])
        self.c.set_data(time, np.concatenate([[c0], c]))
        self.kept.set_data(time, np.concatenate([[c0], values["kept"]]))
        self.c0.set_data([0], [c0])
        self.h.set_data(t, h)
        ss, half = values["steady_state"], values["half_life"]
        self.steady.set_visible(bool(np.isfinite(ss)))
        self.steady.set_ydata([ss, ss] if np.isfinite(ss) else [0, 0])
        c_limits = self.c_limits or _limits([c0, *c, ss])
        limits = ((-0.02 * steps, steps * 1.02), c_limits)
        for line in (self.half_c, self.half_h):
            line.set_visible(half <= steps)
            line.set_xdata([half, half] if half <= steps else [0, 0])
        self.half_label.set_visible(half <= steps)
        self.half_label.set_position((min(half, steps) + 0.01 * steps, limits[1][0]))
        self.half_label.set_text(f" half-life {half:.1f}")
        self.half_value.set_text("\u221e (f = 1)" if math.isinf(half) else f"{half:.1f} steps")
        self.steady_value.set_text("none (f = 1)" if not np.isfinite(ss) else _fmt(ss, 2))
        if limits == self._limits:
            return False
        self.ax_c.set(xlim=limits[0], ylim=limits[1])
        self._limits = limits
        return True


_WEIGHT_GATES = {
    "i": ("input gate i", "learn: ignore"),
    "f": ("forget gate f", "forget"),
    "g": ("candidate g", "learn: combine"),
    "o": ("output gate o", "use"),
}


class WeightView:
    """Figure of the :class:`WeightExplorer`: input, gates and memories of a one-unit cell.

    ``update`` returns True when an axis range had to change (a full redraw).
    """

    def __init__(self, steps, *, x_range=(-1.0, 1.0), dpi=90, figsize=(9.0, 5.6)):
        fig = self.figure = _figure(figsize, dpi)
        self.ax_x = fig.add_axes((0.09, 0.80, 0.70, 0.14))
        self.ax_g = fig.add_axes((0.09, 0.44, 0.70, 0.30), sharex=self.ax_x)
        self.ax_m = fig.add_axes((0.09, 0.09, 0.70, 0.30), sharex=self.ax_x)
        t, zeros = np.arange(1, steps + 1), np.zeros(steps)
        (self.x,) = self.ax_x.plot(t, zeros, "-o", color="black", ms=3, lw=1.2)
        low, high = x_range
        pad = 0.1 * max(high - low, 1.0)
        self.ax_x.set_ylim(min(low, 0) - pad, max(high, 0) + pad)
        self.ax_x.set_ylabel("$x_t$", rotation=0, labelpad=12, fontsize=12)
        self.ax_x.set_title("event $x_t$ (the input)", fontsize=10, color=NEUTRAL, loc="left")
        self.gates = {}
        for k, (_, role) in _WEIGHT_GATES.items():
            style = {"color": GATE_COLORS[k], "lw": 1.8, "label": f"${k}_t$ {role}"}
            (self.gates[k],) = self.ax_g.plot(t, zeros, "-", **style)
        self.ax_g.set_ylim(-1.08, 1.08)
        self.ax_g.axhline(0, color=NEUTRAL, lw=0.6)
        self.ax_g.set_ylabel("gates", fontsize=10)
        self.ax_g.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
        c, h = MEMORY_COLORS["c"], MEMORY_COLORS["h"]
        (self.c,) = self.ax_m.plot(t, zeros, "-", color=c, lw=2.2, label="$c_t$ long-term")
        (self.h,) = self.ax_m.plot(t, zeros, "-", color=h, lw=2.0, label="$h_t$ short-term")
        self.ax_m.axhline(0, color=NEUTRAL, lw=0.6)
        self.ax_m.set_ylabel("memories", fontsize=10)
        self.ax_m.set_xlabel("time step $t$", fontsize=10)
        self.ax_m.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
        self.ax_x.set_xlim(0.5, steps + 0.5)
        for ax in (self.ax_x, self.ax_g):
            ax.tick_params(labelbottom=False)
        _style_axes(self.ax_x, self.ax_g, self.ax_m)
        self._limits = None
        self.m_limits = None  # fixed (low, high) of the memory axis; None follows the data

    def update(self, values):
        """Show a :func:`~lstm_magnifier.timelines.weight_timeline` dict."""
        for key, line in {"x": self.x, **self.gates, "c": self.c, "h": self.h}.items():
            line.set_ydata(values[key])
        limits = self.m_limits or _limits(np.concatenate([values["c"], values["h"]]))
        if limits == self._limits:
            return False
        self.ax_m.set_ylim(*limits)
        self._limits = limits
        return True


_HEAT = {  # key -> (label, kind)
    "i": ("$i$ input gate", "gate"),
    "f": ("$f$ forget gate", "gate"),
    "g": ("$g$ candidate", "tanh"),
    "o": ("$o$ output gate", "gate"),
    "c": ("$c$ long-term", "memory"),
    "h": ("$h$ short-term", "tanh"),
}


class SequenceView:
    """Figure of the :class:`SequenceMagnifier`: heat maps over time and units, and the cell.

    ``trace`` is a :func:`sequence_trace` (a :class:`~lstm_magnifier.cell.Trace`, fields
    ``(T, H)``). Six heat maps (``i, f, g, o, c, h``; time across, units down) carry a frame around
    the current step and a marker on the current unit; each shows that value on its right. Gates run
    from white (0) to their colour (1); ``g``, ``c`` and ``h`` from grey (negative) through white to
    their colour. With ``diagram=True`` the cell diagram below shows the step's values.
    """

    def __init__(self, trace, *, labels=None, diagram=True, dpi=80, width=9.0):
        self.trace = trace
        self.steps, self.hidden = steps, hidden = trace.c.shape
        map_height = 0.42 + 0.03 * min(hidden, 16)
        top = 5.5 if diagram else 0.0
        height = 6 * map_height + 5 * 0.12 + 0.95 + top
        self.figure = _figure((width, height), dpi)
        self.maps, self.frames, self.markers, self.readouts = {}, {}, {}, {}
        c_max = max(float(np.abs(trace.c).max()), 1e-6)
        for row, (key, (label, kind)) in enumerate(_HEAT.items()):
            bottom = height - 0.25 - (row + 1) * map_height - row * 0.12
            box = (1.25 / width, bottom / height, (width - 2.6) / width, map_height / height)
            ax = self.maps[key] = self.figure.add_axes(box)
            color = GATE_COLORS.get(key, MEMORY_COLORS.get(key))
            limit = c_max if kind == "memory" else 1.0
            colors = ["white", color] if kind == "gate" else [NEUTRAL, "white", color]
            shown = {"vmin": 0.0 if kind == "gate" else -limit, "vmax": limit, "aspect": "auto"}
            shown["cmap"] = LinearSegmentedColormap.from_list(f"lstm_{key}", colors)
            extent = (0.5, steps + 0.5, hidden - 0.5, -0.5)
            ax.imshow(getattr(trace, key).T, interpolation="nearest", extent=extent, **shown)
            font = {"fontsize": 9.5, "color": ink(color)}
            ax.set_ylabel(label, rotation=0, ha="right", va="center", **font)
            ax.set_yticks([])
            ax.set_xticks([] if key != "h" else np.arange(1, steps + 1, max(1, steps // 20)))
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_color("#DDDDDD")
            outline = {"fill": False, "ec": "black", "clip_on": False}
            frame = Rectangle((0.5, -0.5), 1.0, hidden, lw=1.4, **outline)
            marker = Rectangle((0.5, -0.5), 1.0, 1.0, lw=0.9, **outline)
            self.frames[key], self.markers[key] = ax.add_patch(frame), ax.add_patch(marker)
            font = {"fontsize": 9.5, "family": "DejaVu Sans Mono", "va": "center"}
            self.readouts[key] = ax.text(1.01, 0.5, "", transform=ax.transAxes, **font)
        last = self.maps["h"]
        last.tick_params(labelsize=8)
        if labels is not None:
            ticks = np.arange(1, steps + 1)
            last.set_xticks(ticks, [str(s) for s in labels], fontsize=8, family="DejaVu Sans Mono")
        last.set_xlabel("time step $t$" + ("" if labels is None else " (input)"), fontsize=9.5)
        key = (
            f"colours: white = 0; full colour = 1 (c: {_fmt(c_max, 2)}); "
            f"grey = {_MINUS}1 (c: {_fmt(-c_max, 2)}). Frame: step t; small box: unit"
        )
        self.figure.text(0.01, (top + 0.05) / height, key, fontsize=8, color=NEUTRAL, va="bottom")
        self.diagram = None
        if diagram:
            self.diagram = CellDiagram(self.figure.add_axes((0.0, 0.0, 1.0, 5.5 / height)))

    def update(self, values):
        """Show step ``values["t"]`` (1-based) and unit ``values["unit"]`` of the trace (and
        ``values["label"]``, if any, in the diagram's note); returns False."""
        t, unit = values["t"], values["unit"]
        step_trace = self.trace.at(t - 1)
        for key in _HEAT:
            self.frames[key].set_x(t - 0.5)
            self.markers[key].set_xy((t - 0.5, unit - 0.5))
            self.readouts[key].set_text(f"{key} = {_fmt(getattr(step_trace, key)[unit])}")
        if self.diagram is not None:
            self.diagram.unit = unit
            self.diagram.update(step_trace)
            label = values.get("label")
            where = f"step t = {t}" + (f" ({label!r})" if label is not None else "")
            note = f"{where}, unit {unit} of H = {self.hidden}; x shows feature 0"
            self.diagram.note.set_text(note)
        return False
