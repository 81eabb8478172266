"""The text magnifier's JavaScript computes and draws what :mod:`lstm_magnifier.text` does.

The module the widget ships (``explorers.js`` followed by ``text_magnifier.js``) runs in headless
Chromium, served on 127.0.0.1 only: its random numbers, its draws, its forward pass of a shipped
character model and its sampler against Python's; then the widget mounted on stand-in models,
typed into and asked to generate. The built chapter is checked by ``tests/test_site_explorers.py``.
"""

import base64

import numpy as np
import pytest
from sitekit import module_page

from lstm_magnifier import text
from lstm_magnifier.viz.text_magnifier import TextFigure, TextMagnifier

pytestmark = pytest.mark.browser

# Stand-in sliders and a stand-in anywidget model around them, as tests/test_explorers_js.py.
MOUNT = """async ([setup, params, traits]) => {
  const m = await import('/text_magnifier.js');
  const sliders = {};
  for (const [name, value] of Object.entries(params)) {
    const listeners = [];
    sliders[name] = {
      value, get(key) { return this[key]; },
      set(key, v) { this[key] = v; listeners.forEach((f) => f()); },
      on(event, f) { listeners.push(f); }, off() { listeners.length = 0; },
    };
  }
  const controls = Object.fromEntries(Object.keys(params).map((n) => [n, 'IPY_MODEL_' + n]));
  const all = { kind: 'text', setup, controls, ...traits };
  const heard = {};
  const model = {
    get: (n) => all[n],
    set(n, v) { all[n] = v; (heard[`change:${n}`] ?? []).forEach((f) => f()); },
    save_changes() { window.saved = (window.saved ?? 0) + 1; },
    on(event, f) { (heard[event] ??= []).push(f); },
    off(event, f) { heard[event] = (heard[event] ?? []).filter((g) => g !== f); },
    widget_manager: { get_model: async (id) => sliders[id] },
  };
  const host = document.createElement('div');
  document.querySelector('main').replaceChildren(host);
  await m.default.render({ model, el: host });
  window.sliders = sliders;
  window.figureModel = model;
}"""

SHOWN = "() => JSON.parse(document.querySelector('main .lm-text-figure').dataset.values)"


