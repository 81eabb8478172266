"""The widget bundle (``book/_static/vendored/widgets/embed.js``) draws anywidget widgets.

The book's pages draw their stored widget state with the project's own widget manager,
built from ``scripts/widgets-bundle/`` (see its README.md). These tests open small pages
written here, not the book, so they need no book build:

- a page with an anywidget widget (module ``anywidget``, class ``AnyModel``, its ES module
  in ``_esm``) that follows an ipywidgets FloatSlider through the model id it stores as
  ``"IPY_MODEL_<id>"``: the arrow keys on the slider's focused handle change what the
  anywidget view shows; served on 127.0.0.1 and opened from ``file://``;
- pages whose anywidget models were stored for other anywidget versions, or opened in a
  browser without ``AbortSignal.any``: an error box that says why, the rest still works;
- axe-core (``tests/assets/axe-core/axe.min.js``) finds no serious or critical problem on
  the slider page (the slider handles are named by their descriptions, the Play buttons
  by what they do);
- no request leaves 127.0.0.1, and the console shows no error but the expected ones.

The browser is Debian's Chromium driven by Playwright, as in tests/test_site.py. Without a
browser, node runs the bundle's AMD rewrite (``amd-rewrite.mjs``: the build fails if
anywidget's npm file no longer ends as expected) and its version-range check.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sitekit import site_server

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "scripts" / "widgets-bundle"
IMPORT_REWRITE = (
    "import { rewriteAnywidgetAmd } from "
    + json.dumps((BUNDLE / "amd-rewrite.mjs").as_uri())
    + ";\n"
)
EMBED_JS = ROOT / "book" / "_static" / "vendored" / "widgets" / "embed.js"
AXE_JS = ROOT / "tests" / "assets" / "axe-core" / "axe.min.js"
BUNDLED_ANYWIDGET = "0.11.0"


# ---------------------------------------------------------------- node, no browser


def run_node_module(source: str, tmp_path: Path):
    """Run ``source`` as an ES module with node; return what it prints, read as JSON."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    script = tmp_path / "run.mjs"
    script.write_text(source, encoding="utf-8")
    proc = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_bundle_amd_rewrite_turns_the_define_line_into_an_export(tmp_path):
    source = (
        "// packages/anywidget/src/widget.ts\n"
        "function widget_default({ DOMWidgetModel, DOMWidgetView }) {\n"
        "  return { AnyModel: 1, AnyView: 2 };\n"
        "}\n\n"
        "// packages/anywidget/src/index.js\n"
        'define(["@jupyter-widgets/base"], widget_default);\n\n'
    )
    out = run_node_module(
        IMPORT_REWRITE
        + f"console.log(JSON.stringify(rewriteAnywidgetAmd({json.dumps(source)})));\n",
        tmp_path,
    )
    assert "define(" not in out
    assert out.startswith(source[: source.index("define(")])
    assert out.rstrip().endswith(
        'import * as jupyterWidgetsBase from "@jupyter-widgets/base";\n'
        "const { AnyModel, AnyView } = widget_default(jupyterWidgetsBase);\n"
        "export { AnyModel, AnyView };"
    )


@pytest.mark.parametrize(
    "last_lines",
    [
        "export default widget_default;",
        'define(["@jupyter-widgets/base", "@jupyter-widgets/controls"], widget_default);',
        'define("anywidget", ["@jupyter-widgets/base"], widget_default);',
        'define(["@jupyter-widgets/base"], widget_default);\nconsole.log("after");',
        'define(["x"], other);\ndefine(["@jupyter-widgets/base"], widget_default);',
    ],
)
def test_bundle_amd_rewrite_refuses_an_unexpected_ending(tmp_path, last_lines):
    source = "function widget_default(base) { return {}; }\n" + last_lines + "\n"
    out = run_node_module(
        IMPORT_REWRITE + "try {\n"
        f"  rewriteAnywidgetAmd({json.dumps(source)}, 'node_modules/anywidget/dist/index.js');\n"
        "  console.log(JSON.stringify(null));\n"
        "} catch (error) {\n"
        "  console.log(JSON.stringify(error.message));\n"
        "}\n",
        tmp_path,
    )
    assert out is not None, "the rewrite accepted a file that does not end as expected"
    assert out.startswith("node_modules/anywidget/dist/index.js: ")
    assert "update amd-rewrite.mjs" in out


