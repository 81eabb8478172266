"""Tests for lstm_magnifier.widgets and lstm_magnifier.companions (Agg backend, no kernel)."""

import base64
import io
import math
import re
from dataclasses import fields
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

from lstm_magnifier import companions, widgets
from lstm_magnifier.cell import LSTMCell, Trace
from lstm_magnifier.diagrams import format_value
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.widgets import (
    EXPLORER_CLASS,
    GateExplorer,
    MemoryTimeline,
    SequenceMagnifier,
    WeightExplorer,
    constant_gate_timeline,
    gate_step,
    input_sequence,
    memory_half_life,
    sequence_trace,
    steady_state,
    trace_at,
    weight_timeline,
)

matplotlib.use("Agg")


def logit(p):
    return math.log(p / (1 - p))


def gate_cell(i, f, g, o):
    """A one-unit LSTMCell whose gates are exactly i, f, g, o (zero weights, chosen biases)."""
    cell = LSTMCell(1, 1, rng=0)
    cell.load_state_dict(
        {
            "weight_ih": np.zeros((4, 1)),
            "weight_hh": np.zeros((4, 1)),
            "bias_ih": np.array([logit(i), logit(f), math.atanh(g), logit(o)]),
            "bias_hh": np.zeros(4),
        }
    )
    return cell


def random_gates(rng):
    i, f, o = rng.uniform(0.01, 0.99, size=3)
    return {"i": i, "f": f, "g": rng.uniform(-0.99, 0.99), "o": o}


def weight_cell(weights):
    """A one-unit LSTMCell holding the 12 scalar weights of a WeightExplorer."""
    cell = LSTMCell(1, 1, rng=0)
    cell.load_state_dict(
        {
            "weight_ih": np.array([[weights[f"W_i{k}"]] for k in "ifgo"]),
            "weight_hh": np.array([[weights[f"W_h{k}"]] for k in "ifgo"]),
            "bias_ih": np.array([weights[f"b_{k}"] for k in "ifgo"]),
            "bias_hh": np.zeros(4),
        }
    )
    return cell


def plain_weight_timeline(weights, x):
    """The one-unit cell's equations written out in plain NumPy (no package code)."""
    w = {k: np.array([weights[f"W_i{k}"], weights[f"W_h{k}"], weights[f"b_{k}"]]) for k in "ifgo"}
    h = c = 0.0
    out = {k: [] for k in "ifgoch"}
    for x_t in x:
        z = {k: w[k] @ [x_t, h, 1.0] for k in "ifgo"}
        i, f, o = (1 / (1 + np.exp(-z[k])) for k in "ifo")
        g = np.tanh(z["g"])
        c = f * c + i * g
        h = o * np.tanh(c)
        for k, v in zip("ifgoch", (i, f, g, o, c, h), strict=True):
            out[k].append(v)
    return {k: np.array(v) for k, v in out.items()}


def image_of(explorer):
    return np.asarray(explorer.figure.canvas.buffer_rgba())[..., :3].copy()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# --------------------------------------------------------------------------- pure math


def test_gate_step_matches_lstm_cell(rng):
    for _ in range(25):
        gates = random_gates(rng)
        c_prev = rng.uniform(-3, 3)
        ours = gate_step(**gates, c_prev=c_prev)
        trace = gate_cell(**gates).step(np.zeros(1), (np.zeros(1), np.array([c_prev])))
        for key in ("i", "f", "g", "o", "learn", "forget", "c", "h"):
            np.testing.assert_allclose(ours[key], getattr(trace, key)[0], rtol=1e-12, atol=1e-12)
        assert ours["tanh_c"] == pytest.approx(math.tanh(ours["c"]))


def test_gate_step_at_the_ends_of_the_ranges():
    closed = gate_step(i=0.0, f=0.0, g=1.0, o=1.0, c_prev=2.0)
    assert closed["c"] == 0.0 and closed["h"] == 0.0  # forgets all, learns nothing
    carousel = gate_step(i=0.0, f=1.0, g=-1.0, o=1.0, c_prev=2.0)
    assert carousel["c"] == 2.0  # the constant error carousel: kept exactly
    assert gate_step(i=1.0, f=0.0, g=-1.0, o=0.0, c_prev=5.0)["c"] == -1.0


