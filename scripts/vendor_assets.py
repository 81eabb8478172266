"""Write the JavaScript, fonts and icons that the built book needs into ``book/_static/vendored/``.

Usage:
    python scripts/vendor_assets.py           # fetch and build everything, rewrite vendored/
    python scripts/vendor_assets.py --check   # offline: the committed files match VERSIONS.json

Out of the box a Jupyter Book page loads MathJax and the ipywidgets HTML manager from
public CDNs, so a reader without internet access sees raw TeX and no widgets. The book
serves both from its own ``_static/vendored/`` folder instead (``mathjax_path`` and
``nb_ipywidgets_js`` in ``_config.yml``). The files are committed, so building the book
needs nothing but Python; this script is how they were made, and how to update them:

1. change a version in ``PACKAGES`` below, or in ``scripts/widgets-bundle/`` (then run
   ``npm install`` there to update its ``package-lock.json``),
2. run this script. It needs ``npm`` and ``node``: tarballs come from the npm registry
   through ``npm pack``, each checked against its pinned ``integrity``, and each of
   ``BUNDLES`` is built from its lock file (``npm ci``, then its ``build.mjs``),
3. rebuild the book, run ``pytest tests/test_site.py`` (it opens every page in a
   browser that may only talk to 127.0.0.1) and ``python benchmarks/bench_book.py``.

Only the files that pages load are kept (not the whole 24 MB MathJax package), with each
package's licence. ``VERSIONS.json`` records the package versions, tarball checksums, the
SHA-256 of each bundle's sources and of every vendored file; ``--check`` recomputes them.

The same way, ``TEST_PACKAGES`` are fetched into ``tests/assets/`` (with their own
``tests/assets/VERSIONS.json``, also verified by ``--check``): files that only the tests
load into a browser page (axe-core, the accessibility checker). The site never ships them.
"""

import argparse
import base64
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "book" / "_static" / "vendored"

# Each package: npm name and version, the tarball's npm ``integrity`` (sha512), the folder
# under vendored/ it goes to, and which files to keep: (pattern inside the tarball, target
# folder). A pattern ending in "/" keeps that folder's files under the same relative paths.
PACKAGES = [
    {
        "name": "mathjax",
        "version": "3.2.2",
        "integrity": "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/"
        "O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        "license": "Apache-2.0",
        "dest": "mathjax",
        "purpose": "renders the TeX on every page with equations (mathjax_path)",
        # One file, tex-chtml-nomenu.js: the components of MathJax's own tex-chtml.js
        # (TeX input, CommonHTML output, assistive MathML for screen readers) minus its
        # right-click menu (ui/menu, 426 KB of the 1.16 MB). See MATHJAX_PROLOGUE.
        "combine": {
            "target": "tex-chtml-nomenu.js",
            "parts": [
                "package/es5/startup.js",
                "package/es5/core.js",
                "package/es5/input/tex.js",
                "package/es5/output/chtml.js",
                "package/es5/output/chtml/fonts/tex.js",
                "package/es5/a11y/assistive-mml.js",
            ],
        },
        "keep": [
            # Fonts, fetched on demand relative to tex-chtml-nomenu.js.
            ("package/es5/output/chtml/fonts/woff-v2/", "output/chtml/fonts/woff-v2"),
            # TeX extensions that the autoload package fetches on first use
            # (\boldsymbol, \cancel, \color, mathtools, ...). all-packages.js is never
            # loaded by autoload, so it is left out.
            ("package/es5/input/tex/extensions/", "input/tex/extensions"),
            ("package/LICENSE", ""),
        ],
        "drop": ["package/es5/input/tex/extensions/all-packages.js"],
    },
    {
        # The GitHub mark of the repository buttons, the only Font Awesome "brands" icon
        # on the pages: ../book.css draws it from this SVG (inlined there as a data URL),
        # so that no page downloads the theme's 118 KB brands web font. Same version as
        # the theme's Font Awesome.
        "name": "@fortawesome/fontawesome-free",
        "version": "6.5.2",
        "integrity": "sha512-hRILoInAx8GNT5IMkrtIt9blOdrqHOnPBH+k70aWUAqPZPgopb9G5EQJFpaBx/"
        "S8zp2fC+mPW349Bziuk1o28Q==",
        "license": "CC-BY-4.0 (icons), MIT (code)",
        "dest": "fontawesome",
        "purpose": "the GitHub icon of the repository buttons (inlined in book.css)",
        "keep": [
            ("package/svgs/brands/github.svg", ""),
            ("package/LICENSE.txt", ""),
        ],
        "drop": [],
    },
]

