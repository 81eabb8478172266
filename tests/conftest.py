"""Shared by the tests: one strict build of the whole book per session, other environments,
and the fixtures several test modules use (a seeded generator, a stacked LSTM, figure clean-up)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
pytest_plugins = ["sitekit"]  # site, server, browser, reports: the built book in Chromium


def jupyter_book_command() -> str:
    """Path of the ``jupyter-book`` script that belongs to the running interpreter."""
    beside = Path(sys.executable).parent / "jupyter-book"
    if beside.exists():
        return str(beside)
    found = shutil.which("jupyter-book")
    if found is None:
        pytest.skip("the jupyter-book command is not on PATH")
    return found


@pytest.fixture(scope="session")
def python_from_env():
    """``python_from_env(variable, how)``: the interpreter of a separate environment.

    ``.ci/run`` builds the environment and names its interpreter in ``variable``. The
    test skips (saying ``how`` to set it up by hand) when the variable is not set, and
    fails when it names a file that does not exist.
    """

    def find(variable: str, how: str) -> str:
        python = os.environ.get(variable)
        if not python:
            pytest.skip(f"{variable} is not set. .ci/run sets it; by hand: {how}")
        assert Path(python).is_file(), f"{variable}={python} does not exist"
        return python

    return find


@pytest.fixture(scope="session")
def book_build(tmp_path_factory):
    """``(returncode, log, html)`` of ``jupyter-book build --all -W -n --keep-going``.

    Built once into a temporary folder (the repository is left untouched) and shared by
    the build test and the browser test. ``log`` has its colour codes stripped.
    """
    pytest.importorskip(
        "jupyter_book", reason="jupyter-book is not installed (pip install -r requirements.txt)"
    )
    out = tmp_path_factory.mktemp("book-build")
    cmd = [
        jupyter_book_command(),
        *("build", str(ROOT), "--path-output", str(out)),
        *("--all", "-W", "-n", "--keep-going"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1500, cwd=ROOT)
    log = ANSI.sub("", proc.stdout + proc.stderr)
    return proc.returncode, log, out / "_build" / "html"


@pytest.fixture
def rng():
    """A seeded generator for the tests that draw random settings."""
    import numpy as np

    return np.random.default_rng(1234)


@pytest.fixture
def stacked():
    """``(model, x)``: a two-layer LSTM (D = 3, H = 5) and a batch of 9 steps of 2 sequences."""
    import numpy as np

    from lstm_magnifier.lstm import LSTM

    generator = np.random.default_rng(7)
    return LSTM(3, 5, num_layers=2, rng=generator), generator.normal(size=(9, 2, 3))


@pytest.fixture
def close_figures():
    """Close every Matplotlib figure a test leaves open (use with ``usefixtures``)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
