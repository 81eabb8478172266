"""The explorers' JavaScript (``viz/explorers.js``) computes what NumPy computes, in Chromium.

The module runs in headless Chromium (served on 127.0.0.1 only): its cell math against
:mod:`lstm_magnifier.timelines` over 1,000 random settings each, and each explorer's
figure mounted on stand-in slider models: the numbers the SVG carries (``data-values``)
equal the Python explorer's ``values``, and follow a slider. The same module on the built
site, through the real widget manager, is checked by ``tests/test_site_explorers.py``.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sitekit import module_page

from lstm_magnifier.lstm import LSTM
from lstm_magnifier.timelines import (
    SEQUENCES,
    WEIGHT_NAMES,
    constant_gate_timeline,
    gate_step,
    weight_timeline,
)
from lstm_magnifier.viz import explorers
from lstm_magnifier.viz.explorers import (
    ExplorerFigure,
    GateExplorer,
    MemoryTimeline,
    SequenceMagnifier,
    WeightExplorer,
)

from cells import value_differences

pytestmark = pytest.mark.browser


# Stand-in slider models (get, set, on, off) and a stand-in anywidget model around them.
MOUNT = """async ([kind, setup, params, options, text]) => {
  const m = await import('/explorers.js');
  const sliders = {};
  for (const [name, value] of Object.entries(params)) {
    const listeners = [];
    // A dropdown's front-end model (ipywidgets 8) has `index` and `_options_labels`.
    const labels = typeof value === 'string' ? options[name] : undefined;
    sliders[name] = {
      value, _options_labels: labels, index: labels ? labels.indexOf(value) : undefined,
      get(key) { return this[key]; },
      set(key, v) {
        if (labels) this.index = labels.indexOf(v); else this[key] = v;
        listeners.forEach((f) => f());
      },
      on(event, f) { listeners.push(f); },
      off() { listeners.length = 0; },
    };
  }
  const controls = Object.fromEntries(Object.keys(params).map((n) => [n, 'IPY_MODEL_' + n]));
  const traits = { kind, setup, controls, text };
  const heard = {};  // the figure model's listeners, by event
  const model = {
    get: (n) => traits[n],
    set(n, v) { traits[n] = v; (heard[`change:${n}`] ?? []).forEach((f) => f()); },
    save_changes() { window.saved = (window.saved ?? 0) + 1; },
    on(event, f) { (heard[event] ??= []).push(f); },
    off(event) { heard[event] = []; },
    widget_manager: { get_model: async (id) => sliders[id] },
  };
  const host = document.createElement('div');
  host.className = 'lm-explorer-figure';
  document.querySelector('main').replaceChildren(host);
  await m.default.render({ model, el: host });
  window.sliders = sliders;
  window.figureModel = model;
}"""

SHOWN = """() => {
  const svg = document.querySelector('main svg');
  return { values: svg.dataset.values, label: svg.getAttribute('aria-label'),
           role: svg.getAttribute('role'), width: svg.getBoundingClientRect().width };
}"""


@pytest.fixture(scope="module")
def page(tmp_path_factory, browser):
    """A page of the session's Chromium (``sitekit.py``) with explorers.js served from
    127.0.0.1; fails the tests' teardown on any page error or outside request."""
    source = Path(explorers.__file__).with_name("explorers.js").read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp("explorers-js")
    with module_page(browser, folder, "explorers.js", source, ExplorerFigure._css) as page:
        yield page


def assert_same(shown, expected, where=""):
    problems = value_differences(shown, expected)
    assert problems == [], f"{where}: {problems}"


def run_js(page, function, cases):
    """Call ``function`` of explorers.js on each case in the page; returns the JSON texts."""
    return page.evaluate(
        """async ([fn, cases]) => {
          const m = await import('/explorers.js');
          return cases.map((c) => m.valuesJson(m[fn](...c)));
        }""",
        [function, cases],
    )


# ------------------------------------------------------------------ the math, 1,000 settings


def test_gate_step_matches_numpy(page):
    rng = np.random.default_rng(0)
    cases = []
    for _ in range(1000):
        i, f, o = rng.uniform(0, 1, 3)
        g, c_prev = rng.uniform(-1, 1), rng.uniform(-3, 3)
        cases.append([{"i": i, "f": f, "g": g, "o": o, "c_prev": c_prev}])
    for case, shown in zip(cases, run_js(page, "gateStep", cases), strict=True):
        assert_same(json.loads(shown), gate_step(**case[0]), str(case))


def test_constant_gate_timeline_matches_numpy(page):
    rng = np.random.default_rng(1)
    cases = []
    for k in range(1000):
        f = [0.0, 1.0][k % 2] if k < 20 else rng.uniform(0, 1)  # the two ends are special
        params = dict(f=f, i=rng.uniform(0, 1), g=rng.uniform(-1, 1), o=rng.uniform(0, 1))
        params.update(steps=int(rng.integers(1, 201)), c0=rng.uniform(-3, 3))
        cases.append([params])
    for case, shown in zip(cases, run_js(page, "constantGateTimeline", cases), strict=True):
        assert_same(json.loads(shown), {**case[0], **constant_gate_timeline(**case[0])}, "")


