r"""Anatomy of an LSTM layer: the pieces that chapters 1, 2 and 6 take apart.

An LSTM cell of hidden size $H$ is four dense layers of $H$ units each that all read
the same joined input $[h_{t-1}, x_t]$ (chapter 1):

.. math::
    i_t = \sigma(W_i [h_{t-1}, x_t] + b_i), \quad
    f_t = \sigma(W_f [h_{t-1}, x_t] + b_f), \quad
    g_t = \tanh(W_g [h_{t-1}, x_t] + b_g), \quad
    o_t = \sigma(W_o [h_{t-1}, x_t] + b_o)

followed by a recombination without weights, $c_t = f_t \odot c_{t-1} + i_t \odot g_t$
and $h_t = o_t \odot \tanh(c_t)$. This module makes that reading concrete:

- :func:`joined_input`, :func:`gate_as_dense`, :func:`four_networks`: the cell as four
  :class:`~lstm_magnifier.nn.Dense` layers (chapter 1);
- :func:`parameter_counts`, :func:`parameter_table`: a dense layer against an LSTM
  cell of the same width (chapter 1);
- :func:`unroll`, :func:`over_time`: the recurrence as a loop over
  :meth:`LSTMCell.step <lstm_magnifier.cell.LSTMCell.step>` (chapter 2);
- :func:`weight_shapes`, :func:`split_layers`: every weight of ``LSTM(D, H, L)`` and a
  stacked LSTM taken apart into its layers (chapter 6);
- :class:`Table`: a small table that prints as text and shows as HTML;
- figures: :func:`draw_dense_vs_cell` (chapter 1), :func:`plot_memories` (chapter 2),
  :func:`draw_stacked` (chapter 6).
"""

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import GATES, PARAM_NAMES, STANDARD, LSTMCell, Trace
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import Dense, count_parameters
from lstm_magnifier.palette import GATE_COLORS, MEMORY_COLORS, NEUTRAL, ink

GATE_ACTIVATIONS = {name: getattr(STANDARD, name) for name in GATES}
"""The activation of each gate's layer: three soft switches and one squashed candidate."""

GATE_ROLES = {
    "i": "learn: how much of g to let in",
    "f": "forget: how much of c to keep",
    "g": "learn: the new candidate",
    "o": "use: how much of tanh(c) to show",
}
"""What each gate's layer is for, in the article's vocabulary."""


# --------------------------------------------------------------------------- a small table