def test_gate_step_broadcasts_arrays():
    values = gate_step(i=np.array([0.0, 1.0]), f=0.5, g=0.5, o=1.0, c_prev=np.array([2.0, 2.0]))
    np.testing.assert_allclose(values["c"], [1.0, 1.5])


@pytest.mark.parametrize(
    "name, bad", [("i", 1.5), ("f", -0.1), ("g", -1.01), ("o", 2.0), ("i", np.nan)]
)
def test_gate_step_rejects_values_outside_the_gate_range(name, bad):
    gates = {"i": 0.5, "f": 0.5, "g": 0.5, "o": 0.5, name: bad}
    with pytest.raises(ValueError, match=name):
        gate_step(**gates, c_prev=0.0)


def test_half_life_halves_the_old_memory():
    for f in (0.3, 0.9, 0.99):
        assert f ** memory_half_life(f) == pytest.approx(0.5)
    assert memory_half_life(1.0) == math.inf
    assert memory_half_life(0.0) == 0.0
    with pytest.raises(ValueError, match="f"):
        memory_half_life(1.2)


def test_steady_state_is_where_the_memory_settles():
    long_run = constant_gate_timeline(f=0.8, i=0.5, g=-0.6, o=1.0, steps=500, c0=3.0)
    assert long_run["c"][-1] == pytest.approx(steady_state(0.5, -0.6, 0.8))
    assert long_run["steady_state"] == pytest.approx(0.5 * -0.6 / 0.2)
    assert math.isnan(steady_state(0.5, 0.5, 1.0))


def test_constant_gate_timeline_matches_stepping_a_cell(rng):
    for _ in range(10):
        gates = random_gates(rng)
        c0, steps = rng.uniform(-3, 3), int(rng.integers(1, 60))
        ours = constant_gate_timeline(**gates, steps=steps, c0=c0)
        cell = gate_cell(**gates)
        state = (np.zeros(1), np.array([c0]))
        c, h = [], []
        for _ in range(steps):
            trace = cell.step(np.zeros(1), state)
            state = trace.state
            c.append(trace.c[0])
            h.append(trace.h[0])
        assert ours["c"].shape == ours["h"].shape == (steps,)
        np.testing.assert_allclose(ours["c"], c, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours["h"], h, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours["kept"], c0 * gates["f"] ** np.arange(1, steps + 1))


def test_constant_gate_timeline_with_f_one_never_forgets():
    timeline = constant_gate_timeline(f=1.0, i=1.0, g=0.5, o=1.0, steps=4, c0=1.0)
    np.testing.assert_allclose(timeline["c"], [1.5, 2.0, 2.5, 3.0])
    assert timeline["half_life"] == math.inf


def test_weight_timeline_matches_stepping_a_cell(rng):
    for name in widgets.SEQUENCES:
        weights = {key: rng.uniform(-6, 6) for key in widgets.WEIGHT_NAMES}
        x = input_sequence(name, 25)
        ours = weight_timeline(weights, x)
        cell, state = weight_cell(weights), None
        for t in range(len(x)):
            trace = cell.step(x[t : t + 1], state)
            state = trace.state
            for key in "ifgoch":
                assert ours[key][t] == pytest.approx(getattr(trace, key)[0], abs=1e-12)
        plain = plain_weight_timeline(weights, x)
        for key in "ifgoch":
            np.testing.assert_allclose(ours[key], plain[key], rtol=1e-9, atol=1e-12)


def test_weight_timeline_needs_every_weight():
    with pytest.raises(KeyError, match="W_hf"):
        weight_timeline({k: 0.0 for k in widgets.WEIGHT_NAMES if k != "W_hf"}, np.zeros(3))


