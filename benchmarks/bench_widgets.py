"""How long a slider move takes to redraw each explorer, in the browser.

Usage: python benchmarks/bench_widgets.py [--moves N] [--site PATH] [--lab]

The explorers (lstm_magnifier.viz.explorers) draw in the browser: the ES module
``viz/explorers.js`` follows the sliders' models, recomputes the cell and replaces an SVG.
This times that path in headless Chromium (Debian's ``chromium``, every host but
127.0.0.1 blocked), over a sweep of N moves per explorer (default 100, after 10 warm-up
moves), and prints the median and the 95th percentile in milliseconds:

(a) ``explorers.js`` alone: a static page (built in a temporary folder) mounts each
    figure on stand-in slider models, as ``tests/test_explorers_js.py`` does, and sets
    a model value N times. ``redraw``: from setting the value to the end of the redraw
    (the module redraws synchronously); ``next frame``: to the next animation frame
    callback after it; ``painted``: to the first task after that frame (its style,
    layout and paint done). Moves start at staggered points of the 16.7 ms frame, as a
    reader's input does.
(b) the built site (``--site PATH``, by default ``_build/html`` when it exists): every
    page whose widget state holds an ExplorerFigure, every explorer on it. The first
    slider handle of the explorer is focused and ArrowRight (ArrowLeft back from the
    end) pressed N times; ``key -> svg`` is the time from the keydown event to the
    MutationObserver seeing the SVG's ``data-values`` change (measured in the page),
    ``key -> frame`` to the animation frame after that.
(c) ``--lab``: the same keyboard sweep inside JupyterLab, on four one-cell notebooks
    (one per explorer), with the server of ``tests/test_jupyterlab.py``. Each move
    also reaches the kernel; the figure does not wait for it.

Target: median <= 16 ms (one frame at 60 Hz) from the input to the redrawn SVG.
Baseline: the Matplotlib explorers this replaces took 83-223 ms per slider move in
JupyterLab (a Python redraw plus the round trip to the kernel and back).
The load average is printed first: on a busy machine every number is larger.
"""