def test_bundle_build_fails_when_anywidget_ends_otherwise(tmp_path):
    """build.mjs, run on an anywidget whose last line changed, stops with the rewrite's message.

    Needs the bundle's node_modules (``npm ci`` in scripts/widgets-bundle): the build runs
    in a copy of the folder whose node_modules links to those packages, except anywidget,
    a copy with its last line changed.
    """
    modules = BUNDLE / "node_modules"
    if not (modules / "anywidget" / "dist" / "index.js").is_file():
        pytest.skip("scripts/widgets-bundle/node_modules is missing (npm ci there)")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    copy = tmp_path / "widgets-bundle"
    copy.mkdir()
    for name in ("build.mjs", "amd-rewrite.mjs", "package.json"):
        shutil.copyfile(BUNDLE / name, copy / name)
    for name in ("src", "licenses"):
        shutil.copytree(BUNDLE / name, copy / name)
    (copy / "node_modules").mkdir()
    for entry in modules.iterdir():
        if entry.name != "anywidget":
            (copy / "node_modules" / entry.name).symlink_to(entry.resolve())
    shutil.copytree(modules / "anywidget", copy / "node_modules" / "anywidget")
    dist = copy / "node_modules" / "anywidget" / "dist" / "index.js"
    text = dist.read_text(encoding="utf-8")
    assert text.rstrip().endswith('define(["@jupyter-widgets/base"], widget_default);')
    dist.write_text(
        text.rstrip()[: text.rstrip().rindex("\n")] + "\nexport default widget_default;\n"
    )
    proc = subprocess.run(
        [node, "build.mjs", str(copy / "dist")],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0, "the build bundled an anywidget it cannot rewrite"
    assert 'the last line is "export default widget_default;"' in proc.stderr
    assert "update amd-rewrite.mjs" in proc.stderr
    assert not (copy / "dist" / "embed.js").exists()


ACCEPTED = ["~0.11.*", "0.11.0", "^0.11.0", "~0.11.0", "0.11", "0.11.x", "*", ">=0.10 <0.12"]
REJECTED = ["~0.12.*", "0.9.13", "^0.10.0", "~0.11.1", "1.x", "<0.11.0", "0.11.0-beta.1"]


def test_bundle_version_range_admits_only_0_11(tmp_path):
    out = run_node_module(
        "import { admitsVersion } from "
        f"{json.dumps((BUNDLE / 'src' / 'version-range.mjs').as_uri())};\n"
        f"const ranges = {json.dumps(ACCEPTED + REJECTED)};\n"
        "const out = {};\n"
        "for (const range of ranges) {\n"
        f"  try {{ out[range] = admitsVersion(range, {json.dumps(BUNDLED_ANYWIDGET)}); }}\n"
        "  catch (error) { out[range] = 'error: ' + error.message; }\n"
        "}\n"
        "console.log(JSON.stringify(out));\n",
        tmp_path,
    )
    assert {r: out[r] for r in ACCEPTED} == dict.fromkeys(ACCEPTED, True)
    assert all(out[r] is False or str(out[r]).startswith("error:") for r in REJECTED), out


def test_bundle_carries_anywidget_and_its_licences():
    package = json.loads((BUNDLE / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["anywidget"] == BUNDLED_ANYWIDGET
    licences = EMBED_JS.with_name("THIRD-PARTY-LICENSES.txt").read_text(encoding="utf-8")
    for heading in (
        f"anywidget@{BUNDLED_ANYWIDGET} (MIT)",
        f"solid-js@1.9.12, inlined in anywidget@{BUNDLED_ANYWIDGET}",
        f"@lukeed/uuid@2.0.1, inlined in anywidget@{BUNDLED_ANYWIDGET}",
    ):
        assert heading in licences
    assert "Copyright (c) 2022-2023 Trevor Manz" in licences


# ---------------------------------------------------------------- the pages

LAYOUT = {
    "model_name": "LayoutModel",
    "model_module": "@jupyter-widgets/base",
    "model_module_version": "2.0.0",
    "state": {},
}

# Follows the slider whose model id it stores (as ipywidgets' widget_serialization
# writes it, "IPY_MODEL_<id>"), and counts its own clicks in a synced trait.
FOLLOWER_ESM = """
export default {
  render({ model, el }) {
    const root = document.createElement("div");
    root.className = "follower";
    const shown = document.createElement("output");
    shown.className = "follower-value";
    const button = document.createElement("button");
    button.className = "follower-count";
    root.append(model.get("label") + ": ", shown, " ", button);
    el.appendChild(root);

    const showCount = () => { button.textContent = "clicked " + model.get("count"); };
    button.addEventListener("click", () => {
      model.set("count", model.get("count") + 1);
      model.save_changes();
    });
    model.on("change:count", showCount);
    showCount();

    let slider = null;
    const showValue = () => { shown.textContent = Number(slider.get("value")).toFixed(2); };
    const follow = async () => {
      if (slider) slider.off("change:value", showValue);
      const id = model.get("slider").replace(/^IPY_MODEL_/, "");
      slider = await model.widget_manager.get_model(id);
      slider.on("change:value", showValue);
      showValue();
    };
    model.on("change:slider", follow);
    follow();
    return () => { if (slider) slider.off("change:value", showValue); };
  }
};
"""
FOLLOWER_CSS = ".follower { font-weight: bold; }"

VERSION_ESM = """
export default {
  render({ model, el }) {
    const p = document.createElement("p");
    p.className = "stored-version";
    p.textContent = model.get("_model_module_version");
    el.appendChild(p);
  }
};
"""


def slider_models(model_id: str, description: str) -> dict:
    """The three stored models of an ipywidgets 8 FloatSlider (slider, style, layout)."""
    return {
        model_id: {
            "model_name": "FloatSliderModel",
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": {
                "description": description,
                "min": 0.0,
                "max": 1.0,
                "step": 0.1,
                "value": 0.5,
                "readout_format": ".2f",
                "layout": f"IPY_MODEL_{model_id}-layout",
                "style": f"IPY_MODEL_{model_id}-style",
            },
        },
        f"{model_id}-layout": LAYOUT,
        f"{model_id}-style": {
            "model_name": "SliderStyleModel",
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": {"description_width": ""},
        },
    }


def play_models(model_id: str, description: str) -> dict:
    """The stored models of an ipywidgets 8 Play widget (icon-only buttons)."""
    return {
        model_id: {
            "model_name": "PlayModel",
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": {
                "description": description,
                "min": 0,
                "max": 10,
                "value": 0,
                "interval": 200,
                "show_repeat": True,
                "layout": f"IPY_MODEL_{model_id}-layout",
            },
        },
        f"{model_id}-layout": LAYOUT,
    }


def anywidget_models(model_id: str, version: str, esm: str, **traits) -> dict:
    """The stored models of an anywidget 0.11 widget (the widget and its layout)."""
    return {
        model_id: {
            "model_name": "AnyModel",
            "model_module": "anywidget",
            "model_module_version": version,
            "state": {
                "_model_name": "AnyModel",
                "_model_module": "anywidget",
                "_model_module_version": version,
                "_view_name": "AnyView",
                "_view_module": "anywidget",
                "_view_module_version": version,
                "_anywidget_id": f"tests.{model_id}",
                "_esm": esm,
                "_css": traits.pop("_css", ""),
                "_dom_classes": [],
                "layout": f"IPY_MODEL_{model_id}-layout",
                "tabbable": None,
                "tooltip": None,
                **traits,
            },
        },
        f"{model_id}-layout": LAYOUT,
    }


def page_html(title: str, models: dict, views: list[str]) -> str:
    """A page as the book's are: the stored state, a view tag per widget, embed.js."""
    state = {"version_major": 2, "version_minor": 0, "state": models}
    cells = "\n".join(
        '<div class="cell"><script type="application/vnd.jupyter.widget-view+json">'
        + json.dumps({"version_major": 2, "version_minor": 0, "model_id": view})
        + "</script></div>"
        for view in views
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<script src="embed.js"></script>
<script type="application/vnd.jupyter.widget-state+json">{json.dumps(state)}</script>
</head>
<body>
<main>
<h1>{title}</h1>
{cells}
</main>
</body>
</html>
"""


def with_view_version(models: dict, model_id: str, version: str) -> dict:
    """``models`` with the view of ``model_id`` stored for another module version."""
    models[model_id]["state"]["_view_module_version"] = version
    return models


PAGES = {
    "follower.html": page_html(
        "An anywidget widget that follows a slider",
        {
            **slider_models("gate", "Forget gate f"),
            **play_models("steps", "time step"),
            **anywidget_models(
                "follower",
                "~0.11.*",
                FOLLOWER_ESM,
                _css=FOLLOWER_CSS,
                label="Forget gate",
                count=0,
                slider="IPY_MODEL_gate",
            ),
        },
        ["gate", "steps", "follower"],
    ),
    "accepted.html": page_html(
        "anywidget models stored for versions the bundle admits",
        {
            k: v
            for i, version in enumerate(["~0.11.*", "0.11.0", "^0.11.0", "~0.11.0"])
            for k, v in anywidget_models(f"ok{i}", version, VERSION_ESM).items()
        },
        [f"ok{i}" for i in range(4)],
    ),
    "rejected.html": page_html(
        "anywidget models stored for other versions",
        with_view_version(
            {
                **slider_models("gate", "Input gate i"),
                **anywidget_models("newer", "~0.12.*", VERSION_ESM),
                **anywidget_models("older", "0.9.13", VERSION_ESM),
                **anywidget_models("view", "~0.11.*", VERSION_ESM),
            },
            "view",
            "~0.12.*",
        ),
        ["newer", "gate", "older", "view"],
    ),
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    """A folder with the pages above and a copy of the vendored embed.js."""
    folder = tmp_path_factory.mktemp("widget-pages")
    shutil.copyfile(EMBED_JS, folder / "embed.js")
    for name, html in PAGES.items():
        (folder / name).write_text(html, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(pages):
    """The pages served on 127.0.0.1 (a free port); yields the base URL."""
    httpd, base = site_server.serve(pages)
    yield base
    httpd.shutdown()
    httpd.server_close()


# ``browser``: the session's headless Chromium (tests/sitekit.py), one for every test.


# Every widget-view tag has a drawn widget-subarea before it.
WIDGETS_DRAWN = """
() => Array.from(document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]'))
    .every((tag) => {
        const area = tag.previousElementSibling;
        return area && area.classList.contains("widget-subarea") && area.children.length > 0;
    })
"""


class Visit:
    """One page opened in a fresh context fenced to ``base``: its console errors and the
    requests that were blocked."""

    def __init__(self, browser, base: str, init_script: str | None = None):
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.context = browser.new_context(viewport={"width": 1000, "height": 700})
        site_server.block_other_hosts(self.context, base, self.blocked.append)
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e.message}"))

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function(WIDGETS_DRAWN, timeout=15_000)
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_visit(base: str, init_script: str | None = None) -> Visit:
        opened.append(Visit(browser, base, init_script))
        return opened[-1]

    yield open_visit
    for v in opened:
        v.close()


def check_follower(page) -> None:
    """The anywidget view follows the slider's arrow keys and counts its clicks."""
    shown = page.locator(".follower-value")
    page.wait_for_function(
        "() => document.querySelector('.follower-value')?.textContent === '0.50'",
        timeout=10_000,
    )
    handle = page.get_by_role("slider", name="Forget gate f")
    assert handle.count() == 1, "the slider handle is not named by its description"
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.follower-value').textContent === '0.60'",
        timeout=5_000,
    )
    assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(0.6)
    assert page.locator(".widget-readout").first.text_content() == "0.60"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "() => document.querySelector('.follower-value').textContent === '0.40'",
        timeout=5_000,
    )
    assert shown.text_content() == "0.40"
    # the anywidget's own synced trait, set from its view, redraws it on change:count
    button = page.locator(".follower-count")
    assert button.text_content() == "clicked 0"
    button.click()
    button.click()
    assert button.text_content() == "clicked 2"
    # its _css went into the page
    weight = page.locator(".follower").evaluate("(el) => getComputedStyle(el).fontWeight")
    assert weight == "700"