def test_input_sequences():
    np.testing.assert_array_equal(np.flatnonzero(input_sequence("pulse", 10)), [2])
    np.testing.assert_array_equal(np.flatnonzero(input_sequence("two pulses", 10)), [2, 7])
    np.testing.assert_array_equal(input_sequence("step", 5), [0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="sequence"):
        input_sequence("saw", 10)


# --------------------------------------------------------------------------- GateExplorer


def test_gate_explorer_values_match_the_cell_for_random_settings(rng):
    explorer = GateExplorer(canvas="agg")
    for _ in range(10):
        gates = random_gates(rng)
        c_prev = rng.uniform(-3, 3)
        explorer.set(**gates, c_prev=c_prev)
        trace = gate_cell(**gates).step(np.zeros(1), (np.zeros(1), np.array([c_prev])))
        values = explorer.values
        for key in ("i", "f", "g", "o", "learn", "forget", "c", "h"):
            assert values[key] == pytest.approx(getattr(trace, key)[0], abs=1e-12)
        assert values["c_prev"] == c_prev


def test_gate_explorer_shows_the_values_on_the_diagram_and_bars():
    explorer = GateExplorer(canvas="agg", f=0.25, c_prev=-2.0)
    values = explorer.values
    diagram = explorer.view.diagram
    for key in ("c_prev", "i", "f", "g", "o", "learn", "forget", "c", "h"):
        assert diagram.artists[key].get_text() == format_value(values[key])
        if key in explorer.view.bars:
            assert explorer.view.bars[key].get_width() == pytest.approx(values[key])
    assert not diagram.artists["x"].get_visible()  # gates set by hand: no x, no h_prev


@pytest.mark.parametrize("name", ["i", "f", "g", "o", "c_prev"])
def test_every_gate_slider_is_wired_to_its_value(name):
    explorer = GateExplorer(canvas="image")
    slider = explorer.sliders[name]
    before_png = widgets.shown_png(explorer._figure_widget.value)
    new = slider.min + 0.37 * (slider.max - slider.min)
    assert new != slider.value
    slider.value = new  # what the browser does when the slider is dragged
    values = explorer.values
    assert values[name] == pytest.approx(new)
    params = {k: values[k] for k in ("i", "f", "g", "o", "c_prev")}
    assert values["c"] == pytest.approx(gate_step(**params)["c"])
    assert explorer.view.diagram.artists[name].get_text() == format_value(new)
    assert widgets.shown_png(explorer._figure_widget.value) != before_png  # the picture was redrawn


def test_set_rejects_unknown_names_and_bad_values_and_changes_nothing():
    explorer = GateExplorer(canvas="agg")
    before = explorer.values
    with pytest.raises(TypeError, match=r"no control named 'F'.*did you mean 'f'"):
        explorer.set(F=0.3)
    with pytest.raises(ValueError, match=r"f must be a number in \[0, 1\], got 1.5"):
        explorer.set(i=0.1, f=1.5)
    with pytest.raises(TypeError, match="g must be a number"):
        explorer.set(g="high")
    with pytest.raises(TypeError, match="must be a number"):
        explorer.set(o=True)
    assert explorer.values == before


def test_set_redraws_once_and_returns_nothing():
    explorer = GateExplorer(canvas="agg")
    calls = []
    original = explorer._refresh
    explorer._refresh = lambda full=False: (calls.append(full), original(full))
    assert explorer.set(i=0.1, f=0.2, g=0.3) is None
    assert len(calls) == 1


def test_blitted_picture_equals_a_full_redraw(rng):
    explorer = GateExplorer(canvas="agg")
    for _ in range(15):
        explorer.set(**random_gates(rng), c_prev=rng.uniform(-3, 3))
    blitted = image_of(explorer)
    explorer._refresh(full=True)
    assert np.array_equal(blitted, image_of(explorer))


def test_savefig_includes_the_moving_parts():
    explorer = GateExplorer(canvas="agg", f=0.1)
    shown = image_of(explorer)
    background = explorer._blitter._background[..., :3]  # the figure without its moving parts
    buffer = io.BytesIO()
    explorer.savefig(buffer, format="png", dpi=explorer.figure.dpi)
    saved = np.asarray(Image.open(buffer).convert("RGB"))
    assert saved.shape == shown.shape
    moving = np.any(background != shown, axis=-1).sum()
    # Drawn in another order (by zorder, not moving parts last): a few edge pixels may differ.
    assert moving > 1000 and np.any(saved != shown, axis=-1).sum() < 0.05 * moving
    assert np.array_equal(image_of(explorer), shown)  # and the live picture is back


def test_image_canvas_holds_a_png_of_the_figure():
    explorer = GateExplorer(canvas="image")
    png = widgets.shown_png(explorer._figure_widget.value)
    assert png.startswith(b"\x89PNG")
    assert np.array_equal(
        np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), image_of(explorer)
    )
    assert explorer._figure_widget in explorer.widget.children
    assert f'alt="{explorer.ALT}"' in explorer._figure_widget.value


