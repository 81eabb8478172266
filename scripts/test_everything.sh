#!/usr/bin/env bash
# Run every test this machine can run, in one command, from the repository root:
#
#     bash scripts/test_everything.sh            # reuse the environments that exist
#     bash scripts/test_everything.sh --fresh    # rebuild all of them from nothing
#
# What `python -m pytest` alone skips, this script sets up first:
#   1. .venv             the dev environment (requirements-dev.txt), plus torch==2.13.0
#                        for the live PyTorch comparisons (skipped, with a note, if pip
#                        cannot install it);
#   2. .venv-classroom   nbgrader (requirements-classroom.txt), for the grading tests;
#   3. .venv-binder      binder/requirements.txt, to run every chapter as Binder would;
#   4. scripts/widgets-bundle/node_modules (npm ci), for the widget bundle's build test.
# Then it lints, runs every notebook under nbval twice at once, with the default OpenBLAS
# kernel and with a second kernel and one thread (so that an output that depends on the
# processor fails here, on the machine that wrote it, and not on a reader's), and runs the
# rest of pytest: unit tests, the book build and the browser tests. The browser tests need
# Debian's chromium (`apt-get install chromium`); .ci/run installs it.
#
# Exit code: 0 when everything passed; otherwise the first failing step's.
set -euo pipefail

cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONUNBUFFERED=1
# Matplotlib caches the paths of the fonts of the environment that first built its cache;
# a cache shared with other checkouts (~/.cache/matplotlib) can name fonts that were since
# deleted, and the warnings it then prints reach the notebooks' outputs. One per checkout.
export MPLCONFIGDIR="${MPLCONFIGDIR:-$PWD/.cache/matplotlib}"
PYTHON=${PYTHON:-python3}

fresh=0
for arg in "$@"; do
    case "$arg" in
        --fresh) fresh=1 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg (expected --fresh or --help)" >&2; exit 2 ;;
    esac
done

start_all=$(date +%s)
phase_start=$start_all
phase() {
    local now
    now=$(date +%s)
    echo "::: $1 took $((now - phase_start)) s"
    phase_start=$now
}

# make_env DIR REQUIREMENTS... : a virtual environment in DIR with the requirements
# installed (built from nothing with --fresh or when DIR has no python).
make_env() {
    local dir=$1
    shift
    if [ "$fresh" -eq 1 ] || [ ! -x "$dir/bin/python" ]; then
        rm -rf "$dir"
        "$PYTHON" -m venv "$dir"
    fi
    # A '*' .gitignore keeps the extra environments out of `git status`; _config.yml
    # keeps them out of the book build (exclude_patterns).
    [ "$dir" = .venv ] || echo '*' > "$dir/.gitignore"
    "$dir/bin/python" -m pip install -q "$@"
}

echo "::: dev environment (.venv)"
make_env .venv -r requirements-dev.txt
phase "dev environment"

echo "::: optional PyTorch"
if .venv/bin/python -m pip install -q torch==2.13.0; then
    echo "torch installed: the PyTorch comparisons will run"
else
    echo "NOTE: could not install torch==2.13.0; the PyTorch comparisons will be skipped"
fi
phase "optional PyTorch"

echo "::: classroom environment (.venv-classroom)"
make_env .venv-classroom -r requirements-classroom.txt
export LSTM_MAGNIFIER_CLASSROOM_PYTHON="$PWD/.venv-classroom/bin/python"
phase "classroom environment"

echo "::: Binder environment (.venv-binder)"
# Binder brings its own Jupyter server and kernel; nbconvert and ipykernel stand in for them.
make_env .venv-binder -r binder/requirements.txt nbconvert ipykernel
export LSTM_MAGNIFIER_BINDER_PYTHON="$PWD/.venv-binder/bin/python"
phase "Binder environment"

echo "::: the widget bundle's npm packages (scripts/widgets-bundle)"
# The test that the bundle's build refuses a changed anywidget runs the real build.mjs,
# so it needs the pinned packages of package-lock.json.
if command -v npm >/dev/null 2>&1; then
    (cd scripts/widgets-bundle && npm ci --no-audit --no-fund --loglevel=error)
else
    echo "NOTE: npm is missing; the widget bundle's build test will be skipped"
fi
phase "widget bundle's npm packages"

echo "::: lint"
lint_status=0
.venv/bin/ruff check . || lint_status=$?
phase "lint"

# The second kernel: training turns last-bit differences between BLAS kernels into
# visible ones, so every notebook must print the same under a kernel other than the
# one this processor picks. Prescott (x86-64) and ARMV8 (ARM) are OpenBLAS's plain
# kernels: no FMA, other blocking, other summation order than the default ones.
case "$(uname -m)" in
    aarch64|arm64) second_kernel=ARMV8 ;;
    *) second_kernel=Prescott ;;
esac
# The notebooks are the slowest part: run them under nbval twice at once, one process per
# core, with the processor's own kernel and with the second one, then the rest of the tests.
# Both use one BLAS thread: two processes of two threads each on two cores wait on each other
# (measured: 457 s against 210 s). OpenBLAS splits a matrix product between threads by rows
# and columns, not along the sum, so the outputs stored with two threads pass with one.
# `pytest notebooks` and `pytest tests` together are the README's `pytest` (its testpaths).
echo "::: notebooks under nbval, the processor's kernel and OPENBLAS_CORETYPE=$second_kernel" \
    "side by side, OPENBLAS_NUM_THREADS=1"
drift_status=0
notebook_status=0
drift_log=$(mktemp)
OPENBLAS_CORETYPE=$second_kernel OPENBLAS_NUM_THREADS=1 \
    .venv/bin/python -m pytest notebooks -p no:cacheprovider -q >"$drift_log" 2>&1 &
drift_pid=$!
OPENBLAS_NUM_THREADS=1 .venv/bin/python -m pytest notebooks -p no:cacheprovider -q \
    || notebook_status=$?
wait "$drift_pid" || drift_status=$?
echo "::: the same notebooks under the second kernel ($second_kernel):"
cat "$drift_log"
rm -f "$drift_log"
phase "notebooks under both kernels"

echo "::: tests (the rest of the README's test command, with every environment present)"
test_status=0
.venv/bin/python -m pytest tests || test_status=$?
if [ "$notebook_status" -ne 0 ] && [ "$test_status" -eq 0 ]; then
    test_status=$notebook_status
fi
phase "tests"

# tests/test_site.py saves a screenshot of one chapter: keep _build/screenshots/ as an artifact.
if compgen -G "_build/screenshots/*.png" >/dev/null; then
    echo "::: artifacts: $(ls _build/screenshots/*.png | tr '\n' ' ')"
fi

echo "::: total $(( $(date +%s) - start_all )) s" \
    "(ruff exit $lint_status, pytest exit $test_status, second kernel exit $drift_status)"
for status in "$test_status" "$drift_status" "$lint_status"; do
    if [ "$status" -ne 0 ]; then
        exit "$status"
    fi
done
