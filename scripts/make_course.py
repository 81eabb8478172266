#!/usr/bin/env python3
"""Turn the book's chapters into an nbgrader course, and check their exercise markup.

The chapters' exercises are written once (see CONTRIBUTING.md) and serve three readers:
the book shows them with solutions in dropdowns, a learner runs them in Jupyter, and
nbgrader turns them into graded assignments. This script is the bridge to nbgrader.

    python scripts/make_course.py check [NOTEBOOK ...]
        Check the nbgrader markup of every chapter (or of the notebooks given): schema 3,
        unique grade_ids, answer cells with BEGIN/END SOLUTION inside a solution dropdown,
        locked test cells with points, at least two graded exercises per chapter.
        Needs only the standard library. Exit status 1 when a problem is found.

    python scripts/make_course.py build COURSE [--chapters 05 12 ...]
        Lay out an nbgrader course directory: COURSE/nbgrader_config.py and
        COURSE/source/<chapter>/<chapter>.ipynb (plus the files the notebook opens),
        then run `nbgrader generate_assignment` for each chapter, which writes the
        student versions to COURSE/release/<chapter>/. Needs nbgrader
        (pip install -r requirements-classroom.txt).

    python scripts/make_course.py grade COURSE CHAPTER
        Grade one chapter handed in through an LMS: put its download (a zip of the
        students' notebooks, Canvas-style names) in COURSE/downloaded/<chapter>/archive/,
        then this collects it (`nbgrader zip_collect`), autogrades it, writes the feedback
        pages (COURSE/feedback/, no hidden tests in them) and exports this chapter only:
        COURSE/grades/<chapter>.csv (one column per test cell, the late flag of the file
        name, and a status that names a submission whose kernel died instead of giving it
        a quiet zero) and COURSE/grades/<chapter>-canvas.csv (Canvas's gradebook import).

    python scripts/make_course.py export COURSE CHAPTER
        Write COURSE/grades/<chapter>.csv and -canvas.csv again from the gradebook, after
        the written answers (-explain cells, "needs grading by hand" in the export) have
        been graded in nbgrader's formgrader with the rubrics in COURSE/rubrics/.

    python scripts/make_course.py selfcheck COURSE [--chapters 05 12 ...]
        `build`, then `grade` pretend submissions of every chapter: "answer-key" (the
        instructor's notebook) and "untouched" (the student version as released), and in
        the first chapter also a late one that loops forever before its first answer and
        one that kills its kernel. Exit with status 1 unless the answer key earns full
        points, the untouched version none, the loop costs exactly its exercise, the killed
        kernel is reported as not graded, and no feedback page shows a hidden test.
        `--students FOLDER` adds pretend students: FOLDER/<chapter>/<student>.json holds
        their answers (by grade_id) and the points each test cell should give them.
        Use a scratch directory: the pretend students stay in its gradebook.

    python scripts/make_course.py strip-solutions OUT [--student-repository URL]
        Copy the book's sources to OUT for a students' site: every solution dropdown
        (from `solution-start` to `solution-end`, the answer cell included) and every
        hidden test removed from the chapters, and the site's repository, issues, edit
        and launch buttons switched off (they would open the public repository, solutions
        included), or pointed at URL, a repository of this stripped copy. Then
        `jupyter-book build OUT` publishes the exercises without their solutions.

Chapters are named by number (`05`), by file stem (`05-cnn-or-lstm`) or by path.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHAPTER_GLOB = "[0-9][0-9]-*.ipynb"

# The markers nbgrader looks for (it matches them anywhere in a line).
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
# -test is the first part of an exercise's tests, -test2, -test3 ... the next; -explain is a
# written answer graded by hand.
GRADE_ID = re.compile(
    r"^ex-(?P<chapter>\d+)-(?P<name>[A-Za-z0-9_-]+?)-(?P<kind>answer|explain|test(?:[2-9]|[1-9]\d+)?)$"
)
RUBRIC_TAG = "rubric"
RUBRIC_HEAD = re.compile(r"^\*\*Rubric \((?P<points>\d+(?:\.\d+)?) points?\)\*\*")
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\S", re.MULTILINE)
DIRECTIVE = re.compile(
    r"^[ \t]*(?:`{3,}|:{3,})\{(?P<name>exercise-start|exercise-end|solution-start|solution-end)\}"
    r"[ \t]*(?P<arg>\S*)",
    re.MULTILINE,
)
LABEL_OPTION = re.compile(r"^[ \t]*:label:[ \t]*(\S+)", re.MULTILINE)
MIN_GRADED_EXERCISES = 2

# Pretend students of `selfcheck`, and how their files are named in the pretend LMS download.
ANSWER_KEY, UNTOUCHED = "answer-key", "untouched"
# Two more in its first chapter: the answer key with an endless loop before the first answer
# (handed in late), and the answer key with a kernel kill before the second answer.
LOOPER, CRASHER = "looper", "crasher"
LOOP, CRASH = "while True:  # never ends\n    pass\n", "import os\n\nos._exit(1)\n"


# --------------------------------------------------------------------------- reading notebooks


def source(cell: dict) -> str:
    """A cell's source as one string (nbformat stores either a string or a list of lines)."""
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def read_notebook(path: Path) -> dict:
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def chapter_notebooks(notebooks: Path = NOTEBOOKS) -> list[Path]:
    """Every chapter notebook (`NN-name.ipynb`) in `notebooks`, in order."""
    return sorted(notebooks.glob(CHAPTER_GLOB))