def test_weight_timeline_matches_numpy(page):
    rng = np.random.default_rng(2)
    cases = []
    for _ in range(1000):
        weights = {name: rng.uniform(-6, 6) for name in WEIGHT_NAMES}
        cases.append([weights, list(rng.normal(size=int(rng.integers(1, 41))))])
    for case, shown in zip(cases, run_js(page, "weightTimeline", cases), strict=True):
        assert_same(json.loads(shown), weight_timeline(*case), "")


def test_a_trace_crosses_over_exactly(page):
    model = LSTM(3, 5, rng=np.random.default_rng(3))
    x = np.random.default_rng(4).normal(size=(9, 3))
    magnifier = SequenceMagnifier(model, x)
    trace = magnifier.figure_widget.setup["trace"]
    decoded = page.evaluate(
        """async (trace) => {
          const m = await import('/explorers.js');
          return Object.fromEntries(Object.entries(trace).map(([k, a]) => [k, m.decodeArray(a)]));
        }""",
        trace,
    )
    for name, rows in decoded.items():
        assert np.array_equal(np.array(rows), getattr(magnifier.trace, name)), name


# ------------------------------------------------------------------ the figures


def mount(page, explorer):
    figure = explorer.figure_widget
    options = {
        name: list(w.options) for name, w in explorer.controls.items() if hasattr(w, "options")
    }
    page.evaluate(MOUNT, [figure.kind, figure.setup, explorer._params(), options, figure.text])


def shown(page):
    return page.evaluate(SHOWN)


def move(page, name, value):
    page.evaluate("([n, v]) => window.sliders[n].set('value', v)", [name, value])


EXPLORERS = {
    "gate": (lambda: GateExplorer(highlight="forget", f=0.3), "c_prev", -2.5),
    "timeline": (lambda: MemoryTimeline(f=1.0, i=0.0), "f", 0.5),
    "weights": (lambda: WeightExplorer(steps=20), "b_f", -4.0),
    "sequence": (
        lambda: SequenceMagnifier(
            LSTM(2, 4, rng=np.random.default_rng(5)),
            np.random.default_rng(6).normal(size=(7, 2)),
            labels=list("abcdefg"),
        ),
        "t",
        6,
    ),
    "typed": (lambda: typed_magnifier(), "unit", 2),
}


@pytest.mark.parametrize("kind", list(EXPLORERS))
def test_the_figure_shows_what_numpy_computes_and_follows_a_slider(page, kind):
    make, name, value = EXPLORERS[kind]
    explorer = make()
    mount(page, explorer)
    before = shown(page)
    assert before["role"] == "img"
    assert_same(json.loads(before["values"]), explorer.values, kind)
    move(page, name, value)
    explorer.set(**{name: value})
    after = shown(page)
    assert after["values"] != before["values"] and after["label"] != before["label"]
    assert_same(json.loads(after["values"]), explorer.values, f"{kind} after {name}={value}")
    explorer.close()


# ------------------------------------------------------------------ typed input


def typed_magnifier(**kwargs):
    """A two-layer LSTM with weights large enough to saturate, shown at layer 1, typed input."""
    model = LSTM(2, 6, num_layers=2, rng=np.random.default_rng(8))
    for name, weights in model.params.items():
        model.params[name][...] = 3.0 * weights
    kwargs = {"vocabulary": "()", "names": {"counter": 2}, "count": ("depth", {"(": 1, ")": -1})}
    return SequenceMagnifier(model, "(()", layer=1, presets={"deep": "((((()))))"}, **kwargs)


def test_the_js_forward_pass_of_the_shipped_model_equals_numpy(page):
    """On 100 random bracket strings (1 to 200 characters) every layer's gates and memories,
    computed in the browser from the float32 weights the widget ships, equal NumPy's run of the
    same weights (``magnifier._model``) within 1e-6, and the float64 model's within 1e-4."""
    magnifier = typed_magnifier()
    original = LSTM(2, 6, num_layers=2, rng=np.random.default_rng(8))
    for name, weights in original.params.items():
        original.params[name][...] = 3.0 * weights
    rng = np.random.default_rng(9)
    texts = ["".join(rng.choice(list("()"), size=int(rng.integers(1, 201)))) for _ in range(100)]
    shown = page.evaluate(
        """async ([weights, texts]) => {
          const m = await import('/explorers.js');
          const decoded = weights.map((l) => Object.fromEntries(
            Object.entries(l).map(([k, a]) => [k, m.decodeArray(a)])));
          return texts.map((text) => m.lstmForward(decoded,
            [...text].map((ch) => (ch === '(' ? [1, 0] : [0, 1]))));
        }""",
        [magnifier.figure_widget.setup["weights"], texts],
    )
    worst = {"float32": 0.0, "float64": 0.0}
    for text, layers in zip(texts, shown, strict=True):
        x = np.eye(2)[[0 if ch == "(" else 1 for ch in text]]
        for which, model in (("float32", magnifier._model), ("float64", original)):
            model.forward(x)
            for k, layer in enumerate(layers):
                trace = model.trace(k)
                for name in ("i", "f", "g", "o", "c", "h"):
                    error = np.abs(np.array(layer[name]) - getattr(trace, name)).max()
                    worst[which] = max(worst[which], error)
    assert worst["float32"] < 1e-6, worst
    assert worst["float64"] < 1e-4, worst