@pytest.mark.browser
def test_bundle_anywidget_follows_the_slider_served(server, visit):
    v = visit(server)
    page = v.open(server + "follower.html")
    check_follower(page)
    assert v.blocked == [], "requests to other hosts"
    assert v.errors == []


@pytest.mark.browser
def test_bundle_anywidget_follows_the_slider_from_file(pages, visit):
    url = (pages / "follower.html").as_uri()
    v = visit(url)
    page = v.open(url)
    check_follower(page)
    assert v.blocked == [], "requests to other hosts"
    assert v.errors == []


@pytest.mark.browser
def test_bundle_anywidget_accepts_the_0_11_version_ranges(server, visit):
    v = visit(server)
    page = v.open(server + "accepted.html")
    page.wait_for_function(
        "() => document.querySelectorAll('.stored-version').length === 4", timeout=10_000
    )
    shown = page.locator(".stored-version").all_text_contents()
    assert shown == ["~0.11.*", "0.11.0", "^0.11.0", "~0.11.0"]
    assert page.locator(".jupyter-widgets-error-widget").count() == 0
    assert v.blocked == [] and v.errors == []


def expected_error(message: str) -> bool:
    """The console errors that a widget the bundle refuses is expected to cause."""
    return message == "Could not instantiate widget" or "anywidget" in message