def resolve_chapters(selectors: list[str] | None, notebooks: Path = NOTEBOOKS) -> list[Path]:
    """Chapter notebooks named by number (`05`), stem (`05-cnn-or-lstm`) or path."""
    if not selectors:
        found = chapter_notebooks(notebooks)
        if not found:
            raise SystemExit(f"no chapter notebooks ({CHAPTER_GLOB}) in {notebooks}")
        return found
    paths = []
    for selector in selectors:
        as_path = Path(selector)
        if as_path.suffix == ".ipynb" and as_path.is_file():
            paths.append(as_path.resolve())
            continue
        stem = as_path.name.removesuffix(".ipynb")
        matches = sorted(notebooks.glob(f"{stem}.ipynb")) or sorted(
            notebooks.glob(f"{stem}-*.ipynb")
        )
        if len(matches) != 1:
            names = ", ".join(p.name for p in chapter_notebooks(notebooks)) or "none"
            raise SystemExit(
                f"chapter {selector!r} matches {len(matches)} notebooks in {notebooks} "
                f"(chapters there: {names})"
            )
        paths.append(matches[0])
    return paths


# --------------------------------------------------------------------------- checking markup


def _region_problems(text: str, begin: str, end: str) -> str | None:
    """None when `begin`/`end` lines pair up in order (no nesting), else what is wrong."""
    depth, regions = 0, 0
    for line in text.splitlines():
        if begin in line:
            if depth:
                return f"nested '{begin}'"
            depth, regions = 1, regions + 1
        elif end in line:
            if not depth:
                return f"'{end}' without '{begin}'"
            depth = 0
    if depth:
        return f"'{begin}' without '{end}'"
    return None if regions else f"no '### {begin}' / '### {end}' region"


def _rubric_problems(
    cell: dict, text: str, where: str, explain: tuple[str, float], open_solution: str | None
) -> list[str]:
    """What is wrong with the cell after `explain`'s -explain cell, which must be its rubric."""
    stem, points = explain
    if (
        RUBRIC_TAG not in cell.get("metadata", {}).get("tags", [])
        or cell.get("cell_type") != "markdown"
    ):
        return [f"{where}: {stem}-explain must be followed by a markdown cell tagged 'rubric'"]
    problems = []
    head = RUBRIC_HEAD.match(text)
    if head is None:
        problems.append(
            f"{where}: the rubric of {stem} should start with **Rubric ({points:g} points)**"
        )
    elif float(head["points"]) != float(points):
        problems.append(
            f"{where}: the rubric of {stem} gives {head['points']} points, "
            f"the -explain cell {points:g}"
        )
    elif not LIST_ITEM.search(text[head.end() :]):
        problems.append(f"{where}: the rubric of {stem} lists nothing that earns a point")
    if open_solution != stem or "solution-start" in text:
        problems.append(f"{where}: the rubric of {stem} is not inside its solution dropdown")
    if cell.get("metadata", {}).get("nbgrader"):
        problems.append(f"{where}: a rubric cell carries no nbgrader metadata")
    return problems


def _points(meta: dict, where: str, problems: list[str]) -> float:
    """A graded cell's points, or 0 with a problem noted when they are not a positive number."""
    points = meta.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        problems.append(f"{where}: points should be a positive number, got {points!r}")
        return 0
    return points


