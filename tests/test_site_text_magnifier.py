"""Chapter 17's text magnifier on the built site, offline: typing and generating in the page.

The page that stores a text magnifier (an anywidget model of kind ``"text"``) is opened in
headless Chromium with every host but 127.0.0.1 blocked (over http and from disk). What the
page shows (``data-values``) must equal NumPy's run of the weights the page stores, after typing
too; the generate button must write what :func:`lstm_magnifier.text.sample` writes for the
sliders' temperature and seed; bad input gets a message; at 390 px nothing sticks out. No page
error, no console error, no request to another host. (axe-core audits the page in both modes
in ``test_site.py``.)
"""

import json
import re

import numpy as np
import pytest
from sitekit import offline_page, site_server

from lstm_magnifier import text
from lstm_magnifier.viz.explorers import read_text

from cells import decode_array

pytestmark = [pytest.mark.book, pytest.mark.browser, pytest.mark.slow]

STATE_SCRIPT = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.DOTALL
)
DRAWN = "() => !!document.querySelector('.lm-text-figure[data-values]')"
SHOWN = """() => ({
  values: JSON.parse(document.querySelector('.lm-text-figure').dataset.values),
  typed: document.querySelector('textarea.lm-typed-input').value,
  message: document.querySelector('.lm-text-explorer .lm-message').textContent,
  generated: document.querySelector('pre.lm-generated').textContent,
  readouts: Array.from(document.querySelectorAll('.lstm-magnifier-explorer .widget-slider'))
    .map((s) => s.querySelector('.widget-readout').textContent.trim()),
})"""


def model_of(setup):
    """A float64 character model holding the float32 numbers the page stores."""
    (layer,) = setup["weights"]
    state = {f"core.{k}_l0": decode_array(layer[k]) for k in ("weight_ih", "weight_hh")}
    state["core.bias_ih_l0"] = decode_array(layer["bias"])
    state["core.bias_hh_l0"] = np.zeros_like(state["core.bias_ih_l0"])
    state.update({f"head.{k}": decode_array(a) for k, a in setup["head"].items()})
    hidden = state["core.weight_hh_l0"].shape[1]
    model = text.char_model(len(setup["vocabulary"]), hidden, dtype=np.float64)
    model.load_state_dict(state)
    return model


@pytest.fixture(scope="module")
def stored(site):
    """``(page, setup)``: the one page that stores a text magnifier, and its setup."""
    found = []
    for path in sorted(site.rglob("*.html")):
        for script in STATE_SCRIPT.findall(path.read_text(encoding="utf-8")):
            for m in json.loads(script)["state"].values():
                if m["model_module"] == "anywidget" and m["state"].get("kind") == "text":
                    found.append((path.relative_to(site).as_posix(), m["state"]["setup"]))
    assert len(found) == 1, [rel for rel, _ in found]
    return found[0]


def expected(setup, model, typed, generated):
    read = read_text(typed, setup["vocabulary"], setup["max_length"])
    units = {u["name"]: np.zeros(0) for u in setup["units"]}
    if read["text"]:
        _, h, c = text.run(model, text.encode(read["text"], setup["vocabulary"]))
        memories = {"h": h, "c": c}
        units = {u["name"]: memories[u["memory"]][:, u["unit"]] for u in setup["units"]}
    return {**read, "units": units, "generated": generated}


def check(page, setup, model, where):
    """The page shows NumPy's values for what its box holds; returns what it showed."""
    shown = page.evaluate(SHOWN)
    want = expected(setup, model, shown["typed"], shown["generated"])
    got = shown["values"]
    assert set(got) == set(want), where
    for key in ("text", "skipped", "message", "generated"):
        assert got[key] == want[key], (where, key)
    for name, values in want["units"].items():
        error = np.abs(np.array(got["units"][name], dtype=float) - values).max(initial=0.0)
        assert error < 1e-9, (where, name, error)
    assert shown["message"] == got["message"], where
    return shown


def open_text_page(browser, url, base, **options):
    context, page, outside, errors = offline_page(browser, base, **options)
    page.goto(url, wait_until="load")
    page.wait_for_function(DRAWN, timeout=30_000)
    return context, page, outside, errors


def test_typing_and_generating_work_offline(stored, server, browser):
    rel, setup = stored
    model = model_of(setup)
    context, page, outside, errors = open_text_page(
        browser, server + rel, server, viewport={"width": 1100, "height": 900}
    )
    before = check(page, setup, model, "as stored")
    assert before["generated"], "the stored page shows the chapter's generated text"
    assert page.locator(".lm-unit-row").count() == len(setup["units"]) == 5
    box = page.locator("textarea.lm-typed-input")
    for typed in ('s = "an unclosed string\n', "if x:\n        y = [1, (2,\n", "# a comment"):
        box.fill(typed)
        after = check(page, setup, model, f"typed {typed!r}")
        assert after["values"]["units"] != before["values"]["units"], typed
        before = after
    page.locator("button.lm-preset").nth(2).click()
    check(page, setup, model, "example")
    for k, key in enumerate(("ArrowRight", "ArrowLeft")):  # move the seed, then generate
        handle = page.locator(".lstm-magnifier-explorer .noUi-handle").nth(1)
        handle.focus()
        handle.press(key)
        page.locator("button.lm-generate").click()
        shown = check(page, setup, model, f"generated {k}")
        temperature, seed = float(shown["readouts"][0]), int(shown["readouts"][1])
        prompt = read_text(shown["typed"], setup["vocabulary"], setup["max_length"])["text"]
        python = text.sample(
            model, setup["vocabulary"], setup["length"], temperature=temperature, seed=seed,
            prompt=prompt,
        )  # fmt: skip
        assert shown["generated"] == python, (temperature, seed)
    box.fill("x\t= 1")
    shown = check(page, setup, model, "a tab")
    assert shown["message"] == 'Skipped 1 character the model cannot read: "\\t".'
    box.fill("")
    assert check(page, setup, model, "empty")["message"].startswith("Nothing to run")
    context.close()
    assert outside == [] and errors == [], (outside, errors)


def test_typing_works_from_disk(stored, site, browser):
    rel, setup = stored
    context, page, outside, errors = open_text_page(
        browser,
        (site / rel).resolve().as_uri(),
        "file:///",
        viewport={"width": 1100, "height": 900},
    )
    page.locator("textarea.lm-typed-input").fill("def f():\n    return 1\n")
    check(page, setup, model_of(setup), "from disk")
    context.close()
    assert outside == [] and errors == [], (outside, errors)


def test_the_text_magnifier_fits_a_phone(stored, server, browser):
    rel, _ = stored
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    site_server.block_other_hosts(context, server, lambda url: None)
    page = context.new_page()
    page.goto(server + rel, wait_until="load")
    page.wait_for_function(DRAWN, timeout=30_000)
    page.locator("textarea.lm-typed-input").fill("x = 1  # " + "a long comment " * 20)
    facts = page.evaluate(
        """() => {
          const parts = document.querySelectorAll(
            '.lm-text-explorer, .lm-text-explorer textarea, .lm-text-explorer button, .lm-chars');
          const rights = Array.from(parts).map((p) => p.getBoundingClientRect().right);
          return { right: Math.max(...rights),
                   width: document.documentElement.scrollWidth, count: parts.length };
        }"""
    )
    context.close()
    assert facts["count"] > 5 and facts["right"] <= 390 and facts["width"] <= 390, facts