@pytest.mark.browser
def test_bundle_refuses_other_anywidget_versions_with_an_error_box(server, visit):
    v = visit(server)
    page = v.open(server + "rejected.html")
    boxes = page.locator(".jupyter-widgets-error-widget")
    assert boxes.count() == 3
    texts = [" ".join(t.split()) for t in boxes.all_inner_texts()]
    for text, (kind, stored) in zip(
        texts, [("model", "~0.12.*"), ("model", "0.9.13"), ("view", "~0.12.*")], strict=True
    ):
        assert text.startswith(f"Failed to load {kind} class 'Any"), text
        assert f"stores this widget for anywidget {stored}," in text, text
        assert f"carries anywidget {BUNDLED_ANYWIDGET}," in text, text
    assert all(box.is_visible() for box in boxes.all())
    assert page.locator(".stored-version").count() == 0
    # nothing else broke: the slider between them is drawn and works
    handle = page.get_by_role("slider", name="Input gate i")
    handle.focus()
    page.keyboard.press("End")
    assert float(handle.get_attribute("aria-valuenow")) == 1.0
    assert v.blocked == []
    unexpected = [e for e in v.errors if not expected_error(e)]
    assert unexpected == []
    logged = " ".join(v.errors)
    assert "anywidget ~0.12.*" in logged and "anywidget 0.9.13" in logged


