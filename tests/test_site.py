"""The built site works offline: every page, in headless Chromium, needs only 127.0.0.1.

The book is built once (``jupyter-book build <repo> --path-output <tmp>``; notebooks are not
executed, their stored outputs are shown) and served on 127.0.0.1 by
``scripts/site_server.py``. Chromium (Debian's ``chromium`` package, driven by Playwright)
opens every page with all other hosts blocked, and the tests fail on:

- a request to any other host (the page would break without internet);
- a console error or an uncaught page error;
- a local request that fails or answers 404;
- TeX that MathJax left unrendered (raw ``\\(...\\)``/``$...$`` in the text, a ``.math``
  element without ``mjx-container``, or a TeX error);
- an image without alt text (missing, empty, or just a file name);
- a stored widget view that the widget manager (``vendored/widgets/embed.js``) did not draw;
- a kernel-free animation (``FuncAnimation.to_jshtml``) whose frame does not change when
  its slider moves;
- an accessibility violation of impact serious or critical found by axe-core
  (``tests/assets/axe-core``), in light mode (desktop) and in dark mode (phone), unless it
  is listed in ``KNOWN_VIOLATIONS`` with where its cause lies;
- on a phone's screen (390 px): a page that scrolls sideways, or an image or SVG wider
  than the screen outside a box that scrolls sideways.

Each page is opened twice (the fixtures ``reports`` and ``phone_reports`` of
``tests/sitekit.py``, shared with the other browser tests). A screenshot of one chapter
is written to ``_build/screenshots/`` (a CI artifact).

Set ``LSTM_MAGNIFIER_SITE=/path/to/_build/html`` to test an existing build instead of
building one (quicker while editing a page).
"""

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sitekit import (
    AXE_CORE,
    DESKTOP,
    INSPECT_PAGE,
    MATHJAX_DONE,
    PHONE,
    PHONE_LAYOUT,
    ROOT,
    WIDGETS_DRAWN,
    chapter_pages,
    load_script,
    offline_page,
    site_pages,
    site_server,
)

SCREENSHOTS = ROOT / "_build" / "screenshots"

yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (it comes with jupyter-book)")


# ---------------------------------------------------------------- vendored assets (no browser)


def test_vendored_files_match_versions_json():
    problems = load_script("vendor_assets").check()
    assert problems == [], "book/_static/vendored/ is out of date:\n" + "\n".join(problems)


def test_vendored_packages_carry_their_licences():
    vendored = ROOT / "book" / "_static" / "vendored"
    for licence in (
        "mathjax/LICENSE",
        "fontawesome/LICENSE.txt",
        "widgets/THIRD-PARTY-LICENSES.txt",
    ):
        assert (vendored / licence).stat().st_size > 500, f"{licence} is missing or empty"


def test_book_css_inlines_the_vendored_github_icon():
    # Inlined (not linked) because mask images are fetched with CORS, which a page
    # opened from disk cannot pass; it must stay the vendored, licensed file.
    css = (ROOT / "book" / "_static" / "book.css").read_text(encoding="utf-8")
    inlined = re.search(r'--book-github-mark: url\("data:image/svg\+xml;base64,([^"]+)"\)', css)
    assert inlined, "book.css no longer inlines the GitHub mark"
    vendored = ROOT / "book" / "_static" / "vendored" / "fontawesome" / "github.svg"
    assert base64.b64decode(inlined.group(1)) == vendored.read_bytes()


def test_config_points_at_the_vendored_assets():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]
    static = [ROOT / path for path in config["html_static_path"]]
    for name, resolved in [
        ("mathjax_path", config["mathjax_path"]),
        *(("nb_ipywidgets_js", key) for key in config["nb_ipywidgets_js"]),
    ]:
        assert "://" not in resolved, f"{name} loads {resolved} from another host"
        assert any((folder / resolved).is_file() for folder in static), (
            f"{name}: {resolved} is not in html_static_path {config['html_static_path']}"
        )