class Table:
    """A small table: prints as aligned text, shows as an HTML table in Jupyter and the book.

    ``columns`` is a sequence of column names and ``rows`` a sequence of tuples of the
    same length. Cells are shown with ``str``; tuples (shapes) look like ``(4, 3)``.
    """

    def __init__(self, columns, rows):
        self.columns = tuple(str(c) for c in columns)
        self.rows = [tuple(row) for row in rows]
        for n, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"row {n} must have {len(self.columns)} cells (one per column), "
                    f"got {len(row)}: {row!r}"
                )

    def __len__(self):
        return len(self.rows)

    def column(self, name):
        """The values of column ``name``, top to bottom, as a list."""
        if name not in self.columns:
            raise KeyError(f"no column {name!r}; the columns are {self.columns}")
        k = self.columns.index(name)
        return [row[k] for row in self.rows]

    def _cells(self):
        return [self.columns] + [tuple(_show(cell) for cell in row) for row in self.rows]

    def __repr__(self):
        cells = self._cells()
        widths = [max(len(row[k]) for row in cells) for k in range(len(self.columns))]

        def line(row):
            return "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])

    def to_markdown(self):
        """The table as a Markdown (GitHub) pipe table."""
        cells = self._cells()
        head = "| " + " | ".join(cells[0]) + " |"
        rule = "|" + "|".join(" --- " for _ in self.columns) + "|"
        body = ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells[1:]]
        return "\n".join([head, rule, *body])

    def _repr_html_(self):
        """How Jupyter and the book show the table: a plain HTML table."""
        from html import escape

        cells = self._cells()
        head = "".join(f"<th>{escape(c)}</th>" for c in cells[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in cells[1:]
        )
        return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _show(cell):
    if isinstance(cell, tuple):
        return "(" + ", ".join(str(v) for v in cell) + ("," if len(cell) == 1 else "") + ")"
    return str(cell)


# --------------------------------------------------------------------------- four networks


def joined_input(x, h_prev):
    r"""The input every gate reads: $[h_{t-1}, x_t]$, shape ``(B, H + D)`` (or ``(H + D,)``).

    ``x`` is ``(B, D)`` or ``(D,)`` and ``h_prev`` ``(B, H)`` or ``(H,)``; the two must
    have the same leading (batch) shape.
    """
    x = _checks.as_finite_array("x", x, None, ndim=(1, 2))
    h_prev = _checks.as_finite_array("h_prev", h_prev, None, ndim=(1, 2))
    if x.shape[:-1] != h_prev.shape[:-1]:
        raise ValueError(
            "x and h_prev must have the same batch shape, "
            f"got x {x.shape} and h_prev {h_prev.shape}"
        )
    return np.concatenate([h_prev, x], axis=-1)


def _check_cell(cell):
    if not isinstance(cell, LSTMCell):
        raise TypeError(f"cell must be an LSTMCell, got {type(cell).__name__}")
    return cell


def gate_as_dense(cell, name):
    r"""Gate ``name`` of ``cell`` as a stand-alone :class:`~lstm_magnifier.nn.Dense` layer.

    The gate is one dense layer of $H$ units reading $[h_{t-1}, x_t]$ (``H + D`` features):

    .. math:: \mathrm{gate} = \phi\big([W_h \,|\, W_x]\, [h_{t-1}, x_t] + b\big)

    with $\phi = \sigma$ for ``"i"``, ``"f"``, ``"o"`` and $\tanh$ for ``"g"``, and
    $b = b_{ih} + b_{hh}$ (the two stored biases act as one). The returned layer holds
    copies: its ``weight`` is ``(H, H + D)`` and its ``bias`` ``(H,)``. Feed it
    :func:`joined_input` ``(x, h_prev)``.
    """
    _check_cell(cell)
    if name not in GATES:
        raise ValueError(f"name must be one of {GATES}, got {name!r}")
    W_x, W_h, b = cell.gate_weights(name)
    D, H = cell.input_size, cell.hidden_size
    dense = Dense(H + D, H, activation=GATE_ACTIVATIONS[name], dtype=cell.dtype, rng=0)
    dense.params["weight"][...] = np.concatenate([W_h, W_x], axis=1)
    dense.params["bias"][...] = b
    return dense


def four_networks(cell):
    """The four gate layers of ``cell`` as ``{"i": Dense, "f": Dense, "g": Dense, "o": Dense}``.

    See :func:`gate_as_dense`; each layer maps ``(B, H + D)`` to ``(B, H)``.
    """
    _check_cell(cell)
    return {name: gate_as_dense(cell, name) for name in GATES}


# --------------------------------------------------------------------------- parameter counts


def parameter_counts(input_size, hidden_size):
    r"""Parameters of a dense layer and an LSTM cell of the same width $H$, counted on real layers.

    Returns a dict of ints:

    - ``"dense_x"``: ``Dense(D, H)``, reading $x_t$ only: $HD + H$;
    - ``"dense_hx"``: ``Dense(H + D, H)``, reading $[h_{t-1}, x_t]$: $H(H + D) + H$;
    - ``"gate"``: one gate of the cell as a dense layer (:func:`gate_as_dense`), the same;
    - ``"four_gates"``: the four gates together: $4\,(H(H + D) + H)$;
    - ``"lstm"``: ``LSTM(D, H)`` as stored in PyTorch's layout, with two bias vectors:
      $4HD + 4H^2 + 8H$, which is ``four_gates`` plus the $4H$ redundant second bias.
    """
    D = _checks.check_positive_int("input_size", input_size)
    H = _checks.check_positive_int("hidden_size", hidden_size)
    gates = four_networks(LSTMCell(D, H, rng=0))
    return {
        "dense_x": count_parameters(Dense(D, H, rng=0)),
        "dense_hx": count_parameters(Dense(H + D, H, rng=0)),
        "gate": count_parameters(gates["f"]),
        "four_gates": sum(count_parameters(layer) for layer in gates.values()),
        "lstm": count_parameters(LSTM(D, H, rng=0)),
    }


def parameter_table(input_size, hidden_size):
    r"""A :class:`Table` of :func:`parameter_counts` with formulas and the ratio to a dense layer.

    Columns: ``layer`` (width $H$ each), ``reads``, ``formula``, ``parameters`` (ints)
    and ``ratio to dense on [h, x]`` (the count divided by that of ``Dense(H + D, H)``).
    """
    counts = parameter_counts(input_size, hidden_size)
    D, H = int(input_size), int(hidden_size)
    rows = [
        ("dense layer", f"x (D = {D})", "H*D + H", counts["dense_x"]),
        ("dense layer", f"[h, x] (H + D = {H + D})", "H*(H + D) + H", counts["dense_hx"]),
        ("one gate of the cell", "[h, x]", "H*(H + D) + H", counts["gate"]),
        ("LSTM cell: four gates", "[h, x]", "4*(H*(H + D) + H)", counts["four_gates"]),
        ("LSTM cell as stored", "[h, x]", "4*H*D + 4*H*H + 8*H", counts["lstm"]),
    ]
    base = counts["dense_hx"]
    return Table(
        ("layer", "reads", "formula", "parameters", "ratio to dense on [h, x]"),
        [row + (f"{row[3] / base:.2f}",) for row in rows],
    )


# --------------------------------------------------------------------------- the recurrence


def unroll(cell, x, state=None):
    r"""Run ``cell`` over a sequence with a plain Python loop: the recurrence, unrolled.

    .. math:: (h_t, c_t) = \mathrm{cell}(x_t, h_{t-1}, c_{t-1}), \qquad t = 1 \dots T

    The same cell (same weights) is used at every step. ``x`` is ``(T, B, D)`` or
    ``(T, D)``; ``state`` is ``(h_0, c_0)``, each ``(B, H)`` (``(H,)`` unbatched), or
    ``None`` for zeros. Returns a list of ``T`` :class:`~lstm_magnifier.cell.Trace`
    objects, one per step; :func:`over_time` stacks one field of them, and
    ``Trace.stack(traces)`` all of them.
    """
    _check_cell(cell)
    x = _checks.as_finite_array("x", x, cell.dtype, ndim=(2, 3))
    if x.shape[0] == 0:
        raise ValueError(f"x must hold at least one time step, got shape {x.shape}")
    _checks.check_features("x", x, cell.input_size, "input_size")
    traces = []
    for x_t in x:
        trace = cell.step(x_t, state)
        traces.append(trace)
        state = trace.state
    return traces


def over_time(traces, name):
    """Field ``name`` (``"c"``, ``"h"``, ...) of all traces stacked: ``(T, B, H)`` or ``(T, H)``."""
    if not traces:
        raise ValueError("traces must be a non-empty list of Trace objects")
    if name not in Trace.__dataclass_fields__:
        raise ValueError(f"name must be a Trace field {tuple(Trace.__dataclass_fields__)}")
    return np.stack([getattr(trace, name) for trace in traces])


# --------------------------------------------------------------------------- shapes and layers

_HOLDS = {
    "weight_ih": "weights on {source}, H rows per gate",
    "weight_hh": "weights on h_(t-1), H rows per gate",
    "bias_ih": "biases of the 4 gates, input side",
    "bias_hh": "biases of the 4 gates, recurrent side",
}


def weight_shapes(input_size, hidden_size, num_layers=1):
    r"""Every parameter of ``LSTM(D, H, L)`` with its shape, from the formulas alone.

    Layer $\ell = 0$ reads $x_t$ ($D$ features); every layer above reads the $h_t$ of
    the layer below ($H$ features). Per layer:
    ``weight_ih_l{k}`` $(4H, D_\ell)$, ``weight_hh_l{k}`` $(4H, H)$, ``bias_ih_l{k}`` and
    ``bias_hh_l{k}`` $(4H,)$, with $D_0 = D$ and $D_\ell = H$ above.

    Returns a :class:`Table` with columns ``parameter``, ``in symbols``, ``shape`` (a
    tuple of ints), ``count`` and ``what it holds``; one row per parameter, in
    ``torch.nn.LSTM``'s order.
    """
    D = _checks.check_positive_int("input_size", input_size)
    H = _checks.check_positive_int("hidden_size", hidden_size)
    L = _checks.check_positive_int("num_layers", num_layers)
    rows = []
    for k in range(L):
        d_in, d_sym = (D, "D") if k == 0 else (H, "H")
        symbols = {
            "weight_ih": ((4 * H, d_in), f"(4H, {d_sym})"),
            "weight_hh": ((4 * H, H), "(4H, H)"),
            "bias_ih": ((4 * H,), "(4H,)"),
            "bias_hh": ((4 * H,), "(4H,)"),
        }
        for name in PARAM_NAMES:
            shape, sym = symbols[name]
            holds = _HOLDS[name].format(source="x_t" if k == 0 else f"h_t of layer {k - 1}")
            rows.append((f"{name}_l{k}", sym, shape, int(np.prod(shape)), holds))
    return Table(("parameter", "in symbols", "shape", "count", "what it holds"), rows)


def split_layers(lstm):
    r"""A stacked ``LSTM(D, H, L)`` as ``L`` one-layer LSTMs holding copies of its weights.

    Layer $\ell$ becomes ``LSTM(D_l, H)`` with $D_0 = D$ and $D_\ell = H$ above, so
    feeding each one's ``out`` to the next reproduces the stack (without dropout):

    .. math:: h^{(\ell)}_{1..T} = \mathrm{LSTM}_\ell\big(h^{(\ell-1)}_{1..T}\big), \qquad
              h^{(-1)}_t = x_t

    Returns a list of :class:`~lstm_magnifier.lstm.LSTM`, bottom layer first. ``lstm`` must
    be the standard cell (no ``gate``, ``candidate`` or ``output`` variant).
    """
    if not isinstance(lstm, LSTM):
        raise TypeError(f"lstm must be an LSTM, got {type(lstm).__name__}")
    if lstm.variant != STANDARD:
        raise ValueError(f"split_layers takes a standard LSTM, got the variant {lstm.variant}")
    layers = []
    for k in range(lstm.num_layers):
        d_in = lstm.input_size if k == 0 else lstm.hidden_size
        layer = LSTM(d_in, lstm.hidden_size, dtype=lstm.dtype, rng=0)
        layer.load_state_dict({f"{name}_l0": lstm.params[f"{name}_l{k}"] for name in PARAM_NAMES})
        layers.append(layer)
    return layers


# --------------------------------------------------------------------------- figures


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _rounded(ax, xy, width, height, edge, face="white", lw=1.6, radius=0.15, **kwargs):
    from matplotlib.patches import FancyBboxPatch

    patch = FancyBboxPatch(
        xy, width, height, boxstyle=f"round,pad=0,rounding_size={radius}", fc=face, ec=edge, lw=lw
    )
    patch.set(**kwargs)
    ax.add_patch(patch)
    return patch


def _arrow(ax, start, end, color, lw=1.6, style="-|>"):
    from matplotlib.patches import FancyArrowPatch

    arrow = FancyArrowPatch(
        start,
        end,
        arrowstyle=f"{style},head_length=0.4,head_width=0.2",
        mutation_scale=12,
        color=color,
        lw=lw,
        shrinkA=0,
        shrinkB=0,
    )
    ax.add_patch(arrow)
    return arrow


def _units(ax, center, n, color, box_width):
    """``n`` small circles in a row: the units of a layer (at most 8 drawn, then an ellipsis)."""
    from matplotlib.patches import Circle

    shown = min(n, 8)
    step = min(0.42, (box_width - 0.3) / max(shown, 1))
    x0 = center[0] - step * (shown - 1) / 2
    for k in range(shown):
        ax.add_patch(Circle((x0 + k * step, center[1]), step * 0.36, fc="white", ec=color, lw=1.3))
    if n > shown:
        ax.text(x0 + shown * step - 0.05, center[1], "...", color=ink(color), va="center")


def _check_count(name, value, largest):
    value = _checks.check_positive_int(name, value)
    if value > largest:
        raise ValueError(f"{name} must be at most {largest} for a readable figure, got {value}")
    return value


def draw_dense_vs_cell(hidden_size=3):
    r"""Figure: a feed-forward layer next to an LSTM cell of the same width ``hidden_size``.

    Left, a dense layer: $x_t$ goes through one layer of $H$ units, $y_t = \phi(W x_t + b)$.
    Right, an LSTM cell: $[h_{t-1}, x_t]$ feeds four layers of $H$ units each
    ($\sigma \to i$, $\sigma \to f$, $\tanh \to g$, $\sigma \to o$, in the gate colours),
    whose outputs are recombined without weights into $c_t$ and $h_t$.
    Returns the matplotlib Figure (9 x 3.6 inches).
    """
    H = _check_count("hidden_size", hidden_size, 8)
    plt = _plt()
    widths, top = (4.0, 13.0), 7.2
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(9, 3.6), width_ratios=widths, layout="constrained"
    )
    for ax, width in zip((left, right), widths, strict=True):
        ax.set_xlim(0, width)
        ax.set_ylim(0, top)
        ax.set_aspect("equal")
        ax.set_axis_off()
    x_color, h_color, c_color = MEMORY_COLORS["x"], MEMORY_COLORS["h"], MEMORY_COLORS["c"]

    # Left: one dense layer.
    left.text(2.0, top - 0.3, "Feed-forward layer", ha="center", va="center", fontsize=12)
    _rounded(left, (0.5, 2.3), 3.0, 1.3, NEUTRAL, lw=1.8)
    _units(left, (2.0, 3.18), H, NEUTRAL, 3.0)
    left.text(2.0, 2.65, r"$\phi(W x_t + b)$", ha="center", va="center", fontsize=10)
    _arrow(left, (2.0, 0.95), (2.0, 2.3), x_color)
    left.text(2.0, 0.5, r"$x_t$", ha="center", va="center", fontsize=13)
    _arrow(left, (2.0, 3.6), (2.0, 5.3), NEUTRAL)
    left.text(2.0, 5.75, r"$y_t$", ha="center", va="center", fontsize=13)
    left.text(
        2.2,
        4.45,
        f"{H} units,\nno memory",
        ha="left",
        va="center",
        color=NEUTRAL,
        fontsize=8.5,
        style="italic",
    )

    # Right: the four layers of the cell on one shared input.
    title = f"LSTM cell: four layers of {H} units on one shared input"
    right.text(6.5, top - 0.3, title, ha="center", va="center", fontsize=12)
    y_bus, y_box, y_mix, x0, x1 = 0.95, 2.3, 4.6, 1.1, 11.9
    right.plot([x0, x1], [y_bus, y_bus], color=NEUTRAL, lw=2, solid_capstyle="round")
    _arrow(right, (0.35, y_bus), (x0, y_bus), h_color)
    right.text(0.0, y_bus + 0.45, r"$h_{t-1}$", color=ink(h_color), fontsize=13)
    _arrow(right, (x1, 0.0), (x1, y_bus), x_color)
    right.text(x1 + 0.15, 0.3, r"$x_t$", fontsize=13)
    right.text(6.5, 0.35, r"joined input $[h_{t-1}, x_t]$", ha="center", color=NEUTRAL, fontsize=9)
    centers = dict(zip(GATES, (2.45, 5.05, 7.65, 10.25), strict=True))
    labels = {
        "i": r"$\sigma \to i_t$",
        "f": r"$\sigma \to f_t$",
        "g": r"$\tanh \to g_t$",
        "o": r"$\sigma \to o_t$",
    }
    for gate, cx in centers.items():
        color = GATE_COLORS[gate]
        _arrow(right, (cx, y_bus), (cx, y_box), NEUTRAL)
        _rounded(right, (cx - 1.15, y_box), 2.3, 1.3, color, lw=1.8)
        _units(right, (cx, y_box + 0.88), H, color, 2.3)
        right.text(cx, y_box + 0.35, labels[gate], ha="center", va="center", color=ink(color))
        _arrow(right, (cx, y_box + 1.3), (cx, y_mix), color)
    _rounded(right, (x0, y_mix), x1 - x0, 1.2, NEUTRAL, face="#F4F4F4", radius=0.3)
    equation = r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t)$"
    right.text(6.5, y_mix + 0.6, equation, ha="center", va="center", fontsize=11)
    right.text(
        6.5,
        y_mix + 1.5,
        "recombined with no weights",
        ha="center",
        color=NEUTRAL,
        fontsize=8.5,
        style="italic",
    )
    _arrow(right, (0.35, y_mix + 0.6), (x0, y_mix + 0.6), c_color)
    right.text(0.0, y_mix + 1.05, r"$c_{t-1}$", color=ink(c_color), fontsize=13)
    _arrow(right, (x1, y_mix + 0.9), (x1 + 0.7, y_mix + 0.9), c_color)
    right.text(x1 + 0.25, y_mix + 1.45, r"$c_t$", color=ink(c_color), fontsize=13)
    _arrow(right, (x1, y_mix + 0.3), (x1 + 0.7, y_mix + 0.3), h_color)
    right.text(x1 + 0.25, y_mix - 0.3, r"$h_t$", color=ink(h_color), fontsize=13)
    return fig


