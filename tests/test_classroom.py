"""Every chapter can be handed out as an nbgrader assignment and graded automatically.

Two parts:

- Fast, standard library only: the nbgrader markup of every chapter in ``notebooks/`` is valid
  (``scripts/make_course.py check``), and the script's checker, course layout and
  solution stripping behave on small example notebooks.
- The students' site: ``strip-solutions`` on the real book leaves no hidden test, solution
  or rubric in the pages it is built from nor in the HTML jupyter-book builds from them, and
  no button or link to the public repository.
- End to end, with nbgrader: for three chapters, ``make_course.py selfcheck`` lays out a course,
  generates the student versions, collects an answer key and an untouched student version
  from a pretend LMS download, autogrades both and exports the grades. The answer key must
  earn full points and the untouched version none.

nbgrader is heavy, so the end-to-end part runs in its own environment. ``.ci/run`` builds it
and sets ``LSTM_MAGNIFIER_CLASSROOM_PYTHON``; to run it by hand, from the repository root:

    python3 -m venv .venv-classroom
    .venv-classroom/bin/pip install -r requirements-classroom.txt
    export LSTM_MAGNIFIER_CLASSROOM_PYTHON=$PWD/.venv-classroom/bin/python
    python -m pytest tests/test_classroom.py

``LSTM_MAGNIFIER_CLASSROOM_CHAPTERS`` (space-separated numbers, stems or paths) overrides
which chapters are graded.
"""

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_course.py"
ENV_PYTHON = "LSTM_MAGNIFIER_CLASSROOM_PYTHON"
ENV_CHAPTERS = "LSTM_MAGNIFIER_CLASSROOM_CHAPTERS"
# Three chapters whose exercises are graded end to end in CI, with pretend students.
E2E_CHAPTERS = ("01", "09", "10")
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
# Pretend students with the scores they should earn: FOLDER/<chapter>/<student>.json.
STUDENTS = ROOT / "tests" / "fixtures" / "classroom"

spec = importlib.util.spec_from_file_location("make_course", SCRIPT)
make_course = importlib.util.module_from_spec(spec)
sys.modules["make_course"] = make_course
spec.loader.exec_module(make_course)

CHAPTERS = make_course.chapter_notebooks()
ROOT_CONFIG_URL = re.compile(r"^repository:\s*\n\s+url:\s*(\S+)", re.M)


# --------------------------------------------------------------------------- the chapters' markup


@pytest.mark.parametrize(
    "notebook",
    CHAPTERS
    or [pytest.param(None, marks=pytest.mark.skip(reason="no chapter notebooks in notebooks/"))],
    ids=lambda p: p.stem if p else "none",
)
def test_chapter_exercise_markup(notebook):
    problems = make_course.check_notebook(notebook)
    assert problems == [], "exercise markup problems:\n" + "\n".join(problems)


def test_grade_ids_are_unique_across_the_book():
    if not CHAPTERS:
        pytest.skip("no chapter notebooks in notebooks/")
    repeated = [p for p in make_course.check_notebooks(CHAPTERS) if "already used" in p]
    assert repeated == []


# --------------------------------------------------------------------------- example notebooks


def nbgrader_meta(grade_id, grade, solution, locked, points=None):
    meta = {
        "schema_version": 3,
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "task": False,
        "grade_id": grade_id,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text, metadata=None):
    return {
        "cell_type": "code",
        "metadata": metadata or {},
        "source": text,
        "outputs": [],
        "execution_count": None,
    }


def exercise_cells(chapter, name, answer, test, points=1):
    """The six cells of one exercise, as CONTRIBUTING.md lays them out."""
    label = f"ex-{chapter}-{name}"
    return [
        md(f"```{{exercise-start}}\n:label: {label}\n```\n**{name}.** Do it."),
        md("```{exercise-end}\n```"),
        md(f"```{{solution-start}} {label}\n:class: dropdown\n```"),
        code(answer, nbgrader_meta(f"{label}-answer", False, True, False)),
        md("```{solution-end}\n```"),
        code(
            test,
            {"tags": ["hide-input"], **nbgrader_meta(f"{label}-test", True, False, True, points)},
        ),
    ]


