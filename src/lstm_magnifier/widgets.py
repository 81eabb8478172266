r"""Explorers: sliders on the LSTM cell, with figures that follow them.

Four explorers, each a row of controls (ipywidgets) over one Matplotlib figure:

- :class:`GateExplorer` (chapters 8, 11, 12): set the gates $i, f, g, o$ and the
  incoming long-term memory $c_{t-1}$ by hand; the cell diagram shows every value
  on its wires, and bars show the memories before and after the step.
- :class:`MemoryTimeline` (chapters 9, 10): hold the gates constant and watch the
  memories over many steps, with the half-life $\ln 0.5 / \ln f$ and the steady
  state $i g / (1 - f)$ marked.
- :class:`WeightExplorer` (chapters 9, 12): set the weights and biases of a one-unit
  cell and feed it a short input sequence (a pulse, a step, ...): parameters
  become gate values over time, and gate values become memories.
- :class:`SequenceMagnifier` (chapters 2, 15): step through a sequence run through a
  (trained) :class:`~lstm_magnifier.lstm.LSTM`: heat maps of every gate and memory
  over time and units, and the cell diagram at the chosen step.

Computation is kept apart from drawing. The numbers come from pure functions
(:func:`gate_step`, :func:`constant_gate_timeline`, :func:`weight_timeline`,
:func:`sequence_trace`) that run the cell's own four networks or its
:func:`~lstm_magnifier.cell.step`, never a copy of its equations, and return plain
dicts of arrays (:func:`sequence_trace`: the model's
:class:`~lstm_magnifier.cell.Trace`); a view class (:class:`GateView`,
:class:`TimelineView`, :class:`WeightView`, :class:`SequenceView`) draws them by
changing its existing artists only; an explorer joins the two with controls.
``explorer.set(f=0.5)`` does exactly what moving the slider ``f`` does (check,
recompute, redraw, synchronously), and ``explorer.values`` is a dict of what the
figure shows.

How the figure reaches the screen (the ``canvas`` argument, default from the
environment variable ``LSTM_MAGNIFIER_CANVAS``, else ``"auto"``):

- ``"image"``: the figure is drawn off screen and shown as a PNG in an
  ``ipywidgets.Image``. Works with the default inline backend, in JupyterLab 4,
  Notebook 7, and in the static book (which shows the last image).
- ``"ipympl"``: the figure's canvas is ipympl's canvas widget, which sends only
  the pixels that changed.
- ``"auto"``: ``"ipympl"`` when ipympl is installed, else ``"image"``.
- ``"agg"``: draw off screen only, show nothing (scripts and benchmarks).

Only the parts of a figure that move (value boxes, bars, curves) are redrawn on a
change, over a saved background (see :class:`Blitter`); the figure is never
rebuilt. The kernel-free versions for the static site are in
:mod:`lstm_magnifier.companions`.
"""

import abc
import base64
import difflib
import math
import numbers
import os
import struct
import zlib
from dataclasses import fields
from html import escape

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from lstm_magnifier import _checks
from lstm_magnifier.cell import (
    GIVEN,
    Trace,
    forget_network,
    learn_network,
    remember_network,
    step,
    use_network,
)
from lstm_magnifier.diagrams import CellDiagram
from lstm_magnifier.palette import GATE_COLORS, MEMORY_COLORS, NETWORK_COLORS, NEUTRAL, ink

GATE_RANGES = {"i": (0.0, 1.0), "f": (0.0, 1.0), "g": (-1.0, 1.0), "o": (0.0, 1.0)}
"""The values each gate can take: $i, f, o \\in [0, 1]$ (sigmoid), $g \\in [-1, 1]$ (tanh)."""


WEIGHT_NAMES = tuple(name for gate in "ifgo" for name in (f"W_i{gate}", f"W_h{gate}", f"b_{gate}"))
"""Names of the 12 parameters of a one-unit cell, as in the notation table:
$W_{ii}, W_{hi}, b_i$ for the input gate, then the same for $f$, $g$ and $o$."""

SEQUENCES = ("pulse", "step", "two pulses", "sine")
"""The input sequences :func:`input_sequence` can make for the :class:`WeightExplorer`."""

CANVASES = ("auto", "image", "ipympl", "agg")
"""Ways an explorer can show its figure (see the module docstring)."""

EXPLORER_CLASS = "lstm-magnifier-explorer"
"""CSS class of every explorer's outer box. The book's stylesheet uses it to tell readers
of the static website, where no Python runs, that the figure cannot follow the sliders."""

_MINUS = "\u2212"


# =========================================================================== computation