# Fetched into tests/assets/ (TEST_ASSETS), not into the site: what the browser tests
# inject into the pages they open. Same fields as PACKAGES.
TEST_ASSETS = ROOT / "tests" / "assets"
TEST_PACKAGES = [
    {
        "name": "axe-core",
        "version": "4.14.1",
        "integrity": "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76"
        "ASyFNNtuFooJpZe37OgudVGtQ==",
        "license": "MPL-2.0 (bundled parts: MIT, ISC; LICENSE-3RD-PARTY.txt)",
        "dest": "axe-core",
        "purpose": "the accessibility checks of the browser tests (page.add_script_tag)",
        # axe.min.js carries its MPL-2.0 notice in its first comment, unchanged.
        "keep": [
            ("package/axe.min.js", ""),
            ("package/LICENSE", ""),
            ("package/LICENSE-3RD-PARTY.txt", ""),
        ],
        "drop": [],
    },
]

# Built here rather than fetched: the ipywidgets manager of the widget pages. The stock
# @jupyter-widgets/html-manager embed.js is 1.9 MB (ipywidgets 7 and 8, the Output
# widget with JupyterLab's rendermime, Font Awesome 5); scripts/widgets-bundle/ bundles
# only ipywidgets 8's base, the controls the pages use and anywidget's front end
# (0.68 MB), from the exact npm versions of its package-lock.json, with esbuild. See its
# README.md.
BUNDLES = [
    {
        "name": "widgets-bundle",
        "source": "scripts/widgets-bundle",
        "inputs": [
            "package.json",
            "package-lock.json",
            "build.mjs",
            "amd-rewrite.mjs",
            "src/",
            "licenses/",
        ],
        "dest": "widgets",
        "keep": ["embed.js", "THIRD-PARTY-LICENSES.txt"],
        "license": "BSD-3-Clause and others (THIRD-PARTY-LICENSES.txt)",
        "purpose": "draws the stored ipywidgets and anywidget state on pages with widgets "
        "(nb_ipywidgets_js)",
    },
]

# Glue around the combined MathJax file. startup.js, run first, asks its loader for the
# components in MathJax.config.loader.load, and would fetch each as a separate file: the
# prologue empties that list, since the components follow in the same file. startup.js
# starts the page's typesetting only after a promise resolves, i.e. once this whole file
# has run and every component has registered itself. The epilogue then tells the loader
# these components are present, as tex-chtml.js does, so a TeX extension fetched later
# (\boldsymbol, \cancel, ...) does not fetch its dependencies again.
MATHJAX_PROLOGUE = (
    "/* MathJax 3.2.2 components startup, core, input/tex, output/chtml, fonts/tex and\n"
    " * a11y/assistive-mml in one file (tex-chtml.js without ui/menu), written by\n"
    " * scripts/vendor_assets.py. MathJax licence: LICENSE in this folder. */\n"
    "(function () {\n"
    "  var config = (window.MathJax = window.MathJax || {});\n"
    "  config.loader = config.loader || {};\n"
    "  config.loader.load = [];\n"
    "})();\n"
)
MATHJAX_EPILOGUE = (
    'MathJax.loader.preLoad("startup", "core", "input/tex", "output/chtml",'
    ' "output/chtml/fonts/tex.js", "a11y/assistive-mml");\n'
)

README = """\
# Vendored assets

The built book serves these files itself, so that its pages work without internet
access and make no request to any other host. Do not edit them by hand: they are
written by `scripts/vendor_assets.py`, which fetches the pinned npm packages below,
checks each tarball against its recorded checksum and keeps only what pages load.
`VERSIONS.json` lists the SHA-256 of every file; `python scripts/vendor_assets.py
--check` verifies them.

| Package | Version | Licence | Kept in | Used for |
| --- | --- | --- | --- | --- |
{rows}

Built here, from `scripts/widgets-bundle/` (its `package-lock.json` pins every npm
package that goes in):

| Bundle | Licence | Kept in | Used for |
| --- | --- | --- | --- |
{bundle_rows}

Licence files: `mathjax/LICENSE`, `fontawesome/LICENSE.txt` and
`widgets/THIRD-PARTY-LICENSES.txt` (every npm package bundled in `widgets/embed.js`,
with its version and licence text).

MathJax is served as one file, `mathjax/tex-chtml-nomenu.js`: the components of
MathJax's `tex-chtml.js` (TeX input, CommonHTML output, and the hidden MathML copy of
every equation that screen readers read) joined by the script, minus the right-click
menu (`ui/menu`, 426 KB of `tex-chtml.js`'s 1.16 MB) and so minus the menu's optional
accessibility explorer (`a11y/` and `sre/`, about 4 MB). TeX extensions such as
`\\boldsymbol` load on first use from `mathjax/input/tex/extensions/`.

`widgets/embed.js` stands in for the `embed.js` of `@jupyter-widgets/html-manager`
1.0.15 (1.9 MB): it draws the stored widget state the same way, but knows only
ipywidgets 8's base, the controls the pages store and anywidget's front end (module
`anywidget`, whose widgets' `_esm` source loads from a Blob URL), 0.68 MB. A page that
stores any other widget, or an anywidget model for a version other than the bundled
one, shows an error box in its place and fails `tests/test_site.py`: add the control to
`scripts/widgets-bundle/src/controls.js` (or update anywidget there) and run this
script.
Widget icons (the Play buttons) are drawn by the theme's Font Awesome 6.

`../widgets-mathjax3.js` (not vendored, ours) lets the widget labels call MathJax 3.
"""