def type_text(page, text):
    """Type ``text`` into the figure's text box as a reader does (replacing what is there)."""
    page.fill("main input.lm-typed-input", text)


def test_typing_runs_the_model_again_and_shows_what_numpy_computes(page):
    magnifier = typed_magnifier()
    mount(page, magnifier)
    before = shown(page)
    assert_same(json.loads(before["values"]), magnifier.values, "as stored")
    for text in ("((((()))))", "()" * 100, "(", ")))((("):
        type_text(page, text)
        magnifier.figure_widget.text = text  # what the kernel receives
        after = shown(page)
        assert after["values"] != before["values"], text
        assert_same(json.loads(after["values"]), magnifier.values, text)
        steps = page.evaluate("window.sliders.t.max")
        assert steps == len(text) == magnifier.sliders["t"].max
        before = after
    move(page, "t", 1)
    magnifier.set(t=1)
    assert_same(json.loads(shown(page)["values"]), magnifier.values, "t = 1")
    assert page.evaluate("window.figureModel.get('text')") == ")))((("
    assert page.evaluate("window.saved") >= 4  # each keystroke is sent to the kernel
    magnifier.close()


def test_the_example_buttons_type_their_text(page):
    magnifier = typed_magnifier()
    mount(page, magnifier)
    page.click("main button.lm-preset")
    magnifier.figure_widget.text = "((((()))))"
    assert page.input_value("main input.lm-typed-input") == "((((()))))"
    assert_same(json.loads(shown(page)["values"]), magnifier.values, "preset")
    magnifier.close()


@pytest.mark.parametrize(
    "text, message",
    [
        ("(a)b(", 'Skipped 2 characters the model cannot read: "a", "b".'),
        ("(" * 230, "Only the first 200 characters are run (the text has 230)."),
        ("", "Nothing to run"),
        ("xyz", 'Skipped 3 characters the model cannot read: "x", "y", "z". Nothing to run'),
    ],
)
def test_bad_input_gets_a_message_not_a_silent_picture(page, text, message):
    magnifier = typed_magnifier()
    mount(page, magnifier)
    type_text(page, text)
    magnifier.figure_widget.text = text
    status = page.text_content("main .lm-message")
    assert status.startswith(message), status
    values = json.loads(shown(page)["values"])
    assert_same(values, magnifier.values, repr(text))
    assert values["message"] == status
    if not values["text"]:  # nothing to run: no heat maps, the message instead
        assert page.locator("main svg rect").count() == 0
        assert shown(page)["label"] == f"No heat maps to show. {status}"
    magnifier.close()


def test_the_label_states_the_values(page):
    explorer = GateExplorer(i=0.25, f=0.5, g=-1.0, o=1.0, c_prev=2.0)
    mount(page, explorer)
    label = shown(page)["label"]
    for part in ("i 0.25", "f 0.50", "g −1.00", "c_prev 2.00", f"{math.tanh(0.75):.2f}"):
        assert part in label, (part, label)
    explorer.close()


def test_the_weight_explorer_switches_its_input(page):
    explorer = WeightExplorer(steps=15)
    mount(page, explorer)
    for sequence in SEQUENCES:
        move(page, "sequence", sequence)
        explorer.set(sequence=sequence)
        assert_same(json.loads(shown(page)["values"]), explorer.values, sequence)
    explorer.close()


CONTRASTS = """(background) => {
  const lum = (rgb) => {
    const c = rgb.map((v) => v / 255)
      .map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const bg = lum(background);
  return Array.from(document.querySelectorAll('main svg text')).map((t) => {
    const rgb = getComputedStyle(t).fill.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const [a, b] = [lum(rgb), bg].sort((x, y) => y - x);
    return [t.textContent, (a + 0.05) / (b + 0.05)];
  });
}"""


@pytest.mark.parametrize("theme, background", [("light", (255, 255, 255)), ("dark", (18, 18, 18))])
def test_every_text_of_every_figure_reads_on_its_page(page, theme, background):
    """Each SVG text is drawn in a colour with WCAG contrast >= 4.5 : 1 on the page's
    background, in light and in dark mode (dark: ``data-theme="dark"`` on <html>)."""
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    try:
        for kind, (make, _, _) in EXPLORERS.items():
            explorer = make()
            mount(page, explorer)
            low = [(t, round(r, 2)) for t, r in page.evaluate(CONTRASTS, background) if r < 4.5]
            assert low == [], (theme, kind, low)
            explorer.close()
    finally:
        page.evaluate("delete document.documentElement.dataset.theme")
