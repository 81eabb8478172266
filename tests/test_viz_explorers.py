"""Tests for lstm_magnifier.viz.explorers: sliders, values, the figures that follow (Agg)."""

import base64
import io
import math
import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from lstm_magnifier.tasks import encode
from lstm_magnifier.timelines import (
    WEIGHT_NAMES,
    constant_gate_timeline,
    gate_step,
    input_sequence,
    weight_timeline,
)
from lstm_magnifier.viz import explorers as explorers_module
from lstm_magnifier.viz.diagrams import format_value
from lstm_magnifier.viz.explorers import (
    EXPLORER_CLASS,
    GateExplorer,
    MemoryTimeline,
    SequenceMagnifier,
    WeightExplorer,
)

from cells import gate_cell, random_gates, weight_cell

matplotlib.use("Agg")


# --------------------------------------------------------------------------- GateExplorer


def test_gate_explorer_values_match_the_cell_for_random_settings(rng):
    explorer = GateExplorer()
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
    explorer = GateExplorer(f=0.25, c_prev=-2.0)
    values = explorer.values
    diagram = explorer.view.diagram
    for key in ("c_prev", "i", "f", "g", "o", "learn", "forget", "c", "h"):
        assert diagram.artists[key].get_text() == format_value(values[key])
        if key in explorer.view.bars:
            assert explorer.view.bars[key].get_width() == pytest.approx(values[key])
    assert not diagram.artists["x"].get_visible()  # gates set by hand: no x, no h_prev


@pytest.mark.parametrize("name", ["i", "f", "g", "o", "c_prev"])
def test_every_gate_slider_is_wired_to_its_value(name):
    explorer = GateExplorer()
    slider = explorer.sliders[name]
    assert explorer.figure_widget.controls[name] is slider  # the browser's figure follows it
    new = slider.min + 0.37 * (slider.max - slider.min)
    assert new != slider.value
    slider.value = new  # what the browser does when the slider is dragged
    values = explorer.values
    assert values[name] == pytest.approx(new)
    params = {k: values[k] for k in ("i", "f", "g", "o", "c_prev")}
    assert values["c"] == pytest.approx(gate_step(**params)["c"])
    assert explorer.view.diagram.artists[name].get_text() == format_value(new)


def test_set_rejects_unknown_names_and_bad_values_and_changes_nothing():
    explorer = GateExplorer()
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


def test_set_moves_the_sliders_and_returns_nothing():
    explorer = GateExplorer()
    assert explorer.set(i=0.1, f=0.2, g=0.3) is None
    assert [explorer.sliders[k].value for k in "ifg"] == [0.1, 0.2, 0.3]
    assert explorer.values["c"] == pytest.approx(0.2 * 1.0 + 0.1 * 0.3)


def test_the_figure_widget_is_the_module_and_style_the_package_ships():
    explorer = MemoryTimeline()
    figure = explorer.figure_widget
    assert figure.kind == "timeline" and explorer.widget.children[-1] is figure
    js = Path(explorers_module.__file__).with_name("explorers.js").read_text(encoding="utf-8")
    assert figure._esm == js
    assert "--lm-f: #D55E00;" in figure._css and "--lm-ink:" in figure._css
    assert "data-theme" in figure._css  # dark mode has its own colours
    assert repr(figure) == "ExplorerFigure(kind='timeline')"


def test_savefig_prints_the_current_values(tmp_path):
    explorer = GateExplorer(f=0.25)
    explorer.savefig(tmp_path / "gate.png")
    assert (tmp_path / "gate.png").stat().st_size > 10_000
    explorer.set(f=0.75)
    assert explorer.view.diagram.artists["f"].get_text() == format_value(0.75)
    explorer.close()


def test_explorer_displays_as_a_widget_with_a_readable_text():
    explorer = GateExplorer(f=0.9)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "GateExplorer(i=0.5, f=0.9, g=0.6, o=0.7, c_prev=1)"


def test_every_explorer_box_carries_the_class_the_website_styles(stacked):
    model, x = stacked
    explorers = [
        GateExplorer(),
        MemoryTimeline(),
        WeightExplorer(),
        SequenceMagnifier(model, x),
    ]
    for explorer in explorers:
        assert EXPLORER_CLASS in explorer.widget._dom_classes, type(explorer).__name__


def test_sliders_carry_descriptions_readouts_and_palette_colours():
    from lstm_magnifier.viz.palette import GATE_COLORS

    explorer = GateExplorer()
    for slider in explorer.sliders.values():
        assert slider.description and slider.readout
    assert explorer.sliders["f"].style.handle_color == GATE_COLORS["f"]


# --------------------------------------------------------------------------- MemoryTimeline