def check_notebook(path: Path, seen_ids: dict[str, str] | None = None) -> list[str]:
    """Problems with the exercise markup of one chapter notebook (empty list: all good).

    `seen_ids` maps grade_id -> notebook name across calls, to catch ids used twice in the book.
    """
    name = path.name
    seen_ids = {} if seen_ids is None else seen_ids
    try:
        nb = read_notebook(path)
    except (OSError, json.JSONDecodeError) as error:
        return [f"{name}: cannot read the notebook: {error}"]
    problems: list[str] = []
    chapter = re.match(r"(\d+)-", name)
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if not kernel:
        problems.append(
            f"{name}: no metadata.kernelspec.name (nbgrader needs it to run the notebook)"
        )

    answers: dict[str, int] = {}  # exercise label -> index of its answer cell
    tests: dict[str, list[tuple[str, int]]] = {}  # exercise label -> (part, index) of its tests
    explains: dict[str, int] = {}  # exercise label -> index of its hand-graded answer
    points_of: dict[str, float] = {}  # exercise label -> points of its graded cells
    open_solution: str | None = None  # label of the solution dropdown we are inside, if any
    exercise_labels: dict[str, int] = {}  # label -> index of its exercise-start
    rubric_for: tuple[str, float] | None = None  # (label, points) of the explain cell just seen

    for index, cell in enumerate(nb.get("cells", [])):
        text = source(cell)
        where = f"{name}: cell {index}"
        tags = cell.get("metadata", {}).get("tags", [])
        if rubric_for is not None:
            problems += _rubric_problems(cell, text, where, rubric_for, open_solution)
            rubric_for = None
        elif RUBRIC_TAG in tags:
            problems.append(
                f"{where}: a cell tagged {RUBRIC_TAG!r} must come right after an -explain cell"
            )
        if cell.get("cell_type") == "markdown":
            for match in DIRECTIVE.finditer(text):
                directive, arg = match["name"], match["arg"]
                if directive == "exercise-start":
                    label = LABEL_OPTION.search(text)
                    if label:
                        exercise_labels.setdefault(label.group(1), index)
                elif directive == "solution-start":
                    if open_solution is not None:
                        problems.append(f"{where}: solution-start inside another solution")
                    open_solution = arg
                elif directive == "solution-end":
                    if open_solution is None:
                        problems.append(f"{where}: solution-end without solution-start")
                    open_solution = None

        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            for marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
                if marker in text:
                    problems.append(
                        f"{where}: '{marker}' in a cell without nbgrader metadata "
                        "(nbgrader refuses it, and the text would reach the students)"
                    )
            continue

        grade_id = meta.get("grade_id")
        where = f"{name}: cell {index} ({grade_id or 'no grade_id'})"
        if meta.get("schema_version") != 3:
            problems.append(f"{where}: schema_version is {meta.get('schema_version')!r}, not 3")
        flags = {key: meta.get(key) for key in ("grade", "solution", "locked")}
        wrong = [key for key, value in flags.items() if not isinstance(value, bool)]
        if wrong:
            problems.append(f"{where}: {', '.join(wrong)} must be true or false")
            continue
        if meta.get("task"):
            problems.append(
                f"{where}: task cells are not used; a written answer is an -explain cell"
            )
            continue
        if not grade_id or not isinstance(grade_id, str):
            problems.append(f"{where}: missing grade_id")
            continue
        if grade_id in seen_ids:
            problems.append(f"{where}: grade_id already used in {seen_ids[grade_id]}")
        seen_ids[grade_id] = name

        id_parts = GRADE_ID.match(grade_id)
        if id_parts is None:
            problems.append(
                f"{where}: grade_id should read ex-<chapter>-<name>-answer, -test, -test2, "
                "-test3 ... or -explain"
            )
            continue
        if chapter and int(id_parts["chapter"]) != int(chapter.group(1)):
            problems.append(f"{where}: grade_id names chapter {id_parts['chapter']}")
        stem, part = f"ex-{id_parts['chapter']}-{id_parts['name']}", id_parts["kind"]
        kind = (flags["grade"], flags["solution"])

        if kind == (False, True):  # answer cell
            if id_parts["kind"] != "answer":
                problems.append(f"{where}: an answer cell's grade_id should end in -answer")
            if cell.get("cell_type") != "code":
                problems.append(f"{where}: answer cell is not a code cell")
            if flags["locked"]:
                problems.append(f"{where}: answer cell is locked")
            region = _region_problems(text, BEGIN_SOLUTION, END_SOLUTION)
            if region:
                problems.append(f"{where}: {region}")
            if BEGIN_HIDDEN in text:
                problems.append(f"{where}: hidden tests belong in the test cell")
            if open_solution != stem:
                problems.append(
                    f"{where}: answer cell is not inside a solution dropdown for {stem} "
                    f"(solution-start {stem} ... solution-end around it)"
                )
            answers[stem] = index
        elif kind == (True, False):  # test cell
            if not part.startswith("test"):
                problems.append(f"{where}: a test cell's grade_id should end in -test, -test2 ...")
            if cell.get("cell_type") != "code":
                problems.append(f"{where}: test cell is not a code cell")
            if not flags["locked"]:
                problems.append(f"{where}: test cell is not locked")
            points = _points(meta, where, problems)
            if not text.strip():
                problems.append(f"{where}: test cell is empty")
            if BEGIN_SOLUTION in text:
                problems.append(f"{where}: a solution region in a test cell")
            if BEGIN_HIDDEN in text or END_HIDDEN in text:
                region = _region_problems(text, BEGIN_HIDDEN, END_HIDDEN)
                if region:
                    problems.append(f"{where}: {region}")
            if "hide-input" not in cell.get("metadata", {}).get("tags", []):
                problems.append(f"{where}: test cell is not tagged hide-input")
            if open_solution is not None:
                problems.append(f"{where}: test cell is inside a solution dropdown")
            tests.setdefault(stem, []).append((part, index))
            points_of[stem] = points_of.get(stem, 0) + points
        elif kind == (True, True):  # a written answer, graded by hand
            if part != "explain":
                problems.append(
                    f"{where}: grade and solution both true is a written answer graded by "
                    "hand; its grade_id should end in -explain"
                )
            if cell.get("cell_type") != "markdown":
                problems.append(f"{where}: an -explain cell should be a markdown cell")
            if flags["locked"]:
                problems.append(f"{where}: -explain cell is locked")
            points = _points(meta, where, problems)
            if not text.strip():
                problems.append(f"{where}: -explain cell holds no model answer")
            if open_solution != stem:
                problems.append(
                    f"{where}: -explain cell is not inside a solution dropdown for {stem} "
                    f"(solution-start {stem} ... solution-end around it)"
                )
            if exercise_labels.get(stem, index) >= index:
                problems.append(f"{where}: no exercise-start with :label: {stem} before it")
            explains[stem] = index
            points_of[stem] = points_of.get(stem, 0) + points
            rubric_for = (stem, points)
        elif not flags["locked"]:
            problems.append(f"{where}: nbgrader metadata that marks nothing (all flags false)")

    if rubric_for is not None:
        problems.append(f"{name}: {rubric_for[0]}-explain is the last cell; its rubric is missing")
    if open_solution is not None:
        problems.append(f"{name}: solution-start {open_solution} is never closed")
    for stem, index in answers.items():
        if stem not in tests:
            problems.append(f"{name}: cell {index} ({stem}-answer) has no {stem}-test cell")
        for part, at in tests.get(stem, []):
            if at < index:
                problems.append(f"{name}: {stem}-{part} comes before {stem}-answer")
        if stem not in exercise_labels:
            problems.append(f"{name}: no exercise-start with :label: {stem}")
    for stem, parts in tests.items():
        index = parts[0][1]
        if stem not in answers:
            problems.append(f"{name}: cell {index} ({stem}-test) has no {stem}-answer cell")
        if "test" not in [part for part, _ in parts]:
            problems.append(f"{name}: {stem} has parts {[p for p, _ in parts]} but no -test")
    graded = sum(1 for points in points_of.values() if points > 0)
    if graded < MIN_GRADED_EXERCISES:
        problems.append(
            f"{name}: {graded} graded exercise(s); every chapter needs at least "
            f"{MIN_GRADED_EXERCISES}"
        )
    return problems


def check_notebooks(paths: list[Path]) -> list[str]:
    """Problems across several notebooks, including grade_ids used in more than one."""
    seen: dict[str, str] = {}
    problems: list[str] = []
    for path in paths:
        problems += check_notebook(path, seen)
    return problems


def exercise_summary(path: Path) -> tuple[int, float]:
    """(number of graded exercises, total points of their graded cells) of one notebook."""
    cells = read_notebook(path).get("cells", [])
    graded = [
        meta
        for cell in cells
        if (meta := cell.get("metadata", {}).get("nbgrader")) and meta.get("grade")
    ]
    exercises = {m.get("grade_id", "").rsplit("-", 1)[0] for m in graded}
    return len(exercises), float(sum(m.get("points", 0) for m in graded))