def _number(name, value, low=-math.inf, high=math.inf):
    """``value`` as a float, checked to be a finite number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a number in [{low:g}, {high:g}], got {value!r}")
    return value


def _gate_array(name, value):
    """A gate value (scalar or array) checked against its range in :data:`GATE_RANGES`."""
    array = _checks.as_finite_array(name, value, np.float64)
    low, high = GATE_RANGES[name]
    if array.size and (array.min() < low or array.max() > high):
        bad = array.min() if array.min() < low else array.max()
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}], got {bad:g}")
    return array


def gate_step(i, f, g, o, c_prev):
    r"""One cell step with the gate values given directly, as the :class:`GateExplorer` does.

    The cell's four networks (:mod:`lstm_magnifier.cell`) with the variant :data:`GIVEN`,
    whose identity gates take ``i, f, g, o`` as they are; with no weights in the way

    .. math::
        \mathrm{learn} = i \odot g, \qquad \mathrm{forget} = f \odot c_{t-1}, \qquad
        c_t = \mathrm{forget} + \mathrm{learn}, \qquad h_t = o \odot \tanh(c_t).

    Each argument is a number or an array; arrays broadcast, for example to
    ``(H,)`` or ``(B, H)``. ``i, f, o`` must lie in ``[0, 1]`` and ``g`` in ``[-1, 1]``
    (the ranges of sigmoid and tanh). Returns a dict with the inputs and ``learn``,
    ``forget``, ``c``, ``tanh_c`` (the use network's ``read``) and ``h`` (NumPy
    scalars for scalar inputs).
    """
    i, f, g, o = (_gate_array(name, v) for name, v in zip("ifgo", (i, f, g, o), strict=True))
    c_prev = _checks.as_finite_array("c_prev", c_prev, np.float64)
    learn, i, g = learn_network(i, g, GIVEN)
    forget, f = forget_network(c_prev, f, GIVEN)
    c = remember_network(forget, learn)
    h, o, read = use_network(c, o, GIVEN)
    values = dict(i=i, f=f, g=g, o=o, c_prev=c_prev, learn=learn, forget=forget)
    values.update(c=c, tanh_c=read, h=h)
    return {key: value[()] for key, value in values.items()}


def memory_half_life(f):
    r"""Steps until a constant forget factor halves the old memory: $t_{1/2} = \ln 0.5 / \ln f$.

    With $i = 0$, $c_t = f^t c_0$, and $f^t = 1/2$ at $t = \ln 0.5 / \ln f$.
    Returns ``inf`` for $f = 1$ (nothing is forgotten) and ``0.0`` for $f = 0$.
    """
    f = _number("f", f, 0.0, 1.0)
    if f == 1.0:
        return math.inf
    if f == 0.0:
        return 0.0
    return math.log(0.5) / math.log(f)


def steady_state(i, g, f):
    r"""Long-term memory that constant gates settle at: $c^\ast = i g / (1 - f)$.

    The fixed point of $c = f c + i g$, reached from any $c_0$ when $f < 1$.
    For $f = 1$ there is none (the memory keeps growing by $i g$ per step, or
    stays where it started when $i g = 0$): returns ``nan``.
    """
    i, g, f = _number("i", i, 0.0, 1.0), _number("g", g, -1.0, 1.0), _number("f", f, 0.0, 1.0)
    return math.nan if f == 1.0 else i * g / (1.0 - f)


def constant_gate_timeline(f, i, g, o, steps, c0=0.0):
    r"""Memories over ``steps`` steps when the four gates stay constant.

    .. math::
        c_t = f\,c_{t-1} + i\,g, \qquad h_t = o \tanh(c_t), \qquad t = 1 \dots T

    so that $c_t = f^t c_0 + i g\,(1 + f + \dots + f^{t-1})$: what is left of $c_0$
    shrinks by $f$ every step, what is learned piles up towards $i g / (1 - f)$.

    Every step runs the cell's networks with the gates given (:data:`GIVEN`, as in
    :func:`gate_step`): the learn network's output is the same at every step, the
    forget and remember networks carry the memory, and the use network reads all
    of $c_1 \dots c_T$ at once (it works elementwise).

    Returns a dict with ``t`` (1 ... steps), ``c`` and ``h`` (each ``(steps,)``,
    $c_1 \dots c_T$ and $h_1 \dots h_T$), ``kept`` ($f^t c_0$, ``(steps,)``),
    ``half_life`` (:func:`memory_half_life`) and ``steady_state`` (:func:`steady_state`).
    """
    f, i, o = (_number(n, v, 0.0, 1.0) for n, v in (("f", f), ("i", i), ("o", o)))
    g = _number("g", g, -1.0, 1.0)
    steps = _checks.check_positive_int("steps", steps)
    c0 = _number("c0", c0)
    learn, _, _ = learn_network(i, g, GIVEN)  # constant gates: the same learn at every step
    c = np.empty(steps)
    c_t = c0
    for t in range(steps):
        forget, _ = forget_network(c_t, f, GIVEN)
        c_t = c[t] = remember_network(forget, learn)
    h, _, _ = use_network(c, o, GIVEN)
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
    r"""A one-feature input sequence ``x`` of shape ``(steps,)`` for the :class:`WeightExplorer`.

    ``"pulse"``: $x_t = 1$ at $t = 3$, else 0. ``"step"``: $x_t = 1$ from $t = 3$ on.
    ``"two pulses"``: 1 at $t = 3$ and at $t = \lfloor T/2 \rfloor + 3$.
    ``"sine"``: $\sin(2\pi t / 12)$.
    """
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
    r"""Run a one-unit cell ($D = H = 1$) with the given scalar weights over ``x``.

    ``weights`` maps each of :data:`WEIGHT_NAMES` to a number; gate $k$ is the
    one-layer network $\sigma$ or $\tanh$ of $W_{ik} x_t + W_{hk} h_{t-1} + b_k$.
    The weights are stacked in the cell's layout (gates i, f, g, o; ``weight_ih``
    and ``weight_hh`` ``(4, 1)``, ``bias`` ``(4,)``) and each step is
    :func:`lstm_magnifier.cell.step`, the step every LSTM of the package takes:

    .. math::
        c_t = f_t c_{t-1} + i_t g_t, \qquad h_t = o_t \tanh(c_t), \qquad h_0 = c_0 = 0.

    ``x`` has shape ``(T,)``. Returns a dict with ``x`` and the gates ``i, f, g, o``
    and memories ``c, h``, each of shape ``(T,)``.
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


def _lstm_core(model):
    """The LSTM inside ``model`` (an LSTM, or a model whose ``.core`` is one)."""
    core = getattr(model, "core", model)
    if not all(hasattr(core, name) for name in ("forward", "trace", "num_layers", "hidden_size")):
        raise TypeError(
            f"model must be an lstm_magnifier LSTM (or a model whose .core is one), "
            f"got {type(model).__name__}"
        )
    return core


def sequence_trace(model, x, *, layer=0, batch=0, state=None):
    r"""Run ``x`` through ``model`` and keep every value of layer ``layer`` at every step.

    ``model`` is an :class:`~lstm_magnifier.lstm.LSTM` (or a model whose ``.core`` is
    one); ``x`` is ``(T, D)`` or ``(T, B, D)`` (then batch item ``batch`` is kept);
    ``state`` is passed to ``model.forward``. This runs ``model.forward`` once, which
    replaces the model's cache. Returns the model's own
    :class:`~lstm_magnifier.cell.Trace` of that layer (:meth:`LSTM.trace
    <lstm_magnifier.lstm.LSTM.trace>`) for the one sequence, in float64: the layer's
    input ``x`` ``(T, D_layer)`` and ``h_prev, c_prev, i, f, g, o, learn, forget, c,
    read, h`` ``(T, H)``. ``trace.at(t - 1)`` is step $t$ (see :func:`trace_at`).
    """
    core = _lstm_core(model)
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
    """Step ``t`` (1-based, as in $x_1 \\dots x_T$) of a :func:`sequence_trace`.

    ``trace.at(t - 1)``, after checking that ``t`` is a whole number in ``[1, T]``.

    Every field has shape ``(H,)`` (``x``: ``(D,)``).
    """
    steps = len(trace.c)
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or not 1 <= t <= steps:
        raise ValueError(f"t must be a whole number in [1, {steps}], got {t!r}")
    return trace.at(t - 1)


# =========================================================================== drawing machinery


def _figure(figsize, dpi):
    """A figure outside pyplot (so the inline backend never shows it on its own), Agg canvas."""
    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    return figure