# ---------------------------------------------------------------- browser tests

# Everything below needs Playwright, Chromium and jupyter-book.
needs_browser = [pytest.mark.book, pytest.mark.browser, pytest.mark.slow]


def _problems(reports, attribute) -> dict[str, list]:
    return {rel: getattr(r, attribute) for rel, r in reports.items() if getattr(r, attribute)}


def _format(problems: dict) -> str:
    return "\n".join(
        f"{page}:\n  " + "\n  ".join(map(str, items)) for page, items in problems.items()
    )


class TestEveryPage:
    pytestmark = needs_browser

    def test_every_page_was_opened(self, site, reports):
        pages, redirects = site_pages(site)
        assert pages, "the site has no pages"
        assert sorted(reports) == pages
        for stub, target in redirects.items():
            resolved = (Path(stub).parent / target).as_posix()
            assert resolved in reports, f"{stub} redirects to {target}, which is not a page"

    def test_no_request_leaves_127_0_0_1(self, reports):
        blocked = _problems(reports, "blocked")
        assert not blocked, "pages fetch from other hosts (blocked):\n" + _format(blocked)

    def test_no_console_or_page_errors(self, reports):
        errors = {rel: r.errors for rel, r in reports.items() if r.errors}
        assert not errors, "console errors / uncaught exceptions:\n" + _format(errors)

    def test_no_local_request_fails(self, reports):
        failed = _problems(reports, "failed")
        assert not failed, "local requests that failed (404, ...):\n" + _format(failed)

    def test_math_is_rendered(self, reports):
        problems = {}
        for rel, r in reports.items():
            facts = r.facts
            items = list(r.math)
            items += [f"raw TeX in the text: {t!r}" for t in facts["rawTex"]]
            items += [f"not typeset: {t!r}" for t in facts["unrendered"]]
            items += [f"TeX error: {t!r}" for t in facts["texErrors"]]
            if facts["mathCount"] and not facts["mjxCount"]:
                items.append(f"{facts['mathCount']} math elements but no mjx-container")
            if items:
                problems[rel] = items
        assert not problems, "math left unrendered:\n" + _format(problems)

    def test_math_pages_exist(self, reports):
        # Guards the check above against passing vacuously (e.g. if MathJax never ran).
        typeset = [rel for rel, r in reports.items() if r.facts["mjxCount"]]
        assert typeset, "no page has any typeset math: is MathJax loaded at all?"

    def test_icons_are_drawn(self, reports):
        problems = {rel: r.facts["badIcons"] for rel, r in reports.items() if r.facts["badIcons"]}
        assert not problems, "icons drawn without a glyph or font:\n" + _format(problems)
        assert all(r.facts["icons"] for r in reports.values()), "a page without any icon"

    def test_pages_skip_the_heavy_theme_scripts(self, reports):
        # book/_templates/layout.html leaves out fontawesome.js (1.5 MB) and the search
        # index (only search.html needs it); a theme update could bring them back.
        problems = {
            rel: r.facts["themeScripts"]
            for rel, r in reports.items()
            if r.facts["themeScripts"] and rel != "search.html"
        }
        assert not problems, "pages load scripts the book leaves out:\n" + _format(problems)

    def test_mathjax_is_one_file(self, reports):
        # tex-chtml-nomenu.js carries every component a page needs; a component fetched on
        # its own would mean the combined file is broken (one more request on every page).
        problems = {
            rel: r.facts["mathjaxScripts"]
            for rel, r in reports.items()
            if len(r.facts["mathjaxScripts"]) > 1
        }
        assert not problems, "MathJax fetched more than its one file:\n" + _format(problems)

    def test_images_have_alt_text(self, reports):
        problems = {rel: r.facts["badAlt"] for rel, r in reports.items() if r.facts["badAlt"]}
        assert not problems, "images without alt text:\n" + _format(problems)

    def test_stored_widget_views_are_drawn(self, reports):
        problems = {
            rel: [f"not drawn: {view}" for view in r.facts["undrawn"]]
            for rel, r in reports.items()
            if r.facts["undrawn"]
        }
        assert not problems, "widget views the widget manager did not draw:\n" + _format(problems)

    def test_every_widget_output_of_a_notebook_reaches_its_page(self, site, reports):
        for rel in chapter_pages(site):
            notebook = ROOT / rel.replace(".html", ".ipynb")
            if not notebook.is_file():
                continue
            expected = notebook_widget_views(notebook)
            found = reports[rel].facts["widgetViews"]
            assert found >= expected, (
                f"{notebook.name} stores {expected} widget views, its page has {found}"
            )
            if expected:
                assert reports[rel].facts["widgetElements"] > 0, f"{rel}: no .jupyter-widgets"

    def test_animations_respond_to_their_slider(self, reports):
        problems = {
            rel: [f"animation {i}: {status}" for i, status in r.animations if status != "ok"]
            for rel, r in reports.items()
        }
        problems = {rel: items for rel, items in problems.items() if items}
        assert not problems, "kernel-free animations that do not scrub:\n" + _format(problems)


