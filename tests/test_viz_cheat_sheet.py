"""The one-page cheat sheet: the code it shows is cell.py's, its table is the package's truth,
its files are the same bytes every time, and the printable copy in the book is current."""

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from lstm_magnifier import cell
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.viz.cheat_sheet import (
    NAMES,
    draw_cheat_sheet,
    fingerprint,
    main,
    save_cheat_sheet,
    sheet_text,
)

ROOT = Path(__file__).resolve().parents[1]
PRINTABLE = ROOT / "book" / "_static" / "cheat-sheet.pdf"
NETWORKS = ("preactivations", "learn_network", "forget_network", "remember_network", "use_network")
EQUATIONS = {  # what each part's equation must say, in mathtext
    "preactivations": r"z = W_{ih}\,x_t + W_{hh}\,h_{t-1} + b",
    "learn_network": r"\mathrm{learn}_t = i_t \odot g_t",
    "forget_network": r"\mathrm{forget}_t = f_t \odot c_{t-1}",
    "remember_network": r"c_t = \mathrm{forget}_t + \mathrm{learn}_t",
    "use_network": r"h_t = o_t \odot \tanh(c_t)",
}


@pytest.fixture(scope="module")
def sheet():
    return draw_cheat_sheet()


def code_lines(function):
    """The lines of ``function`` in cell.py, dedented, without its docstring (read by hand)."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    doc = inspect.getdoc(function)
    start = next(k for k, line in enumerate(lines) if line.lstrip().startswith(('r"""', '"""')))
    end = start + (0 if lines[start].count('"""') == 2 else 1)
    while '"""' not in lines[end]:
        end += 1
    assert doc and doc.split()[0] in lines[start]  # the docstring, not some other string
    return lines[:start] + lines[end + 1 :]


