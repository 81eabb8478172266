"""The built site in a browser: fixtures shared by the browser tests (``tests/test_site*.py``).

Registered by ``tests/conftest.py`` (``pytest_plugins``), so every test module can ask for:

- ``site``: the built site's ``_build/html`` (the session's one build, ``book_build`` in
  conftest.py, or the folder named by ``LSTM_MAGNIFIER_SITE``);
- ``server``: the base URL of ``scripts/site_server.py`` serving it on 127.0.0.1;
- ``browser``: headless Debian Chromium, driven by Playwright;
- ``reports``: a :class:`PageReport` for every page, each page opened once on a desktop
  screen (1280 x 900) in light mode: what ``tests/test_site.py`` checks, and the page's
  axe-core violations;
- ``phone_reports``: every page opened once more, on a phone's screen (390 x 844 CSS
  pixels) in dark mode: what sticks out sideways (:data:`PHONE_LAYOUT`), and the page's
  axe-core violations in dark mode. So each page is audited in both modes, and in both
  layouts (the desktop's side panels in light mode, the phone's header in dark mode),
  with two visits.

All of them live for the whole session: the book is built, served and opened once, however
many test modules use it. Each browser context that a test opens should go through
:func:`site_server.block_other_hosts`, so that the pages are tested as they work offline.
"""

import contextlib
import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser fixture skips the tests that need it
    PlaywrightTimeout = TimeoutError


def load_script(name: str):
    """Import ``scripts/<name>.py`` (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


site_server = load_script("site_server")

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "color_scheme": "light"}
"""Options of a Playwright browser context: a desktop screen, light mode."""

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "color_scheme": "dark",
}
"""A phone's screen (390 CSS pixels wide, as most phones of the 2020s) whose reader's
system asks for dark mode: the theme starts in "auto" (``default_mode`` in _config.yml),
so it follows and sets ``data-theme="dark"`` on ``<html>``."""

AXE_CORE = ROOT / "tests" / "assets" / "axe-core" / "axe.min.js"
"""axe-core, the accessibility checker (tests/assets/README.md): loaded into each page."""


# ---------------------------------------------------------------- scripts run in the page

# After the load event MathJax (a deferred script) has run: either it is there and we wait
# for its first typesetting pass, or it never loaded.
MATHJAX_DONE = """
() => {
  if (!document.querySelector(".math")) return "no math";
  const mathjax = window.MathJax;
  if (!mathjax || !mathjax.version || !mathjax.startup) return "MathJax was not loaded";
  return mathjax.startup.promise.then(() => "typeset");
}
"""

WIDGETS_DRAWN = """
() => Array.from(document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]'))
    .every((tag) => {
        const area = tag.previousElementSibling;
        return area && area.classList.contains("widget-subarea") && area.children.length > 0;
    })
