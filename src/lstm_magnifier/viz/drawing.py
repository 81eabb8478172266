r"""What the diagrams are drawn with: shapes in the palette's colours, and live value boxes.

:mod:`lstm_magnifier.viz.diagrams` and :mod:`lstm_magnifier.viz.layer_diagrams` build their figures
from these pieces: rounded boxes, round operation nodes, wires and arrows, labels and captions, the
units of a layer, and ``_Diagram``, the base of a diagram whose value boxes ``update(trace)``
rewrites in place. A value is read from a trace by :func:`trace_value` and printed by
:func:`format_value`.
"""

from dataclasses import fields

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from lstm_magnifier.cell import Trace
from lstm_magnifier.viz.palette import NEUTRAL, ink

NETWORKS = ("learn", "forget", "remember", "use")
"""The four networks of the cell, in the book's order."""

TRACE_FIELDS = tuple(field.name for field in fields(Trace))
"""Attributes a trace must have for the diagrams to show its values: the fields of a
:class:`~lstm_magnifier.cell.Trace` (``x, h_prev, c_prev, i, f, g, o, learn, forget, c,
read, h``)."""

_TIMES, _MINUS = "\u00d7", "\u2212"
_VALUE_TEXT = {"color": "black", "ha": "center", "va": "center", "zorder": 5}
_VALUE_TEXT.update(family="DejaVu Sans Mono", size=8.5)

# --------------------------------------------------------------------------- values


def format_value(value):
    """How the diagrams print one number: 3 decimals, a true minus sign (e.g. ``−0.250``)."""
    return _fmt(value)


def _fmt(value, digits=3):
    return f"{float(value):.{digits}f}".replace("-", _MINUS)


def trace_value(trace, key, unit=0):
    r"""The scalar a diagram shows for ``key``: batch 0, hidden unit ``unit``.

    ``key`` is a trace field (``"c"``, ``"f"``, ...) or ``"tanh_c"`` for $\tanh(c_t)$, which the use
    network keeps as ``read``. Fields of shape ``(B, H)`` give ``[0, unit]``, ``(H,)`` give
    ``[unit]``. The event ``x`` has $D$ features that are not tied to hidden units, so it always
    shows its first feature ``x[..., 0]``.
    """
    name = "read" if key == "tanh_c" else key
    if not hasattr(trace, name):
        raise TypeError(f"trace must have an attribute {name!r} (a Trace has {TRACE_FIELDS})")
    array = np.asarray(getattr(trace, name), dtype=float)
    if array.ndim > 2:
        raise ValueError(f"trace.{name} must be (H,) or (B, H), got shape {array.shape}")
    row = array.reshape(-1, array.shape[-1])[0] if array.ndim else array.reshape(1)
    index = 0 if name == "x" else unit
    if index >= row.size:
        raise ValueError(f"unit={unit} is out of range: trace.{name} has {row.size} entries")
    return float(row[index])


def _check_unit(unit):
    if isinstance(unit, bool) or not isinstance(unit, int | np.integer):
        raise TypeError(f"unit must be a whole number >= 0, got {unit!r}")
    if unit < 0:
        raise ValueError(f"unit must be >= 0, got {unit}")
    return int(unit)


def _check_name(name, argument="name", allow_none=False):
    if (name is None and allow_none) or name in NETWORKS:
        return name
    raise ValueError(f"{argument} must be one of {NETWORKS}{' or None' * allow_none}, got {name!r}")


# --------------------------------------------------------------------------- shapes


