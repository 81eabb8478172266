"""Every explorer on the built site is live offline: its figure follows the keyboard.

On each page of the built book that stores an explorer (an ``ExplorerFigure`` of
anywidget in the page's widget state), in headless Chromium with every host but
127.0.0.1 blocked, over http and from disk (file://): each slider of each explorer is
moved with the arrow keys, and the figure must change, and show (``data-values`` on its
SVG) what NumPy computes for the slider values the page shows, within 1e-12. The
``SequenceMagnifier``'s play button must move its figure too. No page error, no console
error, no request to another host.

The site, the server and the browser are the fixtures of ``sitekit.py``, shared with
``test_site.py`` (the book is built once).
"""

import json
import re

import numpy as np
import pytest
from sitekit import offline_page, site_server

from lstm_magnifier.lstm import LSTM
from lstm_magnifier.timelines import constant_gate_timeline, gate_step, weight_timeline
from lstm_magnifier.viz.explorers import _STEP_KEYS as STEP_KEYS
from lstm_magnifier.viz.explorers import read_text

from cells import decode_array, value_differences

pytestmark = [pytest.mark.book, pytest.mark.browser, pytest.mark.slow]


STATE_SCRIPT = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.DOTALL
)

# The explorers of one page, once drawn: each one's slider handles, dropdowns and SVG.
EXPLORERS_DRAWN = """(count) => {
  const boxes = document.querySelectorAll('.lstm-magnifier-explorer');
  const svgs = document.querySelectorAll('.lstm-magnifier-explorer svg.lm-svg');
  return boxes.length === count && svgs.length === count;
}"""

SHOWN = """(k) => {
  const box = document.querySelectorAll('.lstm-magnifier-explorer')[k];
  const svg = box.querySelector('svg.lm-svg');
  const sliders = Array.from(box.querySelectorAll('.widget-slider')).map((s) => ({
    label: s.querySelector('.widget-label').textContent.trim(),
    readout: s.querySelector('.widget-readout').textContent.trim(),
  }));
  const typed = box.querySelector('input.lm-typed-input');
  const images = Array.from(svg.querySelectorAll('image')).map((i) => i.getAttribute('href'));
  return { kind: svg.dataset.kind, values: svg.dataset.values, typed: typed && typed.value,
           label: svg.getAttribute('aria-label'), role: svg.getAttribute('role'), sliders,
           message: box.querySelector('.lm-message')?.textContent, images };
}"""


def stored_explorers(html):
    """The ExplorerFigure models stored in a page: ``[{kind, setup}]`` in page order (chapter
    17's text magnifier, which draws no SVG, has its own tests: test_site_text_magnifier.py)."""
    found = []
    for text in STATE_SCRIPT.findall(html):
        for model in json.loads(text)["state"].values():
            kind = model["state"].get("kind") if model["model_module"] == "anywidget" else None
            if kind and kind != "text":
                found.append({"kind": model["state"]["kind"], "setup": model["state"]["setup"]})
    return found


def typed_values(setup, typed, t, unit):
    """What a typed SequenceMagnifier shows for the text ``typed``: NumPy's LSTM with the
    weights the page stores, run on what the magnifier reads of it."""
    read = read_text(typed, setup["vocabulary"], setup["max_length"])
    if not read["text"]:
        return read
    layers = [{k: decode_array(a) for k, a in layer.items()} for layer in setup["weights"]]
    hidden, vocabulary = layers[0]["weight_hh"].shape[1], setup["vocabulary"]
    model = LSTM(len(vocabulary), hidden, num_layers=len(layers), rng=0)
    for k, layer in enumerate(layers):
        model.params[f"weight_ih_l{k}"][...] = layer["weight_ih"]
        model.params[f"weight_hh_l{k}"][...] = layer["weight_hh"]
        model.params[f"bias_ih_l{k}"][...], model.params[f"bias_hh_l{k}"][...] = layer["bias"], 0
    model.forward(np.eye(len(vocabulary))[[vocabulary.index(ch) for ch in read["text"]]])
    step = model.trace(setup["layer"]).at(t - 1)
    values = {"t": t, "unit": unit, **{k: getattr(step, k) for k in STEP_KEYS}}
    return {**values, "label": read["text"][t - 1], **read}


def expected_values(kind, setup, shown, typed=None):
    """What the Python explorer's ``values`` is for the inputs the figure shows (NumPy)."""
    if kind == "gate":
        return gate_step(**{k: shown[k] for k in ("i", "f", "g", "o", "c_prev")})
    if kind == "timeline":
        params = {k: shown[k] for k in ("f", "i", "g", "o", "steps", "c0")}
        return {**params, **constant_gate_timeline(**params)}
    if kind == "weights":
        weights = {k: v for k, v in shown.items() if k.startswith(("W_", "b_"))}
        x = setup["sequences"][shown["sequence"]]
        return {**weights, "sequence": shown["sequence"], **weight_timeline(weights, x)}
    assert kind == "sequence", kind
    t, unit = shown.get("t"), shown.get("unit")
    if "weights" in setup:
        return typed_values(setup, typed, t, unit)
    values = {"t": t, "unit": unit}
    values.update({name: decode_array(a)[t - 1] for name, a in setup["trace"].items()})
    if setup.get("labels"):
        values["label"] = setup["labels"][t - 1]
    return values


