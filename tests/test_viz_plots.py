"""Tests for lstm_magnifier.viz.plots: one line, bar or patch per thing shown (Agg backend)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from lstm_magnifier.experiments import KINDS, LagCurve
from lstm_magnifier.tasks import depth_of
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


def test_heatmaps_draw_one_patch_per_character():
    text = "(()(()))()"
    fig, (ax1, ax2) = plt.subplots(2)
    norm = plots.draw_text_heatmap(ax1, text, depth_of(text).astype(float), width=4)
    assert len(ax1.patches) == len(text) and len(ax1.texts) == len(text)
    assert norm.vmax == 3 and ax1.get_ylim() == (-3, 0)  # 10 characters in rows of 4
    image = plots.draw_unit_heatmap(ax2, text, np.ones((10, 3)), highlight=1)
    assert image.get_array().shape == (3, 10) and len(ax2.patches) == 1
    rows = np.column_stack([np.linspace(-2, 4, 10), np.zeros(10), np.full(10, 0.5)])
    scaled = plots.draw_unit_heatmap(ax2, text, rows, per_unit=True).get_array()
    np.testing.assert_allclose(np.abs(scaled).max(axis=1), [1, 0, 1])  # a zero row stays 0
    with pytest.raises(ValueError, match="one entry per character"):
        plots.draw_text_heatmap(ax1, text, np.ones(3))
    with pytest.raises(ValueError, match="one row per character"):
        plots.draw_unit_heatmap(ax2, text, np.ones((3, 2)))
    plt.close(fig)