def test_memory_timeline_values_follow_every_slider(rng):
    explorer = MemoryTimeline()
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
    explorer = MemoryTimeline(f=0.8, steps=25, c0=-1.0)
    values = explorer.values
    t, c = explorer.view.c.get_data()
    np.testing.assert_allclose(c, np.r_[-1.0, values["c"]])
    np.testing.assert_allclose(explorer.view.h.get_data()[1], values["h"])
    assert explorer.view.half_c.get_xdata()[0] == pytest.approx(math.log(0.5) / math.log(0.8))
    assert explorer.view.steady.get_ydata()[0] == pytest.approx(values["steady_state"])
    explorer.set(f=1.0)  # no steady state, no half-life: the markers disappear
    assert not explorer.view.steady.get_visible() and not explorer.view.half_c.get_visible()


def test_memory_timeline_rejects_a_fractional_step_count():
    explorer = MemoryTimeline()
    with pytest.raises(TypeError, match="steps must be a whole number"):
        explorer.set(steps=2.5)
    with pytest.raises(ValueError, match=r"steps must be in \[1, 200\]"):
        explorer.set(steps=0)


# --------------------------------------------------------------------------- WeightExplorer


def test_weight_explorer_matches_the_cell_for_random_weights(rng):
    explorer = WeightExplorer(steps=20)
    for _ in range(4):
        weights = {k: float(rng.uniform(-6, 6)) for k in WEIGHT_NAMES}
        explorer.set(**weights, sequence="sine")
        values = explorer.values
        cell, state = weight_cell(weights), None
        for t, x_t in enumerate(input_sequence("sine", 20)):
            trace = cell.step(np.array([x_t]), state)
            state = trace.state
            for key in "ifgoch":
                assert values[key][t] == pytest.approx(getattr(trace, key)[0], abs=1e-12)


def test_every_weight_slider_and_the_sequence_dropdown_are_wired():
    explorer = WeightExplorer()
    for name in WEIGHT_NAMES:
        explorer.sliders[name].value = -1.7
        values = explorer.values
        assert values[name] == -1.7
        weights = {k: values[k] for k in WEIGHT_NAMES}
        np.testing.assert_allclose(values["c"], weight_timeline(weights, values["x"])["c"])
        np.testing.assert_allclose(explorer.view.c.get_ydata(), values["c"])
    explorer.sliders["sequence"].value = "step"
    np.testing.assert_array_equal(explorer.values["x"], input_sequence("step", 30))
    with pytest.raises(ValueError, match="sequence must be one of"):
        explorer.set(sequence="noise")


def test_weight_explorer_takes_a_custom_sequence():
    x = np.array([0.0, 1.0, -1.0, 0.5])
    explorer = WeightExplorer(x=x[:, None])
    assert explorer.values["sequence"] == "custom"
    np.testing.assert_array_equal(explorer.values["x"], x)
    with pytest.raises(ValueError, match=r"\(T,\) or \(T, 1\)"):
        WeightExplorer(x=np.zeros((4, 2)))


# --------------------------------------------------------------------------- SequenceMagnifier


@pytest.mark.parametrize("layer, batch", [(0, 0), (1, 1)])
def test_sequence_magnifier_values_equal_the_model_trace(stacked, layer, batch):
    model, x = stacked
    explorer = SequenceMagnifier(model, x, layer=layer, batch=batch)
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
    explorer = SequenceMagnifier(model, x[:, 0], labels="abcdefghi")
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
    explorer = SequenceMagnifier(model, x, t=7)
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
        SequenceMagnifier(model, x, labels="ab")
    with pytest.raises(ValueError, match="layer"):
        SequenceMagnifier(model, x, layer=2)
    with pytest.raises(TypeError, match="LSTM"):
        SequenceMagnifier(object(), x)


def test_sequence_magnifier_accepts_a_model_with_an_lstm_core(stacked):
    model, x = stacked

    class Wrapper:
        core = model

    explorer = SequenceMagnifier(Wrapper(), x)
    model.forward(x)
    np.testing.assert_allclose(explorer.values["h"], model.trace(0).h[0, 0])


def test_the_sequence_view_shows_the_step_and_unit_it_is_given(stacked):
    model, x = stacked
    explorer = SequenceMagnifier(model, x, t=3, unit=2)
    step, view = explorer.trace.at(2), explorer.view
    for key in ("x", "h_prev", "c_prev", "i", "f", "g", "o", "learn", "forget", "c", "h"):
        unit = 0 if key == "x" else 2
        assert view.diagram.artists[key].get_text() == format_value(getattr(step, key)[unit])
    assert view.readouts["g"].get_text() == f"g = {format_value(step.g[2])}"


# --------------------------------------------------------------------------- typed input


def typed(**kwargs):
    """A typed magnifier over a one-layer LSTM reading brackets (D = 2, H = 4)."""
    from lstm_magnifier.lstm import LSTM

    model = LSTM(2, 4, rng=np.random.default_rng(3))
    return model, SequenceMagnifier(model, "(()", vocabulary="()", **kwargs)


