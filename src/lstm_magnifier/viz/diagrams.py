r"""The book's diagrams of the LSTM cell, drawn with matplotlib alone.

Two kinds of figure, both in the colours of :mod:`lstm_magnifier.viz.palette`:

- :func:`draw_cell` / :class:`CellDiagram`: the whole cell with its four networks (Learn, Forget,
  Remember, Use) as coloured regions, read left to right and bottom to top;
- :func:`draw_network` / :class:`NetworkDiagram`: the magnifier, one network enlarged with its
  equation.

The recurrence unrolled over time is drawn by :mod:`lstm_magnifier.viz.layer_diagrams`.

The cell drawn is the standard LSTM (PyTorch's ``nn.LSTMCell``):

$$ i = \sigma(W_i[h_{t-1}, x_t] + b_i),\; f = \sigma(W_f[\cdot] + b_f),\;
   g = \tanh(W_g[\cdot] + b_g),\; o = \sigma(W_o[\cdot] + b_o) $$
$$ \mathrm{learn} = i \odot g,\quad \mathrm{forget} = f \odot c_{t-1},\quad
   c_t = \mathrm{forget} + \mathrm{learn},\quad h_t = o \odot \tanh(c_t) $$

Given a trace (a :class:`lstm_magnifier.cell.Trace`, or any object with its fields
:data:`TRACE_FIELDS`), the diagrams print live values on their wires. The diagram classes keep those
text artists in ``.artists`` so that ``.update(trace)`` only calls ``set_text``: explorers can
redraw a slider move without rebuilding the figure.
"""

from matplotlib import patheffects
from matplotlib.colors import to_rgb

from lstm_magnifier.viz.drawing import (
    _TIMES,
    NETWORKS,
    TRACE_FIELDS,
    _box,
    _caption,
    _check_name,
    _Diagram,
    _dot,
    _label,
    _node,
    _rounded,
    _setup_axes,
    _tint,
    _wire,
    format_value,
    trace_value,
)
from lstm_magnifier.viz.palette import (
    GATE_COLORS,
    MEMORY_COLORS,
    MUTED,
    NETWORK_COLORS,
    NEUTRAL,
    ink,
)

TITLES = {"learn": "Learn", "forget": "Forget", "remember": "Remember", "use": "Use"}

EQUATIONS = {
    "learn": r"$\mathrm{learn}_t = i_t \odot g_t$" + "\n"
    r"$i_t = \sigma(W_i\,[h_{t-1}, x_t] + b_i), \quad g_t = \tanh(W_g\,[h_{t-1}, x_t] + b_g)$",
    "forget": r"$\mathrm{forget}_t = f_t \odot c_{t-1}$" + "\n"
    r"$f_t = \sigma(W_f\,[h_{t-1}, x_t] + b_f)$",
    "remember": r"$c_t = \mathrm{forget}_t + \mathrm{learn}_t$" + "\n"
    r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$",
    "use": r"$h_t = o_t \odot \tanh(c_t)$" + "\n" r"$o_t = \sigma(W_o\,[h_{t-1}, x_t] + b_o)$",
}
"""Each network's equation as matplotlib mathtext (two lines): the magnifier's title."""

ALT_TEXTS = {
    "cell": "Diagram of one LSTM cell: long-term memory c enters top left and short-term memory h "
    "bottom left, the event x enters from below, and four coloured regions (Forget, Learn, "
    "Remember, Use) turn them into the new c (top right) and the new h (right and up).",
    "learn": "Magnified Learn network: h and x feed a tanh layer (combine, giving g) and a sigmoid "
    "layer (ignore, giving i), and their elementwise product i times g is what the cell learns.",
    "forget": "Magnified Forget network: a sigmoid layer reads h and x and gives the forget factor "
    "f, which multiplies the long-term memory c elementwise.",
    "remember": "Magnified Remember network: the outputs of the Forget and Learn networks are "
    "added, with no weights, to give the new long-term memory c.",
    "use": "Magnified Use network: the new long-term memory c passes through tanh and is "
    "multiplied by the output factor o, a sigmoid layer of h and x, giving the new short-term "
    "memory h, which is also the prediction.",
    "unrolled": "A row of identical LSTM cells, one per time step: each takes an input x from "
    "below, passes long-term memory c and short-term memory h to the next cell on its right, "
    "and sends h up as its output.",
}