def test_png_bytes_round_trip(rng):
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(widgets.png_bytes(rgba))))
    assert np.array_equal(decoded, rgba[..., :3])


def test_canvas_choice(monkeypatch):
    with pytest.raises(ValueError, match="canvas"):
        GateExplorer(canvas="svg")
    monkeypatch.setenv("LSTM_MAGNIFIER_CANVAS", "agg")
    explorer = GateExplorer()
    assert explorer.canvas == "agg" and len(explorer.widget.children) == 1


def test_explorer_displays_as_a_widget_with_a_readable_text():
    explorer = GateExplorer(canvas="agg", f=0.9)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "GateExplorer(i=0.5, f=0.9, g=0.6, o=0.7, c_prev=1)"


def test_every_explorer_box_carries_the_class_the_website_styles(stacked):
    model, x = stacked
    explorers = [
        GateExplorer(canvas="agg"),
        MemoryTimeline(canvas="agg"),
        WeightExplorer(canvas="agg"),
        SequenceMagnifier(model, x, canvas="agg"),
    ]
    for explorer in explorers:
        assert EXPLORER_CLASS in explorer.widget._dom_classes, type(explorer).__name__
    # the class is what book/_static/book.css selects
    css = (Path(__file__).resolve().parents[1] / "book" / "_static" / "book.css").read_text()
    assert f".{EXPLORER_CLASS}::before" in css


def test_sliders_carry_descriptions_readouts_and_palette_colours():
    from lstm_magnifier.palette import GATE_COLORS

    explorer = GateExplorer(canvas="agg")
    for slider in explorer.sliders.values():
        assert slider.description and slider.readout
    assert explorer.sliders["f"].style.handle_color == GATE_COLORS["f"]


def test_ipympl_canvas_when_installed():
    pytest.importorskip("ipympl", reason="ipympl is optional; without it explorers use images")
    from ipympl.backend_nbagg import Canvas

    explorer = GateExplorer(canvas="ipympl")
    canvas = explorer.figure.canvas
    assert isinstance(canvas, Canvas) and canvas in explorer.widget.children
    # Opened with a picture (a complete data URL) and its size, so that its view can start.
    assert canvas._data_url.startswith("data:image/png;base64,iVBOR")
    assert tuple(canvas._size) == canvas.get_width_height()
    explorer.set(f=0.2)
    assert explorer.view.diagram.artists["f"].get_text() == format_value(0.2)
    shown = base64.b64decode(canvas._data_url.split(",", 1)[1])
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(shown))), image_of(explorer))


# --------------------------------------------------------------------------- MemoryTimeline


