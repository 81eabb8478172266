r"""Charts of results: training curves, accuracies, influence, units, memories, heat maps.

Every function draws with Matplotlib (into ``ax``, or a new figure when it is None) in the colours
of :mod:`lstm_magnifier.viz.palette`, and returns what it drew on:

- model kinds compared (chapters 3 to 5): :func:`model_colors`, :func:`plot_losses`,
  :func:`plot_accuracy_vs_lag`, :func:`plot_influence`, :func:`plot_unit_summary`;
- cell variants compared over seeds (chapters 8, 9 and 11): :func:`plot_curves`,
  :func:`plot_scores`;
- the memories over time (chapter 2): :func:`plot_memories`;
- one unit behind every character, as Karpathy et al. (2015) and LSTMVis drew it (chapter 15):
  :func:`draw_text_heatmap`, :func:`draw_unit_heatmap`.
"""

import numpy as np
from matplotlib import colormaps, rc_context
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from lstm_magnifier import _checks
from lstm_magnifier.variants import running_mean
from lstm_magnifier.viz.palette import (
    GATE_COLORS,
    MEMORY_COLORS,
    NEUTRAL,
    OKABE_ITO,
    contrast_ratio,
    ink,
)

# --------------------------------------------------------------------------- model kinds


def model_colors():
    """Colour of each model kind in every figure.

    The LSTM wears the long-term memory's orange (its ``c`` is what sets it apart), the plain RNN
    the short-term memory's sky blue (it only has ``h``), the feed-forward model the event's black
    (it only sees ``x_t``) and the causal CNN neutral grey.
    """
    return {
        "lstm": MEMORY_COLORS["c"],
        "rnn": MEMORY_COLORS["h"],
        "feedforward": MEMORY_COLORS["x"],
        "conv": NEUTRAL,
    }