def _region(ax, bounds, name, label_xy, *, ha="left", text=None):
    """One network's translucent, rounded region and its title (default: the network's name)."""
    x0, y0, x1, y1 = bounds
    patch = _rounded(ax, (x0, y0), x1 - x0, y1 - y0, "none", lw=1.4, radius=0.35, zorder=0)
    title = ax.text(*label_xy, text or TITLES[name], ha=ha, va="center", fontsize=12, weight="bold")
    _paint_region(patch, title, NETWORK_COLORS[name])
    return patch, title


def _paint_region(patch, title, color):
    patch.set_facecolor((*to_rgb(color), 0.10))
    patch.set_edgecolor((*to_rgb(color), 0.85))
    title.set_color(ink(color))


def _incoming(ax, y, end, symbol, color, caption, *, arrow=True, start=1.3):
    """A memory entering from the left at height ``y``: its wire, symbol and caption."""
    _wire(ax, [(start, y), (end, y)], color, arrow=arrow)
    _label(ax, (0.1, y), symbol, color, ha="left", size=14)
    _caption(ax, (0.1, y + 0.55), caption, ha="left")


def _tag(ax, xy, symbol, color, caption):
    """The symbol at a wire's end (e.g. $x_t$) and a caption on its right ("event")."""
    _label(ax, xy, symbol, color, size=14)
    _caption(ax, (xy[0] + 0.35, xy[1]), caption, ha="left")


# --------------------------------------------------------------------------- the whole cell

_CELL_SIZE = (20.0, 12.2)  # data units; aspect of the default figsize (9, 5.5)
_YC, _YBUS, _YLAYER = 10.0, 2.0, 4.4  # heights of the c line, the [h, x] bus, the layers
_XC = {"join": 3.0, "f": 4.0, "i": 6.6, "g": 8.6, "o": 12.0, "tanh": 14.2, "out": 16.4, "end": 18.9}
_LAYER = (1.4, 1.0)  # size of a layer box
_NETWORK_OF = {"i": "learn", "g": "learn", "f": "forget", "o": "use"}  # gate -> its network


