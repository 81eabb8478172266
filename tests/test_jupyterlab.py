"""The explorers in a real JupyterLab: a notebook run in headless Chromium, a slider keyed.

The test starts ``jupyter lab`` on 127.0.0.1 (a free port, a random token, its own
config, data, runtime and settings folders under a temporary folder; announcements,
update checks and the extension manager's index turned off, so the server fetches
nothing), writes two one-cell notebooks there (a :class:`GateExplorer` and a
:class:`MemoryTimeline`), and opens them in Debian's Chromium (driven by Playwright,
every host but 127.0.0.1 blocked, as in ``tests/test_explorers_js.py``). For each it
runs all cells (JupyterLab's own command ``notebook:run-all-cells``), waits for the
explorer's SVG (``svg.lm-svg``, drawn by ``viz/explorers.js`` through anywidget), then
focuses the handle of the slider labelled *f*, presses ArrowRight three times and
ArrowLeft once, and checks that:

- the slider moved two steps, and the SVG's ``data-values`` changed with it;
- ``data-values`` equal what :mod:`lstm_magnifier.timelines` computes for the inputs the
  SVG shows (to 1e-12);
- the kernel saw the move: the Python explorer's ``values`` equal ``data-values`` (1e-12).

The last test fails on a request that leaves 127.0.0.1, an uncaught page error, or a
console message that mentions the explorers' module (``explorers.js``, anywidget,
``ExplorerFigure``) as a warning or an error. JupyterLab's other console warnings and
errors, and local requests that fail, are printed (``-rA`` shows them); errors and
failed requests also become a pytest warning.
"""

import contextlib
import importlib.metadata
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from sitekit import site_server

from lstm_magnifier.timelines import constant_gate_timeline, gate_step

from cells import value_differences

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 60
OURS = ("explorers.js", "anywidget", "ExplorerFigure", "text_magnifier", "TextFigure")
"""Console messages that mention one of these fail the test: they are about the explorers."""


def _gate(shown):
    return gate_step(**{k: shown[k] for k in ("i", "f", "g", "o", "c_prev")})


def _timeline(shown):
    params = {k: shown[k] for k in ("f", "i", "g", "o", "steps", "c0")}
    return {**params, **constant_gate_timeline(**params)}


@dataclass
class Case:
    code: str
    slider: str  # the slider's label as shown
    start: float
    step: float
    expect: object  # data-values -> what timelines computes for its inputs


CASES = {
    "gate": Case(
        "from lstm_magnifier.viz.explorers import GateExplorer\n"
        "explorer = GateExplorer(f=0.5)\n"
        "explorer",
        "f forget",
        0.5,
        0.01,
        _gate,
    ),
    "timeline": Case(
        "from lstm_magnifier.viz.explorers import MemoryTimeline\n"
        "explorer = MemoryTimeline()\n"
        "explorer",
        "f forget",
        0.9,
        0.005,
        _timeline,
    ),
}
KEYS = ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft")  # two steps up, net

TYPED_CODE = (  # chapter 15's magnifier of a model that reads brackets
    "from lstm_magnifier.lstm import LSTM\n"
    "from lstm_magnifier.viz.explorers import SequenceMagnifier\n"
    "explorer = SequenceMagnifier(LSTM(2, 4, rng=3), '(())', vocabulary='()')\n"
    "explorer"
)
TEXT_CODE = (  # chapter 17's text magnifier, on the first shipped model
    "from lstm_magnifier import text\n"
    "from lstm_magnifier.viz.text_magnifier import TextMagnifier\n"
    "model, vocab = text.load_char_model(0)\n"
    "units = {k: tuple(v) for k, v in text.measured()['seeds']['0']['units'].items()}\n"
    "explorer = TextMagnifier(model, vocab, units, text='x = 1\\n', length=60)\n"
    "explorer"
)

# The Python explorer's values as JSON (arrays as lists), printed by the kernel.
VALUES_IN_THE_KERNEL = (
    "import json as _json\n"
    "print(_json.dumps({k: v.tolist() if hasattr(v, 'tolist') else v "
    "for k, v in explorer.values.items()}))"
)