import argparse
import importlib.util
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from lstm_magnifier.lstm import LSTM
from lstm_magnifier.tasks import bracket_sequences
from lstm_magnifier.viz import explorers
from lstm_magnifier.viz.explorers import (
    ExplorerFigure,
    GateExplorer,
    MemoryTimeline,
    SequenceMagnifier,
    WeightExplorer,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import site_server  # noqa: E402  (scripts/site_server.py: the server and browser fence)

TARGET_MS = 16.0
BASELINE = "83-223 ms per move in JupyterLab (Matplotlib explorers: Python redraw + round trip)"
WARM_UP = 10
EXPLORER_FIGURE = "lstm_magnifier.viz.explorers.ExplorerFigure"

# ------------------------------------------------------------------ (a) the module alone

HARNESS = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<style>{css}</style></head><body><main></main></body></html>"""

# Stand-in slider models (get, set, on, off) and a stand-in anywidget model around them.
MOUNT = """async ([kind, setup, params]) => {
  const m = await import('/explorers.js');
  const sliders = {};
  for (const [name, value] of Object.entries(params)) {
    const listeners = [];
    sliders[name] = {
      value,
      get(key) { return this[key]; },
      set(key, v) { this[key] = v; listeners.forEach((f) => f()); },
      on(event, f) { listeners.push(f); },
      off() { listeners.length = 0; },
    };
  }
  const controls = Object.fromEntries(Object.keys(params).map((n) => [n, 'IPY_MODEL_' + n]));
  const traits = { kind, setup, controls };
  const model = { get: (n) => traits[n], widget_manager: { get_model: async (id) => sliders[id] } };
  const host = document.createElement('div');
  document.querySelector('main').replaceChildren(host);
  await m.default.render({ model, el: host });
  window.sliders = sliders;
}"""

# Set the model value for each of `values`; time the redraw, the next frame, the paint.
SWEEP = """async ([name, values, warmUp]) => {
  const slider = window.sliders[name];
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const afterFrame = () => new Promise((r) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = r;
    requestAnimationFrame(() => channel.port2.postMessage(0));
  });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const out = { redraw: [], frame: [], painted: [] };
  for (const [k, v] of values.entries()) {
    await afterFrame();
    await sleep((k * 7) % 17);  // start somewhere in the frame, as a reader's input does
    const start = performance.now();
    slider.set('value', v);
    const drawn = performance.now();
    const framed = frame().then(() => performance.now());
    const painted = afterFrame().then(() => performance.now());
    const [f, p] = await Promise.all([framed, painted]);
    if (document.querySelector('main svg.lm-svg') === null) throw new Error('no SVG');
    if (k < warmUp) continue;
    out.redraw.push(drawn - start);
    out.frame.push(f - start);
    out.painted.push(p - start);
  }
  return out;
}"""


def module_cases(n):
    """(explorer, sweep text, explorer, control, values): what (a) sweeps."""
    rng = np.random.default_rng(0)
    model = LSTM(2, 16, rng=rng)
    x, _, text = bracket_sequences(rng, 1, 40)
    total = n + WARM_UP
    return [
        ("GateExplorer", f"f 0..1, {n} values", GateExplorer(), "f", np.linspace(0, 1, total)),
        (
            "MemoryTimeline",
            f"f 0.5..0.99, T=40, {n} values",
            MemoryTimeline(),
            "f",
            np.linspace(0.5, 0.99, total),
        ),
        (
            "MemoryTimeline",
            f"f 0.5..0.99, T=200, {n} values",
            MemoryTimeline(steps=200),
            "f",
            np.linspace(0.5, 0.99, total),
        ),
        (
            "WeightExplorer",
            f"b_f -4..4, T=30, {n} values",
            WeightExplorer(),
            "b_f",
            np.linspace(-4, 4, total),
        ),
        (
            "SequenceMagnifier",
            f"t 1..40, H=16, {n} values",
            SequenceMagnifier(model, x[:, 0], labels=text[0]),
            "t",
            [1 + k % 40 for k in range(total)],
        ),
    ]


def bench_module(browser, n, folder):
    shutil.copy(Path(explorers.__file__).with_name("explorers.js"), folder)
    (folder / "index.html").write_text(HARNESS.format(css=ExplorerFigure._css), encoding="utf-8")
    server, base = site_server.serve(folder)
    rows = []
    try:
        page, record = new_page(browser, base, viewport={"width": 700, "height": 900})
        page.goto(base + "index.html")
        for name, sweep, explorer, control, values in module_cases(n):
            figure = explorer.figure_widget
            page.evaluate(MOUNT, [figure.kind, figure.setup, explorer._params()])
            values = [v.item() if hasattr(v, "item") else v for v in values]
            times = page.evaluate(SWEEP, [control, values, WARM_UP])
            rows.append((name, sweep, times["redraw"], times["frame"], times["painted"]))
            explorer.close()
        page.context.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows, record


# ------------------------------------------------------------------ (b), (c) keyboard sweeps

# Arm one keyboard move of explorer `index` under `root`: a keydown listener takes the
# event's time, a MutationObserver the moment the SVG's data-values change; then the next
# frame. Returns the key to press (ArrowRight, or ArrowLeft back from the end).
ARM = """([root, index]) => {
  const box = document.querySelector(root).querySelectorAll('.lstm-magnifier-explorer')[index];
  const handle = box.querySelector('.noUi-handle');
  const figure = box.querySelector('svg.lm-svg').parentElement;
  const before = figure.querySelector('svg.lm-svg').dataset.values;
  const now = parseFloat(handle.getAttribute('aria-valuenow'));
  const low = parseFloat(handle.getAttribute('aria-valuemin'));
  const high = parseFloat(handle.getAttribute('aria-valuemax'));
  const state = (window.benchState ??= {});
  if (state.index !== index) Object.assign(state, { index, key: 'ArrowRight' });
  if (state.key === 'ArrowRight' && now >= high) state.key = 'ArrowLeft';
  if (state.key === 'ArrowLeft' && now <= low) state.key = 'ArrowRight';
  let start = null;
  const options = { once: true, capture: true };
  handle.addEventListener('keydown', (e) => { start = e.timeStamp; }, options);
  window.benchMove = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const svg = figure.querySelector('svg.lm-svg');
      if (!svg || svg.dataset.values === before) return;
      const drawn = performance.now();
      observer.disconnect();
      clearTimeout(timer);
      requestAnimationFrame(() => {
        resolve({ svg: drawn - start, frame: performance.now() - start });
      });
    });
    observer.observe(figure, {
      childList: true, subtree: true, attributes: true, attributeFilter: ['data-values'],
    });
    const timer = setTimeout(() => { observer.disconnect(); resolve(null); }, 3000);
  });
  return state.key;
}"""

DESCRIBE = """([root, index]) => {
  const box = document.querySelector(root).querySelectorAll('.lstm-magnifier-explorer')[index];
  const handle = box.querySelector('.noUi-handle');
  const slider = handle.closest('.widget-slider');
  const label = slider?.querySelector('.widget-label')?.textContent
    || handle.getAttribute('aria-label') || '?';
  const values = JSON.parse(box.querySelector('svg.lm-svg').dataset.values);
  const kind = 'tanh_c' in values ? 'gate' : 'half_life' in values ? 'timeline'
    : 'sequence' in values ? 'weights' : 'unit' in values ? 'sequence' : '?';
  return { label: label.trim(), kind };
}"""


def keyboard_sweep(page, root, index, n):
    """(key -> svg, key -> frame) in ms for n moves of explorer ``index`` under ``root``."""
    explorer = page.locator(root).locator(".lstm-magnifier-explorer").nth(index)
    handle = explorer.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    svg, frame, missed = [], [], 0
    for k in range(n + WARM_UP):
        key = page.evaluate(ARM, [root, index])
        page.keyboard.press(key)
        moved = page.evaluate("() => window.benchMove")
        if moved is None:  # the slider did not move (an end reached between readings)
            missed += 1
            if missed > 5:
                raise RuntimeError(f"{root} explorer {index}: the keyboard does not move it")
            continue
        if k >= WARM_UP:
            svg.append(moved["svg"])
            frame.append(moved["frame"])
    return svg, frame


def explorer_count(page, root):
    return page.locator(root).locator(".lstm-magnifier-explorer").count()


def bench_site(browser, site, n):
    pages = sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if EXPLORER_FIGURE in p.read_text(encoding="utf-8", errors="replace")
    )
    server, base = site_server.serve(site)
    rows = []
    try:
        page, record = new_page(browser, base)
        for rel in pages:
            page.goto(base + rel)
            try:
                page.locator("svg.lm-svg").first.wait_for(timeout=20_000)
            except Exception:
                rows.append((rel, "-", "no explorer drawn", [], []))
                continue
            page.wait_for_load_state("load")
            for index in range(explorer_count(page, "body")):
                about = page.evaluate(DESCRIBE, ["body", index])
                svg, frame = keyboard_sweep(page, "body", index, n)
                rows.append((f"{rel} #{index + 1}", about["kind"], about["label"], svg, frame))
        page.context.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows, record


LAB_NOTEBOOKS = {
    "gate": "from lstm_magnifier.viz.explorers import GateExplorer\nGateExplorer()",
    "timeline": "from lstm_magnifier.viz.explorers import MemoryTimeline\nMemoryTimeline()",
    "weights": "from lstm_magnifier.viz.explorers import WeightExplorer\nWeightExplorer()",
    "sequence": (
        "import numpy as np\n"
        "from lstm_magnifier.lstm import LSTM\n"
        "from lstm_magnifier.tasks import bracket_sequences\n"
        "from lstm_magnifier.viz.explorers import SequenceMagnifier\n"
        "rng = np.random.default_rng(0)\n"
        "model = LSTM(2, 16, rng=rng)\n"
        "x, _, text = bracket_sequences(rng, 1, 40)\n"
        "SequenceMagnifier(model, x[:, 0], labels=text[0])"
    ),
}


def bench_lab(browser, n, folder):
    sys.path.insert(0, str(ROOT / "tests"))  # the test module imports its neighbours
    spec = importlib.util.spec_from_file_location(
        "test_jupyterlab", ROOT / "tests" / "test_jupyterlab.py"
    )
    lab_test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab_test)
    rows = []
    with lab_test.jupyterlab(folder, LAB_NOTEBOOKS) as lab:
        page, record = new_page(browser, lab.base + "/")
        page.goto(f"{lab.base}/lab?reset&token={lab.token}")
        page.wait_for_function("() => window.jupyterapp?.shell")
        for name in LAB_NOTEBOOKS:
            panel = page.evaluate(lab_test.OPEN_AND_RUN, f"{name}.ipynb")
            root = f'[id="{panel}"]'
            page.locator(root).locator("svg.lm-svg").wait_for(timeout=60_000)
            about = page.evaluate(DESCRIBE, [root, 0])
            svg, frame = keyboard_sweep(page, root, 0, n)
            rows.append((f"{name}.ipynb", about["kind"], about["label"], svg, frame))
        page.context.close()
    return rows, record


# ------------------------------------------------------------------ the report


def new_page(browser, base, viewport=None):
    """A page whose requests stay on ``base``; returns it and its record of problems."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    record = {"outside": [], "errors": []}
    site_server.block_other_hosts(context, base, record["outside"].append)
    page = context.new_page()
    page.on("pageerror", lambda e: record["errors"].append(f"page error: {e}"))
    page.on("console", lambda m: m.type == "error" and record["errors"].append(m.text))
    return page, record