def plot_memories(x, c, h, *, units=(0, 1), reference=None, event=None):
    r"""Figure: the event $x_t$, long-term memory $c_t$ and short-term memory $h_t$ over time.

    ``x`` is ``(T,)`` or ``(T, D)`` (every feature is drawn); ``c`` and ``h`` are ``(T, H)``,
    for example ``LSTM.trace().c`` of an unbatched run. ``units`` picks the hidden
    units to draw. ``reference`` is an optional ``(c_ref, h_ref)`` pair from a second run
    (drawn dotted), e.g. the same cell without the event, so the gap between solid and
    dotted lines is what the cell remembers. ``event`` is an optional ``(start, stop)``
    range of steps to shade. Dashed lines mark $\pm 1$, the bound of $h_t = o_t \odot \tanh(c_t)$.
    Returns the matplotlib Figure (9 x 5 inches).
    """
    x = _checks.as_finite_array("x", x, None, ndim=(1, 2))
    c = _checks.as_finite_array("c", c, None, ndim=(2,))
    h = _checks.as_finite_array("h", h, None, ndim=(2,))
    if c.shape != h.shape or x.shape[0] != c.shape[0]:
        raise ValueError(
            "c and h must both be (T, H) with the T of x, "
            f"got x {x.shape}, c {c.shape}, h {h.shape}"
        )
    units = [int(u) for u in units]
    if not units or min(units) < 0 or max(units) >= c.shape[1]:
        raise ValueError(f"units must be indices in [0, {c.shape[1]}), got {units}")
    plt = _plt()
    fig, axes = plt.subplots(
        3, 1, figsize=(9, 5), sharex=True, height_ratios=(1, 2, 2), layout="constrained"
    )
    t = np.arange(1, len(x) + 1)
    axes[0].step(t, x.reshape(len(x), -1), where="mid", color=MEMORY_COLORS["x"], lw=1.5)
    axes[0].set_ylabel("event $x_t$")
    panels = (
        (axes[1], c, "c", "long-term\nmemory $c_t$"),
        (axes[2], h, "h", "short-term\nmemory $h_t$"),
    )
    for ax, values, key, label in panels:
        color = MEMORY_COLORS[key]
        shades = [color, ink(color), "#333333"]
        for n, unit in enumerate(units):
            shade = shades[n % len(shades)]
            ax.plot(t, values[:, unit], color=shade, lw=2, label=f"unit {unit}")
            if reference is not None:
                ref = np.asarray(reference[0 if key == "c" else 1])[:, unit]
                ax.plot(t, ref, color=shade, lw=1.3, ls=":", label=f"unit {unit}, no event")
        for level in (-1, 1):
            ax.axhline(level, color=NEUTRAL, lw=0.8, ls="--")
        ax.set_ylabel(label)
        ax.legend(loc="upper right", fontsize=8, ncol=2, frameon=False)
    if event is not None:
        for ax in axes:
            ax.axvspan(event[0] + 0.5, event[1] + 0.5, color="#EEEEEE", zorder=0)
    axes[2].set_xlabel("time step $t$")
    return fig