def _axes(ax, figsize=(6, 3.5), rows=1, **kwargs):
    """``ax``, or the Axes of a new figure (an array of ``rows`` Axes when ``rows > 1``)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(rows, 1, figsize=figsize, layout="constrained", **kwargs)
    return ax


def plot_losses(curves, *, chance=None, smooth=10, ax=None):
    r"""Training loss against step for several runs; returns the Axes.

    ``curves`` maps a label to ``(kind, losses)``; each line is coloured by kind and smoothed with a
    running mean over ``smooth`` steps (1 = raw). ``chance`` draws the loss of a uniform guess, e.g.
    $\ln 4$ for four classes.
    """
    smooth = _checks.check_positive_int("smooth", smooth)
    ax, colors, styles = _axes(ax), model_colors(), iter(["-", "--", ":", "-."] * 4)
    for label, (kind, losses) in curves.items():
        losses = np.asarray(losses, dtype=float)
        if smooth > 1 and losses.size >= smooth:
            losses = np.convolve(losses, np.ones(smooth) / smooth, mode="valid")
        ax.plot(losses, color=colors[kind], ls=next(styles), lw=2, label=label)
    if chance is not None:
        ax.axhline(chance, color="0.5", lw=1, ls=":", label="guessing")
    ax.set(xlabel="training step", ylabel="loss (cross-entropy)")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    return ax


def plot_accuracy_vs_lag(curves, *, chance=None, ax=None):
    r"""Accuracy against lag for several lag curves; returns the Axes.

    ``curves`` holds :class:`~lstm_magnifier.experiments.LagCurve` objects. Each convolution's
    receptive field is marked with a vertical line between $L = k - 1$ (the last lag its window
    sees) and $L = k$, labelled with $k$.
    """
    ax, colors = _axes(ax), model_colors()
    markers, conv_styles = iter(["o", "s", "^", "D", "v"] * 4), iter(["--", ":", "-."] * 4)
    for curve in curves:
        k, color = curve.receptive_field, colors[curve.kind]
        style = "-" if k is None else next(conv_styles)
        line = {"marker": next(markers), "color": color, "lw": 2, "label": curve.label}
        ax.plot(curve.lags, curve.accuracy, style, **line)
        if k is not None and curve.lags.min() < k <= curve.lags.max():
            ax.axvline(k - 0.5, color=color, lw=1, ls=style)
            ax.annotate(f" k = {k}", (k - 0.5, 0.06), ha="left", fontsize=9, color="0.3")
    if chance is not None:
        ax.axhline(chance, color="0.5", lw=1, ls=":", label="chance")
    xlabel = "lag L (steps back to the symbol to recall)"
    ax.set(xlabel=xlabel, ylabel="test accuracy", ylim=(0, 1.05))
    ax.legend(frameon=False, loc="center right")
    return ax


def plot_influence(curves, *, ax=None, log=True):
    r"""Influence of $x_{T-s}$ on $h_T$ against $s$.

    The influence is that of :func:`~lstm_magnifier.probes.influence_of_past`. ``curves`` maps a
    label to ``(kind, influence)``; returns the Axes. With ``log=True`` the y axis is logarithmic
    (exact zeros are not drawn).
    """
    ax, colors, styles = _axes(ax), model_colors(), iter(["-", "--", ":", "-."] * 4)
    for label, (kind, influence) in curves.items():
        influence = np.asarray(influence, dtype=float)
        x = np.arange(influence.size)
        ax.plot(x, influence, next(styles), marker="o", color=colors[kind], lw=2, label=label)
    if log:
        ax.set_yscale("log")
    xlabel = "s (how many steps before the last the input was changed)"
    ax.set(xlabel=xlabel, ylabel=r"mean $|\Delta h_T|$")
    ax.legend(frameon=False)
    return ax


def plot_unit_summary(summary, *, axes=None):
    """Per-unit gates (top) and how much the answer leans on each unit (bottom).

    ``summary`` comes from :func:`~lstm_magnifier.probes.unit_summary`; units are sorted by their
    forget gate. ``axes`` is a pair of Axes or ``None`` (a new figure). Returns the pair.
    """
    axes = _axes(axes, (7, 4.5), rows=2, sharex=True)
    order = np.argsort(summary["f"])
    units = np.arange(order.size)
    for n, (gate, name) in enumerate((("f", "forget"), ("i", "input"), ("o", "output"))):
        x, label = units + (n - 1) * 0.27, f"{name} gate {gate}"
        axes[0].bar(x, summary[gate][order], 0.27, color=GATE_COLORS[gate], label=label)
    axes[0].set(ylabel="mean value", ylim=(0, 1.05))
    axes[0].legend(frameon=False, ncols=3, loc="lower left", bbox_to_anchor=(0, 1))
    axes[1].bar(units, summary["readout_share"][order], 0.6, color=NEUTRAL)
    axes[1].set(ylabel="share of the answer", xlabel="unit (sorted by forget gate)")
    axes[1].set_xticks(units, [str(u) for u in order])
    return axes


# --------------------------------------------------------------------------- cell variants


def _colors(results, colors):
    names = ("blue", "vermillion", "bluish_green", "reddish_purple", "orange", "sky_blue")
    cycle = [OKABE_ITO[k] for k in names] + [NEUTRAL, OKABE_ITO["black"]]
    colors = colors or {}
    return {name: colors.get(name, cycle[n % len(cycle)]) for n, name in enumerate(results)}


def plot_curves(results, ax=None, *, colors=None, window=20, ylabel="training loss"):
    """Training-loss curves: per variant the mean over seeds (line) and the range (band).

    Each run is smoothed with a running mean over ``window`` steps first. ``colors`` maps labels to
    colours (default: the palette in order). Returns the Axes.
    """
    ax = _axes(ax, (7, 3.8))
    for name, color in _colors(results, colors).items():
        smooth = np.stack([running_mean(curve, window) for curve in results[name].losses])
        steps = np.arange(1, smooth.shape[1] + 1)
        ax.fill_between(steps, smooth.min(axis=0), smooth.max(axis=0), color=color, alpha=0.2)
        ax.plot(steps, smooth.mean(axis=0), color=color, lw=2, label=name)
    ax.set(xlabel="training step", ylabel=ylabel)
    ax.legend(frameon=False)
    return ax


def plot_scores(
    results,
    ax=None,
    *,
    colors=None,
    chance=None,
    chance_label="chance",
    ylabel="held-out accuracy",
    log=False,
):
    """One column per variant: each seed's score as a dot, the mean as a short bar.

    ``chance`` draws a dashed line at the score of guessing, labelled ``chance_label``. ``log=True``
    puts the scores on a log scale (for errors that span decades). Returns the Axes.
    """
    ax = _axes(ax, (7, 3.8))
    for n, (name, color) in enumerate(_colors(results, colors).items()):
        result = results[name]
        jitter = np.linspace(-0.12, 0.12, len(result.scores))
        ax.plot(n + jitter, result.scores, "o", color=color, ms=7, alpha=0.8)
        ax.plot([n - 0.25, n + 0.25], [result.mean] * 2, color=ink(color), lw=3)
    if chance is not None:
        ax.axhline(chance, color=NEUTRAL, ls="--", lw=1)
        ax.text(-0.45, chance, chance_label, color=NEUTRAL, va="bottom", ha="left", fontsize=9)
    if log:
        ax.set_yscale("log")
    ax.set_xticks(range(len(results)), list(results))
    ax.set(xlim=(-0.5, len(results) - 0.5), ylabel=ylabel)
    return ax


# --------------------------------------------------------------------------- memories


def plot_memories(x, c, h, *, units=(0, 1), reference=None, event=None):
    r"""Figure: the event $x_t$, long-term memory $c_t$ and short-term memory $h_t$ over time.

    ``x`` is ``(T,)`` or ``(T, D)`` (every feature is drawn); ``c`` and ``h`` are ``(T, H)``, for
    example ``LSTM.trace().c`` of an unbatched run. ``units`` picks the hidden units to draw.
    ``reference`` is an optional ``(c_ref, h_ref)`` pair from a second run (drawn dotted), e.g. the
    same cell without the event, so the gap between solid and dotted lines is what the cell
    remembers. ``event`` is an optional ``(start, stop)`` range of steps to shade. Dashed lines mark
    $\pm 1$, the bound of $h_t = o_t \odot \tanh(c_t)$. Returns the matplotlib Figure (9 x 5
    inches).
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
    axes = _axes(None, (9, 5), rows=3, sharex=True, height_ratios=(1, 2, 2))
    t = np.arange(1, len(x) + 1)
    axes[0].step(t, x.reshape(len(x), -1), where="mid", color=MEMORY_COLORS["x"], lw=1.5)
    axes[0].set_ylabel("event $x_t$")
    panels = ((c, "long-term\nmemory $c_t$"), (h, "short-term\nmemory $h_t$"))
    for n, (ax, (values, label)) in enumerate(zip(axes[1:], panels, strict=True)):
        color = MEMORY_COLORS["ch"[n]]
        for k, unit in enumerate(units):
            shade = (color, ink(color), "#333333")[k % 3]
            ax.plot(t, values[:, unit], color=shade, lw=2, label=f"unit {unit}")
            if reference is not None:
                ref = np.asarray(reference[n])[:, unit]
                ax.plot(t, ref, color=shade, lw=1.3, ls=":", label=f"unit {unit}, no event")
        for level in (-1, 1):
            ax.axhline(level, color=NEUTRAL, lw=0.8, ls="--")
        ax.set_ylabel(label)
        ax.legend(loc="upper right", fontsize=8, ncol=2, frameon=False)
    if event is not None:
        for ax in axes:
            ax.axvspan(event[0] + 0.5, event[1] + 0.5, color="#EEEEEE", zorder=0)
    axes[2].set_xlabel("time step $t$")
    return axes[0].figure