def is_rubric(cell: dict) -> bool:
    """A teacher's rubric for a written answer: never part of what students get."""
    return RUBRIC_TAG in cell.get("metadata", {}).get("tags", [])


# --------------------------------------------------------------------------- the course directory

NBGRADER_CONFIG = """\
# nbgrader settings for a course made from "LSTM Cell, with a Magnifier".
# Written by scripts/make_course.py; edit freely (the script does not overwrite it).
# Run every nbgrader command from this directory.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "lstm-magnifier"

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Seconds a single cell may run while grading: every chapter's cells finish in well under
# this, so a submission stuck in a loop costs one minute, not five.
c.Execute.timeout = 60

# The grading kernel starts with a memory limit (a runaway submission stops with a
# MemoryError instead of taking the machine down) and one BLAS thread (every submission
# is graded the same way, whatever the machine).
GRADING_MEMORY_BYTES = 3 * 1024**3
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.exec_lines=import os, resource",
    "--IPKernelApp.exec_lines=os.environ.update(OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1')",
    f"--IPKernelApp.exec_lines=resource.setrlimit(resource.RLIMIT_AS, ({GRADING_MEMORY_BYTES}, "
    f"{GRADING_MEMORY_BYTES}))",
    "--IPKernelApp.exec_lines=del os, resource",
]

# A test cell a student deleted is put back from the gradebook and graded, instead of
# the notebook being rejected.
c.OverwriteCells.add_missing_cells = True

# `nbgrader zip_collect`: how to read student ids and notebook names from the files of an
# LMS download placed in downloaded/<chapter>/archive/. This pattern fits Canvas-style names
#     <name>_<student id>_<submission id>_<notebook>.ipynb   (with "late_" after <name>
# for late work, and "-1", "-2" after <notebook> for resubmissions). For Moodle's
# "<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb" folders use instead
#     r".*/[^/]*_(?P<student_id>[0-9]+)_assignsubmission_file_/(?P<file_id>[^/]+)\\.ipynb$"
c.FileNameCollectorPlugin.named_regexp = (
    r".*/[^/_]+_(?:late_)?(?P<student_id>[^/_]+)_[0-9]+_(?P<file_id>[^/]+?)(?:-[0-9]+)?\\.ipynb$"
)

# `nbgrader generate_feedback`: the feedback a student gets shows no hidden test. Their lines
# leave the test cells, and a failed test cell that held some shows the error's name only
# (a traceback or an assertion message would quote them).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor  # noqa: E402


class HideHiddenTests(NbGraderPreprocessor):  # enabled by default, unlike nbconvert's
    def preprocess_cell(self, cell, resources, index):
        if "BEGIN HIDDEN TESTS" not in cell.source:
            return cell, resources
        kept, hiding = [], False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                hiding = True
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(indent + "# (hidden tests: not shown)")
            elif "END HIDDEN TESTS" in line:
                hiding = False
            elif not hiding:
                kept.append(line)
        cell.source = "\\n".join(kept)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output.evalue = ""
                output.traceback = [f"{output.ename}: a test in this cell failed"]
        return cell, resources


c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]
"""

# Quoted strings in code and link targets in markdown that may name a file next to the notebook.
_QUOTED = re.compile(r"""(?P<q>["'])(?P<path>[^"'\n]{1,200})(?P=q)""")
_LINK = re.compile(r"""\]\((?P<path>[^)\s]+)\)|src=["'](?P<src>[^"']+)["']""")


def needed_files(notebook: Path) -> tuple[list[Path], list[str]]:
    """Files beside `notebook` that its cells name (data, images), and names that leave its folder.

    Returns (paths inside the notebook's folder, relative names pointing outside of it).
    """
    folder = notebook.parent.resolve()
    inside: set[Path] = set()
    outside: set[str] = set()
    for cell in read_notebook(notebook).get("cells", []):
        text = source(cell)
        pattern = _QUOTED if cell.get("cell_type") == "code" else _LINK
        for match in pattern.finditer(text):
            name = match.groupdict().get("path") or match.groupdict().get("src")
            if not name or "://" in name or name.startswith(("#", "/")):
                continue
            try:
                candidate = (folder / name).resolve()
                exists = candidate.exists()
            except (OSError, ValueError):
                continue
            if not exists or candidate == notebook.resolve() or candidate == folder:
                continue
            if candidate.is_relative_to(folder):
                inside.add(candidate)
            else:
                outside.add(name)
    return sorted(inside), sorted(outside)


def for_students(nb: dict) -> dict:
    """A chapter as a course notebook: no saved widget state, no MyST exercise fences.

    In Jupyter the book's ```` ```{exercise-start} ```` and ``{solution-...}`` fences show
    as raw text: an exercise's opening fence becomes a heading, the cells holding only a
    closing or solution fence go. Widget state (the explorers' last positions, up to a few
    hundred KB) would only make the student's file heavy.
    """
    cells = []
    for cell in nb.get("cells", []):
        if is_rubric(cell):
            continue  # the teacher's; nbgrader would hand it out as it is
        if cell.get("cell_type") == "markdown" and DIRECTIVE.search(source(cell)):
            text = source(cell)
            if "exercise-start" not in text:
                continue  # only a closing or a solution fence
            fence = re.search(
                r"^(`{3,}|:{3,})\{exercise-start\}.*?^\1[ \t]*$\n?", text, re.M | re.S
            )
            rest = text[fence.end() :] if fence else text
            cell = {**cell, "source": "#### Exercise\n\n" + rest.lstrip("\n")}
        cells.append(cell)
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k != "widgets"}
    return {**nb, "metadata": metadata, "cells": cells}


