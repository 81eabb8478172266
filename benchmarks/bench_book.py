"""How fast the book builds, runs and loads.

Usage: python benchmarks/bench_book.py [--jobs 2] [--cores 2] [--loads 5]
                                       [--skip-execute] [--site _build/html]

Prints four things:

1. the time to build the HTML site from the stored outputs (``jupyter-book build`` into
   a fresh folder; notebooks are not executed by the build);
2. the time to execute every notebook (each one, and the whole book), ``--jobs`` at a
   time, each in its own kernel, on a copy (the notebooks themselves are not touched);
3. the size of each chapter page with everything it loads (HTML, scripts, styles, fonts,
   images), as served and as gzip would send it;
4. the median time for a chapter page to reach its load event in headless Chromium
   from 127.0.0.1 (cold cache, ``--loads`` loads each), the median time to its first
   paint of text, and the median time until its math is typeset and its widgets drawn.

Targets: whole-book execution under 2 minutes on 2 cores, HTML build under 60 s, every
chapter page under 2 MB, median load under 1 s. ``--cores N`` pins this process and
everything it starts (kernels, the build, the browser) to N CPUs (Linux; 0: no pinning).
"""

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import site_server  # noqa: E402  (scripts/site_server.py: the server and browser fence)

MATH_AND_WIDGETS_READY = """
() => {
  const mathDone = !document.querySelector(".math") || (window.MathJax && MathJax.startup
      && MathJax.startup.promise ? MathJax.startup.promise.then(() => true) : false);
  const widgetsDone = Array.from(document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]')).every((tag) => {
        const area = tag.previousElementSibling;
        return area && area.classList.contains("widget-subarea") && area.children.length > 0;
      });
  return Promise.resolve(mathDone).then((math) => math && widgetsDone);
}
"""
TARGETS = {"execute_s": 120.0, "build_s": 60.0, "page_mb": 2.0, "load_s": 1.0}


def chapters() -> list[Path]:
    """The notebooks named in _toc.yml, in book order."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    names = re.findall(r"file:\s*(notebooks/\S+)", toc)
    paths = [ROOT / Path(name).with_suffix(".ipynb") for name in names]
    return [path for path in paths if path.is_file()]


def verdict(value: float, target: float) -> str:
    return "ok" if value < target else "OVER TARGET"


def tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


# ---------------------------------------------------------------- 1. build


def build_site(out: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [tool("jupyter-book"), "build", str(ROOT), "--path-output", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"jupyter-book build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


# ---------------------------------------------------------------- 2. execute


def execute_notebook(path: Path, timeout: int) -> float:
    """Run a copy of one notebook top to bottom in a fresh kernel; return the seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    start = time.perf_counter()
    client.execute(stderr=subprocess.DEVNULL)  # the kernel process's own log lines
    return time.perf_counter() - start


def execute_all(notebooks: list[Path], jobs: int, timeout: int) -> tuple[dict, float]:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {nb: pool.submit(execute_notebook, nb, timeout) for nb in notebooks}
        times = {}
        for nb, future in futures.items():
            try:
                times[nb] = future.result()
            except Exception as error:  # report the failure, keep timing the others
                times[nb] = error
    return times, time.perf_counter() - start


# ---------------------------------------------------------------- 3./4. the browser


