"""How long draw_text_heatmap takes to draw and save a heat map of text, old way and new way.

Usage: python benchmarks/bench_text_heatmap.py [--repeats N]

Times, for each size, drawing into a fresh figure and saving it as a PNG into memory (Agg,
100 dpi, constrained layout, as the book draws them): 13 lines of 72 characters (a page of
Python source, as chapter 17 shows it) and 200 bracket characters in rows of 64 (chapter 15),
after one warm-up drawing of each (fonts loaded, caches filled). The old way is the
function as it was, kept here only as the baseline: one Rectangle and one Text per character.
The new way is ``lstm_magnifier.viz.plots.draw_text_heatmap``: one image for the colours and
one or two texts per row. Medians over N repeats (default 3), and old / new as a ratio from the
same run (above 1 means the new way is faster).
"""

import argparse
import io
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from lstm_magnifier.tasks import bracket_sequences  # noqa: E402
from lstm_magnifier.viz.plots import _diverging, draw_text_heatmap  # noqa: E402

SOURCE = '''def running_depth(text, opening="(", closing=")"):
    """How deeply nested each character of text is, counting from 0."""
    depth, level = [], 0
    for ch in text:  # one step per character, as the LSTM reads the text
        if ch == opening:
            level += 1
        elif ch == closing:
            level -= 1
        depth.append(level)
    return depth


assert running_depth("(()") == [1, 2, 1]  # the model's counting unit does the same
assert running_depth("") == []
'''


def draw_old(ax, text, values, *, width=60, vmax=None, title=None):
    """The function as it was: one patch and one text per character."""
    cmap, norm = _diverging(values, vmax)
    rows = (len(text) + width - 1) // width
    for n, (ch, v) in enumerate(zip(text, values, strict=True)):
        col, row = n % width, n // width
        ax.add_patch(Rectangle((col, -row - 1), 1, 1, facecolor=cmap(norm(v)), edgecolor="none"))
        ax.text(col + 0.5, -row - 0.5, ch, ha="center", va="center", family="monospace", size=11)
    ax.set(xlim=(0, width), ylim=(-rows, 0), aspect=1.6)
    ax.axis("off")
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return norm


def cases():
    """(name, text, values, width, figure size): the sizes the book draws."""
    rng = np.random.default_rng(0)
    code = "".join(line[:72].ljust(72) for line in SOURCE.splitlines()[:13])  # 13 x 72
    brackets = bracket_sequences(rng, 1, 200, max_depth=5)[2][0]
    return [
        ("13 lines x 72 characters", code, rng.normal(size=len(code)), 72, (8, 3)),
        ("200 characters", brackets, rng.normal(size=len(brackets)), 64, (9, 2.4)),
    ]


def seconds(draw, text, values, width, figsize):
    """Time to draw into a new figure and save it as a PNG into memory."""
    start = time.perf_counter()
    fig, ax = plt.subplots(figsize=figsize, dpi=100, layout="constrained")
    draw(ax, text, values, width=width, title="one unit")
    fig.savefig(io.BytesIO(), format="png")
    took = time.perf_counter() - start
    plt.close(fig)
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    print(f"load average {os.getloadavg()[0]:.2f} (on a busy machine every time is longer)")
    print(f"{'size':<26}{'old (s)':>10}{'new (s)':>10}{'old / new':>11}")
    for name, text, values, width, figsize in cases():
        for draw in (draw_old, draw_text_heatmap):  # warm-up
            seconds(draw, text, values, width, figsize)
        old, new = (
            statistics.median(seconds(draw, text, values, width, figsize) for _ in range(repeats))
            for draw in (draw_old, draw_text_heatmap)
        )
        print(f"{name:<26}{old:>10.3f}{new:>10.3f}{old / new:>10.0f}x")


if __name__ == "__main__":
    main()
