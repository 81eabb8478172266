"""How long a keystroke takes to redraw the typed-input SequenceMagnifier, in the browser.

Usage: python benchmarks/bench_type_your_own.py [--keys N] [--site PATH]

The SequenceMagnifier that reads text (``vocabulary=``, chapter 15) runs the trained model
again in the browser at every keystroke: ``explorers.js`` encodes the text, runs every
step of the LSTM from the weights stored with the widget, and redraws six heat maps, the
counter's panel and the cell diagram. This times that path in headless Chromium (Debian's
``chromium``, every host but 127.0.0.1 blocked) on a 200-character bracket string, the
longest the magnifier runs: N keystrokes (default 50, after 5 warm-up ones), alternately
Backspace (199 characters left) and ``)`` (200 again), pressed with the keyboard in the
text box. ``key -> svg`` is the time from the keydown event to the MutationObserver seeing
the new SVG (measured in the page), ``key -> frame`` to the animation frame after it.

(a) ``explorers.js`` alone: a static page mounts the magnifier of an LSTM with H = 8 (the
    size of chapter 15's) on stand-in widget models, as ``tests/test_explorers_js.py`` does.
(b) the built site (``--site PATH``, by default ``_build/html`` when it exists): the typed
    magnifier of every page that has one, through the real widget manager.

Target: median <= 16 ms (one frame at 60 Hz) from the keystroke to the redrawn heat maps.
The load average is printed first: on a busy machine every number is larger.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from lstm_magnifier.lstm import LSTM
from lstm_magnifier.tasks import bracket_sequences
from lstm_magnifier.viz.explorers import SequenceMagnifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
import bench_widgets  # noqa: E402  (the harness page and the stand-in slider models)
import site_server  # noqa: E402  (scripts/site_server.py: the server and browser fence)

TARGET_MS = 16.0
WARM_UP = 5
LENGTH = 200

# Stand-in widget models as in bench_widgets.MOUNT, and a figure model that hears `text`.
MOUNT = bench_widgets.MOUNT.replace(
    "const traits = { kind, setup, controls };\n"
    "  const model = { get: (n) => traits[n], widget_manager: "
    "{ get_model: async (id) => sliders[id] } };",
    """const traits = { kind, setup, controls, text: setup.text };
  const heard = {};
  const model = {
    get: (n) => traits[n],
    set(n, v) { traits[n] = v; (heard[`change:${n}`] ?? []).forEach((f) => f()); },
    on(event, f) { (heard[event] ??= []).push(f); },
    off(event) { heard[event] = []; },
    widget_manager: { get_model: async (id) => sliders[id] },
  };""",
)
assert MOUNT != bench_widgets.MOUNT, "bench_widgets.MOUNT changed: update the replacement"

# Arm one keystroke in the text box of the k-th typed magnifier: the keydown's time, then
# the moment a new SVG is in the figure, then the next frame.
ARM = """(k) => {
  const input = document.querySelectorAll('input.lm-typed-input')[k];
  const figure = input.closest('.lm-typed').parentElement.querySelector('.lm-explorer-figure');
  const before = figure.querySelector('svg.lm-svg');
  let start = null;
  input.addEventListener('keydown', (e) => { start = e.timeStamp; }, { once: true, capture: true });
  window.benchKey = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const svg = figure.querySelector('svg.lm-svg');
      if (!svg || svg === before) return;
      const drawn = performance.now();
      observer.disconnect();
      clearTimeout(timer);
      requestAnimationFrame(() => resolve({ svg: drawn - start, frame: performance.now() - start,
        steps: JSON.parse(svg.dataset.values).text.length }));
    });
    observer.observe(figure, { childList: true });
    const timer = setTimeout(() => { observer.disconnect(); resolve(null); }, 3000);
  });
}"""


def sweep(page, k, n):
    """(key -> svg, key -> frame) in ms for n keystrokes in the k-th typed magnifier."""
    text = bracket_sequences(np.random.default_rng(1), 1, LENGTH, max_depth=5)[2][0]
    box = page.locator("input.lm-typed-input").nth(k)
    box.scroll_into_view_if_needed()
    box.fill(text)
    box.press("End")

    def keystroke(j):
        page.evaluate(ARM, k)
        box.press("Backspace" if j % 2 == 0 else ")")
        drawn = page.evaluate("() => window.benchKey")
        if drawn is None:
            raise RuntimeError(f"typed magnifier {k}: a keystroke drew nothing")
        if drawn["steps"] != LENGTH - (j + 1) % 2:
            raise RuntimeError(f"typed magnifier {k}: ran {drawn['steps']} characters")
        return drawn["svg"], drawn["frame"]

    return bench_widgets.after_warm_up(n, WARM_UP, keystroke)


def bench_module(browser, n, folder):
    lstm = LSTM(2, 8, forget_bias=1.0, rng=0)
    magnifier = SequenceMagnifier(lstm, "(())", vocabulary="()", names={"depth counter": 0})
    bench_widgets.shutil.copy(ROOT / "src/lstm_magnifier/viz/explorers.js", folder)
    css = bench_widgets.ExplorerFigure._css
    (folder / "index.html").write_text(bench_widgets.HARNESS.format(css=css), encoding="utf-8")
    server, base = site_server.serve(folder)
    try:
        page, record = bench_widgets.new_page(browser, base, viewport={"width": 700, "height": 900})
        page.goto(base + "index.html")
        figure = magnifier.figure_widget
        setup = {**figure.setup, "text": figure.text}
        page.evaluate(MOUNT, [figure.kind, setup, magnifier._params()])
        times = sweep(page, 0, n)
        page.context.close()
    finally:
        server.shutdown()
        server.server_close()
    return [("explorers.js, H = 8", *times)], record


def bench_site(browser, site, n):
    pages = sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if '\\"vocabulary\\"' in p.read_text(encoding="utf-8", errors="replace")
        or '"vocabulary"' in p.read_text(encoding="utf-8", errors="replace")
    )
    server, base = site_server.serve(site)
    rows = []
    try:
        page, record = bench_widgets.new_page(browser, base)
        for rel in pages:
            page.goto(base + rel)
            page.wait_for_load_state("load")
            try:
                page.locator("input.lm-typed-input").first.wait_for(timeout=20_000)
            except Exception:
                continue  # a page that mentions a vocabulary but has no typed magnifier
            for k in range(page.locator("input.lm-typed-input").count()):
                rows.append((f"{rel} #{k + 1}", *sweep(page, k, n)))
        page.context.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows, record


def table(title, rows):
    print(f"\n{title}; ms: median p95")
    print(f"{'where':<52} {'keys':>5}  {'key -> svg':>13}  {'key -> frame':>13}  target")
    for where, svg, frame in rows:
        verdict = "ok" if statistics.median(svg) <= TARGET_MS else "over"
        svg_stats, frame_stats = bench_widgets.stats(svg), bench_widgets.stats(frame)
        print(f"{where:<52} {len(svg):>5}  {svg_stats:>13}  {frame_stats:>13}  {verdict}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=50, help="timed keystrokes")
    parser.add_argument("--site", type=Path, help="the built book (default: _build/html)")
    args = parser.parse_args()
    if args.keys < 1:
        parser.error("--keys must be at least 1")
    site = args.site or ROOT / "_build" / "html"
    if args.site and not (site / "index.html").is_file():
        parser.error(f"{site} has no index.html")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="bench-typed-") as tmp:
        browser = bench_widgets.launch(p)
        print(f"Chromium {browser.version}, headless; {args.keys} keystrokes on {LENGTH} brackets")
        print(f"target: median <= {TARGET_MS:g} ms (one frame at 60 Hz), keystroke to redrawn SVG")
        rows, record = bench_module(browser, args.keys, Path(tmp))
        table("(a) explorers.js on stand-in widget models (static page)", rows)
        bench_widgets.problems(record, "(a)")
        if (site / "index.html").is_file():
            rows, record = bench_site(browser, site, args.keys)
            table(f"(b) the built site {site}", rows)
            bench_widgets.problems(record, "(b)")
        else:
            print(f"\n(b) skipped: no built site at {site} (give --site PATH)")
        browser.close()


if __name__ == "__main__":
    main()