def test_a_typed_sequence_runs_the_model_with_the_weights_the_page_ships():
    model, explorer = typed()
    shipped = explorer.figure_widget.setup["weights"][0]
    decoded = {
        k: np.frombuffer(base64.b64decode(a["b64"]), "<f4").reshape(a["shape"])
        for k, a in shipped.items()
    }
    assert {a["dtype"] for a in shipped.values()} == {"float32"}
    bias = model.params["bias_ih_l0"] + model.params["bias_hh_l0"]
    np.testing.assert_array_equal(decoded["bias"], bias.astype(np.float32))
    np.testing.assert_array_equal(decoded["weight_hh"], model.params["weight_hh_l0"].astype("f4"))
    explorer.sequence = "(()(("
    explorer.set(t=5)
    lstm = explorer._model  # the copy with the shipped weights, run here
    lstm.forward(encode("(()(("))
    np.testing.assert_array_equal(explorer.values["c"], lstm.trace().c[4])
    model.forward(encode("(()(("))  # the float64 model: float32's rounding apart
    np.testing.assert_allclose(explorer.values["c"], model.trace().c[4], atol=1e-6)
    assert explorer.values["text"] == "(()((" and explorer.values["label"] == "("


def test_a_new_sequence_moves_the_step_range_and_keeps_t_inside():
    _, explorer = typed()
    explorer.sequence = "((((((((((" + "))))))))))"
    explorer.set(t=15)
    assert explorer.sliders["t"].max == explorer.play.max == 20
    explorer.sequence = "(("
    assert explorer.sliders["t"].max == explorer.play.max == 2
    assert explorer.values["t"] == explorer.sliders["t"].value == 2
    assert explorer.view.steps == 2  # the print figure follows the new text


def test_setting_a_bad_sequence_raises_and_changes_nothing():
    _, explorer = typed(max_length=10)
    before = explorer.values
    for bad, error, message in [
        ("(x)", ValueError, 'cannot read: "x"'),
        ("(" * 11, ValueError, "Only the first 10 characters"),
        ("", ValueError, "Nothing to run"),
        (["(", ")"], TypeError, "must be a string, got list"),
    ]:
        with pytest.raises(error, match=re.escape(message)):
            explorer.sequence = bad
        assert explorer.sequence == "(()"
    assert explorer.values["text"] == before["text"] == "(()"


def test_what_a_reader_types_is_read_with_a_message_never_an_error():
    _, explorer = typed(max_length=10)
    explorer.figure_widget.text = "(a)b(é"  # as the browser sends it
    values = explorer.values
    assert values["text"] == "()(" and values["skipped"] == "abé"
    assert values["message"] == 'Skipped 3 characters the model cannot read: "a", "b", "é".'
    explorer.figure_widget.text = "()" * 8
    assert explorer.values["text"] == "()" * 5
    assert explorer.values["message"] == "Only the first 10 characters are run (the text has 16)."
    explorer.figure_widget.text = "ab"
    assert set(explorer.values) == {"text", "skipped", "message"}
    assert explorer.values["message"].endswith('Nothing to run: type some of "(" ")".')
    with pytest.raises(ValueError, match="nothing to draw"):
        explorer.savefig(io.BytesIO())


def test_typed_input_checks_its_model_vocabulary_and_presets():
    from lstm_magnifier.lstm import LSTM

    model = LSTM(2, 3, rng=0)
    with pytest.raises(ValueError, match="vocabulary must be a string of 2 different characters"):
        SequenceMagnifier(model, "abc", vocabulary="abc")
    with pytest.raises(ValueError, match="standard LSTM cell only"):
        SequenceMagnifier(LSTM(2, 3, peepholes=True, rng=0), "()", vocabulary="()")
    with pytest.raises(ValueError, match='cannot read: "x"'):
        SequenceMagnifier(model, "()", vocabulary="()", presets={"bad": "(x)"})
    with pytest.raises(AttributeError, match="fixed sequence"):
        SequenceMagnifier(model, encode("()")).sequence = "()"


def test_notebooks_store_the_explorer_module_and_style_the_package_ships():
    """The static site draws from the stored widget state: a notebook executed before
    explorers.js or explorers.css last changed would show the old figure there."""
    import json

    root = Path(__file__).resolve().parents[1]
    from lstm_magnifier.viz.text_magnifier import TextFigure

    js = Path(explorers_module.__file__).with_name("explorers.js").read_text(encoding="utf-8")
    css = explorers_module.ExplorerFigure._css
    modules = {"text": TextFigure._esm}  # chapter 17's: explorers.js, then text_magnifier.js
    stored = 0
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        widgets = notebook["metadata"].get("widgets", {})
        state = widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        for model in state.values():
            if model["model_module"] == "anywidget":
                stored += 1
                rerun = f"re-execute {path.name}: its stored explorer is out of date"
                assert model["state"]["_esm"] == modules.get(model["state"]["kind"], js), rerun
                assert model["state"]["_css"] == css, rerun
    assert stored >= 10  # the explorers of chapters 2, 8 to 12, 15 and 17