def test_memory_timeline_values_follow_every_slider(rng):
    explorer = MemoryTimeline(canvas="agg")
    for name, slider in explorer.sliders.items():
        if name == "steps":
            new = 17
        else:
            new = float(rng.uniform(slider.min, slider.max))
        slider.value = new
        values = explorer.values
        assert values[name] == pytest.approx(new)
        params = {k: values[k] for k in ("f", "i", "g", "o", "steps", "c0")}
        expected = constant_gate_timeline(**params)
        assert values["c"].shape == values["h"].shape == (values["steps"],)
        np.testing.assert_allclose(values["c"], expected["c"])
        np.testing.assert_allclose(values["h"], expected["h"])


def test_memory_timeline_plots_what_it_reports():
    explorer = MemoryTimeline(canvas="agg", f=0.8, steps=25, c0=-1.0)
    values = explorer.values
    t, c = explorer.view.c.get_data()
    np.testing.assert_allclose(c, np.r_[-1.0, values["c"]])
    np.testing.assert_allclose(explorer.view.h.get_data()[1], values["h"])
    assert explorer.view.half_c.get_xdata()[0] == pytest.approx(math.log(0.5) / math.log(0.8))
    assert explorer.view.steady.get_ydata()[0] == pytest.approx(values["steady_state"])
    explorer.set(f=1.0)  # no steady state, no half-life: the markers disappear
    assert not explorer.view.steady.get_visible() and not explorer.view.half_c.get_visible()


def test_memory_timeline_rejects_a_fractional_step_count():
    explorer = MemoryTimeline(canvas="agg")
    with pytest.raises(TypeError, match="steps must be a whole number"):
        explorer.set(steps=2.5)
    with pytest.raises(ValueError, match=r"steps must be in \[1, 200\]"):
        explorer.set(steps=0)


def test_timeline_blit_equals_full_redraw():
    explorer = MemoryTimeline(canvas="agg")
    for f in np.linspace(0.5, 0.99, 12):
        explorer.set(f=float(f))
    blitted = image_of(explorer)
    explorer._refresh(full=True)
    assert np.array_equal(blitted, image_of(explorer))


# --------------------------------------------------------------------------- WeightExplorer


def test_weight_explorer_matches_the_cell_for_random_weights(rng):
    explorer = WeightExplorer(canvas="agg", steps=20)
    for _ in range(4):
        weights = {k: float(rng.uniform(-6, 6)) for k in widgets.WEIGHT_NAMES}
        explorer.set(**weights, sequence="sine")
        values = explorer.values
        cell, state = weight_cell(weights), None
        for t, x_t in enumerate(input_sequence("sine", 20)):
            trace = cell.step(np.array([x_t]), state)
            state = trace.state
            for key in "ifgoch":
                assert values[key][t] == pytest.approx(getattr(trace, key)[0], abs=1e-12)


def test_every_weight_slider_and_the_sequence_dropdown_are_wired():
    explorer = WeightExplorer(canvas="agg")
    for name in widgets.WEIGHT_NAMES:
        explorer.sliders[name].value = -1.7
        values = explorer.values
        assert values[name] == -1.7
        weights = {k: values[k] for k in widgets.WEIGHT_NAMES}
        np.testing.assert_allclose(values["c"], weight_timeline(weights, values["x"])["c"])
        np.testing.assert_allclose(explorer.view.c.get_ydata(), values["c"])
    explorer.sliders["sequence"].value = "step"
    np.testing.assert_array_equal(explorer.values["x"], input_sequence("step", 30))
    with pytest.raises(ValueError, match="sequence must be one of"):
        explorer.set(sequence="noise")


def test_weight_explorer_takes_a_custom_sequence():
    x = np.array([0.0, 1.0, -1.0, 0.5])
    explorer = WeightExplorer(canvas="agg", x=x[:, None])
    assert explorer.values["sequence"] == "custom"
    np.testing.assert_array_equal(explorer.values["x"], x)
    with pytest.raises(ValueError, match=r"\(T,\) or \(T, 1\)"):
        WeightExplorer(canvas="agg", x=np.zeros((4, 2)))


# --------------------------------------------------------------------------- SequenceMagnifier


@pytest.fixture
def stacked():
    rng = np.random.default_rng(7)
    model = LSTM(3, 5, num_layers=2, rng=rng)
    x = rng.normal(size=(9, 2, 3))
    return model, x