def rubric_sheet(nb: dict, name: str) -> str:
    """The teacher's sheet for grading `nb`'s written answers: each -explain cell's model
    answer and the rubric after it (empty when the chapter has none)."""
    parts, cells = [], nb.get("cells", [])
    for index, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not (meta.get("grade") and meta.get("solution")):
            continue
        rubric = cells[index + 1] if index + 1 < len(cells) else {}
        rubric_text = source(rubric) if is_rubric(rubric) else "(no rubric)"
        parts.append(
            f"## {meta.get('grade_id')} ({meta.get('points', 0):g} points)\n\n"
            f"Model answer:\n\n{source(cell).strip()}\n\n{rubric_text.strip()}\n"
        )
    return f"# Written answers of {name}\n\n" + "\n".join(parts) if parts else ""


def layout_course(course: Path, chapters: list[Path]) -> list[str]:
    """Write course/source/<chapter>/ for each chapter and course/nbgrader_config.py.

    Returns the chapter (assignment) names.
    """
    course.mkdir(parents=True, exist_ok=True)
    config = course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG, encoding="utf-8")
    names = []
    for notebook in chapters:
        name = notebook.stem
        target = course / "source" / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        with open(target / notebook.name, "w", encoding="utf-8") as file:
            json.dump(for_students(read_notebook(notebook)), file, indent=1, ensure_ascii=False)
            file.write("\n")
        rubrics = course / "rubrics" / f"{name}.md"
        rubrics.unlink(missing_ok=True)
        if text := rubric_sheet(read_notebook(notebook), name):
            rubrics.parent.mkdir(exist_ok=True)
            rubrics.write_text(text, encoding="utf-8")
        inside, outside = needed_files(notebook)
        for path in inside:
            relative = path.relative_to(notebook.parent.resolve())
            if path.is_dir():
                shutil.copytree(path, target / relative, dirs_exist_ok=True)
            else:
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / relative)
        for name_outside in outside:
            print(
                f"warning: {notebook.name} opens {name_outside}, outside notebooks/; "
                "students will not get it",
                file=sys.stderr,
            )
        names.append(name)
    return names


