"""The whole book builds with Jupyter Book in strict mode, and every page of the TOC exists.

The build runs ``jupyter-book build <repo> --path-output <tmp> -W -n --keep-going`` so that
the repository itself is left untouched. Notebooks are not executed by the build (see
``execute_notebooks: "off"`` in ``_config.yml``): their stored outputs are checked by nbval.
"""

import re
from pathlib import Path

import pytest

pytest.importorskip(
    "jupyter_book", reason="jupyter-book is not installed (pip install -r requirements.txt)"
)
yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (it comes with jupyter-book)")

pytestmark = [pytest.mark.book, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]

# Sphinx reports problems as "file:line: WARNING: ..." / "ERROR: ..."; Jupyter Book's own
# notices look like "[Warning] ...". Colour codes are stripped before matching.
PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL|SEVERE):|\[Warning\]")


def toc_files(entry) -> list[str]:
    """Every ``file:`` and ``root:`` named anywhere in a parsed ``_toc.yml``, in order."""
    files = []
    if isinstance(entry, dict):
        for key in ("root", "file"):
            if key in entry:
                files.append(str(entry[key]))
        for value in entry.values():
            if isinstance(value, (list, dict)):
                files += toc_files(value)
    elif isinstance(entry, list):
        for item in entry:
            files += toc_files(item)
    return files


def page_name(file: str) -> str:
    """TOC entries may be written with or without the source suffix."""
    return re.sub(r"\.(md|ipynb)$", "", file)


@pytest.fixture(scope="module")
def build(book_build):
    return book_build


def test_book_builds_without_errors(build):
    returncode, log, html = build
    assert returncode == 0, f"jupyter-book build failed:\n{log[-6000:]}"
    assert (html / "index.html").is_file()


def test_book_build_prints_no_warnings(build):
    _, log, _ = build
    problems = [line for line in log.splitlines() if PROBLEM.search(line)]
    assert problems == [], "the build printed warnings:\n" + "\n".join(problems[:50])


def test_every_toc_entry_has_an_html_page(build):
    *_, html = build
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = toc_files(toc)
    assert files, "_toc.yml names no pages"
    assert len(files) == len(set(files)), f"a page appears twice in _toc.yml: {files}"
    missing = [f for f in files if not (html / f"{page_name(f)}.html").is_file()]
    assert missing == [], f"TOC entries without an HTML page: {missing}"


def test_every_chapter_page_has_launch_buttons(build):
    *_, html = build
    repo = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    org_repo = repo["url"].rstrip("/").split("github.com/")[1]
    chapters = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert chapters, "no chapter notebooks found"
    for nb in chapters:
        page = (html / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        binder = f"mybinder.org/v2/gh/{org_repo}/{repo['branch']}"
        binder += f"?urlpath=lab/tree/notebooks/{nb.name}"
        assert binder in page, f"{nb.stem}: no Binder launch button"
        assert "initThebeSBT()" in page, f"{nb.stem}: no Live Code button"