"""

# Runs in the page once it has loaded, MathJax has typeset and the widgets are drawn.
INSPECT_PAGE = r"""
async () => {
  await document.fonts.ready;
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight, .MathJax";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const rawTex = [];
  const texLike = [
    /\\\(|\\\)|\\\[|\\\]/,                       // \( \) \[ \]
    /\$\$/,                                      // $$
    /\\begin\{/,                                 // \begin{align}
    /\$[^$\n]*[\\_^{}][^$\n]*\$/,                // $x_t$, $\sigma$
    /(^|[\s(])\$[A-Za-z]\$/,                     // $x$
  ];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && node.parentElement.closest(skip)) continue;
    const text = node.textContent;
    if (texLike.some((pattern) => pattern.test(text))) rawTex.push(text.trim().slice(0, 120));
  }
  const mathElements = Array.from(document.querySelectorAll(".math"));
  const unrendered = mathElements
    .filter((el) => !el.querySelector("mjx-container"))
    .map((el) => el.textContent.trim().slice(0, 120));
  const texErrors = Array.from(document.querySelectorAll("mjx-merror")).map(
    (el) => (el.getAttribute("data-mjx-error") || el.textContent).slice(0, 120));

  const badAlt = [];
  for (const img of document.querySelectorAll("img")) {
    if (img.getAttribute("aria-hidden") === "true") continue;
    if (["presentation", "none"].includes(img.getAttribute("role"))) continue;
    const alt = (img.getAttribute("alt") || "").trim();
    const attr = img.getAttribute("src") || "";
    let src = attr && !attr.startsWith("data:")
      ? attr : `<img id="${img.id}" src="${attr.slice(0, 30)}...">`;
    if (img.closest(".jupyter-widgets")) src = `an ipywidgets.Image: ${src}`;
    const name = attr.split("?")[0].split("/").pop();
    const looksLikeFile = /\.(png|jpe?g|gif|svg|webp)$/i.test(alt) || alt === name;
    if (!alt || looksLikeFile) badAlt.push(`${src.slice(0, 80)} alt=${JSON.stringify(alt)}`);
  }

  const views = Array.from(document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]'));
  const drawn = views.filter((tag) => {
    const area = tag.previousElementSibling;
    // The widget manager draws an error box with this class when a widget fails (for
    // example a control or a third-party widget library that embed.js does not bundle).
    return area && area.classList.contains("widget-subarea") &&
      area.querySelector('[class*="widget-"], .jupyter-widgets') !== null &&
      area.querySelector(".jupyter-widgets-error-widget") === null;
  });
  // Icons are drawn by the Font Awesome web fonts of the theme's stylesheet (the book
  // leaves out the theme's fontawesome.js): every visible icon needs a glyph from a
  // font that loaded, or an SVG mask.
  const loadedFonts = new Set(Array.from(document.fonts)
    .filter((face) => face.status === "loaded")
    .map((face) => face.family.replace(/["']/g, "")));
  const badIcons = [];
  for (const icon of document.querySelectorAll('i.fa, i[class*="fa-"]')) {
    const box = icon.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // in a closed menu
    const glyph = getComputedStyle(icon, "::before");
    // book.css draws the GitHub mark from an SVG mask (a missing file is a failed request).
    const mask = glyph.maskImage || glyph.webkitMaskImage || "";
    if (glyph.content === '""' && mask.startsWith("url(")) continue;
    const family = glyph.fontFamily.split(",")[0].replace(/["']/g, "").trim();
    if (["none", "normal", ""].includes(glyph.content) || !loadedFonts.has(family)) {
      badIcons.push(`<i class="${icon.className}">: glyph ${glyph.content}, font ${family}`);
    }
  }
  const scripts = performance.getEntriesByType("resource").map((entry) => entry.name)
    .filter((name) => /\.js(\?|$)/.test(name));

  return {
    mathCount: mathElements.length,
    mjxCount: document.querySelectorAll("mjx-container").length,
    rawTex, unrendered, texErrors, badAlt,
    widgetViews: views.length,
    widgetsDrawn: drawn.length,
    widgetElements: document.querySelectorAll(".jupyter-widgets").length,
    undrawn: views.filter((tag) => !drawn.includes(tag)).map((tag) => tag.textContent.trim()),
    animations: document.querySelectorAll("div.animation").length,
    icons: document.querySelectorAll('i.fa, i[class*="fa-"]').length,
    badIcons,
    // MathJax's own files (its TeX extensions, fetched on first use, aside).
    mathjaxScripts: scripts.filter((name) => name.includes("/mathjax/") &&
      !name.includes("/input/tex/extensions/")),
    themeScripts: scripts.filter((name) => /fontawesome\.js|searchindex\.js/.test(name)),
    // Also covers requests the browser makes on its own (such as /favicon.ico).
    failedResources: performance.getEntriesByType("resource")
      .filter((entry) => entry.responseStatus >= 400)
      .map((entry) => `${entry.responseStatus} ${entry.name}`),
  };
}
"""


# axe-core's audit of the page as it is (after MathJax and the widgets). Each rule broken
# comes with every node that breaks it: its CSS selector, its HTML and what is wrong.
RUN_AXE = r"""
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    nodes: rule.nodes.map((node) => ({
      target: node.target.map(String).join(" "),
      html: node.html.slice(0, 300),
      summary: (node.failureSummary || "").replace(/\s+/g, " ").trim().slice(0, 300),
    })),
  }));
}
"""

# On a narrow screen: does the page scroll sideways (and which element, not inside a box
# that clips or scrolls, sticks out the most), and which images, SVGs and canvases of the
# content stick out of the screen without being in a box that scrolls sideways.
PHONE_LAYOUT = r"""
async () => {
  await document.fonts.ready;
  const root = document.documentElement;
  const width = root.clientWidth;
  const describe = (el) => {
    const classes = (el.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean);
    let name = el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "") +
      classes.slice(0, 3).map((c) => `.${c}`).join("");
    let text = el.getAttribute("src") || el.getAttribute("aria-label") ||
      (el.textContent || "").replace(/\s+/g, " ").trim();
    if (text.startsWith("data:")) text = text.slice(0, 22) + "...";
    if (text) name += ` "${text.length > 60 ? text.slice(0, 60) + "..." : text}"`;
    const section = el.closest("section[id]");
    return section ? `${name} (in section #${section.id})` : name;
  };
  // The nearest ancestor that clips or scrolls sideways, or is fixed on the screen (a
  // fixed element, such as a closed side panel, never widens the page).
  const holder = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.position === "fixed") return {element: up, fixed: true};
      if (style.overflowX !== "visible") return {element: up, overflow: style.overflowX};
    }
    return null;
  };
  const outside = (box) => box.right > width + 0.5 || box.left < -0.5;

  let widest = null;
  if (root.scrollWidth > width) {
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if ((box.width === 0 && box.height === 0) || box.right <= width + 0.5) continue;
      if (getComputedStyle(el).position === "fixed" || holder(el)) continue;
      if (!widest || box.width > widest.width) {
        widest = {element: el, width: box.width, right: box.right};
      }
    }
  }

  const media = [];
  let mediaCount = 0;
  const content = document.querySelector("main") || document.body;
  for (const el of content.querySelectorAll("img, svg, canvas, video, iframe, object, embed")) {
    if (el.parentElement && el.parentElement.closest("svg")) continue;  // part of an SVG
    mediaCount += 1;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || !outside(box)) continue;  // fits, or hidden
    const up = holder(el);
    if (up && up.fixed) continue;
    if (up && ["auto", "scroll"].includes(up.overflow) &&
        !outside(up.element.getBoundingClientRect())) continue;  // scrolls in its box
    const where = !up ? "sticks out of the page"
      : ["auto", "scroll"].includes(up.overflow)
        ? `its scrolling box sticks out: ${describe(up.element).slice(0, 80)}`
        : `cut off by ${describe(up.element).slice(0, 80)} (overflow-x: ${up.overflow})`;
    media.push(`${describe(el)}: ${Math.round(box.width)} px wide, from x = ` +
      `${Math.round(box.left)} to ${Math.round(box.right)}; ${where}`);
  }

  return {
    clientWidth: width,
    scrollWidth: root.scrollWidth,
    widest: widest ? `${describe(widest.element)}: ${Math.round(widest.width)} px wide, ` +
      `reaches x = ${Math.round(widest.right)}` : null,
    media,
    mediaCount,
  };
}
"""


# ---------------------------------------------------------------- pages


@dataclass
class PageReport:
    """What happened while one page was open."""

    path: str
    blocked: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    math: list = field(default_factory=list)
    animations: list = field(default_factory=list)
    theme: str = ""  # data-theme of <html>: light or dark
    audited: bool = False  # axe-core ran (RUN_AXE)
    violations: list = field(default_factory=list)  # what it found
    layout: dict = field(default_factory=dict)  # PHONE_LAYOUT's findings

    def __repr__(self) -> str:  # keeps pytest's failure output to the messages
        return f"PageReport({self.path!r})"


def site_pages(site: Path) -> tuple[list[str], dict[str, str]]:
    """HTML pages of the site (relative paths), and the redirect stubs with their targets."""
    pages, redirects = [], {}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.split("/")[0].startswith("_"):
            continue  # _static, _sources, _images: assets, not pages
        text = path.read_text(encoding="utf-8", errors="replace")
        refresh = re.search(r'http-equiv="Refresh"[^>]*url=([^"\']+)', text, re.IGNORECASE)
        if refresh and len(text) < 2000:
            redirects[rel] = refresh.group(1).strip()
        else:
            pages.append(rel)
    return pages, redirects


def chapter_pages(site: Path) -> list[str]:
    """The chapters (notebooks) named in _toc.yml that have a page, as site-relative paths."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    stems = [Path(name).with_suffix("") for name in re.findall(r"file:\s*(notebooks/\S+)", toc)]
    return [f"{stem.as_posix()}.html" for stem in stems if (site / f"{stem}.html").is_file()]