def nbgrader(course: Path, *args: str, check: bool = True) -> int:
    """Run one nbgrader command in `course` with this interpreter; stop if it fails (`check`).

    The interpreter's bin directory goes first on PATH and Jupyter prefers this environment's
    kernels, so the notebooks are graded by a kernel that can import lstm_magnifier.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    command = [sys.executable, "-m", "nbgrader", *args]
    print("$ nbgrader " + " ".join(args), flush=True)
    status = subprocess.run(command, cwd=course, env=env).returncode
    if status != 0 and check:
        raise SystemExit(f"nbgrader {args[0]} failed with status {status}")
    return status


def require_nbgrader() -> None:
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        raise SystemExit(
            f"nbgrader is not installed for {sys.executable}; install the classroom tools "
            "from the repository root: pip install -r requirements-classroom.txt"
        ) from None


def build(course: Path, chapters: list[Path], check: bool = True) -> list[str]:
    """Lay out the course and generate the student versions. Returns the assignment names."""
    if check:
        problems = check_notebooks(chapters)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            raise SystemExit(
                f"{len(problems)} problem(s) in the exercise markup; fix them first "
                "(or pass --no-check)"
            )
    require_nbgrader()
    names = layout_course(course, chapters)
    generate_assignments(course, names)
    print(f"student versions: {course / 'release'}/<chapter>/")
    return names


def generate_assignments(course: Path, names: list[str]) -> None:
    """`nbgrader generate_assignment NAME --force` for each of `names`, in this process.

    The same converter, preprocessors and course settings as the command, but nbgrader is
    imported and its configuration read once: a command per chapter spends about 3 s of
    its 3.5 s starting Python and importing nbgrader, the conversion itself takes a tenth.
    """
    import logging

    from nbgrader.converters import GenerateAssignment, NbGraderException
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    # nbgrader's gradebook runs this environment's `alembic` command: find it on PATH.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    log = logging.getLogger("make_course.generate_assignment")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[generate_assignment | %(levelname)s] %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    for name in names:
        print(f"$ nbgrader generate_assignment {name} --force", flush=True)
        coursedir = CourseDirectory(config=config, root=str(course), assignment_id=name)
        converter = GenerateAssignment(coursedir=coursedir, config=config, log=log)
        converter.force = True
        try:
            converter.start()
        except NbGraderException:
            raise SystemExit(f"nbgrader generate_assignment {name} failed (see above)") from None


def _with_mischief(nb: dict, code: str, answer: int) -> dict:
    """`nb` with `code` put at the top of its answer cell number `answer` (0-based)."""
    answers = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    cell = answers[answer]
    cell["source"] = code + source(cell)
    return nb


def pretend_students(folder: Path | None, name: str) -> dict[str, dict]:
    """More pretend students of chapter `name`: `folder/<chapter>/<student>.json`, each
    {"answers": {answer grade_id: source}, "scores": {test grade_id: points expected}}."""
    if folder is None or not (folder / name).is_dir():
        return {}
    return {
        path.stem: json.loads(path.read_text()) for path in sorted((folder / name).glob("*.json"))
    }


def _with_answers(nb: dict, answers: dict[str, str]) -> dict:
    """`nb` with the answer cells named in `answers` (by grade_id) holding those sources."""
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return nb


def _lms_download(
    course: Path, name: str, mischief: bool = False, students: dict | None = None
) -> Path:
    """Zip the pretend submissions of chapter `name` the way an LMS names them."""
    archive = course / "downloaded" / name / "archive"
    if archive.exists():
        shutil.rmtree(archive)
    archive.mkdir(parents=True)
    notebook = f"{name}.ipynb"
    key = course / "source" / name / notebook
    with zipfile.ZipFile(archive / "submissions.zip", "w") as download:
        # <name>_<student id>_<submission id>_<notebook>, as in the pattern of nbgrader_config.py
        download.write(key, f"key_{ANSWER_KEY}_1_{notebook}")
        download.write(course / "release" / name / notebook, f"blank_{UNTOUCHED}_2_{notebook}")
        if mischief:
            loop, crash = _with_mischief(read_notebook(key), LOOP, 0), read_notebook(key)
            download.writestr(f"loop_late_{LOOPER}_3_{notebook}", json.dumps(loop))
            crash = _with_mischief(crash, CRASH, 1)
            download.writestr(f"crash_{CRASHER}_4_{notebook}", json.dumps(crash))
        for number, (student, spec) in enumerate((students or {}).items(), start=5):
            answered = _with_answers(read_notebook(key), spec["answers"])
            download.writestr(f"{student}_{student}_{number}_{notebook}", json.dumps(answered))
    return archive


# Canvas names the files of a download <name>_[late_]<student id>_<submission id>_<file>.ipynb.
LMS_FILE = re.compile(
    r"(?:.*/)?(?P<name>[^/_]+)_(?P<late>late_)?(?P<student_id>[^/_]+)_[0-9]+_"
    r"(?P<file_id>[^/]+?)(?:-[0-9]+)?\.ipynb$"
)
NOT_GRADED = "not graded: the kernel died or the notebook could not run (see the log)"
# A written answer (-explain) that a student changed: nbgrader leaves its score to the teacher.
BY_HAND = "needs grading by hand"
NEEDS_HAND = "written answers to grade by hand (score so far)"


def _score_text(score: float | str) -> str:
    return score if isinstance(score, str) else f"{score:g}"


def lms_students(archive: Path) -> dict[str, dict]:
    """Student id -> {"name", "late"} from the file names of an LMS download in `archive`."""
    names = []
    for path in sorted(archive.rglob("*")):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as download:
                names += download.namelist()
        elif path.is_file():
            names.append(str(path.relative_to(archive)))
    students: dict[str, dict] = {}
    for name in names:
        if match := LMS_FILE.match(name):
            info = students.setdefault(match["student_id"], {"name": match["name"], "late": False})
            info["late"] = info["late"] or bool(match["late"])
    return students


def chapter_grades(course: Path, name: str, students: dict[str, dict]) -> list[dict]:
    """One row per submission of chapter `name`: score, one column per test cell, status.

    A submission that nbgrader could not run (its kernel died) has no autograded notebook:
    its scores are left empty and its status says so, instead of a zero that looks earned.
    """
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assignment = gradebook.find_assignment(name)
        cells = [cell.name for notebook in assignment.notebooks for cell in notebook.grade_cells]
        for submission in sorted(assignment.submissions, key=lambda s: s.student_id):
            student = submission.student_id
            graded = (course / "autograded" / student / name).is_dir()
            scores = {
                g.name: BY_HAND if g.auto_score is None and g.manual_score is None else g.score
                for nb in submission.notebooks
                for g in nb.grades
            }
            pending = [cell for cell in cells if scores.get(cell) == BY_HAND]
            info = students.get(student, {"name": "", "late": False})
            row = {
                "student_id": student,
                "name": info["name"],
                "late": "yes" if info["late"] else "no",
                "status": (NEEDS_HAND if pending else "graded") if graded else NOT_GRADED,
                "score": f"{submission.score:g}" if graded else "",
                "max_score": f"{submission.max_score:g}",
            }
            row.update({cell: _score_text(scores.get(cell, 0)) if graded else "" for cell in cells})
            rows.append(row)
    return rows


def write_grades(course: Path, name: str, rows: list[dict]) -> tuple[Path, Path]:
    """COURSE/grades/<name>.csv (every column) and <name>-canvas.csv (Canvas's import format).

    Canvas reads a new column as a new assignment, its "Points Possible" row as the points,
    and leaves an empty cell alone: a submission that was not graded overwrites nothing.
    """
    folder = course / "grades"
    folder.mkdir(exist_ok=True)
    full, canvas = folder / f"{name}.csv", folder / f"{name}-canvas.csv"
    columns = list(rows[0]) if rows else ["student_id", "name", "late", "status", "score"]
    with open(full, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    with open(canvas, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", name])
        top = rows[0]["max_score"] if rows else ""
        writer.writerow(["Points Possible", "", "", "", "", top])
        writer.writerows(
            [
                r["name"],
                r["student_id"],
                "",
                "",
                "",
                "" if r["status"] == NEEDS_HAND else r["score"],
            ]
            for r in rows
        )
    return full, canvas


def grade(course: Path, name: str) -> list[dict]:
    """Collect, autograde, give feedback on and export chapter `name` from an LMS download."""
    require_nbgrader()
    archive = course / "downloaded" / name / "archive"
    if not archive.is_dir() or not any(archive.iterdir()):
        raise SystemExit(f"put the LMS download of {name} (zip or notebooks) in {archive}")
    if not (course / "source" / name).is_dir():
        raise SystemExit(f"{name} is not in {course / 'source'}; run `build` first")
    students = lms_students(archive)
    nbgrader(course, "zip_collect", name, "--force")
    nbgrader(course, "autograde", name, "--create", "--force", check=False)  # reported below
    nbgrader(course, "generate_feedback", name, "--force", check=False)
    rows = chapter_grades(course, name, students)
    full, canvas = write_grades(course, name, rows)
    for row in rows:
        if row["status"] != "graded":
            print(f"{row['student_id']}: {row['status']}", file=sys.stderr)
    print(f"grades: {full}\nfor Canvas: {canvas}")
    print(f"feedback: {course / 'feedback'}/<student>/{name}/")
    if any(row["status"] == NEEDS_HAND for row in rows):
        print(HAND_GRADING.format(course=course, name=name))
    return rows


HAND_GRADING = """\
Written answers ({by_hand!r} in the grades) wait for you. Grade them in nbgrader's
formgrader (from {course}: `jupyter lab`, then Nbgrader > Formgrader > Manual Grading, or
`nbgrader formgrader`), with the rubrics in {course}/rubrics/{name}.md. Then run
    nbgrader generate_feedback {name} --force        (in {course})
    python scripts/make_course.py export {course} {name}
to send the feedback and export the final grades.""".replace("{by_hand!r}", repr(BY_HAND))


def export(course: Path, name: str) -> list[dict]:
    """Export chapter `name` from the gradebook again (after grading written answers by hand)."""
    require_nbgrader()
    archive = course / "downloaded" / name / "archive"
    students = lms_students(archive) if archive.is_dir() else {}
    rows = chapter_grades(course, name, students)
    full, canvas = write_grades(course, name, rows)
    print(f"grades: {full}\nfor Canvas: {canvas}")
    return rows


def read_grades(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _unexpected(
    course: Path, name: str, rows: dict[str, dict], mischief: bool, students: dict | None = None
) -> list[str]:
    """What is wrong with the grades of `selfcheck`'s pretend students in chapter `name`."""
    nb = read_notebook(course / "source" / name / f"{name}.ipynb")
    graded = [m for c in nb["cells"] if (m := c["metadata"].get("nbgrader", {})).get("grade")]
    tests = [m for m in graded if not m.get("solution")]  # the written answers are by hand
    hand = sum(m["points"] for m in graded if m.get("solution"))
    top = sum(m["points"] for m in tests)
    first = tests[0]["grade_id"]
    name_of = {m["grade_id"]: GRADE_ID.match(m["grade_id"])["name"] for m in tests}
    # the looper's first answer never finishes: every part of the first exercise fails
    lost = sum(m["points"] for m in tests if name_of[m["grade_id"]] == name_of[first])
    filled = NEEDS_HAND if hand else "graded"  # the answer key holds the model answers
    expected = {  # student: (status, score, late, the first exercise's score)
        ANSWER_KEY: (filled, top, "no", tests[0]["points"]),
        UNTOUCHED: ("graded", 0, "no", 0),
    }
    if mischief:
        expected[LOOPER] = (filled, top - lost, "yes", 0)
        expected[CRASHER] = (NOT_GRADED, "", "no", "")
    for student, spec in (students or {}).items():
        scores = spec["scores"]
        numbers = [v for v in scores.values() if not isinstance(v, str)]
        status = NEEDS_HAND if BY_HAND in scores.values() else "graded"
        expected[student] = (status, sum(numbers), "no", scores[first])
    problems = []
    if sorted(rows) != sorted(expected):
        problems.append(f"{name}: students {sorted(rows)}, expected {sorted(expected)}")
    for student, (status, score, late, first_score) in expected.items():
        row = rows.get(student, {})
        got = (row.get("status"), row.get("score"), row.get("late"), row.get(first))
        want = (
            status,
            f"{score:g}" if score != "" else "",
            late,
            f"{first_score:g}" if first_score != "" else "",
        )
        if got != want:
            problems.append(
                f"{name}/{student}: (status, score, late, {first}) = {got}, expected {want}"
            )
    for student, spec in (students or {}).items():
        for test, points in spec["scores"].items():
            got = rows.get(student, {}).get(test)
            if got != _score_text(points):
                problems.append(f"{name}/{student}: {test} = {got}, expected {points}")
    return problems


def selfcheck(course: Path, chapters: list[Path], students: Path | None = None) -> int:
    """Build, then grade pretend submissions of each chapter; 0 if every grade is as expected."""
    names = build(course, chapters)
    failures, table = [], []
    for number, name in enumerate(names):
        more = pretend_students(students, name)
        _lms_download(course, name, mischief=number == 0, students=more)
        rows = {row["student_id"]: row for row in grade(course, name)}
        failures += _unexpected(course, name, rows, mischief=number == 0, students=more)
        table += [(name, row) for row in rows.values()]
    leaks = feedback_leaks(course, names)
    print(f"\n{'chapter':<34} {'student':<12} {'score':>7} {'max':>5} {'late':>5}  status")
    for name, row in table:
        score, top, late = row["score"] or "-", row["max_score"], row["late"]
        print(f"{name:<34} {row['student_id']:<12} {score:>7} {top:>5} {late:>5}  {row['status']}")
    if failures:
        print("grades that are not as expected:")
        print("\n".join(failures))
    if leaks:
        print("hidden tests in the students' feedback:")
        print("\n".join(leaks))
    if failures or leaks:
        return 1
    print("answer key: full points; untouched student version: zero points")
    if names:
        print("endless loop: that exercise fails within the time limit; killed kernel: reported")
    print("feedback: no hidden test shown")
    return 0


def hidden_test_lines(nb: dict) -> set[str]:
    """The lines of `nb`'s hidden tests (stripped) that appear nowhere else in it and hold a
    letter or digit (a line such as `),` that the formatter leaves on its own gives nothing away
    and turns up in any page of code)."""
    hidden, elsewhere = set(), set()
    for cell in nb.get("cells", []):
        inside = False
        for line in source(cell).split("\n"):
            if BEGIN_HIDDEN in line or END_HIDDEN in line:
                inside = BEGIN_HIDDEN in line
            elif line.strip():
                (hidden if inside else elsewhere).add(line.strip())
    return {line for line in hidden - elsewhere if any(ch.isalnum() for ch in line)}


def feedback_leaks(course: Path, names: list[str]) -> list[str]:
    """Hidden-test lines found in the feedback pages of `course` (empty: none leaked)."""
    import html as html_module

    leaks = []
    for name in names:
        lines = hidden_test_lines(read_notebook(course / "source" / name / f"{name}.ipynb"))
        pages = sorted((course / "feedback").glob(f"*/{name}/*.html"))
        if not pages:
            leaks.append(f"{name}: no feedback pages in {course / 'feedback'}")
        for page in pages:
            text = page.read_text(encoding="utf-8")
            text = html_module.unescape(re.sub(r"<[^>]+>", "", text))  # the text a reader sees
            leaks += [f"{page.relative_to(course)}: {line}" for line in lines if line in text]
    return leaks


# --------------------------------------------------------------------------- site without solutions

_SKIP_COPY = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "venv",
    "_build",
    "__pycache__",
    "*.egg-info",
    ".*_cache",
    ".hypothesis",
    ".ipynb_checkpoints",
    "node_modules",
)
HIDDEN_NOTE = "# (hidden tests run here when the notebook is graded)"