def assert_same(shown, expected, where):
    problems = value_differences(shown, expected)
    assert problems == [], f"{where}: {problems}"


def check_figure(page, k, explorer, where):
    """The k-th explorer's SVG: an image with a label, showing NumPy's numbers for its
    sliders; returns what it showed."""
    shown = page.evaluate(SHOWN, k)
    assert shown["role"] == "img" and len(shown["label"]) > 40, where
    values = json.loads(shown["values"])
    expected = expected_values(explorer["kind"], explorer["setup"], values, shown["typed"])
    assert_same(values, expected, where)
    for slider in shown["sliders"]:  # the figure's inputs are what the sliders read out
        name = slider["label"].split()[0]
        if name in values:  # readouts print two decimals
            readout = float(slider["readout"].replace("\u2212", "-"))
            assert readout == pytest.approx(values[name], abs=0.0051), (where, name)
    return shown


def explorer_pages(site):
    pages = {}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.startswith("_"):
            continue
        found = stored_explorers(path.read_text(encoding="utf-8"))
        if found:
            pages[rel] = found
    return pages


def open_page(browser, url, count, base):
    context, page, outside, errors = offline_page(
        browser, base, viewport={"width": 1100, "height": 900}
    )
    page.goto(url, wait_until="load")
    page.wait_for_function(EXPLORERS_DRAWN, arg=count, timeout=30_000)
    return context, page, outside, errors


def in_page_order(page, explorers):
    """The stored explorers in the order the page shows them (matched by kind, each
    kind in stored order)."""
    kinds = page.eval_on_selector_all(
        ".lstm-magnifier-explorer svg.lm-svg", "svgs => svgs.map((s) => s.dataset.kind)"
    )
    left = list(explorers)
    ordered = []
    for kind in kinds:
        match = next(e for e in left if e["kind"] == kind)
        left.remove(match)
        ordered.append(match)
    return ordered


def exercise(page, explorers, where):
    """Move every control of every explorer; the figure must follow and stay right."""
    for k, explorer in enumerate(in_page_order(page, explorers)):
        box = page.locator(".lstm-magnifier-explorer").nth(k)
        before = check_figure(page, k, explorer, f"{where} #{k}")
        handles = box.locator(".noUi-handle")
        assert handles.count() >= 2, f"{where} #{k}: too few sliders"
        for h in range(handles.count()):
            handle = handles.nth(h)
            handle.focus()
            key = (
                "ArrowLeft"
                if handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
                else "ArrowRight"
            )
            handle.press(key)
            after = check_figure(page, k, explorer, f"{where} #{k} slider {h} {key}")
            assert after["values"] != before["values"], f"{where} #{k}: slider {h} changed nothing"
            assert after["label"] != before["label"], f"{where} #{k}: the description stayed"
            before = after
        for d in range(box.locator("select").count()):
            select = box.locator("select").nth(d)
            options = select.locator("option").all_inner_texts()
            for option in options[::-1]:
                select.select_option(label=option)
                check_figure(page, k, explorer, f"{where} #{k} option {option}")
        if explorer["kind"] == "sequence":
            shown = page.evaluate(SHOWN, k)["values"]
            box.locator(".widget-play button").first.click()  # play
            page.wait_for_function(
                "([k, v]) => document.querySelectorAll('.lstm-magnifier-explorer')[k]"
                ".querySelector('svg.lm-svg').dataset.values !== v",
                arg=[k, shown],
                timeout=5_000,
            )
            check_figure(page, k, explorer, f"{where} #{k} playing")


@pytest.fixture(scope="module")
def pages(site):
    found = explorer_pages(site)
    kinds = {e["kind"] for explorers in found.values() for e in explorers}
    assert kinds == {"gate", "timeline", "weights", "sequence"}, kinds
    return found


def test_every_explorer_follows_its_sliders_over_http(pages, server, browser):
    for rel, explorers in pages.items():
        context, page, outside, errors = open_page(browser, server + rel, len(explorers), server)
        exercise(page, explorers, rel)
        context.close()
        assert outside == [] and errors == [], (rel, outside, errors)


def test_every_explorer_follows_its_sliders_from_disk(pages, site, browser):
    for rel, explorers in pages.items():
        url = (site / rel).resolve().as_uri()
        context, page, outside, errors = open_page(browser, url, len(explorers), "file:///")
        exercise(page, explorers, f"file:{rel}")
        context.close()
        assert outside == [] and errors == [], (rel, outside, errors)