def scrub_animations(page, report: PageReport) -> None:
    """Move the slider of every jshtml animation and record whether the frame changed."""
    for index, animation in enumerate(page.locator("div.animation").all()):
        slider = animation.locator("input.anim-slider")
        image = animation.locator("img")
        if slider.count() != 1 or image.count() != 1:
            report.animations.append((index, "no slider and frame image found"))
            continue
        before = image.get_attribute("src") or ""
        slider.scroll_into_view_if_needed()
        changed = ""
        for key in ("ArrowRight", "End"):
            slider.press(key)
            after = image.get_attribute("src") or ""
            if after and after != before:
                changed = key
                break
        if not changed:
            maximum = slider.get_attribute("max")
            report.animations.append(
                (index, f"frame did not change when the slider moved (max={maximum})")
            )
        else:
            slider.press("Home")
            report.animations.append((index, "ok"))


def visit(
    context, base: str, report: PageReport, *, inspect=True, audit=False, measure=False
) -> None:
    """Open one page, wait for MathJax and the widgets, and fill in ``report``.

    Requests, console errors and the theme are always recorded; ``inspect`` adds the facts
    of :data:`INSPECT_PAGE` and the animations' scrubbing, ``audit`` axe-core's violations,
    ``measure`` :data:`PHONE_LAYOUT`.
    """
    page = context.new_page()
    origin = urlsplit(base).netloc

    page.on("console", lambda msg: msg.type == "error" and report.errors.append(msg.text))
    page.on("pageerror", lambda error: report.errors.append(error.message))

    def on_response(response):
        if urlsplit(response.url).netloc == origin and response.status >= 400:
            report.failed.append(f"{response.status} {response.url[len(base) :]}")

    def on_request_failed(request):
        # ERR_ABORTED: a request cut short because the page was closed; a missing file
        # shows up as a 404 response instead.
        if urlsplit(request.url).netloc == origin and "ERR_ABORTED" not in str(request.failure):
            report.failed.append(f"{request.failure} {request.url[len(base) :]}")

    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    try:
        page.goto(base + report.path, wait_until="load")
        try:
            mathjax = page.wait_for_function(MATHJAX_DONE, timeout=20_000).json_value()
            if mathjax not in ("no math", "typeset"):
                report.math.append(mathjax)
        except PlaywrightTimeout:
            report.math.append("MathJax did not finish typesetting within 20 s")
        try:
            page.wait_for_function(WIDGETS_DRAWN, timeout=20_000)
        except PlaywrightTimeout:
            pass  # reported by test_stored_widget_views_are_drawn
        page.wait_for_timeout(100)  # jshtml animations start in a setTimeout(..., 0)
        report.theme = page.evaluate("document.documentElement.dataset.theme")
        if inspect:
            report.facts = page.evaluate(INSPECT_PAGE)
            for failure in report.facts["failedResources"]:
                status, url = failure.split(" ", 1)
                entry = f"{status} {url[len(base) :]}"
                if urlsplit(url).netloc == origin and entry not in report.failed:
                    report.failed.append(entry)
        if measure:
            report.layout = page.evaluate(PHONE_LAYOUT)
        if audit:
            page.add_script_tag(path=AXE_CORE)
            report.violations = page.evaluate(RUN_AXE)
            report.audited = True
        if inspect:
            scrub_animations(page, report)
    finally:
        page.close()


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def site(request) -> Path:
    """The built site: ``_build/html`` of a fresh build (or of LSTM_MAGNIFIER_SITE)."""
    given = os.environ.get("LSTM_MAGNIFIER_SITE")
    if given:
        html = Path(given)
        assert (html / "index.html").is_file(), f"LSTM_MAGNIFIER_SITE={given} has no index.html"
        return html
    returncode, log, html = request.getfixturevalue("book_build")
    assert returncode == 0, f"jupyter-book build failed:\n{log[-4000:]}"
    assert (html / "index.html").is_file()
    return html