def without_solutions(nb: dict) -> tuple[dict, int]:
    """`nb` with every cell from a solution-start cell to its solution-end cell removed.

    Returns the new notebook and the number of solutions removed.
    """
    kept, inside, removed = [], False, 0
    for cell in nb.get("cells", []):
        names = []
        if cell.get("cell_type") == "markdown":
            names = [m["name"] for m in DIRECTIVE.finditer(source(cell))]
        if "solution-start" in names:
            inside, removed = True, removed + 1
        if not inside and not is_rubric(cell):
            kept.append(cell)
        if "solution-end" in names:
            inside = False
    return {**nb, "cells": kept}, removed


def without_hidden_tests(nb: dict) -> tuple[dict, int]:
    """`nb` with every hidden-test region (its marker lines included) replaced by a note.

    Returns the new notebook and the number of regions removed.
    """
    cells, removed = [], 0
    for cell in nb.get("cells", []):
        text = source(cell)
        if BEGIN_HIDDEN in text:
            kept, hiding = [], False
            for line in text.split("\n"):
                if BEGIN_HIDDEN in line:
                    hiding, removed = True, removed + 1
                    kept.append(line[: len(line) - len(line.lstrip())] + HIDDEN_NOTE)
                elif END_HIDDEN in line:
                    hiding = False
                elif not hiding:
                    kept.append(line)
            cell = {**cell, "source": "\n".join(kept)}
        cells.append(cell)
    return {**nb, "cells": cells}, removed