def _setup_axes(ax, width, height, figsize):
    """``ax`` (or a new figure's Axes) as a blank ``width`` x ``height`` canvas, 1 : 1."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.set(xlim=(0, width), ylim=(0, height), aspect="equal")
    ax.set_axis_off()
    return ax


def _rounded(ax, xy, width, height, edge, face="white", lw=1.6, radius=0.15, **kwargs):
    """A rounded rectangle with its lower left corner at ``xy``."""
    style = f"round,pad=0,rounding_size={radius}"
    patch = FancyBboxPatch(xy, width, height, boxstyle=style, fc=face, ec=edge, lw=lw, **kwargs)
    return ax.add_patch(patch)


def _box(ax, center, size, text, color, *, sub=None, face="white", fontsize=13, round_=0.18):
    """A rounded layer box with a big label and an optional small second line."""
    (cx, cy), (w, h) = center, size
    patch = _rounded(ax, (cx - w / 2, cy - h / 2), w, h, color, face, lw=1.8, radius=round_)
    label = _label(ax, (cx, cy + (0.16 * h if sub else 0.0)), text, color, size=fontsize)
    second = _label(ax, (cx, cy - 0.24 * h), sub, NEUTRAL, size=8.5) if sub else []
    return [patch, *label, *second]


def _node(ax, center, symbol, color, r=0.3):
    """A round operation node: elementwise product (×) or sum (+)."""
    circle = ax.add_patch(Circle(center, r, fc="white", ec=color, lw=1.8, zorder=3))
    return [circle, *_label(ax, center, symbol, color, size=13, zorder=4)]


def _wire(ax, points, color, *, arrow=True, lw=1.8):
    """A wire through ``points`` (corners), with an arrow head at the last point."""
    style = "-|>,head_length=0.45,head_width=0.22" if arrow else "-"
    path = Path(np.asarray(points, dtype=float))
    wire = FancyArrowPatch(path=path, arrowstyle=style, mutation_scale=14, color=color, lw=lw)
    wire.set(joinstyle="round", capstyle="round")
    return [ax.add_patch(wire)]


def _arrow(ax, start, end, color, lw=1.6):
    """A straight arrow from ``start`` to ``end`` (the layer diagrams' thinner wires)."""
    style = "-|>,head_length=0.4,head_width=0.2"
    arrow = FancyArrowPatch(
        start, end, arrowstyle=style, mutation_scale=12, color=color, lw=lw, shrinkA=0, shrinkB=0
    )
    return ax.add_patch(arrow)


def _dot(ax, center, color):
    """A junction where a wire splits in two."""
    return [ax.add_patch(Circle(center, 0.09, fc=color, ec=color, zorder=3))]


def _label(ax, xy, text, color, *, ha="center", va="center", size=12, **kwargs):
    """A text label (symbol or name) in the readable shade of ``color``."""
    return [ax.text(*xy, text, color=ink(color), ha=ha, va=va, fontsize=size, **kwargs)]


def _caption(ax, xy, text, *, ha="center", va="center"):
    """A small grey italic caption, e.g. "long-term memory" under $c_{t-1}$."""
    return _label(ax, xy, text, NEUTRAL, ha=ha, va=va, size=8.5, style="italic")


def _tint(color, amount):
    """``color`` mixed with white, opaque (``amount`` 0 = white, 1 = the colour itself)."""
    return tuple(1 - amount * (1 - channel) for channel in to_rgb(color))


def _units(ax, center, n, color, box_width):
    """``n`` small circles in a row: the units of a layer (at most 8 drawn, then an ellipsis)."""
    shown = min(n, 8)
    step = min(0.42, (box_width - 0.3) / max(shown, 1))
    x0 = center[0] - step * (shown - 1) / 2
    for k in range(shown):
        ax.add_patch(Circle((x0 + k * step, center[1]), step * 0.36, fc="white", ec=color, lw=1.3))
    if n > shown:
        ax.text(x0 + shown * step - 0.05, center[1], "...", color=ink(color), va="center")


# --------------------------------------------------------------------------- base class


class _Diagram:
    """What the cell and the magnifier share: value artists, groups, update, highlight."""

    def __init__(self, ax, unit, show_values):
        self.ax = ax
        self.unit = _check_unit(unit)
        self.show_values = bool(show_values)
        self.artists = {}  # trace key -> Text showing its value
        self.groups = {name: [] for name in NETWORKS}  # network -> artists to dim
        self.note = None

    def _add(self, groups, artists):
        """Put ``artists`` in network group(s) ``groups`` (a name, a tuple of names, or None)."""
        for group in (groups,) if isinstance(groups, str) else groups or ():
            self.groups[group].extend(artists)
        return artists

    def _value(self, key, xy, color, group=None):
        """An (initially empty) value box on a wire; kept in ``self.artists[key]``."""
        if not self.show_values:
            return
        box = {"boxstyle": "round,pad=0.18", "fc": "white", "ec": color, "lw": 0.9}
        self.artists[key] = self.ax.text(*xy, "", bbox=box, **_VALUE_TEXT)
        self._add(group, [self.artists[key]])

    def _note(self, xy, ha="left"):
        self.note = self.ax.text(*xy, "", color=NEUTRAL, ha=ha, va="center", fontsize=8)

    def _on_axes(self):
        """The Axes, carrying this diagram (``ax.lstm_diagram``) and its value texts
        (``ax.lstm_values``), so that a widget can call ``ax.lstm_diagram.update(trace)``."""
        self.ax.lstm_diagram, self.ax.lstm_values = self, self.artists
        return self.ax

    def update(self, trace):
        """Show the values of ``trace`` by changing the text of existing artists only.

        ``trace`` is a :class:`~lstm_magnifier.cell.Trace` (or any object with its fields). Nothing
        is added to or removed from the Axes. Returns ``self``.
        """
        texts = {key: format_value(trace_value(trace, key, self.unit)) for key in self.artists}
        for key, text in texts.items():
            self.artists[key].set_text(text)
        if self.note is not None and self.artists:
            hidden = np.shape(trace.c)[-1] if np.ndim(trace.c) else 1
            features = np.shape(trace.x)[-1] if np.ndim(trace.x) else 1
            text = f"values: unit {self.unit} of H = {hidden}"
            text += ", batch item 0" if np.ndim(trace.c) == 2 else ""
            if features > 1 and "x" in self.artists:
                text += f"; x shows feature 0 of D = {features}"
            self.note.set_text(text)
        return self