def page_weight(browser, base: str, site: Path, rel: str) -> tuple[int, int, int, list]:
    """Bytes of the page and every local file it loads: (raw, gzip, files, other hosts)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    origin = urlsplit(base).netloc
    local, remote = set(), []

    def route(route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob"):
            route.continue_()
        elif parts.netloc == origin:
            local.add(unquote(parts.path.lstrip("/")))
            route.continue_()
        else:
            remote.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(base + rel, wait_until="load")
    page.wait_for_function(MATH_AND_WIDGETS_READY, timeout=30_000)
    page.wait_for_timeout(300)  # fonts requested by the last typeset
    context.close()
    raw = compressed = 0
    for name in local:
        data = (site / name).read_bytes() if (site / name).is_file() else b""
        raw += len(data)
        compressed += len(gzip.compress(data, compresslevel=6))
    return raw, compressed, len(local), remote


def load_times(browser, base: str, rel: str, loads: int) -> tuple[list, list, list]:
    """Seconds to the load event, to first paint, and to typeset math + drawn widgets.

    Each load starts with a cold cache (a new browser context).
    """
    to_load, to_paint, to_ready = [], [], []
    for _ in range(loads):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        site_server.block_other_hosts(context, base, lambda url: None)
        page = context.new_page()
        start = time.perf_counter()
        page.goto(base + rel, wait_until="load")
        page.wait_for_function(MATH_AND_WIDGETS_READY, timeout=30_000, polling=20)
        to_ready.append(time.perf_counter() - start)
        nav, paint = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " const p = performance.getEntriesByName('first-contentful-paint')[0];"
            " return [n.loadEventEnd - n.startTime, p ? p.startTime : NaN]; }"
        )
        to_load.append(nav / 1000)
        to_paint.append(paint / 1000)
        context.close()
    return to_load, to_paint, to_ready


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    parser.add_argument("--cores", type=int, default=2, help="pin to this many CPUs (0: all)")
    parser.add_argument("--loads", type=int, default=5, help="page loads per chapter")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--skip-execute", action="store_true", help="do not run notebooks")
    parser.add_argument("--site", type=Path, help="measure this built _build/html (no build)")
    parser.add_argument("--only", help="only chapters whose file name contains this text")
    args = parser.parse_args()

    if args.cores and hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, available[: args.cores])
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    notebooks = [nb for nb in chapters() if not args.only or args.only in nb.name]
    print(f"lstm-magnifier book benchmark: {len(notebooks)} chapters, {cpus} CPUs")
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        note = "  (busy machine: times will be inflated)" if load > cpus else ""
        print(f"load average (1 min) at start: {load:.1f}{note}")

    with tempfile.TemporaryDirectory() as tmp:
        # 1. build
        if args.site:
            site = args.site.resolve()
            print(f"\nHTML build: skipped, measuring {site}")
        else:
            seconds = build_site(Path(tmp))
            site = Path(tmp) / "_build" / "html"
            print(
                f"\nHTML build from stored outputs: {seconds:6.1f} s   (target < 60 s: "
                f"{verdict(seconds, TARGETS['build_s'])})"
            )

        # 2. execute
        if not args.skip_execute:
            times, wall = execute_all(notebooks, args.jobs, args.timeout)
            print(f"\nExecuting every notebook, {args.jobs} at a time (fresh kernel each):")
            for nb, result in times.items():
                shown = f"{result:6.1f} s" if isinstance(result, float) else f"FAILED: {result}"
                print(f"  {nb.name:45s} {shown}")
            ok = [t for t in times.values() if isinstance(t, float)]
            print(f"  {'sum of the above':45s} {sum(ok):6.1f} s")
            print(
                f"  {'whole book (wall clock)':45s} {wall:6.1f} s   (target < 120 s: "
                f"{verdict(wall, TARGETS['execute_s'])})"
            )

        # 3. + 4. the browser
        from playwright.sync_api import sync_playwright

        httpd, base = site_server.serve(site)
        pages = [f"{nb.relative_to(ROOT).with_suffix('').as_posix()}.html" for nb in notebooks]
        pages = [rel for rel in pages if (site / rel).is_file()]
        print(f"\nChapter pages ({args.loads} cold loads each, served from 127.0.0.1):")
        columns = ("MB", "gzip MB", "files", "paint s", "load s", "ready s")
        print(f"  {'page':45s} " + " ".join(f"{c:>7s}" for c in columns))
        medians, paint_medians, ready_medians, weights, gzipped = [], [], [], [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=site_server.chromium_path(), args=site_server.CHROMIUM_ARGS
            )
            for rel in pages:
                raw, compressed, files, remote = page_weight(browser, base, site, rel)
                to_load, to_paint, to_ready = load_times(browser, base, rel, args.loads)
                medians.append(statistics.median(to_load))
                paint_medians.append(statistics.median(to_paint))
                ready_medians.append(statistics.median(to_ready))
                weights.append(raw / 1e6)
                gzipped.append(compressed / 1e6)
                flag = "" if raw / 1e6 < TARGETS["page_mb"] else "  over 2 MB as served"
                if remote:
                    flag += f"  asked other hosts: {remote[:2]}"
                print(
                    f"  {Path(rel).stem:45s} {raw / 1e6:7.2f} {compressed / 1e6:7.2f} "
                    f"{files:7d} {paint_medians[-1]:7.3f} {medians[-1]:7.3f} "
                    f"{ready_medians[-1]:7.3f}{flag}"
                )
            browser.close()
        httpd.shutdown()
        httpd.server_close()
        if pages:
            load = statistics.median(medians)
            print(
                f"\n  largest chapter page: {max(weights):.2f} MB as served (target < 2 MB: "
                f"{verdict(max(weights), TARGETS['page_mb'])}); largest gzip-compressed, as "
                f"web hosts send it: {max(gzipped):.2f} MB "
                f"({verdict(max(gzipped), TARGETS['page_mb'])})"
            )
            print(
                f"  median load event over chapters: {load:.3f} s   (target < 1 s: "
                f"{verdict(load, TARGETS['load_s'])})"
            )
            print(f"  median first paint of text: {statistics.median(paint_medians):.3f} s")
            print(
                f"  median until math typeset and widgets drawn: "
                f"{statistics.median(ready_medians):.3f} s"
            )


if __name__ == "__main__":
    main()