def student_site_config(text: str, repository: str | None = None) -> str:
    """The book's `_config.yml` for a students' site.

    Without `repository`, the buttons that open the book's repository (repository, issues,
    edit, and the launch buttons Binder and Live Code, which run its notebooks) are
    switched off; with it, they open `repository` instead.
    """
    import yaml  # installed with jupyter-book

    config = yaml.safe_load(text)
    if repository:
        config.setdefault("repository", {})["url"] = repository
    else:
        html = config.setdefault("html", {})
        for button in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
            html[button] = False
        config["launch_buttons"] = {"binderhub_url": "", "thebe": False}
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def strip_solutions(out: Path, root: Path = ROOT, repository: str | None = None) -> int:
    """Copy the book in `root` to `out` for students (see the module's docstring).

    Returns how many solutions and hidden-test regions were removed.
    """
    if out.resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"{out} is inside the repository; choose a folder outside it")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(root, out, ignore=_SKIP_COPY)
    total = 0
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        nb, solutions = without_solutions(read_notebook(path))
        nb, hidden = without_hidden_tests(nb)
        total += solutions + hidden
        with open(path, "w", encoding="utf-8") as file:
            json.dump(nb, file, indent=1, ensure_ascii=False)
            file.write("\n")
    config = out / "_config.yml"
    config.write_text(student_site_config(config.read_text(encoding="utf-8"), repository))
    return total


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check the nbgrader markup of the chapters")
    check.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    for name, text in (
        ("build", "lay out an nbgrader course and generate the student versions"),
        ("selfcheck", "build, then autograde an answer key and an untouched student version"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("course", type=Path, help="the course directory to write")
        command.add_argument("--chapters", nargs="+", help="default: every chapter")
        command.add_argument(
            "--notebooks", type=Path, default=NOTEBOOKS, help="where the chapters are"
        )
        if name == "build":
            command.add_argument(
                "--no-check", action="store_true", help="skip checking the markup first"
            )
        else:
            command.add_argument(
                "--students",
                type=Path,
                help="more pretend students: FOLDER/<chapter>/<student>.json with answers and "
                "the scores they should earn",
            )
    grade_one = commands.add_parser("grade", help="collect, autograde and export one chapter")
    grade_one.add_argument("course", type=Path, help="the course directory (from `build`)")
    grade_one.add_argument("chapter", help="the chapter: number (05) or stem")
    export_one = commands.add_parser(
        "export", help="export one chapter's grades again (after grading written answers)"
    )
    export_one.add_argument("course", type=Path, help="the course directory (from `build`)")
    export_one.add_argument("chapter", help="the chapter: number (05) or stem")
    strip = commands.add_parser("strip-solutions", help="copy the book without its solutions")
    strip.add_argument("out", type=Path, help="folder to write (outside the repository)")
    strip.add_argument(
        "--student-repository",
        metavar="URL",
        help="a repository of the stripped copy for the site's buttons (default: no buttons)",
    )
    args = parser.parse_args(argv)

    if args.command == "check":
        paths = args.notebooks or chapter_notebooks()
        if not paths:
            print(f"no chapter notebooks ({CHAPTER_GLOB}) in {NOTEBOOKS}")
            return 1
        problems = check_notebooks(paths)
        for path in paths:
            count, points = exercise_summary(path)
            print(f"{path.name:<40} {count:>2} graded exercises, {points:g} points")
        if problems:
            print(f"\n{len(problems)} problem(s):")
            print("\n".join(problems))
            return 1
        print(f"\nexercise markup OK in {len(paths)} notebook(s)")
        return 0
    if args.command == "strip-solutions":
        removed = strip_solutions(args.out, repository=args.student_repository)
        print(f"removed {removed} solutions and hidden-test regions")
        print(f"now run: jupyter-book build {args.out}")
        return 0
    if args.command == "grade":
        grade(args.course.resolve(), resolve_chapters([args.chapter])[0].stem)
        return 0
    if args.command == "export":
        export(args.course.resolve(), resolve_chapters([args.chapter])[0].stem)
        return 0
    chapters = resolve_chapters(args.chapters, args.notebooks)
    course = args.course.resolve()
    if args.command == "build":
        build(course, chapters, check=not args.no_check)
        return 0
    return selfcheck(course, chapters, args.students)


if __name__ == "__main__":
    sys.exit(main())
