r"""The LSTM cell on one A4 page: the cell, each network's equation beside the lines of
:mod:`lstm_magnifier.cell` that compute it (read from ``cell.py`` by :func:`~lstm_magnifier.viz.
excerpt.source` whenever the sheet is drawn, never copied), every array's shape, and the names of
PyTorch's ``nn.LSTM`` and Keras's ``LSTM``. ``python -m lstm_magnifier.viz.cheat_sheet OUT.pdf``
(or ``.svg``) saves it, the same bytes every time; a PDF carries the :func:`fingerprint` of the
sheet's text, so a test can tell a printout that still matches ``cell.py`` from a stale one.
"""

import hashlib
import sys
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

from lstm_magnifier import cell
from lstm_magnifier.viz.diagrams import draw_cell
from lstm_magnifier.viz.drawing import _label, _rounded, _tint
from lstm_magnifier.viz.excerpt import source
from lstm_magnifier.viz.palette import NETWORK_COLORS, NEUTRAL

A4_LANDSCAPE = (11.69, 8.27)  # inches: 297 x 210 mm

PARTS = (  # the parts of step() in its order: title, colour, function in cell.py, equation
    ("the gates' layer", NEUTRAL, "preactivations",
     r"$z = W_{ih}\,x_t + W_{hh}\,h_{t-1} + b\ \rightarrow\ z^i,\ z^f,\ z^g,\ z^o$"),
    ("learn", NETWORK_COLORS["learn"], "learn_network",
     r"$\mathrm{learn}_t = i_t \odot g_t,\quad i_t = \sigma(z^i),\ \ g_t = \tanh(z^g)$"),
    ("forget", NETWORK_COLORS["forget"], "forget_network",
     r"$\mathrm{forget}_t = f_t \odot c_{t-1},\quad f_t = \sigma(z^f)$"),
    ("remember", NETWORK_COLORS["remember"], "remember_network",
     r"$c_t = \mathrm{forget}_t + \mathrm{learn}_t$"),
    ("use", NETWORK_COLORS["use"], "use_network",
     r"$h_t = o_t \odot \tanh(c_t),\quad o_t = \sigma(z^o)$"),
)  # fmt: skip

NAMES = (  # one row per array: lstm_magnifier (LSTMCell, step), shape, PyTorch, Keras
    ("lstm_magnifier", "shape", "PyTorch nn.LSTM", "Keras LSTM"),
    ("x", "(B, D)", "input[t]", "inputs[:, t]"),
    ("h_prev, h", "(B, H)", "h_0, h_n", "h (return_state)"),
    ("c_prev, c", "(B, H)", "c_0, c_n", "c (return_state)"),
    ("weight_ih", "(4H, D)", "weight_ih_l0", "kernel (D, 4H)"),
    ("weight_hh", "(4H, H)", "weight_hh_l0", "recurrent_kernel (H, 4H)"),
    ("bias_ih + bias_hh", "(4H,)", "bias_ih_l0 + bias_hh_l0", "bias (4H,)"),
    ("i, f, g, o", "order", "i, f, g, o", "i, f, c, o"),
    ("out, (h_n, c_n)", "return", "output, (h_n, c_n)", "[output, h, c]"),
)
"""The sheet's table; ``LSTM`` names its weights as PyTorch does (``weight_ih_l0``, ...)."""

FOOTNOTES = (
    "In the code, ACTIVATIONS[variant.k][0] is gate k's activation; the standard cell's variant "
    "puts sigmoid in i, f and o, and tanh in g and in the read of c.",
    "h_n, c_n: (layers, B, H), h_n[-1] the top layer's h. PyTorch: input (T, B, D), or (B, T, D) "
    "with batch_first=True. Keras: inputs (B, T, D); return_state=True gives [output, h, c].",
    "Keras from PyTorch: kernel = weight_ih.T, recurrent_kernel = weight_hh.T, "
    "bias = bias_ih + bias_hh; its c is our g, the candidate.",
    "Sources: PyTorch, torch.nn.LSTM documentation; Keras 3, LSTM layer documentation and "
    "keras/src/layers/rnn/lstm.py. Code: lstm_magnifier/cell.py, read when this sheet was drawn.",
)

_CODE = {"family": "DejaVu Sans Mono", "size": 8, "va": "top", "linespacing": 1.25}
_LINE = 0.139  # inches per code line at that size