# ---------------------------------------------------------------- accessibility (axe-core)

SERIOUS = ("serious", "critical")


@dataclass(frozen=True)
class Known:
    """A violation whose cause lies outside the book's pages, styles and Sphinx extensions,
    allowed until it is fixed where it lies: axe-core ``rule``, in the ``views`` named,
    on the nodes whose HTML matches ``html`` (a regular expression)."""

    rule: str
    html: str
    views: tuple
    why: str


KNOWN_VIOLATIONS: list[Known] = []  # none today


def _known(rule: str, node: dict, view: str) -> list[Known]:
    return [
        known
        for known in KNOWN_VIOLATIONS
        if known.rule == rule and view in known.views and re.search(known.html, node["html"])
    ]


class TestAccessibility:
    """axe-core (tests/assets/axe-core) on every page once the page, its widgets and its
    maths are drawn, in light mode (desktop) and in dark mode (phone): no violation of
    impact serious or critical."""

    pytestmark = needs_browser

    def test_axe_core_is_there(self):
        assert AXE_CORE.is_file(), f"{AXE_CORE} is missing: python scripts/vendor_assets.py"

    @pytest.mark.parametrize("view", ["light", "dark"])
    def test_no_serious_or_critical_violation(self, view, request):
        assert AXE_CORE.is_file(), f"{AXE_CORE} is missing"
        pages = request.getfixturevalue({"light": "reports", "dark": "phone_reports"}[view])
        themes = {rel: r.theme for rel, r in pages.items() if r.theme != view}
        assert not themes, f"pages not in {view} mode: {themes}"
        assert all(r.audited for r in pages.values())
        problems = {}
        for rel, r in pages.items():
            items = []
            for rule in r.violations:
                if rule["impact"] not in SERIOUS:
                    continue
                nodes = [node for node in rule["nodes"] if not _known(rule["id"], node, view)]
                if not nodes:
                    continue
                more = f" and {len(nodes) - 3} more" if len(nodes) > 3 else ""
                items.append(
                    f"{rule['id']} ({rule['impact']}): {rule['help']}: "
                    + ", ".join(node["target"] for node in nodes[:3])
                    + more
                    + f"\n      first: {nodes[0]['summary']}"
                )
            if items:
                problems[rel] = items
        assert not problems, f"axe-core, {view} mode:\n" + _format(problems)

    def test_every_known_violation_is_still_seen(self, reports, phone_reports):
        views = {"light": reports, "dark": phone_reports}
        for known in KNOWN_VIOLATIONS:
            seen = [
                rel
                for view in known.views
                for rel, r in views[view].items()
                for rule in r.violations
                for node in rule["nodes"]
                if known in _known(rule["id"], node, view)
            ]
            assert seen, f"fixed? remove it from KNOWN_VIOLATIONS: {known}"