@pytest.fixture(scope="session")
def server(site):
    """Serve the site on 127.0.0.1 (a free port); yields the base URL."""
    httpd, base = site_server.serve(site)
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's package), or a skip when Playwright or it is missing."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
    )
    chromium = site_server.chromium_path()
    if not Path(chromium).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=site_server.CHROMIUM_ARGS)
        yield browser
        browser.close()


def offline_page(browser, base: str, **options):
    """A new browser context (``options``) and page that reach only ``base``.

    Returns ``(context, page, outside, errors)``: requests to other hosts are blocked and
    listed in ``outside``; uncaught page errors and console errors are listed in ``errors``.
    """
    context = browser.new_context(**options)
    outside, errors = [], []
    site_server.block_other_hosts(context, base, outside.append)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(error.message))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    return context, page, outside, errors


MODULE_HARNESS = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><style>{css}</style></head><body><main></main></body></html>"""
"""An empty page with a figure's CSS: where ``module_page`` imports a widget's JS module."""


@contextlib.contextmanager
def module_page(browser, folder: Path, name: str, source: str, css: str):
    """A page of ``browser``, served from ``folder`` on 127.0.0.1, that can import the ES
    module ``source`` as ``/<name>`` and has ``css``; nothing else is on it. On leaving, fails
    on any page error, console error or request to another host."""
    (folder / name).write_text(source, encoding="utf-8")
    html = MODULE_HARNESS.format(title=name, css=css)
    (folder / "index.html").write_text(html, encoding="utf-8")
    server, base = site_server.serve(folder)
    context, page, outside, errors = offline_page(
        browser, base, viewport={"width": 600, "height": 900}
    )
    page.goto(base + "index.html")
    try:
        yield page
    finally:
        context.close()
        server.shutdown()
    assert errors == [], errors
    assert outside == [], outside


def open_every_page(site, server, browser, options: dict, **checks) -> dict[str, PageReport]:
    """Open every page of the site in one browser context (``options``); see :func:`visit`."""
    pages, _ = site_pages(site)
    context = browser.new_context(**options)
    results: dict[str, PageReport] = {}
    current: list[PageReport] = []
    site_server.block_other_hosts(context, server, lambda url: current[-1].blocked.append(url))
    try:
        for rel in pages:
            current.append(PageReport(rel))
            visit(context, server, current[-1], **checks)
            results[rel] = current[-1]
    finally:
        context.close()
    return results


@pytest.fixture(scope="session")
def reports(site, server, browser) -> dict[str, PageReport]:
    """Every page once, light mode: each test of test_site.py checks one kind of problem."""
    return open_every_page(site, server, browser, DESKTOP, audit=AXE_CORE.is_file())


@pytest.fixture(scope="session")
def phone_reports(site, server, browser) -> dict[str, PageReport]:
    """Every page once on a phone in dark mode: what sticks out sideways, axe-core's findings."""
    return open_every_page(
        site, server, browser, PHONE, inspect=False, measure=True, audit=AXE_CORE.is_file()
    )