@pytest.mark.parametrize("layer, batch", [(0, 0), (1, 1)])
def test_sequence_magnifier_values_equal_the_model_trace(stacked, layer, batch):
    model, x = stacked
    explorer = SequenceMagnifier(model, x, layer=layer, batch=batch, canvas="agg")
    model.forward(x)
    trace = model.trace(layer)
    cell = model.cell(layer)
    inputs = x[:, batch] if layer == 0 else model.trace(0).h[:, batch]
    for t in (1, 4, 9):
        explorer.set(t=t)
        values = explorer.values
        for key in "ifgoch":
            np.testing.assert_allclose(values[key], getattr(trace, key)[t - 1, batch], rtol=1e-12)
        h_prev = trace.h[t - 2, batch] if t > 1 else np.zeros(5)
        c_prev = trace.c[t - 2, batch] if t > 1 else np.zeros(5)
        step = cell.step(inputs[t - 1], (h_prev, c_prev))
        for key in ("x", "h_prev", "c_prev", "learn", "forget", "c", "h"):
            np.testing.assert_allclose(values[key], getattr(step, key), rtol=1e-12, atol=1e-15)


def test_sequence_magnifier_sliders_are_wired_to_step_and_unit(stacked):
    model, x = stacked
    explorer = SequenceMagnifier(model, x[:, 0], labels="abcdefghi", canvas="agg")
    explorer.sliders["t"].value = 6
    explorer.sliders["unit"].value = 3
    values = explorer.values
    assert values["t"] == 6 and values["unit"] == 3 and values["label"] == "f"
    view = explorer.view
    assert view.frames["c"].get_x() == pytest.approx(5.5)
    assert view.markers["c"].get_y() == pytest.approx(2.5)
    assert view.diagram.artists["c"].get_text() == format_value(values["c"][3])
    assert view.readouts["f"].get_text() == f"f = {format_value(values['f'][3])}"
    with pytest.raises(ValueError, match=r"t must be in \[1, 9\]"):
        explorer.set(t=10)


def test_sequence_magnifier_play_button_follows_the_step_slider(stacked):
    # The page links Play to the t slider in the browser, Play's value first: a
    # Play that disagreed with t would move the stored slider away from the figure.
    model, x = stacked
    explorer = SequenceMagnifier(model, x, t=7, canvas="agg")
    play, t = explorer.play, explorer.sliders["t"]
    assert (play.min, play.max) == (t.min, t.max) == (1, 9)
    assert play.value == t.value == 7
    explorer.set(t=5)
    assert play.value == t.value == 5
    t.value = 2
    assert play.value == 2
    play.value = 8
    assert t.value == 8 and explorer.values["t"] == 8


def test_sequence_magnifier_checks_its_inputs(stacked):
    model, x = stacked
    with pytest.raises(ValueError, match="labels must have one entry per step"):
        SequenceMagnifier(model, x, labels="ab", canvas="agg")
    with pytest.raises(ValueError, match="layer"):
        SequenceMagnifier(model, x, layer=2, canvas="agg")
    with pytest.raises(TypeError, match="LSTM"):
        SequenceMagnifier(object(), x, canvas="agg")


def test_sequence_magnifier_accepts_a_model_with_an_lstm_core(stacked):
    model, x = stacked

    class Wrapper:
        core = model

    explorer = SequenceMagnifier(Wrapper(), x, canvas="agg")
    model.forward(x)
    np.testing.assert_allclose(explorer.values["h"], model.trace(0).h[0, 0])