def example_notebook(chapter="98"):
    cells = [
        md("# A question?\n\nThe answer."),
        code("import numpy as np\n\nrng = np.random.default_rng(0)", {"tags": ["thebe-init"]}),
        md("## Summary\n\nShort.\n\n## Exercises"),
        *exercise_cells(
            chapter,
            "count",
            "def count(D, H):\n    ### BEGIN SOLUTION\n    return 4 * H * (D + H + 1)\n"
            "    ### END SOLUTION",
            "assert count(1, 1) == 12\n### BEGIN HIDDEN TESTS\nassert count(3, 2) == 48\n"
            "### END HIDDEN TESTS",
            points=2,
        ),
        *exercise_cells(
            chapter, "square", "### BEGIN SOLUTION\ny = 49\n### END SOLUTION", "assert y == 49"
        ),
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {
        "cells": cells,
        "metadata": {"kernelspec": kernelspec},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(path, nb):
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def test_example_notebook_passes_the_check(tmp_path):
    path = write(tmp_path / "98-example.ipynb", example_notebook())
    assert make_course.check_notebook(path) == []
    assert make_course.exercise_summary(path) == (2, 3.0)


def _answer(nb, name="count"):
    return next(
        c
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == f"ex-98-{name}-answer"
    )


def _test(nb, name="count"):
    return next(
        c
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == f"ex-98-{name}-test"
    )


def _set(cell, **changes):
    cell["metadata"]["nbgrader"].update(changes)


BREAKAGES = {
    "schema_version": lambda nb: _set(_answer(nb), schema_version=2),
    "no '### BEGIN SOLUTION'": lambda nb: _answer(nb).update(source="y = 49"),
    "'END SOLUTION' without 'BEGIN SOLUTION'": lambda nb: _answer(nb).update(
        source="y = 49\n### END SOLUTION"
    ),
    "'BEGIN SOLUTION' without 'END SOLUTION'": lambda nb: _answer(nb).update(
        source="### BEGIN SOLUTION\ny = 49"
    ),
    "test cell is not locked": lambda nb: _set(_test(nb), locked=False),
    "points should be a positive number": lambda nb: _set(_test(nb), points=0),
    "answer cell is locked": lambda nb: _set(_answer(nb), locked=True),
    "not tagged hide-input": lambda nb: _test(nb)["metadata"].pop("tags"),
    "not inside a solution dropdown": lambda nb: nb["cells"].pop(
        nb["cells"].index(_answer(nb)) - 1
    ),
    "without nbgrader metadata": lambda nb: nb["cells"].append(
        code("### BEGIN SOLUTION\n### END SOLUTION")
    ),
    "names chapter": lambda nb: _set(_test(nb, "square"), grade_id="ex-97-square-test"),
    "has no ex-98-square-test": lambda nb: nb["cells"].remove(_test(nb, "square")),
    "1 graded exercise(s)": lambda nb: _set(_test(nb, "square"), grade=False, points=None),
    "kernelspec": lambda nb: nb["metadata"].pop("kernelspec"),
    "'BEGIN HIDDEN TESTS' without 'END HIDDEN TESTS'": lambda nb: _test(nb).update(
        source="assert count(1, 1) == 12\n### BEGIN HIDDEN TESTS"
    ),
    "graded by hand": lambda nb: _set(_answer(nb), grade=True),
}


RUBRIC = "**Rubric (2 points)**\n\n- 1 point: names the cause.\n- 1 point: cites the run.\n"


def explain_cells(chapter, name, points=2, rubric=RUBRIC):
    """A written answer graded by hand, with its rubric, as the exercise conventions lay out."""
    label = f"ex-{chapter}-{name}"
    meta = nbgrader_meta(f"{label}-explain", True, True, False, points)
    return [
        md(f"```{{exercise-start}}\n:label: {label}\n```\n**Why?** Explain."),
        md("```{exercise-end}\n```"),
        md(f"```{{solution-start}} {label}\n:class: dropdown\n```"),
        {"cell_type": "markdown", "metadata": meta, "source": "Because of the state."},
        {"cell_type": "markdown", "metadata": {"tags": ["rubric"]}, "source": rubric},
        md("```{solution-end}\n```"),
    ]


def example_with_parts(chapter="98"):
    """The example plus a second test part (-test2, 3 points) and a written answer (2 points)."""
    nb = example_notebook(chapter)
    second = code(
        "assert count(2, 2) == 40",
        {
            "tags": ["hide-input"],
            **nbgrader_meta(f"ex-{chapter}-count-test2", True, False, True, 3),
        },
    )
    nb["cells"].insert(nb["cells"].index(_test(nb)) + 1, second)
    nb["cells"] += explain_cells(chapter, "why")
    return nb


def _explain(nb):
    return next(
        c
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id", "").endswith("-explain")
    )


def _rubric(nb):
    return next(c for c in nb["cells"] if "rubric" in c["metadata"].get("tags", []))


def test_parts_and_written_answers_pass_the_check(tmp_path):
    path = write(tmp_path / "98-example.ipynb", example_with_parts())
    assert make_course.check_notebook(path) == []
    assert make_course.exercise_summary(path) == (3, 8.0)  # count, square, why: 2 + 3 + 1 + 2


PART_BREAKAGES = {
    "grade_id should read": lambda nb: _set(_cell(nb, "count-test2"), grade_id="ex-98-count-test1"),
    "count-test2 comes before": lambda nb: nb["cells"].insert(
        nb["cells"].index(_answer(nb)), nb["cells"].pop(nb["cells"].index(_cell(nb, "count-test2")))
    ),
    "but no -test": lambda nb: nb["cells"].remove(_test(nb)),
    "followed by a markdown cell tagged 'rubric'": lambda nb: nb["cells"].remove(_rubric(nb)),
    "should start with **Rubric (2 points)**": lambda nb: _rubric(nb).update(source="Rubric: 2"),
    "gives 3 points": lambda nb: _rubric(nb).update(source=RUBRIC.replace("(2 ", "(3 ")),
    "lists nothing": lambda nb: _rubric(nb).update(source="**Rubric (2 points)**\n\nBe fair."),
    "not inside its solution dropdown": lambda nb: _rubric(nb).update(
        source=RUBRIC + "\n```{solution-start} ex-98-other\n```"
    ),
    "must come right after an -explain cell": lambda nb: nb["cells"].insert(
        2, {"cell_type": "markdown", "metadata": {"tags": ["rubric"]}, "source": RUBRIC}
    ),
    "-explain cell is not inside a solution dropdown": lambda nb: nb["cells"].pop(
        nb["cells"].index(_explain(nb)) - 1
    ),
    "should be a markdown cell": lambda nb: _explain(nb).update(cell_type="code", outputs=[]),
}


@pytest.mark.parametrize(
    ("example", "expected"),
    [("plain", key) for key in BREAKAGES] + [("with parts", key) for key in PART_BREAKAGES],
)
def test_check_finds_broken_markup(tmp_path, example, expected):
    """Each breakage of an exercise's markup (parts and rubrics too) is named by check."""
    if example == "plain":
        nb, breakages = example_notebook(), BREAKAGES
    else:
        nb, breakages = example_with_parts(), PART_BREAKAGES
    breakages[expected](nb)
    problems = make_course.check_notebook(write(tmp_path / "98-example.ipynb", nb))
    assert any(expected in p for p in problems), problems


def test_rubrics_never_reach_students_and_go_to_the_teachers_sheet(tmp_path):
    nb = example_with_parts()
    for copy in (make_course.for_students(nb), make_course.without_solutions(nb)[0]):
        text = "\n".join(make_course.source(c) for c in copy["cells"])
        assert "Rubric" not in text and "names the cause" not in text
    course = make_course.for_students(nb)
    assert make_course.source(_explain(course)) == "Because of the state."  # nbgrader stubs it
    sheet = make_course.rubric_sheet(nb, "98-example")
    assert "ex-98-why-explain (2 points)" in sheet and "Because of the state." in sheet
    assert "1 point: cites the run." in sheet
    assert make_course.rubric_sheet(example_notebook(), "98-example") == ""


def test_check_finds_a_grade_id_used_in_two_chapters(tmp_path):
    first = write(tmp_path / "98-first.ipynb", example_notebook())
    second = write(tmp_path / "98-second.ipynb", example_notebook())
    problems = make_course.check_notebooks([first, second])
    assert sum("already used in 98-first.ipynb" in p for p in problems) == 4


def test_check_command_exit_status(tmp_path):
    good = write(tmp_path / "98-good.ipynb", example_notebook())
    broken = example_notebook()
    _set(_test(broken), locked=False)
    bad = write(tmp_path / "97-bad.ipynb", broken)
    assert make_course.main(["check", str(good)]) == 0
    assert make_course.main(["check", str(good), str(bad)]) == 1


def test_course_layout(tmp_path):
    notebooks = tmp_path / "notebooks"
    (notebooks / "data").mkdir(parents=True)
    (notebooks / "data" / "weights.npz").write_bytes(b"x")
    (notebooks / "unrelated.txt").write_text("not needed")
    nb = example_notebook()
    nb["cells"].insert(2, code('w = np.load("data/weights.npz")'))
    write(notebooks / "98-example.ipynb", nb)

    [chapter] = make_course.resolve_chapters(["98"], notebooks)
    course = tmp_path / "course"
    assert make_course.layout_course(course, [chapter]) == ["98-example"]
    source = course / "source" / "98-example"
    assert json.loads((source / "98-example.ipynb").read_text()) == make_course.for_students(nb)
    assert (source / "data" / "weights.npz").read_bytes() == b"x"
    assert not (source / "unrelated.txt").exists()
    config = (course / "nbgrader_config.py").read_text()
    compile(config, "nbgrader_config.py", "exec")
    # The zip_collect pattern reads an LMS file name the way selfcheck writes it.
    pattern = re.search(r'named_regexp = \(\s*r"(.+)"\s*\)', config).group(1)
    for name in (
        "/x/key_answer-key_1_98-example.ipynb",
        "/x/doejane_late_4711_2_98-example-1.ipynb",
    ):
        match = re.match(pattern, name)
        assert match and match["file_id"] == "98-example", name


def test_strip_solutions_removes_answers_and_keeps_exercises(tmp_path):
    nb = example_notebook()
    stripped, removed = make_course.without_solutions(nb)
    assert removed == 2
    assert len(stripped["cells"]) == len(nb["cells"]) - 2 * 3
    text = "\n".join(make_course.source(c) for c in stripped["cells"])
    assert "BEGIN SOLUTION" not in text and "solution-start" not in text
    assert text.count("exercise-start") == 2 and "assert y == 49" in text


def test_course_notebooks_lose_widget_state_and_exercise_fences():
    nb = example_notebook()
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    course = make_course.for_students(nb)
    assert "widgets" not in course["metadata"] and course["metadata"]["kernelspec"]
    markdown = [make_course.source(c) for c in course["cells"] if c["cell_type"] == "markdown"]
    assert not any(make_course.DIRECTIVE.search(text) for text in markdown)
    assert sum(text.startswith("#### Exercise\n\n") for text in markdown) == 2
    assert len(course["cells"]) == len(nb["cells"]) - 2 * 3  # exercise-end, solution fences
    graded = [c for c in course["cells"] if c["metadata"].get("nbgrader")]
    assert graded == [c for c in nb["cells"] if c["metadata"].get("nbgrader")]


def test_strip_solutions_removes_hidden_tests_and_keeps_visible_ones():
    stripped, removed = make_course.without_hidden_tests(example_notebook())
    assert removed == 1
    test_cell = make_course.source(_cell(stripped, "count-test"))
    assert test_cell == "assert count(1, 1) == 12\n" + make_course.HIDDEN_NOTE
    text = "\n".join(make_course.source(c) for c in stripped["cells"])
    assert "HIDDEN" not in text and "count(3, 2)" not in text
    assert "assert y == 49" in text  # a test cell without hidden tests is unchanged


def test_hidden_test_lines_are_the_ones_only_hidden_tests_hold():
    visible = "check(\n    1)\n"
    hidden = "### BEGIN HIDDEN TESTS\ncheck(\n    answer(7),\n)\n### END HIDDEN TESTS\n"
    nb = {"cells": [{"cell_type": "code", "source": visible + hidden, "metadata": {}}]}
    # "check(" is also visible, and ")" (no letter or digit) gives nothing away
    assert make_course.hidden_test_lines(nb) == {"answer(7),"}


def _cell(nb, grade_id_end):
    return next(
        c
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id", "").endswith(grade_id_end)
    )


@pytest.mark.parametrize("repository", [None, "https://example.org/our-class/lstm-book"])
def test_the_student_copy_has_no_solution_no_hidden_test_and_no_link_to_them(tmp_path, repository):
    yaml = pytest.importorskip(
        "yaml", reason="the student copy's _config.yml is written with PyYAML"
    )
    root = tmp_path / "book"
    (root / "notebooks").mkdir(parents=True)
    (root / "_config.yml").write_text((ROOT / "_config.yml").read_text(encoding="utf-8"))
    write(root / "notebooks" / "98-example.ipynb", example_notebook())
    out = tmp_path / "for-students"
    assert make_course.strip_solutions(out, root, repository=repository) == 2 + 1
    nb = make_course.read_notebook(out / "notebooks" / "98-example.ipynb")
    text = "\n".join(make_course.source(c) for c in nb["cells"])
    for gone in ("BEGIN SOLUTION", "return 4 * H", "HIDDEN TESTS", "count(3, 2)"):
        assert gone not in text
    config = yaml.safe_load((out / "_config.yml").read_text(encoding="utf-8"))
    original = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["title"] == original["title"]
    if repository is None:  # no button may open the public repository, solutions included
        assert not any(config["html"][f"use_{b}_button"] for b in ("repository", "issues"))
        assert not config["html"]["use_edit_page_button"]
        assert not config["launch_buttons"]["binderhub_url"]
        assert not config["launch_buttons"]["thebe"]
    else:
        assert config["repository"]["url"] == repository
        assert config["html"] == original["html"]


def test_the_students_site_as_built_shows_no_hidden_test_solution_or_rubric(tmp_path):
    """The HTML that students read, built by jupyter-book from the `strip-solutions` copy:
    no line of a hidden test, a solution or a rubric on any page or in `_sources`, and no
    link to the public repository (which holds the solutions)."""
    import html

    pytest.importorskip("jupyter_book", reason="jupyter-book builds the students' site")
    from conftest import jupyter_book_command

    out = tmp_path / "for-students"
    assert make_course.main(["strip-solutions", str(out)]) == 0
    cmd = [jupyter_book_command(), "build", str(out), "--path-output", str(tmp_path / "site")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    site = tmp_path / "site" / "_build" / "html"
    secrets = _secret_lines(
        [make_course.read_notebook(p) for p in make_course.NOTEBOOKS.glob("*.ipynb")]
    )
    pages = sorted(site.rglob("*.html")) + sorted((site / "_sources").rglob("*.ipynb"))
    chapters = [p for p in pages if p.suffix == ".html" and p.parent.name == "notebooks"]
    assert len(chapters) >= len(CHAPTERS), "every chapter has its page"
    repository = ROOT_CONFIG_URL.search((ROOT / "_config.yml").read_text(encoding="utf-8"))[1]
    for page in pages:
        raw = page.read_text(encoding="utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", "", raw)) if page.suffix == ".html" else raw
        if page.suffix == ".ipynb":
            nb = json.loads(raw)
            text = "\n".join(make_course.source(c) for c in nb["cells"])
        lines = {line.strip() for line in text.split("\n")}
        leaked = sorted(lines & secrets)
        assert leaked == [], f"{page.relative_to(site)} shows: {leaked[:5]}"
        assert repository not in raw, f"{page.relative_to(site)} links to {repository}"
        if "for-instructors" not in page.name:  # that page describes the markup and rubrics
            assert make_course.BEGIN_HIDDEN not in text, page.relative_to(site)
            assert "Rubric (" not in text, page.relative_to(site)


def test_lms_students_reads_ids_names_and_late_flags(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    with make_course.zipfile.ZipFile(archive / "download.zip", "w") as download:
        download.writestr("doejane_4711_1_98-example.ipynb", "{}")
        download.writestr("roeric_late_815_2_98-example-1.ipynb", "{}")
        download.writestr("notes.txt", "not a submission")
    (archive / "smithann_42_3_98-example.ipynb").write_text("{}")
    assert make_course.lms_students(archive) == {
        "4711": {"name": "doejane", "late": False},
        "815": {"name": "roeric", "late": True},
        "42": {"name": "smithann", "late": False},
    }


def test_the_grading_configuration_is_valid_python_with_safe_limits():
    code = compile(make_course.NBGRADER_CONFIG, "nbgrader_config.py", "exec")
    assert code.co_filename == "nbgrader_config.py"
    text = make_course.NBGRADER_CONFIG
    assert "c.Execute.timeout = 60\n" in text
    assert "c.OverwriteCells.add_missing_cells = True" in text
    assert "RLIMIT_AS" in text and "HideHiddenTests]" in text


# ------------------------------------------------------------------ end to end, with nbgrader


def expected_student_source(cell):
    """What nbgrader should make of a cell: stubs for solutions, no hidden tests, else unchanged."""
    meta = cell["metadata"].get("nbgrader", {})
    if cell["cell_type"] == "markdown" and meta.get("solution"):
        return "YOUR ANSWER HERE"  # a written answer
    lines, out, skipping = make_course.source(cell).split("\n"), [], False
    for line in lines:
        if make_course.BEGIN_SOLUTION in line:
            indent = re.match(r"\s*", line).group(0)
            out += [indent + stub for stub in CODE_STUB]
            skipping = True
        elif make_course.BEGIN_HIDDEN in line:
            skipping = True
        elif make_course.END_SOLUTION in line or make_course.END_HIDDEN in line:
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out)


@pytest.fixture(scope="module")
def classroom_python(python_from_env):
    return python_from_env(
        ENV_PYTHON,
        "python3 -m venv .venv-classroom && "
        ".venv-classroom/bin/pip install -r requirements-classroom.txt && "
        f"{ENV_PYTHON}=$PWD/.venv-classroom/bin/python python -m pytest tests/test_classroom.py",
    )


@pytest.fixture(scope="module")
def graded_course(classroom_python, tmp_path_factory, pytestconfig):
    chapters = make_course.resolve_chapters(
        os.environ.get(ENV_CHAPTERS, "").split() or list(E2E_CHAPTERS)
    )
    course = tmp_path_factory.mktemp("course")
    command = [classroom_python, str(SCRIPT), "selfcheck", str(course), "--students", str(STUDENTS)]
    command += ["--chapters", *map(str, chapters)]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=ROOT)
    table = proc.stdout[proc.stdout.find("\nchapter ") :] if "\nchapter " in proc.stdout else ""
    lines = ["nbgrader autograde: every pretend student of make_course.py selfcheck"]
    lines += ["    " + line for line in (table or proc.stdout[-3000:]).strip().splitlines()]
    lines.append(f"    ({time.perf_counter() - start:.0f} s for {len(chapters)} chapters)")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    report = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if report is not None:
        with capture.global_and_fixture_disabled():
            report.write_line("")
            for line in lines:
                report.write_line(line)
    return chapters, course, proc


def test_selfcheck_succeeds(graded_course):
    _, _, proc = graded_course
    assert proc.returncode == 0, (
        f"make_course.py selfcheck failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    )


def chapter_grades(course, chapter):
    path = course / "grades" / f"{chapter.stem}.csv"
    assert path.is_file(), f"no grade export {path}"
    with open(path, newline="") as file:
        return {row["student_id"]: row for row in csv.DictReader(file)}


def written_answers(chapter):
    """grade_id -> points of the chapter's written answers (graded by hand)."""
    return {
        m["grade_id"]: m["points"]
        for c in make_course.read_notebook(chapter)["cells"]
        if (m := c["metadata"].get("nbgrader", {})).get("grade") and m.get("solution")
    }


def test_answer_key_earns_full_points_and_untouched_version_none(graded_course):
    """Full points for every test; its written answers wait for the teacher, not a false 0."""
    chapters, course, _ = graded_course
    for chapter in chapters:
        _, points = make_course.exercise_summary(chapter)
        hand = written_answers(chapter)
        rows = chapter_grades(course, chapter)
        key, blank = rows["answer-key"], rows["untouched"]
        assert float(key["max_score"]) == points > 0
        tests_only = points - sum(hand.values())
        assert float(key["score"]) == tests_only, f"{chapter.stem}: the answer key lost points"
        assert float(blank["score"]) == 0, f"{chapter.stem}: a blank submission earned points"
        assert blank["status"] == "graded"
        assert key["status"] == (make_course.NEEDS_HAND if hand else "graded")
        for grade_id in hand:
            assert key[grade_id] == make_course.BY_HAND and blank[grade_id] == "0"


def test_an_endless_loop_costs_its_exercise_and_a_killed_kernel_is_reported(graded_course):
    chapters, course, _ = graded_course
    rows = chapter_grades(course, chapters[0])
    tests = [
        m for c in make_course.read_notebook(chapters[0])["cells"]
        if (m := c["metadata"].get("nbgrader", {})).get("grade")
    ]  # fmt: skip
    looper, crasher = rows[make_course.LOOPER], rows[make_course.CRASHER]
    assert looper["late"] == "yes"  # late_ in its file name
    assert looper["status"] in ("graded", make_course.NEEDS_HAND)
    assert float(looper[tests[0]["grade_id"]]) == 0  # the loop's exercise, stopped in time
    assert all(
        looper[m["grade_id"]] == (make_course.BY_HAND if m.get("solution") else f"{m['points']:g}")
        for m in tests[1:]
    )
    assert crasher["status"] == make_course.NOT_GRADED and crasher["score"] == ""
    assert all(crasher[m["grade_id"]] == "" for m in tests)  # no quiet zeros


def test_the_export_has_one_column_per_test_cell_and_a_canvas_file(graded_course):
    chapters, course, _ = graded_course
    for chapter in chapters:
        rows = chapter_grades(course, chapter)
        ids = [
            m["grade_id"] for c in make_course.read_notebook(chapter)["cells"]
            if (m := c["metadata"].get("nbgrader", {})).get("grade")
        ]  # fmt: skip
        assert set(ids) <= set(next(iter(rows.values())))
        with open(course / "grades" / f"{chapter.stem}-canvas.csv", newline="") as file:
            canvas = list(csv.reader(file))
        header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", chapter.stem]
        assert canvas[0] == header
        top = float(rows["answer-key"]["max_score"])
        assert canvas[1][0] == "Points Possible" and float(canvas[1][-1]) == top
        scores = {line[1]: line[-1] for line in canvas[2:]}
        assert scores == {  # no partial total while written answers wait for the teacher
            student: "" if row["status"] == make_course.NEEDS_HAND else row["score"]
            for student, row in rows.items()
        }


def test_student_versions_hold_stubs_and_no_hidden_tests(graded_course):
    chapters, course, _ = graded_course
    for chapter in chapters:
        original = make_course.for_students(make_course.read_notebook(chapter))
        student = make_course.read_notebook(course / "release" / chapter.stem / chapter.name)
        assert "widgets" not in student["metadata"]  # no saved explorer state
        markdown = [make_course.source(c) for c in student["cells"] if c["cell_type"] == "markdown"]
        assert not any(make_course.DIRECTIVE.search(text) for text in markdown)  # no raw fences
        assert sum(text.startswith("#### Exercise") for text in markdown) >= 2
        assert len(student["cells"]) == len(original["cells"])
        assert student["metadata"]["kernelspec"] == original["metadata"]["kernelspec"]
        for before, after in zip(original["cells"], student["cells"], strict=True):
            assert after["cell_type"] == before["cell_type"]
            assert make_course.source(after) == expected_student_source(before)
            tags = before["metadata"].get("tags", [])
            assert after["metadata"].get("tags", []) == tags
            assert not after.get("outputs")
        text = "\n".join(make_course.source(c) for c in student["cells"])
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{chapter.stem}: '{marker}' reached the student version"


def test_untouched_version_fails_every_test_cell(graded_course):
    """Every exercise, not just the total: a test that passes without an answer tests nothing."""
    chapters, course, _ = graded_course
    for chapter in chapters:
        graded = make_course.read_notebook(
            course / "autograded" / "untouched" / chapter.stem / chapter.name
        )
        passing = [
            c["metadata"]["nbgrader"]["grade_id"]
            for c in graded["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade")
            and not c["metadata"]["nbgrader"].get("solution")  # written answers: by hand
            and not any(o.get("output_type") == "error" for o in c.get("outputs", []))
        ]
        assert passing == [], f"{chapter.stem}: test cells that pass with no answer: {passing}"


def test_feedback_shows_no_hidden_test(graded_course):
    """The feedback pages a teacher sends back: hidden-test lines and their tracebacks stay out."""
    chapters, course, _ = graded_course
    names = [chapter.stem for chapter in chapters]
    for name in names:
        hidden = make_course.hidden_test_lines(
            make_course.read_notebook(course / "source" / name / f"{name}.ipynb")
        )
        assert hidden, f"{name}: pick chapters with hidden tests for this test"
        for student in ("answer-key", "untouched"):
            page = course / "feedback" / student / name / f"{name}.html"
            assert page.is_file(), f"no feedback page {page}"
        blank = (course / "feedback" / "untouched" / name / f"{name}.html").read_text()
        assert "hidden tests: not shown" in blank and "a test in this cell failed" in blank
    assert make_course.feedback_leaks(course, names) == []


def test_pretend_students_earn_what_their_answers_deserve(graded_course):
    """Per exercise: an independent correct answer earns it; hard-coded values, the package's
    own function and overridden comparisons (np.allclose, ==) earn nothing."""
    chapters, course, _ = graded_course
    checked = 0
    for chapter in chapters:
        students = make_course.pretend_students(STUDENTS, chapter.stem)
        rows = chapter_grades(course, chapter) if students else {}
        for student, spec in students.items():
            got = {test: rows[student][test] for test in spec["scores"]}
            want = {test: make_course._score_text(v) for test, v in spec["scores"].items()}
            assert got == want, f"{chapter.stem}/{student} ({spec['about']})"
            checked += 1
    assert checked >= 4, "the chapters graded here should include pretend students"


def test_written_answers_wait_for_the_teacher_and_rubrics_stay_with_them(graded_course):
    """Every pretend student who wrote something has each written answer reported as needing
    grading by hand (the untouched version: 0), and no rubric line reaches a student version
    or a feedback page; the rubrics are in the teacher's sheet."""
    chapters, course, _ = graded_course
    with_written = [chapter for chapter in chapters if written_answers(chapter)]
    assert with_written, "the chapters graded here should include a written answer"
    for chapter in with_written:
        rows = chapter_grades(course, chapter)
        students = make_course.pretend_students(STUDENTS, chapter.stem)
        for grade_id in written_answers(chapter):
            assert rows["untouched"][grade_id] == "0"
            mischief = [make_course.LOOPER] if chapter == chapters[0] else []  # first only
            for student in ["answer-key", *mischief, *students]:
                wrote = students.get(student, {}).get("answers", {}).get(grade_id)
                expected = "0" if wrote == "YOUR ANSWER HERE" else make_course.BY_HAND
                assert rows[student][grade_id] == expected, (chapter.stem, student)
        nb = make_course.read_notebook(chapter)
        rubric = {
            line.strip()
            for c in nb["cells"]
            if make_course.is_rubric(c)
            for line in make_course.source(c).split("\n")
            if len(line.strip()) > 12
        }
        assert rubric
        sheet = (course / "rubrics" / f"{chapter.stem}.md").read_text(encoding="utf-8")
        assert all(line in sheet for line in rubric)
        import html

        files = [course / "release" / chapter.stem / chapter.name]
        files += sorted((course / "feedback").glob(f"*/{chapter.stem}/*.html"))
        assert len(files) > 2
        for path in files:
            text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
            leaked = [line for line in rubric if line in text or "Rubric (" in text]
            assert leaked == [], f"{path.relative_to(course)} shows the rubric: {leaked}"


# ------------------------------------------------------------------ the students' site


def _secret_lines(notebooks):
    """Lines a student must not see: hidden tests, solution regions, answer and written-answer
    cells, rubrics (stripped, longer than a few characters, and in no public line of the book)."""
    secret, public, inside = set(), set(), False
    for cell in (c for nb in notebooks for c in nb["cells"]):
        meta = cell["metadata"].get("nbgrader", {})
        names = [m["name"] for m in make_course.DIRECTIVE.finditer(make_course.source(cell))]
        if "solution-start" in names:
            inside = True
        whole = inside or make_course.is_rubric(cell) or meta.get("solution")
        region = False
        for line in make_course.source(cell).split("\n"):
            if make_course.BEGIN_HIDDEN in line or make_course.BEGIN_SOLUTION in line:
                region = True
            elif make_course.END_HIDDEN in line or make_course.END_SOLUTION in line:
                region = False
            elif len(line.strip()) > 8 and (whole or region):
                secret.add(line.strip())
            elif len(line.strip()) > 8:  # as written and as rendered (no code backticks)
                public.update({line.strip(), line.replace("`", "").strip()})
        if not (whole or meta):  # what the chapter's own code shows, e.g. the package's code
            for output in cell.get("outputs", []):
                shown = output.get("text") or output.get("data", {}).get("text/plain", "")
                public.update(line.strip() for line in "".join(shown).split("\n"))
        if "solution-end" in names:
            inside = False
    return secret - public


@pytest.mark.parametrize("repository", [None, "https://example.org/our-class/lstm-book"])
def test_the_students_site_sources_hold_no_hidden_test_solution_or_rubric(tmp_path, repository):
    """`strip-solutions` on the real book: no line of a hidden test, a solution or a rubric in
    any notebook or markdown page of the copy, and no button to the public repository.

    The built pages are checked by the next test.
    """
    yaml = pytest.importorskip("yaml", reason="the student copy's _config.yml uses PyYAML")
    out = tmp_path / "for-students"
    argv = ["strip-solutions", str(out)]
    argv += ["--student-repository", repository] if repository else []
    assert make_course.main(argv) == 0
    secrets = _secret_lines(
        [make_course.read_notebook(p) for p in make_course.NOTEBOOKS.glob("*.ipynb")]
    )
    assert len(secrets) > 100, "the chapters should have hidden tests and solutions to hide"
    pages = sorted((out / "notebooks").glob("*.ipynb")) + sorted((out / "book").rglob("*.md"))
    assert len(pages) >= len(CHAPTERS)
    for page in pages:
        if page.suffix == ".ipynb":
            nb = make_course.read_notebook(page)
            lines = {
                line.strip() for c in nb["cells"] for line in make_course.source(c).split("\n")
            }
        else:
            lines = {line.strip() for line in page.read_text(encoding="utf-8").split("\n")}
        leaked = sorted(line for line in lines if line in secrets)
        assert leaked == [], f"{page.relative_to(out)} shows: {leaked[:5]}"
        if page.suffix == ".ipynb":  # (for-instructors.md describes rubrics)
            assert not any(line.startswith("**Rubric (") for line in lines), page
    config = yaml.safe_load((out / "_config.yml").read_text(encoding="utf-8"))
    if repository is None:
        assert not any(config["html"][f"use_{b}_button"] for b in ("repository", "issues"))
        assert not config["html"]["use_edit_page_button"]
        assert not config["launch_buttons"]["binderhub_url"]
        assert not config["launch_buttons"]["thebe"]
    else:
        assert config["repository"]["url"] == repository
