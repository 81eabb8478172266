"""Tests for lstm_magnifier.viz.layer_diagrams: dense vs cell, unrolled, stacked (Agg backend)."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from lstm_magnifier.viz.layer_diagrams import draw_dense_vs_cell, draw_stacked, draw_unrolled

from cells import texts_of

plt.switch_backend("Agg")


pytestmark = pytest.mark.usefixtures("close_figures")


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("steps", [1, 4])
def test_draw_unrolled_has_one_cell_per_step(steps):
    ax = draw_unrolled(steps=steps)
    ax.figure.canvas.draw()
    texts = texts_of(ax)
    assert sum(t.startswith("LSTM cell, t = ") for t in texts) == steps
    for t in range(1, steps + 1):
        assert f"$x_{{{t}}}$" in texts and f"$h_{{{t}}}$" in texts
    assert "$c_{0}$" in texts and f"$c_{{{steps}}}$" in texts
    assert texts.count("remember") == steps


def test_draw_unrolled_needs_a_step():
    with pytest.raises(ValueError, match="steps"):
        draw_unrolled(steps=0)


def test_draw_dense_vs_cell_draws_both_sides():
    fig = draw_dense_vs_cell(4)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    left, right = fig.axes
    assert "Feed-forward layer" in [t.get_text() for t in left.texts]
    right_texts = [t.get_text() for t in right.texts]
    assert "LSTM cell: four layers of 4 units on one shared input" in right_texts
    for label in (
        r"$\sigma \to i_t$",
        r"$\sigma \to f_t$",
        r"$\tanh \to g_t$",
        r"$\sigma \to o_t$",
    ):
        assert label in right_texts
    circles = [p for p in right.patches if type(p).__name__ == "Circle"]
    assert len(circles) == 4 * 4
    with pytest.raises(ValueError, match="at most 8"):
        draw_dense_vs_cell(9)


@pytest.mark.parametrize("dropout", [True, False])
def test_draw_stacked_draws_a_cell_per_layer_and_step(dropout):
    fig = draw_stacked(3, 4, dropout=dropout)
    labels = texts(fig)
    assert labels.count("LSTM cell") == 12
    assert {"$h_n[0]$", "$h_n[2]$", "$c_n[1]$", "out[3]"} <= set(labels)
    assert labels.count("$h_t$, dropout") == (8 if dropout else 0)
    with pytest.raises(ValueError, match="num_layers must be at most 4"):
        draw_stacked(5, 2)