def _signature(artist):
    """What an artist looks like, to tell whether it changed since it was last drawn."""
    if not artist.get_visible():
        return ("hidden",)
    if isinstance(artist, Text):
        return ("text", artist.get_text(), tuple(artist.get_position()), artist.get_ha())
    if isinstance(artist, Line2D):
        x, y = artist.get_data()
        return ("line", np.asarray(x, float).tobytes(), np.asarray(y, float).tobytes())
    if isinstance(artist, Rectangle):
        return ("rect", artist.get_x(), artist.get_y(), artist.get_width(), artist.get_height())
    return ("other", id(object()))  # unknown kind: always redraw


class Blitter:
    """Redraw only the moving parts of a figure: dirty rectangles over a saved background.

    ``artists`` are marked animated, so a full draw of the figure leaves them out;
    right after every full draw (Matplotlib's ``draw_event``) the picture is saved
    as the background and the moving parts are drawn on top. :meth:`refresh`
    then compares each moving part with how it was last drawn, copies the
    background back under the ones that changed (and under any moving part that
    overlaps them), and draws just those again. Moving a slider thus redraws a
    few value boxes instead of the whole figure.

    Because animated artists are skipped by ``savefig``, save such a figure with
    :meth:`savefig`.
    """

    def __init__(self, figure, artists):
        self.figure = figure
        self.artists = list(artists)
        for artist in self.artists:
            artist.set_animated(True)
        self._background = None
        self._drawn = {}  # id(artist) -> (signature, pixel box or None)
        self._saving = False
        figure.canvas.mpl_connect("draw_event", self._on_draw)

    def _buffer(self):
        return np.asarray(self.figure.canvas.buffer_rgba())

    def _box(self, artist, renderer):
        """Pixel box ``(row0, row1, col0, col1)`` the artist covers (padded), or None."""
        if not artist.get_visible() or (isinstance(artist, Text) and not artist.get_text()):
            return None
        extent = artist.get_window_extent(renderer)
        patch = artist.get_bbox_patch() if isinstance(artist, Text) else None
        if patch is not None:  # the box around a text: its pad is in units of the font size
            pad = getattr(patch.get_boxstyle(), "pad", 0.3) * artist.get_fontsize()
            grow = (pad + patch.get_linewidth()) * self.figure.dpi / 72
            extent = Bbox.from_extents(
                extent.x0 - grow, extent.y0 - grow, extent.x1 + grow, extent.y1 + grow
            )
        if artist.get_clip_on() and artist.get_clip_box() is not None:
            extent = Bbox.intersection(extent, artist.get_clip_box())
            if extent is None:
                return None
        height, width = self._buffer().shape[:2]
        pad = 4
        col0, col1 = math.floor(extent.x0) - pad, math.ceil(extent.x1) + pad
        row0, row1 = height - math.ceil(extent.y1) - pad, height - math.floor(extent.y0) + pad
        return max(row0, 0), min(row1, height), max(col0, 0), min(col1, width)

    def forget_background(self):
        """Redraw everything next time (e.g. after the figure moved to another canvas)."""
        self._background = None

    def _draw(self, artist, box):
        self.figure.draw_artist(artist)
        self._drawn[id(artist)] = (_signature(artist), box)

    def _on_draw(self, event):
        if self._saving:  # savefig draws the moving parts itself, in place
            return
        self._background = self._buffer().copy()
        for artist in self.artists:
            self._draw(artist, self._box(artist, event.renderer))

    def refresh(self, full=False):
        """Show the artists' current state: a full draw if ``full`` or never drawn, else a blit."""
        canvas = self.figure.canvas
        if full or self._background is None or self._background.shape != self._buffer().shape:
            canvas.draw()  # _on_draw saves the background and draws the moving parts
            return
        renderer = canvas.get_renderer()
        changed = [a for a in self.artists if _signature(a) != self._drawn[id(a)][0]]
        if not changed:
            return
        box = {id(a): self._drawn[id(a)][1] for a in self.artists}  # where each was drawn
        new = {id(a): self._box(a, renderer) for a in changed}  # where the changed ones go
        dirty = [b for a in changed for b in (box[id(a)], new[id(a)]) if b is not None]
        redraw = set(new)
        grown = True
        while grown:  # a moving part that overlaps a cleared box is redrawn, whole
            grown = False
            for artist in self.artists:
                old = box[id(artist)]
                if id(artist) not in redraw and old and any(_overlap(old, b) for b in dirty):
                    redraw.add(id(artist))
                    dirty.append(old)
                    grown = True
        buffer = self._buffer()
        for row0, row1, col0, col1 in dirty:
            buffer[row0:row1, col0:col1] = self._background[row0:row1, col0:col1]
        for artist in self.artists:
            if id(artist) in redraw:
                self._draw(artist, new.get(id(artist), box[id(artist)]))
        canvas.blit(self.figure.bbox)  # nothing for Agg; ipympl sends the changed pixels

    def savefig(self, *args, **kwargs):
        """``figure.savefig`` with the moving parts included."""
        for artist in self.artists:
            artist.set_animated(False)
        self._saving = True
        try:
            self.figure.savefig(*args, **kwargs)
        finally:
            self._saving = False
            for artist in self.artists:
                artist.set_animated(True)
            self._background = None  # savefig may have drawn at another dpi


def _overlap(a, b):
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def image_html(png, alt):
    """``<img>`` HTML showing ``png`` bytes with alt text (``ipywidgets.Image`` has no alt)."""
    source = base64.b64encode(png).decode()
    return f'<img alt="{escape(alt)}" style="width:100%" src="data:image/png;base64,{source}">'


def shown_png(html):
    """The PNG bytes inside :func:`image_html` output."""
    return base64.b64decode(html.split("base64,", 1)[1].split('"', 1)[0])


def png_bytes(rgba):
    """Encode an ``(height, width, 4)`` uint8 image as PNG (RGB, no filter, fast zlib).

    Twice as fast as Pillow's encoder on the explorers' figures, for PNGs of
    about the same size: mostly white pictures compress well without filters.
    """
    height, width = rgba.shape[:2]
    raw = np.empty((height, 1 + 3 * width), np.uint8)
    raw[:, 0] = 0  # filter type "None" for every row
    raw[:, 1:] = rgba[:, :, :3].reshape(height, 3 * width)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


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


def _fmt(value, digits=3):
    """A number as the diagrams print it: fixed decimals and a true minus sign."""
    return f"{value:.{digits}f}".replace("-", _MINUS)


def _labelled(figure, x, label, color, y=0.935):
    """A fixed ``label`` at figure position (``x``, ``y``) and, returned, an empty text after it."""
    text = figure.text(x, y, label, fontsize=10.5, color="black")
    end = text.get_window_extent(figure.canvas.get_renderer()).x1
    return figure.text(end / figure.bbox.width, y, "", fontsize=10.5, color=color, weight="bold")


def _style_axes(ax):
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9, colors=NEUTRAL)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(NEUTRAL)