# ---------------------------------------------------------------- on a phone (390 px wide)


class TestOnAPhone:
    """Every page on a phone's screen (sitekit.PHONE, 390 px wide): nothing pushes the page
    sideways; display maths, code, tables and outputs scroll inside their own boxes."""

    pytestmark = needs_browser

    def test_pages_are_laid_out_for_the_screen(self, phone_reports):
        # Without <meta name="viewport"> a phone lays a page out 980 px wide, then shrinks it.
        widths = {rel: r.layout["clientWidth"] for rel, r in phone_reports.items()}
        assert set(widths.values()) == {PHONE["viewport"]["width"]}, widths

    def test_no_page_scrolls_sideways(self, phone_reports):
        problems = {
            rel: [
                f"{r.layout['scrollWidth']} px wide on a {r.layout['clientWidth']} px screen; "
                f"the widest element that sticks out: {r.layout['widest']}"
            ]
            for rel, r in phone_reports.items()
            if r.layout["scrollWidth"] > r.layout["clientWidth"]
        }
        assert not problems, "pages that scroll sideways on a phone:\n" + _format(problems)

    def test_images_and_svgs_fit_or_scroll_in_their_box(self, phone_reports):
        problems = {rel: r.layout["media"] for rel, r in phone_reports.items() if r.layout["media"]}
        assert not problems, (
            "images or SVGs wider than a phone's screen, outside any box that scrolls "
            "sideways:\n" + _format(problems)
        )
        assert sum(r.layout["mediaCount"] for r in phone_reports.values()) > 0

    def test_the_check_sees_what_sticks_out(self, site, server, browser):
        # Guards the two tests above against passing vacuously: a page made too wide.
        context = browser.new_context(**PHONE)
        site_server.block_other_hosts(context, server, lambda url: None)
        page = context.new_page()
        page.goto(server + site_pages(site)[0][0], wait_until="load")
        page.evaluate(
            """() => {
              const wide = document.createElement("div");
              wide.id = "too-wide";
              wide.style.width = "600px";
              wide.innerHTML = '<svg width="500" height="20"></svg>';
              document.querySelector("main article").append(wide);
            }"""
        )
        layout = page.evaluate(PHONE_LAYOUT)
        context.close()
        assert layout["scrollWidth"] > layout["clientWidth"], layout
        assert layout["widest"].startswith("div#too-wide: 600 px wide"), layout
        assert len(layout["media"]) == 1 and "sticks out of the page" in layout["media"][0]