OPEN_AND_RUN = """async (path) => {
  const app = window.jupyterapp;
  await app.restored;  // every plugin active, the workspace restored
  const widget = await app.commands.execute('docmanager:open', { path });
  await widget.context.ready;
  await widget.sessionContext.ready;
  app.shell.activateById(widget.id);
  while (app.shell.currentWidget !== widget) await new Promise((r) => setTimeout(r, 50));
  await app.commands.execute('notebook:run-all-cells');
  return widget.id;
}"""

IN_THE_KERNEL = """async ([id, code]) => {
  const app = window.jupyterapp;
  const widget = Array.from(app.shell.widgets('main')).find((w) => w.id === id);
  const kernel = widget.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code, store_history: false });
  const out = [];
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream') out.push(msg.content.text);
    if (msg.header.msg_type === 'error') out.push(msg.content.ename + ': ' + msg.content.evalue);
  };
  await future.done;
  return out.join('');
}"""


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook(code: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


@dataclass
class Lab:
    base: str
    token: str
    log: Path

    def log_tail(self, lines=40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


@contextlib.contextmanager
def jupyterlab(folder: Path, notebooks: dict, startup=STARTUP_SECONDS):
    """``with jupyterlab(folder, {name: code}) as lab``: a JupyterLab server on 127.0.0.1.

    Writes one one-cell notebook ``<name>.ipynb`` per entry into ``folder/notebooks``,
    serves that folder (a free port, a random token; its own config, data, runtime and
    settings folders in ``folder``; nothing fetched from the internet) and stops the
    server on leaving, also after an error. Raises RuntimeError when it does not start.
    Also used by ``benchmarks/bench_widgets.py --lab``.
    """
    root, config = folder / "notebooks", folder / "config"
    root.mkdir(parents=True)
    (config / "labconfig").mkdir(parents=True)
    for name, code in notebooks.items():
        nbformat.write(notebook(code), root / f"{name}.ipynb")
    # Nothing from the internet: no news feed, no update check, no announcements plugin.
    (config / "jupyter_server_config.py").write_text(
        "c.LabApp.news_url = None\n"
        "c.LabApp.check_for_updates_class = "
        "'jupyterlab.handlers.announcements.NeverCheckForUpdate'\n",
        encoding="utf-8",
    )
    disabled = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
    (config / "labconfig" / "page_config.json").write_text(json.dumps(disabled), encoding="utf-8")

    port, token = free_port(), secrets.token_hex(24)
    new_server = int(importlib.metadata.version("jupyter_server").split(".")[0]) >= 2
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(folder / "data"),  # the venv's kernel and extensions still count
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "IPYTHONDIR": str(folder / "ipython"),
        "MPLBACKEND": "Agg",
        # the kernel imports the package of this working tree
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p
        ),
    }
    cmd = [
        sys.executable,
        *("-m", "jupyter", "lab", "--no-browser"),
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.allow_root=True",  # containers run as root
        f"--{'IdentityProvider' if new_server else 'ServerApp'}.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, to run its commands
        "--LabApp.extension_manager=readonly",
        f"--LabApp.user_settings_dir={folder / 'settings'}",
        f"--LabApp.workspaces_dir={folder / 'workspaces'}",
    ]
    log = folder / "server.log"
    with open(log, "w", encoding="utf-8") as out:
        server = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, log)
    try:
        status = urllib.request.Request(
            f"{lab.base}/api/status", headers={"Authorization": f"token {token}"}
        )
        deadline = time.monotonic() + startup
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({server.returncode}):\n{lab.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not answer in {startup} s:\n{lab.log_tail()}")
            try:
                with urllib.request.urlopen(status, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        yield lab
    finally:
        server.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving the notebooks of :data:`CASES`; stopped at the end."""
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (pip install jupyterlab)")
    if not Path(site_server.chromium_path()).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    notebooks = {name: case.code for name, case in CASES.items()} | {
        "text": TEXT_CODE,
        "typed": TYPED_CODE,
    }
    try:
        with jupyterlab(tmp_path_factory.mktemp("jupyterlab"), notebooks) as server:
            yield server
    except RuntimeError as error:
        pytest.fail(str(error))


# ---------------------------------------------------------------- the browser


@dataclass
class Record:
    outside: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    console: list = field(default_factory=list)
    failed: list = field(default_factory=list)


@pytest.fixture(scope="module")
def browser_page(lab, browser):
    """``(page, record)``: JupyterLab open on the first notebook, in headless Chromium
    (the session's browser, ``sitekit.py``: one Playwright instance for every test)."""
    record = Record()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.set_default_timeout(30_000)
        site_server.block_other_hosts(context, lab.base + "/", record.outside.append)
        page = context.new_page()
        page.on("pageerror", lambda e: record.page_errors.append(str(e)))
        page.on("console", lambda m: record.console.append((m.type, m.text)))
        page.on(
            "response",
            lambda r: r.status >= 400 and record.failed.append(f"{r.status} {r.url}"),
        )
        # The address a reader opens; ?reset starts from an empty workspace.
        first = next(iter(CASES))
        page.goto(f"{lab.base}/lab/tree/{first}.ipynb?reset&token={lab.token}")
        page.wait_for_function("() => window.jupyterapp?.shell?.currentWidget?.sessionContext")
        yield page, record
    finally:
        context.close()


def open_and_draw(lab, page, notebook, selector):
    """Open ``notebook``, run all its cells and wait for ``selector`` in its panel: returns
    the panel's id, the panel and what was drawn."""
    panel_id = page.evaluate(OPEN_AND_RUN, notebook)
    panel = page.locator(f'[id="{panel_id}"]')
    drawn = panel.locator(selector)
    try:
        drawn.wait_for(state="visible", timeout=45_000)
    except Exception as error:
        raise AssertionError(f"{notebook}: nothing drawn:\n{lab.log_tail()}") from error
    return panel_id, panel, drawn


def ask_kernel(page, panel_id, code, done=lambda answer: True):
    """What ``code`` prints in the notebook's kernel. A change made in the page reaches the
    kernel a moment after the page redraws, so ask again for up to 10 s until ``done``."""
    deadline = time.monotonic() + 10.0
    while True:
        answer = page.evaluate(IN_THE_KERNEL, [panel_id, code]).strip()
        if done(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.25)


def agrees(shown):
    """``done`` for :func:`ask_kernel`: the kernel printed the values the page shows."""
    return lambda printed: (
        printed.startswith("{") and not value_differences(shown, json.loads(printed))
    )


@pytest.mark.parametrize("name", list(CASES))
def test_a_keyboard_slider_move_redraws_the_explorer_in_jupyterlab(lab, browser_page, name):
    page, _ = browser_page
    case = CASES[name]
    panel_id, panel, svg = open_and_draw(lab, page, f"{name}.ipynb", "svg.lm-svg")
    assert svg.count() == 1
    assert svg.get_attribute("role") == "img"
    before = svg.get_attribute("data-values")
    label = svg.get_attribute("aria-label")
    shown = json.loads(before)
    assert shown["f"] == pytest.approx(case.start, abs=1e-9)
    assert value_differences(shown, case.expect(shown)) == []

    slider = panel.locator(
        ".widget-slider", has=page.locator(".widget-label", has_text=case.slider)
    )
    handle = slider.locator(".noUi-handle")
    handle.focus()
    assert handle.evaluate("(h) => h === document.activeElement"), "the handle takes no focus"
    for key in KEYS:
        page.keyboard.press(key)
    target = case.start + 2 * case.step
    page.wait_for_function(
        """([id, target]) => {
          const svg = document.getElementById(id).querySelector('svg.lm-svg');
          return svg && Math.abs(JSON.parse(svg.dataset.values).f - target) < 1e-9;
        }""",
        arg=[panel_id, target],
    )
    after = svg.get_attribute("data-values")
    assert after != before and svg.get_attribute("aria-label") != label
    moved = json.loads(after)
    assert moved["f"] == pytest.approx(target, abs=1e-9)
    assert slider.locator(".widget-readout").inner_text().strip() == f"{target:.2f}"
    # the SVG shows what NumPy computes for its inputs ...
    assert value_differences(moved, case.expect(moved)) == [], f"{name}: {after}"
    # ... and the kernel saw the move: the Python explorer's values are the same.
    printed = ask_kernel(page, panel_id, VALUES_IN_THE_KERNEL, agrees(moved))
    assert printed.startswith("{"), f"{name}: the kernel answered {printed!r}"
    problems = value_differences(moved, json.loads(printed))
    assert problems == [], f"{name}: kernel {printed}"


def test_typing_brackets_reaches_the_kernel_in_jupyterlab(lab, browser_page):
    """In a SequenceMagnifier that reads text, typing redraws the figure and the kernel gets
    the text: its NumPy values equal the page's ``data-values`` (1e-12)."""
    page, _ = browser_page
    panel_id, panel, svg = open_and_draw(lab, page, "typed.ipynb", "svg.lm-svg")
    before = svg.get_attribute("data-values")
    panel.locator("input.lm-typed-input").fill("((()))()(")
    page.wait_for_function(
        "([id, v]) => document.getElementById(id).querySelector('svg.lm-svg').dataset.values !== v",
        arg=[panel_id, before],
    )
    shown = json.loads(svg.get_attribute("data-values"))
    assert shown["text"] == "((()))()("
    printed = ask_kernel(page, panel_id, VALUES_IN_THE_KERNEL, agrees(shown))
    problems = (
        value_differences(shown, json.loads(printed)) if printed.startswith("{") else [printed]
    )
    assert problems == [], printed


def test_typing_and_generating_reach_the_kernel_in_jupyterlab(lab, browser_page):
    """In the text magnifier, typed text reaches the kernel (whose NumPy values equal the
    page's), the generate button's text equals ``text.sample`` in the kernel for the sliders'
    settings, and text set in Python shows in the page."""
    page, _ = browser_page
    panel_id, panel, figure = open_and_draw(lab, page, "text.ipynb", ".lm-text-figure[data-values]")

    def kernel(code, expected=None):
        done = (lambda answer: True) if expected is None else (lambda answer: answer == expected)
        return ask_kernel(page, panel_id, code, done)

    typed = 'def f(x):\n    return "x"  # y\n'
    panel.locator("textarea.lm-typed-input").fill(typed)
    assert kernel("print(repr(explorer.text))", repr(typed)) == repr(typed)
    shown = json.loads(figure.get_attribute("data-values"))
    compare = (
        "import json as _j, numpy as _np\n"
        f"_page = _j.loads({json.dumps(json.dumps(shown['units']))})\n"
        "print(max(float(_np.abs(_np.array(_page[k]) - v).max()) "
        "for k, v in explorer.values['units'].items()))"
    )
    assert float(kernel(compare)) < 1e-9
    panel.locator("button.lm-generate").click()
    written = panel.locator("pre.lm-generated").text_content()
    assert len(written) == 60
    same = (
        "_p = explorer._params()\n"
        "print(explorer.generated == text.sample(model, vocab, 60, temperature=_p['temperature'], "
        "seed=_p['seed'], prompt=explorer.text))"
    )
    assert kernel(same, "True") == "True"
    assert kernel("print(repr(explorer.generated))") == repr(written)
    kernel("explorer.text = 'import os\\n'")
    page.wait_for_function(
        "(id) => document.getElementById(id).querySelector('textarea').value === 'import os\\n'",
        arg=panel_id,
    )


def test_jupyterlab_stays_on_127_0_0_1_without_errors(browser_page):
    _, record = browser_page
    assert record.outside == [], f"requests to other hosts: {record.outside}"
    assert record.page_errors == [], f"uncaught page errors: {record.page_errors}"
    noisy = [(kind, text) for kind, text in record.console if kind in ("error", "warning")]
    ours = [m for m in noisy if any(word.lower() in m[1].lower() for word in OURS)]
    assert ours == [], f"console messages about the explorers: {ours}"
    failed_ours = [u for u in record.failed if any(w.lower() in u.lower() for w in OURS)]
    assert failed_ours == [], f"failed requests for the explorers: {failed_ours}"
    others = noisy + [("response", url) for url in record.failed]
    report = "\n".join(f"  [{kind}] {text}" for kind, text in others)
    if others:
        print(f"JupyterLab's other console warnings, errors and failed requests:\n{report}")
    errors = [m for m in others if m[0] != "warning"]
    if errors:
        report = "\n".join(f"  [{kind}] {text}" for kind, text in errors)
        warnings.warn(f"JupyterLab logged {len(errors)} other errors:\n{report}", stacklevel=1)