# --------------------------------------------------------------------------- heat maps


def _diverging(values, vmax):
    """A colour map centred on 0 (purple below, orange above) and its normalisation."""
    if vmax is None:
        vmax = float(np.max(np.abs(values))) or 1.0
    return colormaps["PuOr_r"], Normalize(-vmax, vmax)


_MONO = "DejaVu Sans Mono"  # shipped with Matplotlib, so every machine draws the same glyphs
_ADVANCE = 1233 / 2048  # its advance: every character is this many em wide
_ASCENT, _DESCENT = 1901 / 2048, 483 / 2048  # how far its glyphs reach above and below the line
_LINE = 1.25  # the height of a row of the heat map, in em


class _FittedLine(Text):
    """One row of a text heat map, in a font size that makes each character one cell wide.

    The size is set again whenever the row is drawn or measured, from the width of its Axes at
    that moment, so it stays right when a layout resizes the Axes after the call. The glyphs are
    not hinted: hinting would round each advance to whole pixels and the characters would drift
    off their cells along a row (by a whole cell after 64 characters at 11 pixels a cell).
    """

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self._columns = columns

    def _fit(self):
        cell = self.axes.bbox.width / self._columns  # pixels
        size = cell * 72 / self.figure.dpi / _ADVANCE  # points
        if size != self.get_fontsize():
            self.set_fontsize(size)

    def draw(self, renderer):
        if self.axes is None or not self.get_visible():
            return super().draw(renderer)
        self._fit()  # the Axes has its final size here (after the layout and its aspect)
        with rc_context({"text.hinting": "no_hinting"}):
            return super().draw(renderer)

    def get_window_extent(self, renderer=None, dpi=None):
        if self.axes is None:
            return super().get_window_extent(renderer, dpi)
        self._fit()
        with rc_context({"text.hinting": "no_hinting"}):
            return super().get_window_extent(renderer, dpi)


def _text_cells(text, width):
    """The cell of each character of ``text``, as ``(row, column)`` rows of an int array
    (``(-1, -1)`` for a newline, which has no cell), and the number of rows."""
    cells, row, col = np.full((len(text), 2), -1), 0, 0
    for n, ch in enumerate(text):
        if ch == "\n":
            row, col = row + 1, 0
            continue
        if col == width:  # a long line wraps
            row, col = row + 1, 0
        cells[n] = row, col
        col += 1
    rows = row + (col > 0 or not text.endswith("\n"))  # a last newline opens no empty row
    return cells, rows if text else 0


