"""The package's layout is its architecture: layers that import only downwards.

Read from every module's source with ``ast`` (imports inside functions included), so
nothing is imported to check it.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "lstm_magnifier"

LAYERS = (
    ("_checks", "grading"),
    ("nn", "gradcheck", "reference"),
    ("cell",),
    ("lstm", "gru"),  # the two recurrent layers, side by side
    ("__init__",),
    ("losses", "optim", "tasks"),
    ("training",),
    ("experiments", "variants"),
    ("weights", "timelines"),
    ("probes",),
    ("text",),  # the character model of chapter 17: trains an LSTM, probes its units
    ("viz.__init__", "viz.palette", "viz.excerpt"),
    ("viz.drawing", "viz.plots"),
    ("viz.diagrams", "viz.layer_diagrams"),
    ("viz.views", "viz.cheat_sheet"),
    ("viz.explorers",),
    ("viz.text_magnifier",),  # chapter 17's magnifier: an explorer of the character model
)
"""Bottom to top: a module imports only from the layers below its own."""

RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}

DRAWING_LIBRARIES = ("matplotlib", "ipywidgets", "anywidget", "IPython", "PIL", "traitlets")
"""What only ``viz/`` may import: everything that draws or shows."""

MAX_LINES = 600


def modules():
    """``{"nn": path, "viz.plots": path, ...}`` for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found[".".join(path.relative_to(PACKAGE).with_suffix("").parts)] = path
    return found


def imports(path):
    """Every module ``path`` imports, as dotted names (``lstm_magnifier.nn``, ``numpy``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:  # ``from lstm_magnifier import nn`` imports lstm_magnifier.nn
                inner = f"{node.module}.{alias.name}"
                names.add(inner if own(inner) in RANK else node.module)
    return names


def own(name):
    """``lstm_magnifier.viz.plots`` -> ``viz.plots``; ``lstm_magnifier`` -> ``__init__``."""
    if name == "lstm_magnifier":
        return "__init__"
    if name == "lstm_magnifier.viz":
        return "viz.__init__"
    return name.removeprefix("lstm_magnifier.")


def test_every_module_has_a_layer():
    assert set(modules()) == set(RANK), "place new modules in LAYERS (and say why)"


@pytest.mark.parametrize("module", sorted(modules()))
def test_imports_go_only_downwards(module):
    rank = RANK[module]
    upward = {
        own(name)
        for name in imports(modules()[module])
        if name.split(".")[0] == "lstm_magnifier" and RANK.get(own(name), -1) >= rank
    }
    upward.discard(module)
    assert not upward, f"{module} (layer {rank}) imports from its own layer or above: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in modules() if not m.startswith("viz")))
def test_only_viz_draws(module):
    drawing = {
        name
        for name in imports(modules()[module])
        if name.split(".")[0] in DRAWING_LIBRARIES or own(name).startswith("viz")
    }
    assert not drawing, f"{module} imports {drawing}: drawing and widgets belong in viz/"


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_module_is_longer_than_600_lines(module):
    lines = len(modules()[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by what its parts hold"


def test_every_data_file_of_the_package_is_shipped():
    """A wheel holds only the files pyproject's package-data names: every non-Python file of
    the package (weights, texts, licences, the explorers' JS and CSS) must match a pattern."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")
    config = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["lstm_magnifier"]
    files = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*") if p.is_file()]
    data = [f for f in files if not f.endswith((".py", ".pyc")) and "__pycache__" not in f]
    assert len(data) >= 5
    missing = [f for f in data if not any(fnmatch.fnmatch(f, p) for p in patterns)]
    assert missing == [], f"add to [tool.setuptools.package-data] in pyproject.toml: {missing}"