@pytest.mark.parametrize("layer, batch", [(0, 1), (1, 0)])
def test_sequence_trace_is_the_model_trace_of_one_batch_item(layer, batch):
    rng = np.random.default_rng(11)
    model = LSTM(3, 5, num_layers=2, dtype=np.float32, rng=rng)
    x = rng.normal(size=(9, 2, 3)).astype(np.float32)
    state = tuple(rng.normal(size=(2, 2, 2, 5)).astype(np.float32))  # (h_0, c_0)
    trace = sequence_trace(model, x, layer=layer, batch=batch, state=state)
    assert isinstance(trace, Trace)
    model.forward(x, state)
    expected = model.trace(layer)
    for field in fields(Trace):
        ours = getattr(trace, field.name)
        assert ours.dtype == np.float64, field.name
        np.testing.assert_array_equal(ours, getattr(expected, field.name)[:, batch])
    np.testing.assert_array_equal(trace.h_prev[0], state[0][layer, batch])  # the given state
    np.testing.assert_array_equal(trace.c_prev[0], state[1][layer, batch])
    np.testing.assert_array_equal(trace_at(trace, 4).c, trace.c[3])
    for bad in (0, 10, 2.0, True):
        with pytest.raises(ValueError, match=r"t must be a whole number in \[1, 9\]"):
            trace_at(trace, bad)


def test_the_sequence_view_shows_the_step_and_unit_it_is_given(stacked):
    model, x = stacked
    explorer = SequenceMagnifier(model, x, t=3, unit=2, canvas="agg")
    step, view = explorer.trace.at(2), explorer.view
    for key in ("x", "h_prev", "c_prev", "i", "f", "g", "o", "learn", "forget", "c", "h"):
        unit = 0 if key == "x" else 2
        assert view.diagram.artists[key].get_text() == format_value(getattr(step, key)[unit])
    assert view.readouts["g"].get_text() == f"g = {format_value(step.g[2])}"


# --------------------------------------------------------------------------- companions


def frames_of(html):
    return re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)


def test_gate_animation_is_a_scrubbable_html_animation():
    html = companions.gate_animation("f", [0.1, 0.5, 0.9]).data
    assert "<img" in html and 'type="range"' in html  # the picture and its slider
    frames = frames_of(html)
    assert len(frames) == 3
    images = [Image.open(io.BytesIO(base64.b64decode(f))) for f in frames]
    assert all(image.mode == "P" for image in images)  # palette PNGs, small
    assert len(html) < 300_000
    with pytest.raises(ValueError, match="sweep"):
        companions.gate_animation("z")
    with pytest.raises(ValueError, match=r"f must lie in \[0, 1\]"):
        companions.gate_animation("f", [0.5, 1.5])


def test_companion_html_is_stable_apart_from_its_element_id():
    first = companions.gate_animation("g", [-0.5, 0.5]).data
    second = companions.gate_animation("g", [-0.5, 0.5]).data
    ids = [re.search(r"_anim_img([0-9a-f]{32})", html).group(1) for html in (first, second)]
    assert ids[0] != ids[1]  # two animations on one page must not share element ids
    assert first.replace(ids[0], "ID") == second.replace(ids[1], "ID")


def test_timeline_and_weight_animations():
    timeline = companions.timeline_animation([0.5, 0.9, 0.99], steps=30).data
    weights = companions.weight_animation("b_f", [-2.0, 1.0, 4.0], steps=12).data
    for html in (timeline, weights):
        assert len(frames_of(html)) == 3 and 'type="range"' in html
    with pytest.raises(ValueError, match="name of a fixed control"):
        companions.timeline_animation([0.5], fx=0.3)
    with pytest.raises(ValueError, match="sweep"):
        companions.weight_animation("W_xx")


def test_sequence_animation_thins_the_steps(stacked):
    model, x = stacked
    html = companions.sequence_animation(model, x[:, 0], max_frames=4, unit=4).data
    assert len(frames_of(html)) == 4
    html = companions.sequence_animation(model, x[:, 0], steps=[2, 9]).data
    assert len(frames_of(html)) == 2
    with pytest.raises(ValueError, match="unit"):
        companions.sequence_animation(model, x[:, 0], unit=5)
    with pytest.raises(ValueError, match=r"t must be a whole number in \[1, 9\]"):
        companions.sequence_animation(model, x[:, 0], steps=[0])