class CellDiagram(_Diagram):
    r"""The whole LSTM cell, its four networks as coloured regions, optionally with live values.

    Read it left to right, bottom to top: long-term memory $c_{t-1}$ enters top left, short-term
    memory $h_{t-1}$ bottom left, the event $x_t$ from below; the new $c_t$ leaves top right, the
    new $h_t$ leaves right and goes up as the prediction. Values shown are batch item 0 and hidden
    unit ``unit`` of each ``(B, H)`` array (``x`` shows its feature 0).

    Attributes: ``ax``; ``artists`` (trace key -> value ``Text``, keys
    ``c_prev, h_prev, x, i, f, g, o, learn, forget, c, h``: every trace field but ``read``);
    ``groups`` (network -> its artists); ``regions`` (network -> (patch, title)); ``note`` (which
    unit is shown).
    """

    def __init__(
        self, ax=None, *, trace=None, highlight=None, show_values=True, title=None, unit=0
    ):
        _check_name(highlight, "highlight", allow_none=True)
        super().__init__(_setup_axes(ax, *_CELL_SIZE, (9, 5.5)), unit, show_values)
        self.regions = {}  # network -> (region patch, region title)
        for part in ("regions", "inputs", "forget", "learn", "remember", "use", "key"):
            getattr(self, f"_draw_{part}")()
        self._note((0.1, 11.9))
        if title is not None:
            self.ax.set_title(title)
        self.set_highlight(highlight)
        if trace is not None:
            self.update(trace)

    def set_highlight(self, name):
        """Put network ``name`` in focus and grey out the other three (``None``: all in colour)."""
        _check_name(name, "highlight", allow_none=True)
        keep = {id(artist) for artist in self.groups[name]} if name else None
        for artist in {id(a): a for group in self.groups.values() for a in group}.values():
            alpha = None if keep is None or id(artist) in keep else 0.25
            artist.set_alpha(alpha)
            if hasattr(artist, "get_bbox_patch") and artist.get_bbox_patch() is not None:
                artist.get_bbox_patch().set_alpha(alpha)
        for network, region in self.regions.items():
            dim = name is not None and network != name
            _paint_region(*region, MUTED if dim else NETWORK_COLORS[network])
        self.highlight = name
        return self

    def _draw_regions(self):
        bounds = {
            "forget": ((3.05, 3.45, 4.95, 11.05), (4.0, 10.7), "center"),
            "learn": ((5.55, 3.45, 9.75, 7.75), (5.75, 7.4), "left"),
            "remember": ((7.5, 9.3, 10.2, 11.05), (8.85, 10.7), "center"),
            "use": ((11.0, 3.45, 17.1, 8.8), (11.2, 8.45), "left"),
        }
        for name, (box, label_xy, ha) in bounds.items():
            self.regions[name] = _region(self.ax, box, name, label_xy, ha=ha)

    def _draw_inputs(self):
        ax, c, h, x = self.ax, MEMORY_COLORS["c"], MEMORY_COLORS["h"], MEMORY_COLORS["x"]
        join = (_XC["join"], _YBUS)
        _incoming(ax, _YC, _XC["f"] - 0.3, r"$c_{t-1}$", c, "long-term memory", start=1.25)
        _incoming(
            ax, _YBUS, _XC["join"], r"$h_{t-1}$", h, "short-term memory", arrow=False, start=1.25
        )
        _wire(ax, [(_XC["join"], 0.7), join], x, arrow=False)
        _tag(ax, (_XC["join"], 0.35), r"$x_t$", x, "event")
        _dot(ax, join, NEUTRAL)
        _wire(ax, [join, (_XC["o"], _YBUS)], NEUTRAL, arrow=False)
        _label(ax, (10.3, _YBUS - 0.4), r"$[h_{t-1}, x_t]$", NEUTRAL, size=10)
        for gate in "fig":
            _dot(ax, (_XC[gate], _YBUS), NEUTRAL)
        for gate in "figo":
            top = (_XC[gate], _YLAYER - _LAYER[1] / 2)
            self._add(_NETWORK_OF[gate], _wire(ax, [(_XC[gate], _YBUS), top], NEUTRAL))
        self._value("c_prev", (2.1, _YC), c)
        self._value("h_prev", (2.1, _YBUS), h)
        self._value("x", (_XC["join"], 1.3), x)

    def _layer(self, gate, symbol):
        box = _box(self.ax, (_XC[gate], _YLAYER), _LAYER, symbol, GATE_COLORS[gate])
        return self._add(_NETWORK_OF[gate], box)

    def _draw_forget(self):
        ax, color, top = self.ax, GATE_COLORS["f"], _YLAYER + _LAYER[1] / 2
        self._layer("f", r"$\sigma$")
        self._add("forget", _wire(ax, [(_XC["f"], top), (_XC["f"], _YC - 0.3)], color))
        self._add("forget", _label(ax, (_XC["f"] - 0.25, 7.9), r"$f_t$", color, ha="right"))
        self._value("f", (_XC["f"], 6.9), color, "forget")
        self._add("forget", _node(ax, (_XC["f"], _YC), _TIMES, NETWORK_COLORS["forget"]))
        both = ("forget", "remember")  # forget's output is remember's input
        self._add(
            both, _wire(ax, [(_XC["f"] + 0.3, _YC), (_XC["g"] - 0.3, _YC)], MEMORY_COLORS["c"])
        )
        self._add(both, _label(ax, (6.3, _YC + 0.45), "forget", NETWORK_COLORS["forget"], size=10))
        self._value("forget", (6.3, _YC), MEMORY_COLORS["c"], both)

    def _draw_learn(self):
        ax, ci, cg, learn = self.ax, GATE_COLORS["i"], GATE_COLORS["g"], NETWORK_COLORS["learn"]
        self._layer("i", r"$\sigma$")
        self._layer("g", "tanh")
        top, y_mul, xg = _YLAYER + _LAYER[1] / 2, 6.8, _XC["g"]
        self._add("learn", _wire(ax, [(_XC["i"], top), (_XC["i"], y_mul), (xg - 0.3, y_mul)], ci))
        self._add("learn", _wire(ax, [(xg, top), (xg, y_mul - 0.3)], cg))
        self._add("learn", _label(ax, (7.45, y_mul + 0.4), r"$i_t$", ci))
        self._add("learn", _label(ax, (xg + 0.3, 6.2), r"$g_t$", cg, ha="left"))
        self._value("i", (_XC["i"], 5.65), ci, "learn")
        self._value("g", (xg, 5.65), cg, "learn")
        self._add("learn", _node(ax, (xg, y_mul), _TIMES, learn))
        both = ("learn", "remember")  # learn's output is remember's input
        self._add(both, _wire(ax, [(xg, y_mul + 0.3), (xg, _YC - 0.3)], learn))
        self._add(both, _label(ax, (xg + 0.25, 8.75), "learn", learn, size=10, ha="left"))
        self._value("learn", (xg, 8.3), learn, both)

    def _draw_remember(self):
        ax, c = self.ax, MEMORY_COLORS["c"]
        self._add("remember", _node(ax, (_XC["g"], _YC), "+", NETWORK_COLORS["remember"]))
        _wire(ax, [(_XC["g"] + 0.3, _YC), (_XC["end"], _YC)], c)
        _label(ax, (_XC["end"] + 0.12, _YC), r"$c_t$", c, ha="left", size=14)
        _caption(ax, (19.95, _YC + 0.55), "long-term memory", ha="right")
        self._value("c", (11.4, _YC), c)

    def _draw_use(self):
        ax, co, cu = self.ax, GATE_COLORS["o"], NETWORK_COLORS["use"]
        c, h, xt, xo, y_mul = MEMORY_COLORS["c"], MEMORY_COLORS["h"], _XC["tanh"], _XC["out"], 6.0
        self._layer("o", r"$\sigma$")
        self._add("use", _dot(ax, (xt, _YC), c) + _wire(ax, [(xt, _YC), (xt, 8.15)], c))
        tanh = _box(ax, (xt, 7.7), (1.4, 0.8), "tanh", cu, face=_tint(cu, 0.15), round_=0.4)
        self._add("use", tanh + _wire(ax, [(xt, 7.3), (xt, y_mul + 0.3)], cu))
        top = _YLAYER + _LAYER[1] / 2
        self._add("use", _wire(ax, [(_XC["o"], top), (_XC["o"], y_mul), (xt - 0.3, y_mul)], co))
        self._add("use", _label(ax, (12.95, y_mul + 0.45), r"$o_t$", co))
        self._value("o", (12.95, y_mul), co, "use")
        self._add("use", _node(ax, (xt, y_mul), _TIMES, cu))
        out = _wire(ax, [(xt + 0.3, y_mul), (xo, y_mul)], h, arrow=False) + _dot(ax, (xo, y_mul), h)
        up = _wire(ax, [(xo, y_mul), (xo, 11.55)], h)
        up[0].set_path_effects([patheffects.withStroke(linewidth=6, foreground="white")])
        self._add("use", out + up + _wire(ax, [(xo, y_mul), (xo, _YBUS), (_XC["end"], _YBUS)], h))
        _tag(ax, (xo, 11.85), r"$h_t$", h, "prediction")
        _label(ax, (_XC["end"] + 0.12, _YBUS), r"$h_t$", h, ha="left", size=14)
        _caption(ax, (19.95, _YBUS + 0.55), "short-term memory", ha="right")
        self._value("h", (17.65, _YBUS), h)

    def _draw_key(self):
        ax, x, y = self.ax, 5.2, 0.45
        for symbol, text in (
            (r"$\sigma$", "layer: weights + activation"),
            (_TIMES, "elementwise product"),
            ("+", "sum"),
        ):
            if symbol == r"$\sigma$":
                _box(ax, (x, y), (0.7, 0.5), symbol, NEUTRAL, fontsize=10, round_=0.1)
            else:
                _node(ax, (x, y), symbol, NEUTRAL, r=0.24)
            _label(ax, (x + 0.5, y), text, NEUTRAL, ha="left", size=8.5)
            x += 0.9 + 0.2 * len(text)