@pytest.fixture(scope="module")
def page(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("text-magnifier-js")
    module = ("text_magnifier.js", TextFigure._esm, TextFigure._css)
    with module_page(browser, folder, *module) as page:
        yield page


@pytest.fixture(scope="module")
def shipped():
    """Seed 0's shipped model, its vocabulary, and its units as the training script found them."""
    model, vocab = text.load_char_model(0)
    units = {k: tuple(v) for k, v in text.measured()["seeds"]["0"]["units"].items()}
    return model, vocab, units


def magnifier_of(shipped, **kwargs):
    model, vocab, units = shipped
    presets = {"a string": 'x = "hello"\n', "nested": "f(g(h(1)))\n"}
    return TextMagnifier(model, vocab, units, presets=presets, **kwargs)


def evaluate(page, body, *args):
    """Run ``body`` (a JS expression of ``m``, the module, and ``args``) in the page."""
    return page.evaluate(
        f"async (args) => {{ const m = await import('/text_magnifier.js'); return {body}; }}",
        list(args),
    )


# ------------------------------------------------------------------ the numbers


def test_uniforms_equal_python_s_bit_for_bit(page):
    seeds = [0, 1, 2, 999, 123456789, 2**32 - 1]
    shown = evaluate(
        page,
        """args[0].map((s) => {
             const g = m.uniforms(s);
             return Array.from({ length: 2000 }, () => g.next().value);
           })""",
        seeds,
    )
    for seed, numbers in zip(seeds, shown, strict=True):
        expected = list(zip(range(2000), text.uniforms(seed), strict=False))
        assert numbers == [u for _, u in expected], seed
        assert 0.0 <= min(numbers) and max(numbers) < 1.0


def test_draws_equal_python_s(page):
    rng = np.random.default_rng(0)
    cases = [
        (
            list(rng.normal(scale=4, size=int(rng.integers(2, 97)))),
            float(rng.uniform(0.05, 3)),
            float(u),
        )
        for u in rng.uniform(0, 1, 500)
    ]
    shown = evaluate(page, "args[0].map(([z, t, u]) => m.drawIndex(z, t, u))", cases)
    assert shown == [text.draw(*case) for case in cases]


def test_the_js_forward_pass_of_a_shipped_model_equals_numpy(page, shipped):
    """On 100 random texts (1 to 200 characters of the vocabulary) every unit's h and c after
    every character, computed in the page from the float32 weights the widget ships, equal
    NumPy's run of the same numbers in float64 within 1e-9, and the float32 model's within 1e-4."""
    model, vocab, _ = shipped
    magnifier = magnifier_of(shipped)
    rng = np.random.default_rng(1)
    texts = ["".join(rng.choice(list(vocab), size=int(rng.integers(1, 201)))) for _ in range(100)]
    shown = evaluate(
        page,
        """(() => {  // each text's states as float64 bytes in base64: [h_t, c_t] for every t
          const model = m.textModel(args[0]);
          return args[1].map((t) => {
            const states = m.readChars(model, t).states.slice(1);
            const flat = states.flatMap((s) => [...s.h[0], ...s.c[0]]);
            const bytes = new Uint8Array(new Float64Array(flat).buffer);
            let binary = '';
            for (let k = 0; k < bytes.length; k += 8192) {
              binary += String.fromCharCode(...bytes.subarray(k, k + 8192));
            }
            return btoa(binary);
          });
        })()""",
        magnifier.figure_widget.setup,
        texts,
    )
    worst = {"float64": 0.0, "float32": 0.0}
    browser = text.browser_model(model)
    for chars, states in zip(texts, shown, strict=True):
        js = np.frombuffer(base64.b64decode(states), "<f8").reshape(len(chars), 2, -1)
        for which, m in (("float64", browser), ("float32", model)):
            _, h, c = text.run(m, text.encode(chars, vocab))
            error = max(np.abs(js[:, 0] - h).max(), np.abs(js[:, 1] - c).max())
            worst[which] = max(worst[which], float(error))
    print("largest difference, page vs NumPy:", worst)
    assert worst["float64"] < 1e-9, worst
    assert worst["float32"] < 1e-4, worst


def test_the_sampler_writes_python_s_text(page, shipped):
    """The same seed, temperature and prompt give the same 150 characters in the page as
    :func:`lstm_magnifier.text.sample`, for 36 settings."""
    model, vocab, _ = shipped
    magnifier = magnifier_of(shipped)
    cases = [
        (t, seed, prompt)
        for t in (0.5, 0.8, 1.0, 1.5)
        for seed in (0, 1, 7)
        for prompt in ("", "def ", 'x = "')
    ]
    shown = evaluate(
        page,
        "args[1].map(([t, s, p]) => m.sampleText(m.textModel(args[0]), 150, t, s, p))",
        magnifier.figure_widget.setup,
        cases,
    )
    expected = [
        text.sample(model, vocab, 150, temperature=t, seed=s, prompt=p) for t, s, p in cases
    ]
    different = [case for case, a, b in zip(cases, shown, expected, strict=True) if a != b]
    assert different == []
    assert len(set(shown)) == len(cases)  # every setting writes its own text


# ------------------------------------------------------------------ the widget


def mount(page, magnifier):
    figure = magnifier.figure_widget
    traits = {"text": figure.text, "generated": figure.generated}
    page.evaluate(MOUNT, [figure.setup, magnifier._params(), traits])


def assert_same(shown, expected, where=""):
    """The page's values (parsed ``data-values``) equal Python's: strings exactly, each unit's
    values within 1e-9."""
    assert set(shown) == set(expected), where
    for key in ("text", "skipped", "message", "generated"):
        assert shown[key] == expected[key], (where, key)
    assert set(shown["units"]) == set(expected["units"]), where
    for name, values in expected["units"].items():
        got = np.array(shown["units"][name], dtype=float)
        assert got.shape == values.shape, (where, name)
        assert np.abs(got - values).max(initial=0.0) < 1e-9, (where, name)


def test_the_figure_shows_what_numpy_computes_and_follows_typing(page, shipped):
    magnifier = magnifier_of(shipped, text="def f(x):\n    return x\n")
    mount(page, magnifier)
    assert_same(page.evaluate(SHOWN), magnifier.values, "as stored")
    rows = page.locator("main .lm-unit-row")
    assert rows.count() == 5
    assert "inside a string" in rows.first.text_content()
    for typed in ('s = "quoted text"  # and a comment\n', "if x:\n    y = [1, (2, 3)]\n", "a"):
        page.fill("main textarea.lm-typed-input", typed)
        magnifier.text = typed  # what the kernel receives
        assert_same(page.evaluate(SHOWN), magnifier.values, typed)
        assert page.locator("main .lm-chars").first.text_content() == typed
    assert page.evaluate("window.saved") >= 3  # each edit is sent to the kernel
    page.click("main button.lm-preset >> nth=1")
    magnifier.text = "f(g(h(1)))\n"
    assert_same(page.evaluate(SHOWN), magnifier.values, "preset")
    magnifier.close()


def test_the_tints_follow_the_values(page, shipped):
    """Behind each character, orange grows with the unit's (turned) value and purple with its
    opposite, at most 55 % opaque; also after edits that keep the start of the text (whose
    characters the page does not draw again) and after one that changes its first character."""
    magnifier = magnifier_of(shipped, text='x = "abc"  # d\n')
    mount(page, magnifier)
    colors = magnifier.figure_widget.setup["colors"]
    for typed in ('x = "abc"  # d\n', 'x = "abc"  # d\nif y:\n', 'x = "ab', "y = 1\n"):
        page.fill("main textarea.lm-typed-input", typed)
        magnifier.text = typed
        tints = page.evaluate(
            """() => [...document.querySelectorAll('main .lm-chars')].map((pre) =>
                 [...pre.children].map((s) => [s.textContent, s.style.backgroundColor]))"""
        )
        for unit, row in zip(magnifier.figure_widget.setup["units"], tints, strict=True):
            assert "".join(ch for ch, _ in row) == typed
            values = magnifier.values["units"][unit["name"]] * unit["sign"] / unit["scale"]
            for value, (_, tint) in zip(values, row, strict=True):
                r, g, b, *alpha = (float(v) for v in tint[tint.index("(") + 1 : -1].split(","))
                want = colors["positive"] if value >= 0 else colors["negative"]
                opacity = alpha[0] if alpha else 1.0
                assert [r, g, b] == want
                # the page keeps an opacity in 8 bits: within 1/255
                assert abs(opacity - 0.55 * min(1.0, abs(value))) <= 1 / 255 + 1e-3, (unit, tint)
    magnifier.close()


def test_generate_writes_what_python_writes(page, shipped):
    magnifier = magnifier_of(shipped, text="class Point:\n    ")
    mount(page, magnifier)
    for temperature, seed in ((0.8, 0), (1.3, 42)):
        page.evaluate(
            """([t, s]) => {
                 window.sliders.temperature.set('value', t);
                 window.sliders.seed.set('value', s);
               }""",
            [temperature, seed],
        )
        magnifier.set(temperature=temperature, seed=seed)
        page.click("main button.lm-generate")
        expected = magnifier.generate()
        assert page.text_content("main pre.lm-generated") == expected
        assert page.evaluate("window.figureModel.get('generated')") == expected
        assert_same(page.evaluate(SHOWN), magnifier.values, f"T={temperature} seed={seed}")
    magnifier.close()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("x\t= 1", 'Skipped 1 character the model cannot read: "\\t".'),
        ("a" * 450, "Only the first 400 characters are run (the text has 450)."),
        ("", "Nothing to run"),
        ("\u00e9\u00e9", 'Skipped 2 characters the model cannot read: "\u00e9". Nothing to run'),
    ],
)
def test_bad_input_gets_a_message(page, shipped, typed, message):
    magnifier = magnifier_of(shipped, text="x = 1\n")
    mount(page, magnifier)
    page.fill("main textarea.lm-typed-input", typed)
    status = page.text_content("main .lm-message")
    assert status.startswith(message), status
    shown = page.evaluate(SHOWN)
    assert shown["message"] == status
    assert shown["text"] == "".join(ch for ch in typed if ch in magnifier._vocabulary)[:400]
    if typed:  # Python refuses what the page reads only in part, with the same words
        with pytest.raises(ValueError, match=message.split(":")[0].split("(")[0].strip()):
            magnifier.text = typed
    magnifier.close()