TEST_README = """\
# Test assets

Files that only the tests load into the pages they open in a browser; the built book
never ships them. Do not edit them by hand: they are written by
`scripts/vendor_assets.py`, which fetches the pinned npm packages below and checks each
tarball against its recorded checksum. `VERSIONS.json` lists the SHA-256 of every file;
`python scripts/vendor_assets.py --check` verifies them.

| Package | Version | Licence | Kept in | Used for |
| --- | --- | --- | --- | --- |
{rows}

`axe-core/axe.min.js` is the unmodified file of the npm package `axe-core` 4.14.1 (its
MPL-2.0 notice is its first comment). Its source code is that package's `axe.js`, and the
repository https://github.com/dequelabs/axe-core at the tag `v4.14.1`. `axe-core/LICENSE`
is the Mozilla Public License 2.0; `axe-core/LICENSE-3RD-PARTY.txt` holds the MIT and ISC
licences of the code axe-core bundles.
"""


def sri_sha512(data: bytes) -> str:
    """npm's ``integrity`` string of a tarball: ``sha512-`` + base64 of the digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(spec: str, workdir: Path) -> Path:
    """Download ``name@version`` from the npm registry with ``npm pack``; return the tarball."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("error: the npm command is needed to fetch packages (apt-get install npm)")
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    if proc.returncode != 0:
        sys.exit(f"error: npm pack {spec} failed:\n{proc.stderr}")
    return workdir / json.loads(proc.stdout)[0]["filename"]


def selected_members(tar: tarfile.TarFile, package: dict) -> list[tuple[tarfile.TarInfo, str]]:
    """The tarball members to keep, each with its path relative to the package's folder."""
    chosen = []
    for member in tar.getmembers():
        if not member.isfile() or member.name in package["drop"]:
            continue
        for pattern, target in package["keep"]:
            if pattern.endswith("/"):
                if member.name.startswith(pattern):
                    rel = member.name[len(pattern) :]
                    chosen.append((member, f"{target}/{rel}"))
                    break
            elif fnmatch.fnmatchcase(member.name, pattern):
                name = Path(member.name).name
                if target.endswith((".txt", ".js", ".md")):
                    rel = target  # a file renamed on the way in
                else:
                    rel = f"{target}/{name}" if target else name
                chosen.append((member, rel))
                break
    for pattern, _ in package["keep"]:
        if not any(
            m.name.startswith(pattern) or fnmatch.fnmatchcase(m.name, pattern) for m, _ in chosen
        ):
            sys.exit(f"error: {package['name']}@{package['version']} has no file {pattern!r}")
    return chosen


def combined_mathjax(tar: tarfile.TarFile, parts: list[str]) -> bytes:
    """The MathJax component files ``parts``, in order, as one script (see MATHJAX_PROLOGUE)."""
    chunks = [MATHJAX_PROLOGUE.encode("utf-8")]
    for name in parts:
        try:
            member = tar.getmember(name)
        except KeyError:
            sys.exit(f"error: the mathjax tarball has no file {name!r}")
        chunks.append(tar.extractfile(member).read().rstrip() + b"\n")
    chunks.append(MATHJAX_EPILOGUE.encode("utf-8"))
    return b"".join(chunks)