def _light_ink(colors):
    """For each RGBA colour in ``colors`` (..., 4): does white text read better on it than black?"""
    unique, back = np.unique(colors.reshape(-1, 4), axis=0, return_inverse=True)
    light = [contrast_ratio("white", c[:3]) > contrast_ratio("black", c[:3]) for c in unique]
    return np.array(light, dtype=bool)[back.ravel()].reshape(colors.shape[:-1])


def draw_text_heatmap(ax, text, values, *, width=60, vmax=None, title=None):
    """Write ``text`` with each character on a patch coloured by its value.

    The picture of Karpathy et al. (2015): one unit's activation behind every character, orange for
    positive, purple for negative, white for 0. ``values`` is ``(T,)`` for a string of ``T``
    characters, newlines included, as a model run over the text gives it. Source code reads as
    written: a ``"\\n"`` ends a row and gets no cell (its value is not shown), a line longer than
    ``width`` characters wraps onto the next row, and a tab, like any other invisible character,
    is shown as one space. ``vmax`` is the value drawn in full colour (default: the largest
    magnitude shown). Returns the colour normalisation (for a colour bar).

    The colours are one image of ``rows x width`` cells (transparent where there is no character).
    The characters are one text per row in DejaVu Sans Mono, whose font size is set when the
    figure is drawn so that each character is one cell wide (``120 * axes_width_inches / width``
    points); a row is 1.25 em high, and the Axes keeps that aspect, so the figure's size sets the
    font size. Characters are black, or white on the darkest colours. Characters wider than a
    cell (most emoji, Chinese) do not keep to their cells.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    width = _checks.check_positive_int("width", width)
    values = _checks.as_finite_array("values", values, np.float64, ndim=(1,))
    if len(text) != len(values):
        raise ValueError(
            f"values must have one entry per character ({len(text)}), got {len(values)}"
        )
    cells, rows = _text_cells(text, width)
    if rows == 0:
        raise ValueError("text must hold at least one character to draw, got ''")
    shown = cells[:, 0] >= 0
    grid = np.full((rows, width), np.nan)
    grid[cells[shown, 0], cells[shown, 1]] = values[shown]
    cmap, norm = _diverging(values[shown] if shown.any() else values, vmax)
    cmap = cmap.with_extremes(bad=(0, 0, 0, 0))  # no character, no colour
    ax.imshow(
        grid,
        cmap=cmap,
        norm=norm,
        extent=(0, width, rows, 0),
        aspect=_LINE / _ADVANCE,
        interpolation="nearest",
    )
    chars = np.full((rows, width), " ")
    visible = [ch if ch.isprintable() else " " for ch in text if ch != "\n"]  # a tab: a space
    chars[cells[shown, 0], cells[shown, 1]] = visible
    light = _light_ink(cmap(norm(grid)))
    baseline = ((_LINE - _ASCENT - _DESCENT) / 2 + _ASCENT) / _LINE  # glyphs centred in a row
    style = {"columns": width, "family": _MONO, "va": "baseline", "parse_math": False}  # $ is $
    for row in range(rows):
        for color, on in (("black", ~light[row]), ("white", light[row])):
            line = "".join(np.where(on, chars[row], " ")).rstrip()
            if line.strip():
                ax.add_artist(_FittedLine(0, row + baseline, line, color=color, **style))
    ax.set(xlim=(0, width), ylim=(rows, 0))
    ax.axis("off")
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return norm


def draw_unit_heatmap(ax, text, values, *, highlight=None, vmax=None, per_unit=False):
    """Every unit over a string: one row per unit, one column per character.

    ``values`` is ``(T, H)`` (e.g. ``c`` of one sequence); ``highlight`` outlines one unit's row.
    The characters label the columns. With ``per_unit=True`` each unit's row is divided by its
    largest absolute value, so that a unit with small values shows its pattern as clearly as one
    with large values. Returns the image (for a colour bar).
    """
    values = _checks.as_finite_array("values", values, np.float64, ndim=(2,))
    T, H = values.shape
    if len(text) != T:
        raise ValueError(f"values must have one row per character ({len(text)}), got {T}")
    if per_unit:
        peak = np.abs(values).max(axis=0)
        values = np.divide(values, peak, out=np.zeros_like(values), where=peak > 0)
    cmap, norm = _diverging(values, vmax)
    image = ax.imshow(values.T, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(T), list(text), family="monospace")
    ax.set_yticks(range(H), [f"unit {u}" for u in range(H)])
    ax.tick_params(length=0)
    if highlight is not None:
        rect = Rectangle((-0.5, highlight - 0.5), T, 1, fill=False, edgecolor="black", lw=2)
        ax.add_patch(rect)
    return image
