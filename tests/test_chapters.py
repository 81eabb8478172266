"""How the chapters read: each opens with its question and a short answer, and the
plotting code a reader does not need is folded away (``hide-input``)."""

import json
from pathlib import Path

import pytest

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]-*.ipynb"))
OPENER_WORDS = 120
VISIBLE_PLOT_LINES = 4  # a plotting cell longer than this is folded


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_opener_asks_the_question_and_answers_it_briefly(path):
    first = cells(path)[0]
    assert first["cell_type"] == "markdown", "the chapter opens with its question"
    title, _, opener = source(first).partition("\n")
    assert title.startswith("# ") and title.rstrip().endswith("?"), title
    words = len(opener.split())
    assert 0 < words <= OPENER_WORDS, f"the opener has {words} words (at most {OPENER_WORDS})"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_long_plotting_cells_are_folded(path):
    unfolded = []
    for index, cell in enumerate(cells(path)):
        text = source(cell)
        if cell["cell_type"] != "code" or "plt.show()" not in text:
            continue
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > VISIBLE_PLOT_LINES and "hide-input" not in cell["metadata"].get("tags", []):
            unfolded.append(f"cell {index}: {lines[0][:60]}")
    assert not unfolded, "plotting cells to tag hide-input:\n" + "\n".join(unfolded)


def test_the_chapters_are_found():
    assert len(CHAPTERS) >= 15