def bundle_inputs(bundle: dict) -> dict[str, str]:
    """SHA-256 of every source file of a bundle (``inputs``: files, or folders ending "/")."""
    source = ROOT / bundle["source"]
    digests = {}
    for name in bundle["inputs"]:
        paths = sorted(p for p in (source / name).rglob("*") if p.is_file())
        for path in paths if name.endswith("/") else [source / name]:
            digests[path.relative_to(source).as_posix()] = sha256(path)
    return digests


def build_bundle(bundle: dict, workdir: Path, staging: Path) -> dict[str, str]:
    """Build one of ``BUNDLES`` in a copy of its folder; copy its files into ``staging``."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        sys.exit("error: npm and node are needed to build the widget bundle (apt-get install npm)")
    copy = workdir / bundle["name"]
    shutil.copytree(
        ROOT / bundle["source"], copy, ignore=shutil.ignore_patterns("node_modules", "dist")
    )
    for command in (
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        [node, "build.mjs", str(copy / "dist")],
    ):
        proc = subprocess.run(command, capture_output=True, text=True, cwd=copy)
        if proc.returncode != 0:
            sys.exit(
                f"error: {' '.join(command[:2])} failed in {bundle['source']}:\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
    files = {}
    for name in bundle["keep"]:
        out = staging / bundle["dest"] / name
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy / "dist" / name, out)
        files[f"{bundle['dest']}/{name}"] = sha256(out)
    return files


def vendor_package(package: dict, workdir: Path, staging: Path) -> dict:
    """Fetch one of ``PACKAGES`` (or ``TEST_PACKAGES``) into ``staging``; its record entry."""
    spec = f"{package['name']}@{package['version']}"
    tarball = npm_pack(spec, workdir)
    integrity = sri_sha512(tarball.read_bytes())
    if integrity != package["integrity"]:
        sys.exit(f"error: {spec} tarball checksum is {integrity}, expected {package['integrity']}")
    files = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member, rel in selected_members(tar, package):
            out = staging / package["dest"] / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(tar.extractfile(member).read())
            files[f"{package['dest']}/{rel}"] = sha256(out)
        if "combine" in package:
            rel = package["combine"]["target"]
            out = staging / package["dest"] / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(combined_mathjax(tar, package["combine"]["parts"]))
            files[f"{package['dest']}/{rel}"] = sha256(out)
    size = sum((staging / f).stat().st_size for f in files)
    print(f"{spec:42s} {len(files):3d} files {size / 1e6:6.2f} MB")
    return {
        "name": package["name"],
        "version": package["version"],
        "integrity": package["integrity"],
        "license": package["license"],
        "purpose": package["purpose"],
        "files": dict(sorted(files.items())),
    }


def package_rows(packages: list[dict]) -> str:
    """The rows of a README's package table."""
    return "\n".join(
        f"| `{p['name']}` | {p['version']} | {p['license']} | `{p['dest']}/` | {p['purpose']} |"
        for p in packages
    )


def fetch_test_assets(workdir: Path) -> None:
    """Rewrite the folders of ``TEST_PACKAGES`` in ``tests/assets/`` and its VERSIONS.json."""
    staging = workdir / "test-assets"
    record = {"packages": [vendor_package(p, workdir, staging) for p in TEST_PACKAGES]}
    (staging / "README.md").write_text(
        TEST_README.format(rows=package_rows(TEST_PACKAGES)), encoding="utf-8"
    )
    (staging / "VERSIONS.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    TEST_ASSETS.mkdir(parents=True, exist_ok=True)
    for package in TEST_PACKAGES:
        if (TEST_ASSETS / package["dest"]).exists():
            shutil.rmtree(TEST_ASSETS / package["dest"])
    shutil.copytree(staging, TEST_ASSETS, dirs_exist_ok=True)
    print(f"wrote {TEST_ASSETS.relative_to(ROOT)}")


def fetch() -> None:
    """Rebuild ``book/_static/vendored/`` from the pinned packages and the bundles."""
    record = {"packages": [], "bundles": []}
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "vendor"
        for package in PACKAGES:
            record["packages"].append(vendor_package(package, Path(tmp), staging))
        for bundle in BUNDLES:
            files = build_bundle(bundle, Path(tmp), staging)
            record["bundles"].append(
                {
                    "name": bundle["name"],
                    "source": bundle["source"],
                    "license": bundle["license"],
                    "purpose": bundle["purpose"],
                    "inputs": bundle_inputs(bundle),
                    "files": dict(sorted(files.items())),
                }
            )
            size = sum((staging / f).stat().st_size for f in files)
            print(f"{bundle['source']:42s} {len(files):3d} files {size / 1e6:6.2f} MB")
        rows = package_rows(PACKAGES)
        bundle_rows = "\n".join(
            f"| `{b['source']}/` | {b['license']} | `{b['dest']}/` | {b['purpose']} |"
            for b in BUNDLES
        )
        (staging / "README.md").write_text(
            README.format(rows=rows, bundle_rows=bundle_rows), encoding="utf-8"
        )
        (staging / "VERSIONS.json").write_text(
            json.dumps(record, indent=2) + "\n", encoding="utf-8"
        )
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        VENDOR.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, VENDOR)
        total = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
        print(f"wrote {VENDOR.relative_to(ROOT)} ({total / 1e6:.2f} MB)")
        fetch_test_assets(Path(tmp))