def _diverging(color, name):
    """A colormap from grey (negative) through white (0) to ``color`` (positive)."""
    return LinearSegmentedColormap.from_list(name, [NEUTRAL, "white", color])


def _sequential(color, name):
    """A colormap from white (0) to ``color`` (1)."""
    return LinearSegmentedColormap.from_list(name, ["white", color])


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

    ``update(values)`` takes a :func:`gate_step` dict and changes the value boxes
    and the bars in place. ``diagram=False`` leaves the diagram out and writes
    the two equations with numbers under the bars instead (the compact figure of
    the kernel-free companion; long changing texts are too slow to redraw live).
    """

    BAR_LIMIT = 4.3  # |c_t| <= 3 + 1 with c_prev in [-3, 3]

    def __init__(self, *, diagram=True, highlight=None, dpi=90):
        bottom = 0.2 if diagram else 0.75  # room for the equations in the compact figure
        height = (5.5 if diagram else 0.0) + 1.95 + bottom
        self.figure = _figure((9.0, height), dpi)
        self.diagram = None
        self.equations = []
        animated = []
        if diagram:
            ax = self.figure.add_axes((0.0, (height - 5.5) / height, 1.0, 5.5 / height))
            self.diagram = CellDiagram(ax, highlight=highlight)
            for key in ("x", "h_prev"):  # the gates are set by hand: x and h do not enter
                self.diagram.artists[key].set_visible(False)
            animated += list(self.diagram.artists.values()) + [self.diagram.note]
        else:
            font = {"fontsize": 10, "family": "DejaVu Sans Mono", "color": "black"}
            for y in (0.4, 0.12):
                self.equations.append(self.figure.text(0.03, y / height, "", **font))
        ax = self.figure.add_axes((0.30, (bottom + 0.25) / height, 0.62, 1.45 / height))
        self.bars_ax = ax
        rows = np.arange(len(_BAR_ROWS))[::-1]
        self.bars = {}
        self.labels = {}
        for y, (key, _, color) in zip(rows, _BAR_ROWS, strict=True):
            self.bars[key] = ax.barh(y, 0.0, height=0.62, color=color, alpha=0.85)[0]
            self.labels[key] = ax.text(0, y, "", va="center", fontsize=9.5, color=ink(color))
        ax.set_yticks(rows, [label for _, label, _ in _BAR_ROWS], fontsize=10)
        ax.set_xlim(-self.BAR_LIMIT, self.BAR_LIMIT)
        ax.set_ylim(-0.6, len(_BAR_ROWS) - 0.4)
        ax.axvline(0, color=NEUTRAL, lw=0.8)
        _style_axes(ax)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_title("memory before and after this step", fontsize=10, color=NEUTRAL, loc="left")
        self.animated = animated + list(self.bars.values()) + list(self.labels.values())
        self.animated += self.equations

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
            label = self.labels[key]
            label.set_text(_fmt(value))
            label.set_x(value + (0.08 if value >= 0 else -0.08))
            label.set_ha("left" if value >= 0 else "right")
        if not self.equations:
            return False
        v = {k: _fmt(float(values[k])) for k in ("f", "c_prev", "i", "g", "c", "o", "h")}
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

    Marks the half-life (vertical line), the steady state (horizontal line) and
    what is left of $c_0$ ($f^t c_0$, dotted). ``update`` returns True when the
    axis limits had to change (a full redraw), else False.
    """

    def __init__(self, *, dpi=90, figsize=(9.0, 4.6)):
        self.figure = _figure(figsize, dpi)
        fig = self.figure
        self.ax_c = fig.add_axes((0.09, 0.42, 0.88, 0.40))
        self.ax_h = fig.add_axes((0.09, 0.11, 0.88, 0.23), sharex=self.ax_c)
        c_color, h_color = MEMORY_COLORS["c"], MEMORY_COLORS["h"]
        ax = self.ax_c
        (self.kept,) = ax.plot([], [], ":", color=c_color, lw=1.6, label="left of $c_0$: $f^t c_0$")
        (self.c,) = ax.plot([], [], "-", color=c_color, lw=2.2, label="$c_t$ long-term memory")
        (self.c0,) = ax.plot([], [], "o", mfc="white", mec=c_color, ms=6, mew=1.6)
        color = NETWORK_COLORS["remember"]
        self.steady = ax.axhline(0, color=color, ls="--", lw=1.2, label="steady state $ig/(1-f)$")
        half = NETWORK_COLORS["forget"]
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
        for axes in (self.ax_c, self.ax_h):
            _style_axes(axes)
        self.half_value = _labelled(fig, 0.09, "half-life  ln 0.5 / ln f = ", ink(half))
        self.steady_value = _labelled(
            fig, 0.50, "steady state  i\u00b7g / (1 \u2212 f) = ", ink(color)
        )
        self.half_label = ax.text(
            0,
            0,
            "",
            fontsize=9,
            color=ink(half),
            ha="left",
            va="bottom",
            bbox={"fc": "white", "ec": "none", "pad": 1.0},
        )
        self.animated = [self.kept, self.c, self.c0, self.steady, self.half_c, self.half_h, self.h]
        self.animated += [self.half_value, self.steady_value, self.half_label]
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
        self.ax_c.set_xlim(*limits[0])
        self.ax_c.set_ylim(*limits[1])
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
        self.figure = _figure(figsize, dpi)
        fig = self.figure
        self.ax_x = fig.add_axes((0.09, 0.80, 0.70, 0.14))
        self.ax_g = fig.add_axes((0.09, 0.44, 0.70, 0.30), sharex=self.ax_x)
        self.ax_m = fig.add_axes((0.09, 0.09, 0.70, 0.30), sharex=self.ax_x)
        t = np.arange(1, steps + 1)
        (self.x,) = self.ax_x.plot(t, np.zeros(steps), "-o", color="black", ms=3, lw=1.2)
        low, high = x_range
        pad = 0.1 * max(high - low, 1.0)
        self.ax_x.set_ylim(min(low, 0) - pad, max(high, 0) + pad)
        self.ax_x.set_ylabel("$x_t$", rotation=0, labelpad=12, fontsize=12)
        self.ax_x.set_title("event $x_t$ (the input)", fontsize=10, color=NEUTRAL, loc="left")
        self.gates = {}
        for k in "ifgo":
            name, role = _WEIGHT_GATES[k]
            (self.gates[k],) = self.ax_g.plot(
                t, np.zeros(steps), "-", color=GATE_COLORS[k], lw=1.8, label=f"${k}_t$ {role}"
            )
        self.ax_g.set_ylim(-1.08, 1.08)
        self.ax_g.axhline(0, color=NEUTRAL, lw=0.6)
        self.ax_g.set_ylabel("gates", fontsize=10)
        self.ax_g.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
        (self.c,) = self.ax_m.plot(
            t, np.zeros(steps), "-", color=MEMORY_COLORS["c"], lw=2.2, label="$c_t$ long-term"
        )
        (self.h,) = self.ax_m.plot(
            t, np.zeros(steps), "-", color=MEMORY_COLORS["h"], lw=2.0, label="$h_t$ short-term"
        )
        self.ax_m.axhline(0, color=NEUTRAL, lw=0.6)
        self.ax_m.set_ylabel("memories", fontsize=10)
        self.ax_m.set_xlabel("time step $t$", fontsize=10)
        self.ax_m.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
        self.ax_x.set_xlim(0.5, steps + 0.5)
        for ax in (self.ax_x, self.ax_g):
            ax.tick_params(labelbottom=False)
        for ax in (self.ax_x, self.ax_g, self.ax_m):
            _style_axes(ax)
        self.animated = [self.x, *self.gates.values(), self.c, self.h]
        self._limits = None
        self.m_limits = None  # fixed (low, high) of the memory axis; None follows the data

    def update(self, values):
        """Show a :func:`weight_timeline` dict."""
        self.x.set_ydata(values["x"])
        for k, line in self.gates.items():
            line.set_ydata(values[k])
        self.c.set_ydata(values["c"])
        self.h.set_ydata(values["h"])
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
    ``(T, H)``). Six heat maps (``i, f, g, o, c, h``; time across, units down) carry a
    frame around the current step and a marker on the current unit; each shows that
    value on its right. With ``diagram=True`` the cell diagram below shows the step's
    values.
    """

    def __init__(self, trace, *, labels=None, diagram=True, dpi=80, width=9.0):
        self.trace = trace
        steps, hidden = trace.c.shape
        map_height = 0.42 + 0.03 * min(hidden, 16)
        maps = 6 * map_height + 5 * 0.12 + 0.95
        top = 5.5 if diagram else 0.0
        height = maps + top
        self.figure = _figure((width, height), dpi)
        self.steps, self.hidden = steps, hidden
        self.maps = {}
        self.frames = {}
        self.markers = {}
        self.readouts = {}
        c_max = max(float(np.abs(trace.c).max()), 1e-6)
        for row, (key, (label, kind)) in enumerate(_HEAT.items()):
            bottom = height - 0.25 - (row + 1) * map_height - row * 0.12
            ax = self.figure.add_axes(
                (1.25 / width, bottom / height, (width - 2.6) / width, map_height / height)
            )
            color = GATE_COLORS.get(key, MEMORY_COLORS.get(key))
            if kind == "gate":
                cmap, vmin, vmax = _sequential(color, f"lstm_{key}"), 0.0, 1.0
            else:
                limit = c_max if kind == "memory" else 1.0
                cmap, vmin, vmax = _diverging(color, f"lstm_{key}"), -limit, limit
            ax.imshow(
                getattr(trace, key).T,
                aspect="auto",
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                interpolation="nearest",
                extent=(0.5, steps + 0.5, hidden - 0.5, -0.5),
            )
            ax.set_ylabel(
                label, rotation=0, ha="right", va="center", fontsize=9.5, color=ink(color)
            )
            ax.set_yticks([])
            ax.set_xticks([] if key != "h" else np.arange(1, steps + 1, max(1, steps // 20)))
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_color("#DDDDDD")
            self.frames[key] = ax.add_patch(
                Rectangle((0.5, -0.5), 1.0, hidden, fill=False, ec="black", lw=1.4, clip_on=False)
            )
            self.markers[key] = ax.add_patch(
                Rectangle((0.5, -0.5), 1.0, 1.0, fill=False, ec="black", lw=0.9, clip_on=False)
            )
            self.readouts[key] = ax.text(
                1.01,
                0.5,
                "",
                transform=ax.transAxes,
                fontsize=9.5,
                family="DejaVu Sans Mono",
                va="center",
            )
            self.maps[key] = ax
        last = self.maps["h"]
        last.tick_params(labelsize=8)
        if labels is not None:
            last.set_xticks(
                np.arange(1, steps + 1),
                [str(s) for s in labels],
                fontsize=8,
                family="DejaVu Sans Mono",
            )
        last.set_xlabel("time step $t$" + ("" if labels is None else " (input)"), fontsize=9.5)
        key = (
            f"colours: white = 0; full colour = 1 (c: {_fmt(c_max, 2)}); "
            f"grey = {_MINUS}1 (c: {_fmt(-c_max, 2)}). Frame: step t; small box: unit"
        )
        self.figure.text(0.01, (top + 0.05) / height, key, fontsize=8, color=NEUTRAL, va="bottom")
        self.diagram = None
        self.animated = [*self.frames.values(), *self.markers.values(), *self.readouts.values()]
        if diagram:
            ax = self.figure.add_axes((0.0, 0.0, 1.0, 5.5 / height))
            self.diagram = CellDiagram(ax)
            self.animated += list(self.diagram.artists.values()) + [self.diagram.note]

    def update(self, values):
        """Show step ``values["t"]`` (1-based) and unit ``values["unit"]`` of the trace (and
        ``values["label"]``, if any, in the diagram's note); returns False."""
        t, unit = values["t"], values["unit"]
        step_trace = self.trace.at(t - 1)
        for key in _HEAT:
            self.frames[key].set_x(t - 0.5)
            self.markers[key].set_xy((t - 0.5, unit - 0.5))
            self.readouts[key].set_text(f"{key} = {_fmt(float(getattr(step_trace, key)[unit]))}")
        if self.diagram is not None:
            self.diagram.unit = unit
            self.diagram.update(step_trace)
            label = values.get("label")
            where = f"step t = {t}" + (f" ({label!r})" if label is not None else "")
            self.diagram.note.set_text(
                f"{where}, unit {unit} of H = {self.hidden}; x shows feature 0"
            )
        return False


# =========================================================================== explorers


def _resolve_canvas(canvas):
    if canvas is None:
        canvas = os.environ.get("LSTM_MAGNIFIER_CANVAS", "auto")
    _checks.check_one_of("canvas", canvas, CANVASES)
    if canvas == "auto":
        try:
            import ipympl  # noqa: F401
        except ImportError:
            return "image"
        return "ipympl"
    return canvas


def _slider(description, low, high, value, *, step=0.01, color=NEUTRAL, tooltip=""):
    """A float slider with an HTML description, a readout, and a handle in ``color``."""
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        description_allow_html=True,
        readout=True,
        readout_format=".2f",
        continuous_update=True,
        tooltip=tooltip,
        style={"description_width": "7.5em", "handle_color": color},
        layout=widgets.Layout(width="310px"),
    )