def texts_of(fig):
    return [t for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("name", NETWORKS)
def test_the_sheet_shows_exactly_the_code_in_cell_py(sheet, name):
    expected = "\n".join(code_lines(getattr(cell, name)))
    assert sheet_text(sheet).count(expected) == 1, f"{name}'s code is not on the sheet as it is"


@pytest.mark.parametrize("name", NETWORKS)
def test_each_equation_stands_above_the_code_that_computes_it(sheet, name):
    texts = texts_of(sheet)
    code = next(t for t in texts if t.get_text() == "\n".join(code_lines(getattr(cell, name))))
    equation = next(t for t in texts if EQUATIONS[name] in t.get_text())
    assert equation.get_text().startswith("$") and equation.get_text().endswith("$")
    (x_eq, y_eq), (x_code, y_code) = equation.get_position(), code.get_position()
    assert 0 < y_eq - y_code < 0.3 and x_eq > x_code  # same box, the line just above


def test_a_change_in_cell_py_reaches_the_sheet(sheet, monkeypatch):
    def forget_network(c_prev, z_f, variant=cell.STANDARD):
        """A changed forget network."""
        return 0.5 * c_prev, np.full_like(z_f, 0.5)

    monkeypatch.setattr(cell, "forget_network", forget_network)
    changed = draw_cheat_sheet()
    assert "    return 0.5 * c_prev, np.full_like(z_f, 0.5)" in "\n".join(sheet_text(changed))
    assert "    return f * c_prev, f" not in "\n".join(sheet_text(changed))
    assert fingerprint(changed) != fingerprint(sheet)


def test_the_sheet_is_one_a4_page_and_nothing_sticks_out(sheet):
    assert tuple(sheet.get_size_inches()) == pytest.approx((11.69, 8.27))  # 297 x 210 mm
    renderer = FigureCanvasAgg(sheet).get_renderer()
    page = sheet.bbox
    outside = [
        t.get_text()[:40]
        for t in texts_of(sheet)
        if not page.contains(*t.get_window_extent(renderer).min)
        or not page.contains(*t.get_window_extent(renderer).max)
    ]
    assert outside == []


def test_the_table_gives_the_shapes_the_package_makes():
    B, D, H = 2, 3, 5
    lstm_cell = cell.LSTMCell(D, H, rng=0)
    x = np.random.default_rng(0).normal(size=(B, D))
    trace = lstm_cell.step(x)
    actual = {
        "x": x.shape,
        "h_prev, h": trace.h.shape,
        "c_prev, c": trace.c.shape,
        "weight_ih": lstm_cell.weight_ih.shape,
        "weight_hh": lstm_cell.weight_hh.shape,
        "bias_ih + bias_hh": (lstm_cell.bias_ih + lstm_cell.bias_hh).shape,
    }
    table = {row[0]: row[1] for row in NAMES[1:]}
    for name, shape in actual.items():
        written = table[name].replace("4H", str(4 * H)).replace("B", str(B))
        written = written.replace("D", str(D)).replace("H", str(H))
        assert written == str(shape), f"{name}: the sheet says {table[name]}, the package {shape}"
    assert table["i, f, g, o"] == "order" and ", ".join(cell.GATES) == "i, f, g, o"


def test_the_layer_names_are_those_of_the_lstm():
    lstm = LSTM(3, 5, rng=0)
    named = [name for row in NAMES[1:] for name in row[2].split(" + ") if name.endswith("_l0")]
    assert named and all(name in lstm.params for name in named)
    out, (h_n, c_n) = lstm.forward(np.zeros((4, 2, 3)))  # what "out, (h_n, c_n)" unpacks
    assert out.shape == (4, 2, 5) and h_n.shape == c_n.shape == (1, 2, 5)


@pytest.mark.parametrize("suffix", [".pdf", ".svg"])
def test_saving_gives_the_same_bytes_every_time(tmp_path, suffix):
    first = save_cheat_sheet(tmp_path / f"a{suffix}").read_bytes()
    second = save_cheat_sheet(tmp_path / f"b{suffix}").read_bytes()
    assert first == second
    assert first.startswith(b"%PDF") if suffix == ".pdf" else b"<svg" in first[:2000]


def test_a_pdf_carries_the_fingerprint_of_its_text(tmp_path, sheet):
    data = save_cheat_sheet(tmp_path / "sheet.pdf").read_bytes()
    assert f"lstm-magnifier cheat sheet {fingerprint(sheet)}".encode() in data


@pytest.mark.parametrize("name", ["sheet.png", "sheet", "sheet.pdf.txt"])
def test_a_file_type_other_than_pdf_or_svg_is_refused(tmp_path, name):
    suffix = Path(name).suffix
    with pytest.raises(ValueError, match=f"saved as .pdf or .svg, got {suffix!r}"):
        save_cheat_sheet(tmp_path / name)
    assert not (tmp_path / name).exists()


def test_the_command_line_saves_the_sheet(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "lstm_magnifier.viz.cheat_sheet", "out.pdf"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "wrote out.pdf"
    assert (tmp_path / "out.pdf").read_bytes() == save_cheat_sheet(tmp_path / "x.pdf").read_bytes()


def test_the_command_line_explains_a_wrong_call(tmp_path, capsys):
    assert main([]) == 2
    assert (
        "usage: python -m lstm_magnifier.viz.cheat_sheet OUT.pdf|OUT.svg" in capsys.readouterr().err
    )
    assert main([str(tmp_path / "sheet.png")]) == 2
    assert "error: the cheat sheet is saved as .pdf or .svg, got '.png'" in capsys.readouterr().err


def test_the_printable_sheet_in_the_book_matches_cell_py(sheet):
    assert PRINTABLE.is_file(), f"{PRINTABLE} is missing"
    assert f"lstm-magnifier cheat sheet {fingerprint(sheet)}".encode() in PRINTABLE.read_bytes(), (
        f"{PRINTABLE.relative_to(ROOT)} no longer shows what cell.py says: regenerate it with "
        f"python -m lstm_magnifier.viz.cheat_sheet {PRINTABLE.relative_to(ROOT)}"
    )