def draw_stacked(num_layers=2, steps=3, *, dropout=True):
    r"""Figure: a stacked LSTM unrolled, layers bottom to top and time left to right.

    Each layer $\ell$ runs its own cell (its own weights) along time, passing
    $(h_t, c_t)$ to the right; its $h_t$ also goes up as the input of layer $\ell + 1$
    (through dropout when ``dropout`` is true: only between layers, never along time,
    never after the top layer). The top layer's $h_t$ are ``out`` ``(T, B, H)``; the last
    column's memories, one per layer, are ``h_n[l]`` and ``c_n[l]``. Returns the Figure.
    """
    L = _check_count("num_layers", num_layers, 4)
    T = _check_count("steps", steps, 5)
    plt = _plt()
    pitch_x, pitch_y, w, hgt, y0 = 3.2, 2.2, 2.0, 1.1, 1.2
    width, height = 1.6 + T * pitch_x + 1.3, y0 + L * pitch_y + 0.3
    fig_w = min(9.0, 0.7 * width)
    fig, ax = plt.subplots(figsize=(fig_w, fig_w * height / width), layout="constrained")
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_axis_off()
    h_color, c_color, x_color = MEMORY_COLORS["h"], MEMORY_COLORS["c"], MEMORY_COLORS["x"]
    for k in range(L):
        y = y0 + k * pitch_y
        ax.text(0.1, y + hgt / 2, f"layer {k}", va="center", fontsize=12.5, weight="bold")
        for t in range(1, T + 1):
            x0 = 1.6 + (t - 1) * pitch_x
            _rounded(ax, (x0, y), w, hgt, NEUTRAL, face="#F4F4F4")
            ax.text(x0 + w / 2, y + hgt / 2, "LSTM cell", ha="center", va="center", fontsize=11.5)
            x_prev = x0 - (pitch_x - w)
            if t > 1:
                _arrow(ax, (x_prev, y + 0.8), (x0, y + 0.8), c_color)
                _arrow(ax, (x_prev, y + 0.3), (x0, y + 0.3), h_color)
            below = y - (pitch_y - hgt)
            if k == 0:
                _arrow(ax, (x0 + w / 2, 0.55), (x0 + w / 2, y), x_color)
                ax.text(x0 + w / 2, 0.25, f"$x_{t}$", ha="center", va="center", fontsize=14)
            else:
                _arrow(ax, (x0 + w / 2, below), (x0 + w / 2, y), h_color)
                note = "$h_t$, dropout" if dropout else "$h_t$"
                ax.text(
                    x0 + w / 2 + 0.12,
                    (below + y) / 2,
                    note,
                    va="center",
                    fontsize=10.5,
                    color=ink(h_color),
                )
        x_end = 1.6 + (T - 1) * pitch_x + w
        _arrow(ax, (x_end, y + 0.8), (x_end + 0.6, y + 0.8), c_color)
        _arrow(ax, (x_end, y + 0.3), (x_end + 0.6, y + 0.3), h_color)
        ax.text(x_end + 0.7, y + 0.8, f"$c_n[{k}]$", va="center", color=ink(c_color), fontsize=12.5)
        ax.text(x_end + 0.7, y + 0.3, f"$h_n[{k}]$", va="center", color=ink(h_color), fontsize=12.5)
    top = y0 + (L - 1) * pitch_y + hgt
    for t in range(1, T + 1):
        xc = 1.6 + (t - 1) * pitch_x + w / 2
        _arrow(ax, (xc, top), (xc, top + 0.55), h_color)
        ax.text(
            xc + 0.12, top + 0.4, f"out[{t - 1}]", va="center", fontsize=10.5, color=ink(h_color)
        )
    return fig


__all__ = [
    "GATE_ACTIVATIONS",
    "GATE_ROLES",
    "Table",
    "draw_dense_vs_cell",
    "draw_stacked",
    "four_networks",
    "gate_as_dense",
    "joined_input",
    "over_time",
    "parameter_counts",
    "parameter_table",
    "plot_memories",
    "split_layers",
    "unroll",
    "weight_shapes",
]
