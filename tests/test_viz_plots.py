"""Tests for lstm_magnifier.viz.plots: one line, bar or patch per thing shown (Agg backend)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from lstm_magnifier.experiments import KINDS, LagCurve
from lstm_magnifier.variants import AblationResult
from lstm_magnifier.viz import plots

pytestmark = pytest.mark.usefixtures("close_figures")

# --------------------------------------------------------------------------- model kinds


def test_plots_draw_one_line_per_curve_in_the_kind_colours():
    colors = plots.model_colors()
    assert set(colors) == set(KINDS)
    ax = plots.plot_losses(
        {"a": ("lstm", np.linspace(1, 0, 30)), "b": ("conv", np.ones(30))}, chance=np.log(4)
    )
    assert len(ax.lines) == 3 and ax.lines[0].get_xydata().shape == (21, 2)  # smoothed by 10
    assert matplotlib.colors.same_color(ax.lines[0].get_color(), colors["lstm"])
    plt.close(ax.figure)

    curve = LagCurve("CNN", "conv", np.arange(6), np.linspace(1, 0.25, 6), 3, [], 10)
    ax = plots.plot_accuracy_vs_lag([curve], chance=0.25)
    xs = [line.get_xdata() for line in ax.lines]
    assert any(
        len(x) == 2 and np.allclose(x, [2.5, 2.5]) for x in xs
    )  # the window's edge between L=2 and 3
    plt.close(ax.figure)

    ax = plots.plot_influence({"LSTM": ("lstm", [1.0, 0.1, 0.01])})
    assert ax.get_yscale() == "log" and len(ax.lines) == 1
    plt.close(ax.figure)


def test_plot_unit_summary_sorts_units_by_forget_gate():
    summary = {
        "f": np.array([0.9, 0.1, 0.5]),
        "i": np.full(3, 0.5),
        "o": np.full(3, 0.5),
        "readout_share": np.array([0.2, 0.5, 0.3]),
    }
    top, bottom = plots.plot_unit_summary(summary)
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["1", "2", "0"]
    assert [p.get_height() for p in bottom.patches] == [0.5, 0.3, 0.2]
    assert len(top.patches) == 9
    plt.close(top.figure)


# --------------------------------------------------------------------------- cell variants


def test_plots_draw_one_line_or_column_per_variant():
    results = {
        name: AblationResult(name, (0, 1, 2), np.linspace(1, 0, 30)[None].repeat(3, 0), scores)
        for name, scores in (("a", np.array([0.2, 0.3, 0.4])), ("b", np.array([0.9, 1, 1])))
    }
    ax = plots.plot_curves(results, window=5)
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    ax = plots.plot_scores(results, chance=0.25, colors={"a": "#000000"})
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["a", "b"]
    assert ax.get_lines()[0].get_color() == "#000000"
    assert plots.plot_scores(results, log=True).get_yscale() == "log"
    plt.close("all")


# --------------------------------------------------------------------------- memories, heat maps


def test_plot_memories_draws_three_panels_and_checks_shapes():
    rng = np.random.default_rng(0)
    x, c, h = rng.normal(size=10), rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    fig = plots.plot_memories(x, c, h, units=(0, 2), reference=(c + 1, h + 1), event=(2, 4))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    np.testing.assert_array_equal(fig.axes[1].lines[0].get_ydata(), c[:, 0])
    np.testing.assert_array_equal(fig.axes[2].lines[2].get_ydata(), h[:, 2])
    with pytest.raises(ValueError, match="units must be indices"):
        plots.plot_memories(x, c, h, units=(3,))
    with pytest.raises(ValueError, match="the T of x"):
        plots.plot_memories(x[:5], c, h)


def test_unit_heatmap_draws_one_row_per_unit():
    text = "(()(()))()"
    fig, ax = plt.subplots()
    image = plots.draw_unit_heatmap(ax, text, np.ones((10, 3)), highlight=1)
    assert image.get_array().shape == (3, 10) and len(ax.patches) == 1
    rows = np.column_stack([np.linspace(-2, 4, 10), np.zeros(10), np.full(10, 0.5)])
    scaled = plots.draw_unit_heatmap(ax, text, rows, per_unit=True).get_array()
    np.testing.assert_allclose(np.abs(scaled).max(axis=1), [1, 0, 1])  # a zero row stays 0
    with pytest.raises(ValueError, match="one row per character"):
        plots.draw_unit_heatmap(ax, text, np.ones((3, 2)))
    plt.close(fig)


def text_heatmap(text, values, width, figsize=(6, 2), **kwargs):
    """draw_text_heatmap into a new drawn figure: the Axes, the colour image and the norm."""
    fig, ax = plt.subplots(figsize=figsize, dpi=100, layout="constrained")
    norm = plots.draw_text_heatmap(ax, text, values, width=width, **kwargs)
    fig.canvas.draw()
    return ax, ax.images[0], norm


def rows_written(ax):
    """The characters written in each row, black and white texts laid over each other."""
    rows = {}
    for text in ax.texts:
        row = int(text.get_position()[1])
        line = text.get_text()
        old = rows.get(row, "")
        merged = [
            a if b == " " else b
            for a, b in zip(old.ljust(len(line)), line.ljust(len(old)), strict=True)
        ]
        rows[row] = "".join(merged)
    return [rows.get(row, "").rstrip() for row in range(max(rows) + 1)]


def test_text_heatmap_colours_the_cell_of_each_character():
    text = "ab\ncd"
    values = np.array([1.0, -2.0, 99.0, 0.5, 0.0])  # 99 belongs to the newline: not shown
    ax, image, norm = text_heatmap(text, values, width=3)
    grid = image.get_array()
    assert grid.shape == (2, 3) and norm.vmin == -2 and norm.vmax == 2  # the shown values
    np.testing.assert_array_equal(grid[0, :2], [1.0, -2.0])  # a b
    np.testing.assert_array_equal(grid[1, :2], [0.5, 0.0])  # c d
    assert grid.mask[0, 2] and grid.mask[1, 2]  # no character, no cell
    rgba = image.to_rgba(grid)
    cmap = matplotlib.colormaps["PuOr_r"]
    np.testing.assert_allclose(rgba[0, 0], cmap(norm(1.0)))  # a: pale orange
    np.testing.assert_allclose(rgba[0, 1], cmap(0.0))  # b: the deepest purple
    np.testing.assert_allclose(rgba[1, 1], cmap(0.5))  # d: the middle, white
    assert rgba[0, 2, 3] == 0 and rgba[1, 2, 3] == 0  # transparent
    ax, image, norm = text_heatmap(text, values, width=3, vmax=4.0)
    assert (norm.vmin, norm.vmax) == (-4, 4)
    np.testing.assert_allclose(image.to_rgba(image.get_array())[0, 1], cmap(0.25))


def test_text_heatmap_starts_a_row_at_each_newline_and_wraps_long_lines():
    text = "def f(x):\n\treturn x  # $1$\n\nend\n"
    ax, image, _ = text_heatmap(text, np.arange(len(text), dtype=float) - 10, width=6)
    expected = ["def f(", "x):", " retur", "n x  #", " $1$", "", "end"]  # the tab is a space
    assert image.get_array().shape == (7, 6) and ax.get_ylim() == (7, 0)
    assert rows_written(ax) == expected
    grid = image.get_array()
    assert grid[1, 2] == text.index(":") - 10 and grid.mask[1, 3]  # "x):" then nothing
    assert grid[2, 0] == text.index("\t") - 10 and grid[3, 0] == text.index("n x") - 10
    assert grid.mask[5].all() and grid[6, 2] == text.index("d\n") - 10  # an empty line
    assert not any(t.get_text().strip() == "" for t in ax.texts)  # no text for nothing
    dollars = next(t for t in ax.texts if "$" in t.get_text())  # " $1$", not math: 4 cells wide
    cell = ax.get_window_extent().width / 6
    assert abs(dollars.get_window_extent().width - 4 * cell) < 0.3 * cell


def test_text_heatmap_writes_white_on_the_darkest_colours():
    ax, _, _ = text_heatmap("abcde", np.array([-1.0, -0.1, 0.0, 0.1, 1.0]), width=5)
    ink = {t.get_color(): t.get_text() for t in ax.texts}
    assert ink == {"white": "a   e", "black": " bcd"}


@pytest.mark.parametrize(("width", "figsize", "dpi"), [(64, (9, 2.4), 100), (72, (7, 3), 150)])
def test_text_heatmap_puts_each_character_on_its_cell(width, figsize, dpi):
    text = "|" * width + "\n" + "M" * (width // 2)
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi, layout="constrained")
    plots.draw_text_heatmap(ax, text, np.zeros(len(text)), width=width)
    fig.set_size_inches(figsize[0] + 1, figsize[1])  # laid out again when drawn
    fig.canvas.draw()
    box, cell = ax.get_window_extent(), ax.get_window_extent().width / width
    full, half = (t.get_window_extent() for t in ax.texts)
    assert abs(full.width - width * cell) < 0.25 * cell and abs(full.x0 - box.x0) < 0.1 * cell
    assert abs(half.width - width // 2 * cell) < 0.25 * cell
    assert abs(box.height - 2 * cell * 1.25 / (1233 / 2048)) < 1  # rows 1.25 em high
    # where the bars really are in the picture: their centres on the cells' centres
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].min(axis=2)
    y = int(round(pixels.shape[0] - (box.y1 - 0.5 * box.height / 2)))
    dark = np.flatnonzero(pixels[y] < 100)
    bars = np.split(dark, np.flatnonzero(np.diff(dark) > 1) + 1)
    centres = np.array([bar.mean() + 0.5 for bar in bars])
    assert len(bars) == width
    np.testing.assert_allclose((centres - box.x0) / cell, np.arange(width) + 0.5, atol=0.25)


def test_text_heatmap_refuses_bad_input():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"one entry per character \(10\), got 3"):
        plots.draw_text_heatmap(ax, "(()(()))()", np.ones(3))
    with pytest.raises(ValueError, match="values must be finite"):
        plots.draw_text_heatmap(ax, "ab", np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="width must be a positive whole number"):
        plots.draw_text_heatmap(ax, "ab", np.ones(2), width=0)
    with pytest.raises(TypeError, match="width must be a positive whole number"):
        plots.draw_text_heatmap(ax, "ab", np.ones(2), width=2.5)
    with pytest.raises(TypeError, match="text must be a str, got list"):
        plots.draw_text_heatmap(ax, ["a", "b"], np.ones(2))
    with pytest.raises(ValueError, match="at least one character"):
        plots.draw_text_heatmap(ax, "", np.ones(0))
    plt.close(fig)