def check_files(root: Path, expected: dict[str, str], present: set[str]) -> list[str]:
    """Compare the files ``present`` under ``root`` with their ``expected`` SHA-256."""
    problems = []
    label = root.relative_to(ROOT).as_posix() if root.is_relative_to(ROOT) else str(root)
    for rel in sorted(expected.keys() - present):
        problems.append(f"missing: {label}/{rel}")
    for rel in sorted(present - expected.keys()):
        problems.append(f"not listed in {label}/VERSIONS.json: {label}/{rel}")
    for rel in sorted(expected.keys() & present):
        if sha256(root / rel) != expected[rel]:
            problems.append(f"changed since it was vendored: {label}/{rel}")
    return problems


def pinned_matches(packages: list[dict], record: dict, where: str) -> list[str]:
    """A problem if the packages recorded in a VERSIONS.json are not the pinned ones."""
    pinned = {(p["name"], p["version"], p["integrity"]) for p in packages}
    recorded = {(p["name"], p["version"], p["integrity"]) for p in record["packages"]}
    if pinned == recorded:
        return []
    return [
        f"{where} does not match the versions pinned in scripts/vendor_assets.py: "
        "run python scripts/vendor_assets.py"
    ]


def check_test_assets(test_assets: Path = TEST_ASSETS) -> list[str]:
    """Compare the folders of ``TEST_PACKAGES`` in ``test_assets`` with its VERSIONS.json."""
    versions = test_assets / "VERSIONS.json"
    if not versions.is_file():
        return [f"{versions} is missing: run python scripts/vendor_assets.py"]
    record = json.loads(versions.read_text(encoding="utf-8"))
    problems = pinned_matches(TEST_PACKAGES, record, "tests/assets/VERSIONS.json")
    expected = {}
    for entry in record["packages"]:
        expected.update(entry["files"])
    # Only the packages' folders are the script's: tests/assets/ may hold other files.
    present = {
        f.relative_to(test_assets).as_posix()
        for package in TEST_PACKAGES
        for f in (test_assets / package["dest"]).rglob("*")
        if f.is_file()
    }
    return problems + check_files(test_assets, expected, present)


def check(vendor: Path = VENDOR, test_assets: Path | None = TEST_ASSETS) -> list[str]:
    """Compare the files in ``vendor`` (and ``test_assets``) with their ``VERSIONS.json``.

    Returns the problems found; reads no network.
    """
    versions = vendor / "VERSIONS.json"
    if not versions.is_file():
        return [f"{versions} is missing: run python scripts/vendor_assets.py"]
    record = json.loads(versions.read_text(encoding="utf-8"))
    expected = {}
    for entry in record["packages"] + record.get("bundles", []):
        expected.update(entry["files"])
    problems = pinned_matches(PACKAGES, record, "VERSIONS.json")
    built = {b["name"]: b["inputs"] for b in record.get("bundles", [])}
    for bundle in BUNDLES:
        if built.get(bundle["name"]) != bundle_inputs(bundle):
            problems.append(
                f"{bundle['source']}/ changed since {bundle['dest']}/ was built: "
                "run python scripts/vendor_assets.py"
            )
    present = {
        f.relative_to(vendor).as_posix()
        for f in vendor.rglob("*")
        if f.is_file() and f.name not in ("VERSIONS.json", "README.md")
    }
    problems += check_files(vendor, expected, present)
    if test_assets is not None:
        problems += check_test_assets(test_assets)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="verify the vendored files (no network)"
    )
    args = parser.parse_args()
    if args.check:
        problems = check()
        for problem in problems:
            print(problem)
        if problems:
            sys.exit(1)
        print(
            f"{VENDOR.relative_to(ROOT)} and {TEST_ASSETS.relative_to(ROOT)} "
            "match their VERSIONS.json"
        )
    else:
        fetch()


if __name__ == "__main__":
    main()
