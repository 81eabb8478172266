"""Tests for lstm_magnifier.viz.diagrams and viz.drawing (drawn with the Agg backend)."""

import types

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from lstm_magnifier.cell import Trace, Variant, step
from lstm_magnifier.viz import diagrams, palette
from lstm_magnifier.viz.diagrams import (
    CellDiagram,
    NetworkDiagram,
    alt_text,
    draw_cell,
    draw_network,
    format_value,
)

from cells import texts_of

plt.switch_backend("Agg")


pytestmark = pytest.mark.usefixtures("close_figures")


def make_trace(seed=0, B=2, D=3, H=4, variant=None):
    """A :class:`Trace`: one cell step (``cell.step``) on random inputs and weights."""
    rng = np.random.default_rng(seed)
    x, h_prev, c_prev = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    W, b = rng.normal(size=(4 * H, D + H)), rng.normal(size=4 * H)
    return step(x, h_prev, c_prev, W[:, :D], W[:, D:], b, variant=variant or Variant())


def n_artists(ax):
    return len(ax.get_children()), len(ax.texts), len(ax.patches), len(ax.lines)


def expected(trace, key, unit):
    """What a value box must show: batch item 0, hidden unit ``unit``, feature 0 of x."""
    if key == "tanh_c":
        return format_value(np.tanh(trace.c[0, unit]))
    return format_value(getattr(trace, key)[0, 0 if key == "x" else unit])


# --------------------------------------------------------------------------- the whole cell


def test_draw_cell_returns_axes_with_the_four_named_regions():
    ax = draw_cell(title="The LSTM cell")
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()  # mathtext is parsed only at draw time
    texts = texts_of(ax)
    for name in ("Learn", "Forget", "Remember", "Use", "tanh", "+", "\u00d7", "$c_{t-1}$", "$x_t$"):
        assert name in texts, name
    assert ax.get_title() == "The LSTM cell"
    assert not ax.axison and ax.get_aspect() == 1.0
    assert set(ax.lstm_diagram.regions) == set(diagrams.NETWORKS)


def test_draw_cell_into_a_given_axes_draws_there():
    fig, ax = plt.subplots()
    assert draw_cell(ax) is ax
    assert len(fig.axes) == 1


@pytest.mark.parametrize(("B", "unit"), [(2, 0), (2, 3), (1, 1)])
def test_cell_value_texts_equal_the_formatted_trace_values(B, unit):
    trace = make_trace(B=B)
    ax = draw_cell(trace=trace, unit=unit)
    ax.figure.canvas.draw()
    assert set(ax.lstm_values) == set(diagrams.TRACE_FIELDS) - {"read"}  # no box on tanh(c)
    for key, text in ax.lstm_values.items():
        assert text.get_text() == expected(trace, key, unit), key
    assert f"unit {unit} of H = 4" in ax.lstm_diagram.note.get_text()


def test_trace_fields_are_the_fields_of_the_cells_trace():
    assert diagrams.TRACE_FIELDS == tuple(vars(make_trace()))
    assert isinstance(make_trace(), Trace)


def test_unbatched_trace_shows_entry_unit():
    trace = make_trace(B=1)
    flat = trace.at(0)
    ax = draw_cell(trace=flat, unit=2)
    assert ax.lstm_values["c"].get_text() == format_value(trace.c[0, 2])
    assert ax.lstm_values["x"].get_text() == format_value(trace.x[0, 0])


def test_without_trace_value_boxes_are_empty_and_show_values_false_draws_none():
    assert all(t.get_text() == "" for t in draw_cell().lstm_values.values())
    assert draw_cell(trace=make_trace(), show_values=False).lstm_values == {}


def test_update_changes_existing_texts_only():
    first, second = make_trace(seed=1), make_trace(seed=2)
    diagram = CellDiagram(trace=first)
    before, objects = n_artists(diagram.ax), dict(diagram.artists)
    old = {k: t.get_text() for k, t in diagram.artists.items()}
    assert diagram.update(second) is diagram
    assert n_artists(diagram.ax) == before
    assert all(diagram.artists[k] is objects[k] for k in objects)
    for key, text in diagram.artists.items():
        assert text.get_text() == expected(second, key, 0)
    assert any(old[k] != t.get_text() for k, t in diagram.artists.items())


