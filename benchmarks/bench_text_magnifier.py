"""How long chapter 17's text magnifier takes to follow a keystroke and to generate, in the page.

Usage: python benchmarks/bench_text_magnifier.py [--keys N] [--site PATH]

The text magnifier runs the shipped character model (LSTM(96, 128) and its readout, 128,096
float32 weights) in the browser: ``text_magnifier.js`` reads the text through ``explorers.js``'s
LSTM step, keeping the states of the text it read last up to the first changed character, and
redraws five tinted copies of the text. This times, in headless Chromium (Debian's
``chromium``, every host but 127.0.0.1 blocked) on the built site (``--site PATH``, by default
``_build/html``), N keystrokes (default 40, after 5 warm-up ones) pressed with the keyboard in
the text box of a text of L characters (200 and 500):

- ``at the end``: alternately Backspace and ``x`` at the end: one character to run again;
- ``at the start``: alternately Delete and ``#`` at the start: every character runs again;

each from the keydown event to the new ``data-values`` on the figure (measured in the page by a
MutationObserver), and to the animation frame after it; and the *generate* button, from the
click to its 200 characters on the page (10 clicks, one seed each).

Target: median <= 16 ms (one frame at 60 Hz) from a keystroke to the redrawn text. The load
average is printed first: on a busy machine every number is larger.
"""

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
import bench_widgets  # noqa: E402  (browser start-up, page fence, median/p95)
import site_server  # noqa: E402  (scripts/site_server.py: the server)

TARGET_MS = 16.0
WARM_UP = 5
PAGE = "notebooks/17-real-text.html"

# Arm one change of the figure: the start (a keydown in the text box, or a click on generate),
# then the moment the watched node changes, then the next frame.
ARM = """(what) => {
  const box = document.querySelector('.lm-text-explorer');
  const figure = box.querySelector(what === 'generate' ? 'pre.lm-generated' : '.lm-text-figure');
  const source = box.querySelector(what === 'generate' ? 'button.lm-generate' : 'textarea');
  const before = what === 'generate' ? figure.textContent : figure.dataset.values;
  let start = null;
  const event = what === 'generate' ? 'pointerdown' : 'keydown';
  source.addEventListener(event, (e) => { start = e.timeStamp; }, { once: true, capture: true });
  window.benchDone = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const now = what === 'generate' ? figure.textContent : figure.dataset.values;
      if (now === before || start === null) return;
      const drawn = performance.now();
      observer.disconnect();
      clearTimeout(timer);
      requestAnimationFrame(() => resolve({ drawn: drawn - start, frame: performance.now() - start,
        length: JSON.parse(box.querySelector('.lm-text-figure').dataset.values).text.length }));
    });
    const all = { attributes: true, childList: true, characterData: true, subtree: true };
    observer.observe(figure, all);
    const timer = setTimeout(() => { observer.disconnect(); resolve(null); }, 5000);
  });
}"""


def timed(page, what, act):
    page.evaluate(ARM, what)
    act()
    done = page.evaluate("() => window.benchDone")
    if done is None:
        raise RuntimeError(f"{what}: nothing changed")
    return done


def sweep(page, length, where, n):
    """(drawn, frame) times in ms for n keystrokes at ``where`` of a text of ``length``."""
    box = page.locator(".lm-text-explorer textarea")
    line = "    value = compute(items[index], 'text')  # a comment\n"
    text = (line * (length // len(line) + 1))[: length - 1] + "\n"
    box.fill(text)
    box.press("Control+End" if where == "at the end" else "Control+Home")
    keys = ("Backspace", "x") if where == "at the end" else ("Delete", "#")

    def keystroke(j):
        done = timed(page, "keys", lambda: box.press(keys[j % 2]))
        if done["length"] != length - (j + 1) % 2:
            raise RuntimeError(f"{where}: read {done['length']} characters")
        return done["drawn"], done["frame"]

    return bench_widgets.after_warm_up(n, WARM_UP, keystroke)


def generate(page, clicks):
    seed = page.locator(".lstm-magnifier-explorer .noUi-handle").nth(1)
    button = page.locator("button.lm-generate")

    def click(_):
        seed.focus()
        seed.press("ArrowRight")  # a new seed: a new text
        done = timed(page, "generate", button.click)
        return done["drawn"], done["frame"]

    return bench_widgets.after_warm_up(clicks, 0, click)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=40, help="timed keystrokes per row")
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    args = parser.parse_args()
    if args.keys < 1:
        parser.error("--keys must be at least 1")
    if not (args.site / PAGE).is_file():
        parser.error(f"{args.site} has no {PAGE}: build the book first (or give --site PATH)")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = bench_widgets.launch(p)
        server, base = site_server.serve(args.site)
        try:
            page, record = bench_widgets.new_page(browser, base)
            page.goto(base + PAGE, wait_until="load")
            page.wait_for_function("() => !!document.querySelector('.lm-text-figure[data-values]')")
            page.locator(".lm-text-explorer").scroll_into_view_if_needed()
            print(f"Chromium {browser.version}, headless; {PAGE}")
            target = f"median <= {TARGET_MS:g} ms (one frame at 60 Hz), keystroke to redrawn text"
            print(f"target: {target}")
            print(f"\n{'what':<40} {'n':>4}  {'to new values':>13}  {'to next frame':>13}  target")
            rows = [
                (f"keystroke {where}, {length} characters", *sweep(page, length, where, args.keys))
                for length in (200, 500)
                for where in ("at the end", "at the start")
            ]
            rows.append(("generate 200 characters (a click)", *generate(page, 10)))
            for what, drawn, frame in rows:
                verdict = "ok" if statistics.median(drawn) <= TARGET_MS else "over"
                verdict = verdict if what.startswith("keystroke") else ""
                print(
                    f"{what:<40} {len(drawn):>4}  {bench_widgets.stats(drawn):>13}"
                    f"  {bench_widgets.stats(frame):>13}  {verdict}"
                )
            page.context.close()
            bench_widgets.problems(record, PAGE)
        finally:
            server.shutdown()
            server.server_close()
            browser.close()


if __name__ == "__main__":
    main()