def draw_cheat_sheet():
    """The sheet as a new matplotlib :class:`~matplotlib.figure.Figure`, A4 landscape."""
    width, height = A4_LANDSCAPE
    fig = Figure(figsize=A4_LANDSCAPE)
    ax = fig.add_axes((0, 0, 1, 1), xlim=(0, width), ylim=(0, height))
    ax.set_axis_off()
    ax.text(0.3, 7.95, "The LSTM cell on one page", size=17, weight="bold", va="center")
    ax.text(0.3, 7.63, "B sequences of D features in, H units in each network: x (B, D); h, c, "
            "every gate and every network's output (B, H); the gates' rows stacked i, f, g, o.",
            size=9, color=NEUTRAL, va="center")  # fmt: skip
    diagram = fig.add_axes((0.3 / width, 4.15 / height, 4.9 / width, 3.3 / height))
    draw_cell(diagram, show_values=False)
    for text in diagram.texts:  # drawn for a 9-inch figure: its labels shrink with it
        text.set_fontsize(text.get_fontsize() * 0.62)
    _draw_parts(ax, x=5.4, top=7.4, right=width - 0.3)
    _draw_names(ax, x=0.3, top=3.95)
    for k, note in enumerate(FOOTNOTES):
        ax.text(0.3, 0.85 - 0.19 * k, note, size=7, color=NEUTRAL, va="center")
    return fig


def _draw_parts(ax, x, top, right):
    """One box per part of the step: its title and equation above the code that computes it."""
    y = top
    for title, color, name, equation in PARTS:
        code = source(getattr(cell, name)).text
        box = 0.52 + _LINE * len(code.splitlines())
        _rounded(ax, (x, y - box), right - x, box, color, _tint(color, 0.08), lw=1.2, radius=0.08)
        _label(ax, (x + 0.12, y - 0.18), title, color, ha="left", size=10.5, weight="bold")
        ax.text(x + 1.5, y - 0.18, equation, size=10.5, va="center")
        ax.text(x + 0.12, y - 0.36, code, **_CODE)
        y -= box + 0.1


def _draw_names(ax, x, top):
    """The table of names and shapes, one text per cell; the header row in bold."""
    _label(ax, (x, top), "Shapes and names", NEUTRAL, ha="left", size=10.5, weight="bold")
    columns = (0.0, 1.25, 1.85, 3.5)
    for row, cells in enumerate(NAMES, start=1):
        y = top - 0.27 * row - 0.05
        for dx, text in zip(columns, cells, strict=True):
            style = {"weight": "bold"} if row == 1 else {"family": "DejaVu Sans Mono"}
            ax.text(x + dx, y, text, size=7.3 if row > 1 else 8, va="center", **style)
        if row == 1:
            ax.plot([x, x + 5.0], [y - 0.13] * 2, color=NEUTRAL, lw=0.6)


def sheet_text(fig):
    """Every text on ``fig``, in drawing order: what the sheet says, without its lines."""
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def fingerprint(fig):
    """A short SHA-256 of :func:`sheet_text`: changes whenever any text on the sheet does."""
    return hashlib.sha256("\n".join(sheet_text(fig)).encode()).hexdigest()[:16]


def save_cheat_sheet(path):
    """Draw the sheet and save it to ``path`` (``.pdf`` or ``.svg``); returns the ``Path``."""
    if (path := Path(path)).suffix.lower() not in (".pdf", ".svg"):
        raise ValueError(f"the cheat sheet is saved as .pdf or .svg, got {path.suffix!r} ({path})")
    fig = draw_cheat_sheet()
    meta = {"Title": "The LSTM cell on one page", "Creator": "lstm_magnifier", "Date": None}
    if path.suffix.lower() == ".pdf":  # no date and no version: the same text, the same bytes
        meta = {**meta, "Producer": "lstm_magnifier", "CreationDate": meta.pop("Date")}
        meta["Subject"] = f"lstm-magnifier cheat sheet {fingerprint(fig)}"
    with rc_context({"svg.hashsalt": "lstm-magnifier"}):  # SVG ids from the salt, not random
        fig.savefig(path, metadata=meta)
    return path


def main(argv=None):
    """``python -m lstm_magnifier.viz.cheat_sheet OUT.pdf|OUT.svg``: save the sheet to OUT."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m lstm_magnifier.viz.cheat_sheet OUT.pdf|OUT.svg", file=sys.stderr)
        return 2
    try:
        print(f"wrote {save_cheat_sheet(argv[0])}")
    except ValueError as error:  # a file name we cannot save to: say why, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