def draw_cell(ax=None, *, trace=None, highlight=None, show_values=True, title=None, unit=0):
    r"""Draw the whole LSTM cell (a :class:`CellDiagram`) and return the Axes.

    ``ax`` is where to draw (``None``: a new figure of size (9, 5.5)). ``trace`` is a step of
    :func:`lstm_magnifier.cell.step` (or :meth:`LSTMCell.step <lstm_magnifier.cell.LSTMCell.step>`,
    or any object with the fields :data:`TRACE_FIELDS`), each ``(H,)`` or ``(B, H)`` and ``x``
    ``(D,)`` or ``(B, D)``; its values are printed on the wires: batch item 0, hidden unit ``unit``
    (default 0), feature 0 of ``x``. ``highlight`` ("learn", "forget", "remember", "use" or None)
    keeps one network in colour and greys out the others; ``show_values=False`` draws no value
    boxes; ``title`` is the Axes title. The diagram is kept as ``ax.lstm_diagram`` and its value
    texts as ``ax.lstm_values``, so that a widget can call ``ax.lstm_diagram.update(trace)`` later.
    """
    return CellDiagram(
        ax, trace=trace, highlight=highlight, show_values=show_values, title=title, unit=unit
    )._on_axes()


# --------------------------------------------------------------------------- the magnifier