def notebook_widget_views(notebook: Path) -> int:
    """Widget-view outputs that the page should show (cells not removed by tags)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    count = 0
    for cell in nb.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove-output", "remove-cell"}:
            continue
        for output in cell.get("outputs", []):
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                count += 1
    return count


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.slow
def test_screenshot_of_a_chapter(site, server, browser, reports):
    """Save a screenshot of a chapter (one with widgets if there is one) for CI to keep."""
    chapters = chapter_pages(site) or sorted(reports)
    with_widgets = [rel for rel in chapters if reports[rel].facts["widgetsDrawn"]]
    with_math = [rel for rel in chapters if reports[rel].facts["mjxCount"]]
    chosen = (with_widgets or with_math or chapters)[0]
    context = browser.new_context(**DESKTOP)
    site_server.block_other_hosts(context, server, lambda url: None)
    page = context.new_page()
    page.goto(server + chosen, wait_until="load")
    page.wait_for_function(MATHJAX_DONE, timeout=20_000)
    page.wait_for_function(WIDGETS_DRAWN, timeout=20_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):  # only this test writes here; drop stale ones
        old.unlink()
    target = SCREENSHOTS / f"{Path(chosen).stem}.png"
    page.screenshot(path=str(target), full_page=True)
    context.close()
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 10_000, "the screenshot is suspiciously small (blank page?)"


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.slow
def test_search_page_finds_a_chapter(server, browser):
    """The search box leads to search.html, the one page that loads the search index."""
    context = browser.new_context(**DESKTOP)
    blocked = []
    site_server.block_other_hosts(context, server, blocked.append)
    page = context.new_page()
    page.goto(server + "search.html?q=forget+gate", wait_until="load")
    # Sphinx lists the results one by one, then writes "... page(s) matching ...".
    page.wait_for_function(
        "() => /matching/.test(document.querySelector('#search-results .search-summary')"
        "?.textContent || '')",
        timeout=20_000,
    )
    titles = page.locator("#search-results ul.search li a").all_inner_texts()
    context.close()
    assert blocked == []
    assert any("forget network" in title.lower() for title in titles), titles


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.slow
def test_the_live_code_button_is_set_up_once(site, server, browser):
    """The Live Code (Thebe) button finds its settings, declared once (not clicked: it
    would load Thebe from unpkg.com and start a Binder kernel)."""
    chapter = chapter_pages(site)[0]
    context, page, _, errors = offline_page(browser, server, **DESKTOP)
    page.goto(server + chapter, wait_until="load")
    page.wait_for_function("() => typeof initThebe === 'function'", timeout=20_000)
    setup = page.evaluate(
        """() => ({
          url: THEBE_JS_URL,
          button: typeof initThebeSBT,
          buttons: document.querySelectorAll(".btn-launch-thebe").length,
          declared: [...document.scripts].filter((s) => /const THEBE_JS_URL/.test(s.text)).length,
        })"""
    )
    context.close()
    assert errors == [], chapter
    assert setup["url"].startswith("https://unpkg.com/thebe@"), setup
    assert setup["button"] == "function" and setup["buttons"] == 1, setup
    assert setup["declared"] == 1, setup


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.slow
def test_a_stored_widget_slider_moves(site, server, browser, reports):
    """Without a kernel the sliders still move and show their value (nothing recomputes)."""
    chapters = [rel for rel in chapter_pages(site) if reports[rel].facts["widgetsDrawn"]]
    assert chapters, "no chapter page has a drawn widget"
    context = browser.new_context(**DESKTOP)
    site_server.block_other_hosts(context, server, lambda url: None)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error.message))
    page.goto(server + chapters[0], wait_until="load")
    page.wait_for_function(WIDGETS_DRAWN, timeout=20_000)
    slider = page.locator(".widget-slider").first
    handle, readout = slider.locator(".noUi-handle"), slider.locator(".widget-readout")
    before = (handle.get_attribute("aria-valuenow"), readout.inner_text())
    handle.focus()
    handle.press("ArrowRight")
    after = (handle.get_attribute("aria-valuenow"), readout.inner_text())
    handle.press("ArrowLeft")
    back = (handle.get_attribute("aria-valuenow"), readout.inner_text())
    context.close()
    assert after[0] != before[0] and after[1] != before[1], (chapters[0], before, after)
    assert back == before
    assert errors == []


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.slow
def test_a_chapter_opened_from_disk_works(site, browser, reports):
    """how-to-run says to open _build/html/index.html: a file:// page must work too."""
    chapters = [rel for rel in chapter_pages(site) if reports[rel].facts["widgetsDrawn"]]
    assert chapters, "no chapter page has a drawn widget"
    context, page, blocked, errors = offline_page(browser, "file:///", **DESKTOP)
    page.goto((site / chapters[0]).resolve().as_uri(), wait_until="load")
    assert page.wait_for_function(MATHJAX_DONE, timeout=20_000).json_value() == "typeset"
    page.wait_for_function(WIDGETS_DRAWN, timeout=20_000)
    facts = page.evaluate(INSPECT_PAGE)
    context.close()
    assert errors == [], chapters[0]
    assert blocked == []
    assert facts["badIcons"] == [] and facts["icons"] > 0
    assert facts["undrawn"] == [] and facts["mjxCount"] > 0