@pytest.mark.browser
def test_bundle_says_which_browsers_when_abortsignal_any_is_missing(server, visit):
    v = visit(server, init_script="delete AbortSignal.any;")
    page = v.open(server + "follower.html")
    box = page.locator(".jupyter-widgets-error-widget")
    assert box.count() == 1 and box.is_visible()
    text = " ".join(box.inner_text().split())
    for needed in ("AbortSignal.any", "Chrome", "116", "Firefox 124", "Safari 17.4"):
        assert needed in text, text
    assert page.get_by_role("slider", name="Forget gate f").count() == 1
    unexpected = [e for e in v.errors if not expected_error(e)]
    assert unexpected == [] and v.blocked == []


@pytest.mark.browser
def test_bundle_slider_page_passes_axe(server, visit):
    v = visit(server)
    page = v.open(server + "follower.html")
    page.wait_for_function(
        "() => document.querySelector('.follower-value')?.textContent === '0.50'",
        timeout=10_000,
    )
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    serious = [
        f"{r['id']} ({r['impact']}): {r['help']} at "
        + ", ".join(str(node["target"]) for node in r["nodes"])
        for r in results["violations"]
        if r["impact"] in ("serious", "critical")
    ]
    assert serious == [], "axe-core:\n" + "\n".join(serious)
    assert results["testEngine"]["version"] == "4.14.1"
    assert v.blocked == [] and v.errors == []


@pytest.mark.browser
def test_bundle_play_buttons_say_what_they_do(server, visit):
    v = visit(server)
    page = v.open(server + "follower.html")
    play = page.get_by_role("button", name="Play: time step")
    repeat = page.get_by_role("button", name="Repeat: time step")
    assert page.get_by_role("button", name="Stop: time step").count() == 1
    assert repeat.get_attribute("aria-pressed") == "false"
    play.click()
    page.get_by_role("button", name="Pause: time step").wait_for(timeout=5_000)
    repeat.click()
    assert repeat.get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Stop: time step").click()
    page.get_by_role("button", name="Play: time step").wait_for(timeout=5_000)
    assert v.blocked == [] and v.errors == []