def _int_slider(description, low, high, value, *, tooltip=""):
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        step=1,
        description=description,
        description_allow_html=True,
        readout=True,
        continuous_update=True,
        tooltip=tooltip,
        style={"description_width": "7.5em", "handle_color": NEUTRAL},
        layout=widgets.Layout(width="310px"),
    )


class _Explorer(abc.ABC):
    """What every explorer shares: controls, ``set``, ``values``, the figure widget, display.

    A subclass builds its view and its controls (a dict name -> widget) and
    defines ``_compute(params) -> values``.
    """

    def __init__(self, view, controls, *, canvas=None, initial=None):
        self.view = view
        self.controls = controls
        for name, value in self._check_all(initial or {}).items():
            controls[name].value = value
        self.canvas = _resolve_canvas(canvas)
        self._blitter = Blitter(view.figure, view.animated)
        self._holding = False
        self._values = {}
        self._figure_widget = None
        self._refresh(full=True)  # drawn off screen first: ipympl's canvas opens with the picture
        self._figure_widget = self._attach_canvas()
        for widget in controls.values():
            widget.observe(self._on_control, names="value")
        self.widget = widgets.VBox(
            [self._controls_box()] + ([self._figure_widget] if self._figure_widget else []),
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class(EXPLORER_CLASS)

    # ----------------------------------------------------------------- public
    @property
    def sliders(self):
        """The controls by name (sliders, and a dropdown in the :class:`WeightExplorer`)."""
        return dict(self.controls)

    @property
    def values(self):
        """A copy of what the figure shows: the controls' values and what follows from them."""
        return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in self._values.items()}

    @property
    def figure(self):
        """The Matplotlib figure (save it with :meth:`savefig`, which includes the moving parts)."""
        return self.view.figure

    def set(self, **values):
        """Move controls by name, e.g. ``set(f=0.5, i=1.0)``; recompute and redraw once, now.

        The same as moving the sliders, checked first: an unknown name raises
        TypeError, a value outside a slider's range or of the wrong type
        ValueError/TypeError, and nothing changes.
        """
        checked = self._check_all(values)
        self._holding = True
        try:
            for name, value in checked.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self._refresh()

    def savefig(self, *args, **kwargs):
        """Save the figure as it is shown now (``Figure.savefig`` arguments)."""
        self._blitter.savefig(*args, **kwargs)
        self._refresh(full=True)

    def close(self):
        """Close the widgets; the explorer stops responding."""
        self.widget.close()
        for widget in self.controls.values():
            widget.close()
        if self._figure_widget is not None:
            self._figure_widget.close()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        shown = ", ".join(f"{name}={_short(w.value)}" for name, w in self.controls.items())
        return f"{type(self).__name__}({shown})"

    # ----------------------------------------------------------------- machinery
    def _check_all(self, values):
        return {name: self._check(name, value) for name, value in values.items()}

    def _check(self, name, value):
        if name not in self.controls:
            same = [n for n in self.controls if n.lower() == str(name).lower()]
            close = same or difflib.get_close_matches(name, self.controls, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TypeError(
                f"{type(self).__name__} has no control named {name!r}{hint}; "
                f"its controls are {', '.join(self.controls)}"
            )
        widget = self.controls[name]
        if isinstance(widget, widgets.Dropdown):
            return _checks.check_one_of(name, value, tuple(widget.options))
        if isinstance(widget, widgets.IntSlider):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{name} must be a whole number, got {value!r}")
            if not widget.min <= value <= widget.max:
                raise ValueError(f"{name} must be in [{widget.min}, {widget.max}], got {value}")
            return int(value)
        return _number(name, value, widget.min, widget.max)

    def _params(self):
        return {name: widget.value for name, widget in self.controls.items()}

    def _on_control(self, change):
        if not self._holding:
            self._refresh()

    def _refresh(self, full=False):
        values = self._compute(self._params())
        full = self.view.update(values) or full
        if self.canvas == "ipympl" and self._figure_widget is not None:
            with self._figure_widget.hold_sync():  # the browser sees only the final picture
                self._blitter.refresh(full)
                self._store_ipympl_picture()
        else:
            self._blitter.refresh(full)
        if self.canvas == "image" and self._figure_widget is not None:
            png = png_bytes(np.asarray(self.figure.canvas.buffer_rgba()))
            self._figure_widget.value = image_html(png, self.ALT)
        self._values = values

    def _store_ipympl_picture(self):
        """Until a browser view connects, and in the saved notebook, ipympl shows a stored
        picture, ``_data_url``; its own drawing stores the bare base64 text, which the view
        cannot load, so store a complete data URL instead."""
        if getattr(self._figure_widget, "syncing_data_url", False):
            png = png_bytes(np.asarray(self.figure.canvas.buffer_rgba()))
            self._figure_widget._data_url = (
                "data:image/png;base64," + base64.b64encode(png).decode()
            )

    def _attach_canvas(self):
        figure = self.view.figure
        width = round(figure.get_figwidth() * figure.dpi)
        png = png_bytes(np.asarray(figure.canvas.buffer_rgba()))
        if self.canvas == "image":
            layout = widgets.Layout(width="100%", max_width=f"{width}px")
            return widgets.HTML(value=image_html(png, self.ALT), layout=layout)
        if self.canvas == "ipympl":
            canvas = _ipympl_canvas(figure, png)
            self._blitter.forget_background()  # the new canvas has a blank renderer
            return canvas
        return None

    def _controls_box(self):
        return widgets.Box(
            list(self.controls.values()),
            layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%"),
        )

    @abc.abstractmethod
    def _compute(self, params):
        """The values the view shows, from the controls' ``params`` (each explorer's math)."""


def _ipympl_canvas(figure, png):
    """ipympl's canvas widget for ``figure``, opened with its size and a picture of it.

    ipympl opens a canvas empty and of size 0 and waits for the browser to ask
    for a drawing; a canvas that has been drawn before that (as an explorer's
    has) leaves the browser's view broken. Opening it with the size and the
    picture it shows avoids that, and is also what a saved notebook displays.
    """
    from ipympl.backend_nbagg import Canvas, FigureManager
    from traitlets import default

    class OpenedCanvas(Canvas):
        def __init__(self, figure, first):
            self._first = first
            super().__init__(figure)

        @default("_data_url")
        def _first_data_url(self):
            return self._first["_data_url"]

        @default("_size")
        def _first_size(self):
            return self._first["_size"]

    size = (round(figure.bbox.width), round(figure.bbox.height))
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    canvas = OpenedCanvas(figure, {"_data_url": data_url, "_size": size})
    FigureManager(canvas, id(figure))
    with canvas.hold_sync():
        canvas.toolbar_visible = False
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.resizable = False
    return canvas


def _short(value):
    return f"{value:g}" if isinstance(value, float) else repr(value)


class GateExplorer(_Explorer):
    r"""Set the gates by hand and watch one step of the cell.

    Sliders: ``i``, ``f``, ``o`` in $[0, 1]$, ``g`` in $[-1, 1]$ and ``c_prev``
    ($c_{t-1}$) in $[-3, 3]$. The figure is the cell diagram with the values on
    its wires, bars for the long-term memory before ($c_{t-1}$), the forget and
    learn contributions, the long-term memory after ($c_t$) and the short-term
    memory after ($h_t$), and the two equations with numbers:
    $c_t = f c_{t-1} + i g$, $h_t = o \tanh(c_t)$ (see :func:`gate_step`).

    ``values`` holds ``i, f, g, o, c_prev, learn, forget, c, tanh_c, h`` (floats).
    ``highlight`` ("learn", "forget", "remember", "use" or None) greys out the
    other networks of the diagram. Initial slider values can be passed by name,
    e.g. ``GateExplorer(f=0.9, c_prev=2.0)``.
    """

    ALT = (
        "Diagram of one LSTM cell step with the slider values on its wires, and"
        " bars of the long-term memory c and short-term memory h before and "
        "after the step"
    )
    """Alt text of the picture (what the static site shows)."""

    DEFAULTS = {"i": 0.5, "f": 0.8, "g": 0.6, "o": 0.7, "c_prev": 1.0}

    def __init__(self, *, highlight=None, canvas=None, dpi=90, **initial):
        tips = {
            "i": "input gate: how much of the candidate g is written (0 ignores it)",
            "f": "forget gate: how much of the old long-term memory is kept",
            "g": "candidate: the new information, between -1 and 1",
            "o": "output gate: how much of tanh(c) becomes the short-term memory",
            "c_prev": "the long-term memory coming in",
        }
        descriptions = {
            "i": "<b>i</b> ignore",
            "f": "<b>f</b> forget",
            "g": "<b>g</b> combine",
            "o": "<b>o</b> output",
            "c_prev": "<b>c_prev</b>",
        }
        controls = {}
        for name in ("i", "f", "g", "o"):
            low, high = GATE_RANGES[name]
            controls[name] = _slider(
                descriptions[name],
                low,
                high,
                self.DEFAULTS[name],
                color=GATE_COLORS[name],
                tooltip=tips[name],
            )
        controls["c_prev"] = _slider(
            descriptions["c_prev"],
            -3.0,
            3.0,
            self.DEFAULTS["c_prev"],
            color=MEMORY_COLORS["c"],
            tooltip=tips["c_prev"],
        )
        super().__init__(
            GateView(highlight=highlight, dpi=dpi), controls, canvas=canvas, initial=initial
        )

    def _compute(self, params):
        return {k: float(v) for k, v in gate_step(**params).items()}


class MemoryTimeline(_Explorer):
    r"""Hold the gates constant and watch the memories over time.

    Sliders: ``f``, ``i``, ``g``, ``o`` (constant over time), ``steps`` ($T$, 1 to
    200) and ``c0`` ($c_0$, $-3$ to 3). Plots $c_t$ and $h_t$ for $t = 1 \dots T$
    (see :func:`constant_gate_timeline`), what is left of $c_0$ ($f^t c_0$), the
    half-life $\ln 0.5 / \ln f$ and the steady state $i g / (1 - f)$.

    ``values["c"]`` and ``values["h"]`` are arrays of length ``steps``
    ($c_1 \dots c_T$); ``values`` also holds the slider values, ``t``, ``kept``,
    ``half_life`` and ``steady_state``.
    """

    ALT = (
        "Curves of the long-term memory c_t and short-term memory h_t over time"
        " for the constant gate values set by the sliders, with the half-life "
        "and steady state marked"
    )
    """Alt text of the picture (what the static site shows)."""

    DEFAULTS = {"f": 0.9, "i": 0.2, "g": 0.5, "o": 1.0, "steps": 40, "c0": 2.0}

    def __init__(self, *, canvas=None, dpi=90, **initial):
        d = self.DEFAULTS
        controls = {
            "f": _slider(
                "<b>f</b> forget",
                0.0,
                1.0,
                d["f"],
                step=0.005,
                color=GATE_COLORS["f"],
                tooltip="forget gate, the same at every step",
            ),
            "i": _slider(
                "<b>i</b> ignore",
                0.0,
                1.0,
                d["i"],
                color=GATE_COLORS["i"],
                tooltip="input gate, the same at every step",
            ),
            "g": _slider(
                "<b>g</b> combine",
                -1.0,
                1.0,
                d["g"],
                color=GATE_COLORS["g"],
                tooltip="candidate, the same at every step",
            ),
            "o": _slider(
                "<b>o</b> output",
                0.0,
                1.0,
                d["o"],
                color=GATE_COLORS["o"],
                tooltip="output gate, the same at every step",
            ),
            "steps": _int_slider(
                "<b>steps</b> T", 1, 200, d["steps"], tooltip="number of time steps"
            ),
            "c0": _slider(
                "<b>c0</b> start",
                -3.0,
                3.0,
                d["c0"],
                color=MEMORY_COLORS["c"],
                tooltip="long-term memory before step 1",
            ),
        }
        super().__init__(TimelineView(dpi=dpi), controls, canvas=canvas, initial=initial)

    def _compute(self, params):
        timeline = constant_gate_timeline(**params)
        return {**params, **timeline}


class WeightExplorer(_Explorer):
    r"""Set the weights of a one-unit cell and watch gates and memories over an input sequence.

    The cell has $D = H = 1$, so each gate $k \in \{i, f, g, o\}$ has three numbers:
    the input weight ``W_ik``, the recurrent weight ``W_hk`` and the bias ``b_k``
    (12 sliders, $-6$ to 6; see :data:`WEIGHT_NAMES`). The dropdown ``sequence``
    picks the input (:data:`SEQUENCES`; ``"custom"`` when ``x`` is given). The
    figure shows $x_t$, the four gates and the two memories over time
    (:func:`weight_timeline`).

    ``values`` holds the 12 weights, ``sequence``, and ``x, i, f, g, o, c, h``,
    arrays of shape ``(steps,)``.
    """

    ALT = (
        "Gate values and memories of a one-unit cell over an input sequence, "
        "for the weights and biases set by the sliders"
    )
    """Alt text of the picture (what the static site shows)."""

    DEFAULTS = {
        "W_ii": 6.0,
        "W_hi": 0.0,
        "b_i": -3.0,
        "W_if": 0.0,
        "W_hf": 0.0,
        "b_f": 2.0,
        "W_ig": 3.0,
        "W_hg": 0.0,
        "b_g": 0.0,
        "W_io": 0.0,
        "W_ho": 0.0,
        "b_o": 0.0,
    }

    def __init__(self, *, steps=30, x=None, canvas=None, dpi=90, **initial):
        steps = _checks.check_positive_int("steps", steps)
        self._sequences = {name: input_sequence(name, steps) for name in SEQUENCES}
        options = list(SEQUENCES)
        if x is not None:
            x = _checks.as_finite_array("x", x, np.float64, ndim=(1, 2))
            if x.ndim == 2 and x.shape[1] != 1:
                raise ValueError(
                    f"x must have shape (T,) or (T, 1) for a one-unit cell, got {x.shape}"
                )
            self._sequences = {"custom": x.reshape(-1), **self._sequences}
            steps = len(x)
            self._sequences.update({name: input_sequence(name, steps) for name in SEQUENCES})
            options = ["custom", *SEQUENCES]
        controls = {
            "sequence": widgets.Dropdown(
                options=options,
                value=options[0],
                description="input x",
                style={"description_width": "7.5em"},
                layout=widgets.Layout(width="310px"),
            )
        }
        for k in "ifgo":
            color = GATE_COLORS[k]
            names = (f"W_i{k}", f"W_h{k}", f"b_{k}")
            html = (
                f"<b>W_i{k}</b> (x)",
                f"<b>W_h{k}</b> (h)",
                f"<b>b_{k}</b>",
            )
            for name, description in zip(names, html, strict=True):
                controls[name] = _slider(
                    description,
                    -6.0,
                    6.0,
                    self.DEFAULTS[name],
                    step=0.1,
                    color=color,
                    tooltip=f"{_WEIGHT_GATES[k][0]}: {name}",
                )
        every = np.concatenate(list(self._sequences.values()))
        view = WeightView(steps, x_range=(every.min(), every.max()), dpi=dpi)
        super().__init__(view, controls, canvas=canvas, initial=initial)

    def _compute(self, params):
        weights = {name: params[name] for name in WEIGHT_NAMES}
        return {**params, **weight_timeline(weights, self._sequences[params["sequence"]])}

    def _controls_box(self):
        columns = []
        for k in "ifgo":
            name, role = _WEIGHT_GATES[k]
            color = ink(GATE_COLORS[k])
            header = widgets.HTML(f"<b style='color:{color}'>{name}</b> <span>({role})</span>")
            names = (f"W_i{k}", f"W_h{k}", f"b_{k}")
            columns.append(widgets.VBox([header, *(self.controls[n] for n in names)]))
        grid = widgets.Box(columns, layout=widgets.Layout(display="flex", flex_flow="row wrap"))
        return widgets.VBox([self.controls["sequence"], grid])


class SequenceMagnifier(_Explorer):
    r"""Step through a sequence run through an LSTM and look inside the cell at each step.

    ``model`` is an :class:`~lstm_magnifier.lstm.LSTM` (or a model whose ``.core``
    is one), ``x`` a sequence ``(T, D)`` or a batch ``(T, B, D)`` (item ``batch``
    is shown). The sequence is run once (``model.forward``, which replaces the
    model's cache) at construction; ``state`` is passed on to it.

    Sliders: ``t``, the time step (1 to $T$, as in $x_1 \dots x_T$), and ``unit``,
    the hidden unit (0 to $H - 1$) whose values the cell diagram shows. Heat maps
    show ``i, f, g, o, c, h`` of layer ``layer`` for every step and unit.
    ``labels`` (one string per step, e.g. the characters of the input) label the
    time axis.

    ``values`` holds ``t``, ``unit``, and the step's ``x`` ``(D,)`` and ``h_prev,
    c_prev, i, f, g, o, learn, forget, c, h`` ``(H,)``, the fields of
    ``model.trace(layer).at(t - 1)`` (``label`` too when labels are given).
    """

    ALT = (
        "Heat maps of the gates i, f, g, o and memories c, h over time and "
        "units, the chosen step framed, and the cell diagram with that step's "
        "values"
    )
    """Alt text of the picture (what the static site shows)."""

    def __init__(
        self,
        model,
        x,
        *,
        layer=0,
        batch=0,
        state=None,
        labels=None,
        diagram=True,
        canvas=None,
        dpi=80,
        **initial,
    ):
        self.trace = sequence_trace(model, x, layer=layer, batch=batch, state=state)
        steps, hidden = self.trace.c.shape
        if labels is not None:
            labels = [str(label) for label in labels]
            if len(labels) != steps:
                raise ValueError(
                    f"labels must have one entry per step ({steps}), got {len(labels)}"
                )
        self.labels = labels
        controls = {
            "t": _int_slider("<b>t</b> step", 1, steps, 1, tooltip="time step, 1 to T"),
            "unit": _int_slider(
                "<b>unit</b>", 0, hidden - 1, 0, tooltip="hidden unit shown on the diagram"
            ),
        }
        self.play = widgets.Play(
            value=controls["t"].value,
            min=1,
            max=steps,
            interval=400,
            description="play",
            layout=widgets.Layout(width="auto"),
        )
        # Play follows t in both places: in the kernel (``initial`` and ``set(t=...)``
        # move the slider) and in the browser, where the stored page has no kernel
        # and the link first copies its source onto its target (the slider leads).
        widgets.link((controls["t"], "value"), (self.play, "value"))
        widgets.jslink((controls["t"], "value"), (self.play, "value"))
        view = SequenceView(self.trace, labels=labels, diagram=diagram, dpi=dpi)
        super().__init__(view, controls, canvas=canvas, initial=initial)

    def _compute(self, params):
        t, unit = params["t"], params["unit"]
        step_trace = trace_at(self.trace, t)
        keys = ("x", "h_prev", "c_prev", "i", "f", "g", "o", "learn", "forget", "c", "h")
        values = {"t": t, "unit": unit, **{k: getattr(step_trace, k).copy() for k in keys}}
        if self.labels is not None:
            values["label"] = self.labels[t - 1]
        return values

    def _controls_box(self):
        return widgets.Box(
            [self.play, *self.controls.values()],
            layout=widgets.Layout(display="flex", flex_flow="row wrap"),
        )


__all__ = [
    "Blitter",
    "CANVASES",
    "EXPLORER_CLASS",
    "GATE_RANGES",
    "GIVEN",
    "GateExplorer",
    "GateView",
    "MemoryTimeline",
    "SEQUENCES",
    "SequenceMagnifier",
    "SequenceView",
    "TimelineView",
    "WEIGHT_NAMES",
    "WeightExplorer",
    "WeightView",
    "constant_gate_timeline",
    "gate_step",
    "input_sequence",
    "memory_half_life",
    "png_bytes",
    "sequence_trace",
    "steady_state",
    "trace_at",
    "weight_timeline",
]
