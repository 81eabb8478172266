"""Every notebook runs in the environment that Binder builds from ``binder/``.

Binder (repo2docker) reads ``binder/runtime.txt`` for the Python version and installs
``binder/requirements.txt`` from the repository root. ``.ci/run`` builds the same environment
from nothing (a fresh venv, ``pip install -r binder/requirements.txt`` plus ``nbconvert`` and
``ipykernel``, which Binder brings itself) and sets ``LSTM_MAGNIFIER_BINDER_PYTHON`` to its
interpreter. Each notebook is then executed top to bottom in that environment with
``jupyter nbconvert --execute``. To run it by hand, from the repository root:

    python3 -m venv .venv-binder
    .venv-binder/bin/pip install -r binder/requirements.txt nbconvert ipykernel
    export LSTM_MAGNIFIER_BINDER_PYTHON=$PWD/.venv-binder/bin/python
    python -m pytest tests/test_binder.py
"""

import json
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ENV_PYTHON = "LSTM_MAGNIFIER_BINDER_PYTHON"
WORKERS = 2
TIMEOUT = 900  # seconds for one whole notebook


def test_requirements_install_the_package_from_the_repository():
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    entries = [line.split("#")[0].strip() for line in lines]
    assert "-e ." in entries or "." in entries, "binder/requirements.txt must install the package"


def runtime_version() -> tuple[int, int]:
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert match, f"binder/runtime.txt should read like python-3.11, not {text!r}"
    return int(match[1]), int(match[2])


def test_runtime_is_a_python_the_package_supports():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    minimum = re.search(r'requires-python\s*=\s*">=(\d+)\.(\d+)"', pyproject)
    assert minimum, "pyproject.toml has no requires-python"
    assert runtime_version() >= (int(minimum[1]), int(minimum[2]))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_cell_is_tagged_thebe_init(notebook):
    """Live Code (Thebe) runs the cells tagged thebe-init first: the chapter's set-up cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    first = next(c for c in cells if c["cell_type"] == "code")
    assert "thebe-init" in first["metadata"].get("tags", []), "first code cell lacks thebe-init"


@pytest.fixture(scope="module")
def binder_python(python_from_env):
    return python_from_env(
        ENV_PYTHON,
        "python3 -m venv .venv-binder && "
        ".venv-binder/bin/pip install -r binder/requirements.txt nbconvert ipykernel && "
        f"{ENV_PYTHON}=$PWD/.venv-binder/bin/python python -m pytest tests/test_binder.py",
    )


def show(pytestconfig, lines: list[str]) -> None:
    """Print to the terminal past pytest's output capture, so the lines reach the CI log."""
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    report = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if report is None:
        return
    with capture.global_and_fixture_disabled():
        report.write_line("")
        for line in lines:
            report.write_line(line)


def binder_env(python: str) -> dict:
    """Environment for a subprocess of the Binder venv: its bin first, its own kernels."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = str(Path(python).parent) + os.pathsep + env.get("PATH", "")
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    return env


def execute(python: str, notebook: Path, out_dir: Path) -> tuple[int, float, str]:
    """Run `notebook` top to bottom with nbconvert; returns (status, seconds, log)."""
    command = [
        python,
        *("-m", "nbconvert", "--to", "notebook", "--execute"),
        *("--output-dir", str(out_dir), "--output", notebook.name),
        "--ExecutePreprocessor.timeout=600",
        str(notebook),
    ]
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, env=binder_env(python), timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return -1, time.perf_counter() - start, f"timed out after {TIMEOUT} s"
    return proc.returncode, time.perf_counter() - start, proc.stdout + proc.stderr


def test_kernel_runs_in_the_binder_environment(binder_python, tmp_path):
    """The notebooks' kernel is the Binder venv's Python, with the package from this checkout."""
    probe = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": "import sys, lstm_magnifier\nprint(sys.prefix)\n"
                "print(lstm_magnifier.__file__)",
                "outputs": [],
                "execution_count": None,
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "probe.ipynb"
    path.write_text(json.dumps(probe), encoding="utf-8")
    status, _, log = execute(binder_python, path, tmp_path / "out")
    assert status == 0, log[-4000:]
    executed = json.loads((tmp_path / "out" / "probe.ipynb").read_text(encoding="utf-8"))
    prefix, package = "".join(executed["cells"][0]["outputs"][0]["text"]).split()
    expected_prefix = subprocess.run(
        [binder_python, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True
    ).stdout.strip()
    assert prefix == expected_prefix, "the kernel is not the Binder environment's Python"
    assert Path(package).resolve().is_relative_to(ROOT / "src"), package


def test_binder_python_matches_runtime(binder_python):
    found = subprocess.run(
        [binder_python, "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.split()
    version = tuple(map(int, found))
    if version != runtime_version():
        pytest.skip(
            f"this machine's python3 is {version}, Binder uses {runtime_version()} "
            "(binder/runtime.txt); the notebooks were run with the former"
        )
    assert version == runtime_version()


@pytest.fixture(scope="module")
def executed(binder_python, tmp_path_factory, pytestconfig):
    """Run every notebook in the Binder venv, WORKERS at a time: name -> (status, s, log)."""
    out_dir = tmp_path_factory.mktemp("binder-run")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        runs = pool.map(lambda nb: execute(binder_python, nb, out_dir), NOTEBOOKS)
        results = dict(zip((nb.name for nb in NOTEBOOKS), runs, strict=True))
    lines = [f"notebooks run in the Binder environment ({WORKERS} at a time):"]
    for name, (status, seconds, _) in results.items():
        lines.append(f"    {name:<44} {'ok' if status == 0 else 'FAILED':<7}{seconds:6.1f} s")
    lines.append(f"    total {time.perf_counter() - start:.1f} s")
    show(pytestconfig, lines)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_the_binder_environment(executed, notebook):
    status, seconds, log = executed[notebook.name]
    assert status == 0, f"{notebook.name} failed in the Binder environment:\n{log[-6000:]}"