def typed_pages(pages):
    """The pages with a typed SequenceMagnifier (its setup holds the model's weights)."""
    return {
        rel: explorers
        for rel, explorers in pages.items()
        if any("weights" in e["setup"] for e in explorers)
    }


def test_typing_into_the_magnifier_runs_the_model_offline(pages, server, browser):
    """In the typed magnifier (chapter 15), typing brackets reruns the stored model: new heat
    maps, new ``data-values`` equal to NumPy's run of the stored weights, the step slider's
    range follows the text; characters outside the vocabulary and an empty box get a message."""
    found = typed_pages(pages)
    assert found, "no page stores a typed SequenceMagnifier"
    for rel, explorers in found.items():
        context, page, outside, errors = open_page(browser, server + rel, len(explorers), server)
        ordered = in_page_order(page, explorers)
        for k, explorer in enumerate(ordered):
            if "weights" not in explorer["setup"]:
                continue
            box = page.locator(".lstm-magnifier-explorer").nth(k)
            field = box.locator("input.lm-typed-input")
            before = check_figure(page, k, explorer, f"{rel} #{k} as stored")
            for text in ("((((((((((((", "(()" * 50, ")("):
                field.fill(text)
                after = check_figure(page, k, explorer, f"{rel} #{k} typed {text[:12]}")
                assert after["values"] != before["values"], (rel, text)
                assert after["images"] != before["images"], (rel, text, "heat maps unchanged")
                steps = box.locator(".noUi-handle").first.get_attribute("aria-valuemax")
                assert float(steps) == len(text), (rel, text, steps)
                before = after
            field.fill("((x)y")
            shown = check_figure(page, k, explorer, f"{rel} #{k} out of vocabulary")
            assert shown["message"].startswith("Skipped 2 characters"), shown["message"]
            assert '"x", "y"' in shown["message"], shown["message"]
            field.fill("")
            shown = check_figure(page, k, explorer, f"{rel} #{k} empty")
            assert shown["message"].startswith("Nothing to run"), shown["message"]
            assert shown["images"] == [], "an empty text must show a message, not a plot"
            box.locator("button.lm-preset").first.click()
            check_figure(page, k, explorer, f"{rel} #{k} example")
        context.close()
        assert outside == [] and errors == [], (rel, outside, errors)


def test_the_typed_magnifier_fits_a_phone(pages, server, browser):
    """At 390 px the text box, the examples and the figure stay inside the screen, and
    typing still redraws."""
    for rel, explorers in typed_pages(pages).items():
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        site_server.block_other_hosts(context, server, lambda url: None)
        page = context.new_page()
        page.goto(server + rel, wait_until="load")
        page.wait_for_function(EXPLORERS_DRAWN, arg=len(explorers), timeout=30_000)
        field = page.locator("input.lm-typed-input").first
        field.scroll_into_view_if_needed()
        before = page.locator(".lm-typed").first.evaluate(
            "(form) => form.parentElement.querySelector('svg.lm-svg').dataset.values"
        )
        field.fill("(((())))")
        facts = page.evaluate(
            """() => {
              const form = document.querySelector('.lm-typed');
              const parts = [form, ...form.querySelectorAll('input, button'),
                             form.parentElement.querySelector('svg.lm-svg')];
              return { right: Math.max(...parts.map((p) => p.getBoundingClientRect().right)),
                       width: document.documentElement.scrollWidth,
                       values: form.parentElement.querySelector('svg.lm-svg').dataset.values };
            }"""
        )
        context.close()
        assert facts["right"] <= 390 and facts["width"] <= 390, (rel, facts)
        assert facts["values"] != before, (rel, "typing on a phone changed nothing")


SMALLEST_TEXT = """() => {
  const svgs = Array.from(document.querySelectorAll('.lstm-magnifier-explorer svg.lm-svg'));
  const sizes = svgs.flatMap((svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return Array.from(svg.querySelectorAll('text')).map(
      (t) => parseFloat(getComputedStyle(t).fontSize) * scale);
  });
  return { smallest: Math.min(...sizes), width: document.documentElement.scrollWidth };
}"""


def test_explorer_text_stays_readable_on_a_phone(pages, server, browser):
    """At 390 px wide the figures scale down with the page; their text must stay at
    10 px or more, and the page must not scroll sideways."""
    for rel, explorers in pages.items():
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        site_server.block_other_hosts(context, server, lambda url: None)
        page = context.new_page()
        page.goto(server + rel, wait_until="load")
        page.wait_for_function(EXPLORERS_DRAWN, arg=len(explorers), timeout=30_000)
        facts = page.evaluate(SMALLEST_TEXT)
        context.close()
        assert facts["smallest"] >= 10.0, (rel, facts)
        assert facts["width"] <= 390, (rel, facts)