def test_highlight_greys_out_the_other_networks():
    ax = draw_cell(trace=make_trace(), highlight="forget")
    diagram = ax.lstm_diagram
    for name, (patch, _title) in diagram.regions.items():
        grey = to_rgb(palette.MUTED)
        face = patch.get_facecolor()[:3]
        assert np.allclose(face, grey) != (name == "forget"), name
    assert all(a.get_alpha() is None for a in diagram.groups["forget"])
    assert all(a.get_alpha() == 0.25 for a in diagram.groups["use"])
    assert diagram.artists["f"].get_alpha() is None and diagram.artists["o"].get_alpha() == 0.25
    diagram.set_highlight(None)
    assert all(a.get_alpha() is None for g in diagram.groups.values() for a in g)
    face = diagram.regions["use"][0].get_facecolor()[:3]
    assert np.allclose(face, to_rgb(palette.NETWORK_COLORS["use"]))


def test_highlight_remember_keeps_its_inputs_in_view():
    diagram = draw_cell(trace=make_trace(), highlight="remember").lstm_diagram
    assert diagram.artists["learn"].get_alpha() is None
    assert diagram.artists["forget"].get_alpha() is None
    assert diagram.artists["i"].get_alpha() == 0.25


def test_cell_with_the_real_lstm_cell_trace():
    cell_module = pytest.importorskip("lstm_magnifier.cell", reason="needs the core LSTM cell")
    cell = cell_module.LSTMCell(3, 4, rng=0)
    trace = cell.step(np.array([0.5, -1.0, 2.0]))
    ax = draw_cell(trace=trace, unit=1)
    assert ax.lstm_values["h"].get_text() == format_value(trace.h[1])
    assert ax.lstm_values["x"].get_text() == format_value(0.5)


def test_bad_arguments_give_clear_errors():
    with pytest.raises(ValueError, match="highlight"):
        draw_cell(highlight="memory")
    with pytest.raises(ValueError, match="unit"):
        draw_cell(unit=-1)
    with pytest.raises(TypeError, match="unit"):
        draw_cell(unit=1.5)
    with pytest.raises(ValueError, match="unit=7"):
        draw_cell(trace=make_trace(), unit=7)
    broken = types.SimpleNamespace(**{k: v for k, v in vars(make_trace()).items() if k != "g"})
    with pytest.raises(TypeError, match="'g'"):
        draw_cell(trace=broken)
    with pytest.raises(ValueError, match="name"):
        draw_network("lern")
    with pytest.raises(ValueError, match="name"):
        alt_text("cel")


def test_format_value_uses_three_decimals_and_a_true_minus():
    assert format_value(0.12345) == "0.123"
    assert format_value(-0.25) == "\u22120.250"
    assert format_value(np.float32(1)) == "1.000"


# --------------------------------------------------------------------------- the magnifier

NETWORK_KEYS = {
    "learn": {"h_prev", "x", "i", "g", "learn"},
    "forget": {"c_prev", "h_prev", "x", "f", "forget"},
    "remember": {"forget", "learn", "c"},
    "use": {"c", "h_prev", "x", "o", "tanh_c", "h"},
}


@pytest.mark.parametrize("name", diagrams.NETWORKS)
def test_draw_network_shows_the_equation_and_live_values(name):
    trace = make_trace(seed=3)
    ax = draw_network(name, trace=trace, unit=2)
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()
    assert ax.get_title() == diagrams.EQUATIONS[name]
    assert f"{name.capitalize()} network" in texts_of(ax)
    assert set(ax.lstm_values) == NETWORK_KEYS[name]
    for key, text in ax.lstm_values.items():
        assert text.get_text() == expected(trace, key, 2), key


def test_the_tanh_node_shows_what_the_use_network_read():
    trace = make_trace(seed=5, variant=Variant(read="identity"))  # read = c, not tanh(c)
    ax = draw_network("use", trace=trace, unit=1)
    assert ax.lstm_values["tanh_c"].get_text() == format_value(trace.read[0, 1])
    assert ax.lstm_values["tanh_c"].get_text() == format_value(trace.c[0, 1])


@pytest.mark.parametrize("name", diagrams.NETWORKS)
def test_network_update_is_in_place(name):
    diagram = NetworkDiagram(name)
    before = n_artists(diagram.ax)
    diagram.update(make_trace(seed=4))
    assert n_artists(diagram.ax) == before
    assert all(text.get_text() for text in diagram.artists.values())


def test_layer_boxes_name_their_weights():
    texts = texts_of(draw_network("learn"))
    assert r"$W_i,\ b_i$" in texts and r"$W_g,\ b_g$" in texts
    assert "no weights" in texts_of(draw_network("use"))


# --------------------------------------------------------------------------- alt text


@pytest.mark.parametrize("name", ["cell", "unrolled", *diagrams.NETWORKS])
def test_alt_text_is_one_sentence(name):
    text = alt_text(name)
    assert text.endswith(".") and text.count(". ") == 0 and len(text) > 60
    if name in diagrams.NETWORKS:
        assert name.capitalize() in text