def launch(playwright):
    """Debian's headless Chromium behind the site server's fence, after printing the load."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} CPUs")
    return playwright.chromium.launch(
        executable_path=site_server.chromium_path(), args=site_server.CHROMIUM_ARGS
    )


def after_warm_up(n, warm_up, one):
    """Call ``one(j)`` for j = 0 .. warm_up + n - 1, each returning ``(drawn, frame)`` in ms:
    the two lists of the last n (the first ``warm_up`` let the browser compile the code)."""
    times = [one(j) for j in range(warm_up + n)][warm_up:]
    return [t[0] for t in times], [t[1] for t in times]


def stats(times):
    if not times:
        return f"{'-':>6} {'-':>6}"
    return f"{statistics.median(times):6.1f} {float(np.percentile(times, 95)):6.1f}"


def verdict(times):
    if not times:
        return ""
    return "ok" if statistics.median(times) <= TARGET_MS else "over"


def problems(record, where):
    for url in record["outside"]:
        print(f"  {where}: blocked request to another host: {url}")
    for error in record["errors"]:
        print(f"  {where}: {error[:300]}")


def keyboard_table(title, rows):
    print(f"\n{title}; ms: median p95")
    head = f"{'page / explorer':<48} {'kind':<9} {'slider':<16} {'moves':>5}"
    print(f"{head}  {'key -> svg':>13}  {'key -> frame':>13}  target")
    for where, kind, label, svg, frame in rows:
        label = re.sub(r"\s+", " ", label)[:16]
        print(
            f"{where:<48} {kind:<9} {label:<16} {len(svg):>5}  {stats(svg):>13}  "
            f"{stats(frame):>13}  {verdict(svg)}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=100, help="timed moves per explorer")
    parser.add_argument("--site", type=Path, help="the built book (default: _build/html)")
    parser.add_argument("--lab", action="store_true", help="also time the sliders in JupyterLab")
    args = parser.parse_args()
    if args.moves < 1:
        parser.error("--moves must be at least 1")
    site = args.site or ROOT / "_build" / "html"
    if args.site and not (site / "index.html").is_file():
        parser.error(f"{site} has no index.html")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="bench-widgets-") as tmp:
        browser = launch(p)
        print(f"Chromium {browser.version}, headless; {args.moves} moves per explorer")
        print(f"target:   median <= {TARGET_MS:g} ms (one frame at 60 Hz), input to redrawn SVG")
        print(f"baseline: {BASELINE}")

        rows, record = bench_module(browser, args.moves, Path(tmp))
        print("\n(a) explorers.js on stand-in slider models (static page); ms: median p95")
        print(
            f"{'explorer':<18} {'sweep':<32} {'redraw':>13}  {'next frame':>13}  "
            f"{'painted':>13}  target"
        )
        for name, sweep, redraw, frame, painted in rows:
            print(
                f"{name:<18} {sweep:<32} {stats(redraw):>13}  {stats(frame):>13}  "
                f"{stats(painted):>13}  {verdict(redraw)}"
            )
        problems(record, "(a)")

        if (site / "index.html").is_file():
            rows, record = bench_site(browser, site, args.moves)
            keyboard_table(f"(b) the built site {site}, ArrowRight on the first slider", rows)
            problems(record, "(b)")
        else:
            print(f"\n(b) skipped: no built site at {site} (give --site PATH)")

        if args.lab:
            lab_folder = Path(tmp) / "lab"
            rows, record = bench_lab(browser, args.moves, lab_folder)
            keyboard_table("(c) JupyterLab, ArrowRight on the first slider", rows)
            problems(record, "(c)")
        browser.close()
    print(f"\nbaseline for comparison: {BASELINE}")


if __name__ == "__main__":
    main()