_NET_SIZE = (16.0, 8.2)
_XL, _XB, _XM, _XE = 2.8, 6.6, 10.8, 14.4  # x of: inputs join, layer boxes, x/+ node, output end
_BOX = (2.6, 1.4)  # size of a layer box


class NetworkDiagram(_Diagram):
    r"""The magnifier: one of the four networks enlarged, with its equation as the title.

    ``name`` is "learn", "forget", "remember" or "use". Layer boxes show the activation and the
    weights they own ($W_i, b_i$ ...); round nodes are the weight-free operations ($\odot$, $+$, and
    the $\tanh$ on $c_t$). With a trace, the wires show batch item 0 and hidden unit ``unit``
    (``x``: feature 0). ``artists`` maps trace keys to value texts (``"tanh_c"`` is $\tanh(c_t)$,
    the trace's ``read``); ``update(trace)`` changes only their text.
    """

    def __init__(self, name, ax=None, *, trace=None, unit=0, show_values=True):
        self.name = _check_name(name)
        super().__init__(_setup_axes(ax, *_NET_SIZE, (8, 5.0)), unit, show_values)
        getattr(self, f"_draw_{name}")()
        self._note((15.95, 0.15), ha="right")
        self.ax.set_title(EQUATIONS[name], fontsize=12, linespacing=1.6)
        if trace is not None:
            self.update(trace)

    def _region(self, bounds, label_xy):
        title = f"{TITLES[self.name]} network"
        _region(self.ax, bounds, self.name, label_xy, ha="right", text=title)

    def _joined_inputs(self, y):
        """$h_{t-1}$ from the left and $x_t$ from below, joined at (``_XL``, ``y``)."""
        ax, h, x = self.ax, MEMORY_COLORS["h"], MEMORY_COLORS["x"]
        _incoming(ax, y, _XL, r"$h_{t-1}$", h, "short-term memory", arrow=False)
        _wire(ax, [(_XL, 0.9), (_XL, y)], x, arrow=False)
        _tag(ax, (_XL, 0.5), r"$x_t$", x, "event")
        _dot(ax, (_XL, y), NEUTRAL)
        self._value("h_prev", (2.05, y), h)
        self._value("x", (_XL, min(1.6, (0.9 + y) / 2 - 0.05)), x)

    def _layer(self, gate, y, activation, role, role_dy):
        """A layer box at height ``y``: activation, its weights, and its role above or below."""
        sub = rf"$W_{gate},\ b_{gate}$"
        _box(self.ax, (_XB, y), _BOX, activation, GATE_COLORS[gate], sub=sub, fontsize=15)
        _caption(self.ax, (_XB, y + role_dy), role)

    def _gate_wire(self, key, label, y, color, y_node=4.0):
        """From a box at height ``y`` right to the node at (``_XM``, ``y_node``)."""
        end = y_node + (0.3 if y > y_node else -0.3)
        _wire(self.ax, [(_XB + _BOX[0] / 2, y), (_XM, y), (_XM, end)], color)
        _label(self.ax, ((_XB + _XM) / 2 + 0.65, y + 0.42), label, color)
        self._value(key, ((_XB + _XM) / 2 + 0.65, y), color)

    def _sigmoid_gate(self, gate, role, y_node=4.0):
        """$[h_{t-1}, x_t]$ into the sigmoid layer of ``gate`` at height 2.4, and on to the node."""
        self._joined_inputs(2.4)
        _wire(self.ax, [(_XL, 2.4), (_XB - _BOX[0] / 2, 2.4)], NEUTRAL)
        _label(self.ax, (4.25, 2.8), r"$[h_{t-1}, x_t]$", NEUTRAL, size=10)
        self._layer(gate, 2.4, r"$\sigma$", role, -1.05)
        self._gate_wire(gate, f"${gate}_t$", 2.4, GATE_COLORS[gate], y_node=y_node)

    def _output(self, key, y, color, label, caption, x0=_XM + 0.3):
        _wire(self.ax, [(x0, y), (_XE, y)], color)
        _label(self.ax, (_XE + 0.12, y), label, color, ha="left", size=14)
        _caption(self.ax, (15.95, y - 0.55), caption, ha="right")
        self._value(key, ((x0 + _XE) / 2, y), color)

    def _draw_learn(self):
        ax, y_fork = self.ax, 4.2
        self._region((3.7, 0.35, 12.0, 7.75), (11.8, 7.4))
        self._joined_inputs(4.0)
        _wire(ax, [(_XL, 4.0), (y_fork, 4.0)], NEUTRAL, arrow=False)
        _dot(ax, (y_fork, 4.0), NEUTRAL)
        for y in (6.2, 1.8):
            _wire(ax, [(y_fork, 4.0), (y_fork, y), (_XB - _BOX[0] / 2, y)], NEUTRAL)
        _label(ax, (y_fork + 0.15, 4.0), r"$[h_{t-1}, x_t]$", NEUTRAL, ha="left", size=10)
        self._layer("g", 6.2, "tanh", "combine", 1.0)
        self._layer("i", 1.8, r"$\sigma$", "ignore", -1.0)
        self._gate_wire("g", r"$g_t$", 6.2, GATE_COLORS["g"])
        self._gate_wire("i", r"$i_t$", 1.8, GATE_COLORS["i"])
        _node(ax, (_XM, 4.0), _TIMES, NETWORK_COLORS["learn"])
        self._output("learn", 4.0, NETWORK_COLORS["learn"], r"$\mathrm{learn}_t$", "to Remember")

    def _draw_forget(self):
        c = MEMORY_COLORS["c"]
        self._region((3.7, 0.35, 12.0, 7.2), (11.8, 6.85))
        _incoming(self.ax, 6.2, _XM - 0.3, r"$c_{t-1}$", c, "long-term memory")
        self._value("c_prev", (2.5, 6.2), c)
        self._sigmoid_gate("f", "forget factor", y_node=6.2)
        _node(self.ax, (_XM, 6.2), _TIMES, NETWORK_COLORS["forget"])
        self._output("forget", 6.2, c, r"$\mathrm{forget}_t$", "to Remember")

    def _draw_remember(self):
        ax, c, x_add = self.ax, MEMORY_COLORS["c"], 8.0
        self._region((6.4, 2.6, 12.9, 5.4), (12.7, 5.0))
        sources = (
            ("forget", 6.2, r"$f_t \odot c_{t-1}$", c),
            ("learn", 1.8, r"$i_t \odot g_t$", None),
        )
        for name, y, sub, wire_color in sources:
            color = NETWORK_COLORS[name]
            _box(ax, (2.0, y), (3.0, 1.3), f"{TITLES[name]} network", color, sub=sub, fontsize=11)
            end = 4.0 + (0.35 if y > 4.0 else -0.35)
            _wire(ax, [(3.5, y), (x_add, y), (x_add, end)], wire_color or color)
            _label(ax, (5.5, y + 0.42), rf"$\mathrm{{{name}}}_t$", color)
            self._value(name, (5.5, y), wire_color or color)
        _node(ax, (x_add, 4.0), "+", NETWORK_COLORS["remember"], r=0.35)
        _caption(ax, (9.9, 3.1), "no weights: a plain sum")
        self._output("c", 4.0, c, r"$c_t$", "new long-term memory", x0=x_add + 0.35)

    def _draw_use(self):
        ax, c, h, use = self.ax, MEMORY_COLORS["c"], MEMORY_COLORS["h"], NETWORK_COLORS["use"]
        self._region((3.7, 0.35, 12.0, 7.75), (11.8, 7.4))
        _incoming(ax, 6.2, _XB - _BOX[0] / 2, r"$c_t$", c, "new long-term memory")
        self._value("c", (2.5, 6.2), c)
        face = _tint(use, 0.15)
        _box(
            ax, (_XB, 6.2), _BOX, "tanh", use, sub="no weights", face=face, fontsize=15, round_=0.6
        )
        self._gate_wire("tanh_c", r"$\tanh(c_t)$", 6.2, use)
        self._sigmoid_gate("o", "output factor")
        _node(ax, (_XM, 4.0), _TIMES, use)
        x_split = 12.6
        _wire(ax, [(_XM + 0.3, 4.0), (x_split, 4.0)], h, arrow=False)
        _dot(ax, (x_split, 4.0), h)
        _wire(ax, [(x_split, 4.0), (x_split, 7.45)], h)
        _tag(ax, (x_split, 7.8), r"$h_t$", h, "prediction")
        self._output("h", 4.0, h, r"$h_t$", "new short-term memory", x0=x_split)


def draw_network(name, ax=None, *, trace=None, unit=0, show_values=True):
    r"""Draw one network under the magnifier and return the Axes.

    ``name`` is "learn", "forget", "remember" or "use"; the title is its equation
    (:data:`EQUATIONS`). ``trace`` (a ``Trace``, arrays ``(H,)`` or ``(B, H)``) adds live values:
    batch item 0, hidden unit ``unit``, feature 0 of ``x``. The :class:`NetworkDiagram` is kept as
    ``ax.lstm_diagram`` and its value texts as ``ax.lstm_values``.
    """
    return NetworkDiagram(name, ax, trace=trace, unit=unit, show_values=show_values)._on_axes()


def alt_text(name):
    """One-sentence alt text for a figure: "cell", "unrolled", or a network name."""
    if name not in ALT_TEXTS:
        raise ValueError(f"name must be one of {tuple(ALT_TEXTS)}, got {name!r}")
    return ALT_TEXTS[name]


__all__ = [
    "ALT_TEXTS",
    "EQUATIONS",
    "NETWORKS",
    "TITLES",
    "TRACE_FIELDS",
    "CellDiagram",
    "NetworkDiagram",
    "alt_text",
    "draw_cell",
    "draw_network",
    "format_value",
    "trace_value",
]
