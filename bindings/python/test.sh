#!/usr/bin/env bash
# Runs the Python binding's tests (pytest: vectors, foreign threads, API) and
# its example. Usage: bash bindings/python/test.sh   (from any directory)
# Env: AUDIT_LOGGER_LIB, AUDIT_VECTORS_DIR, AUDIT_PRODUCER_LIB, PYTHON (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binding=python
source "$here/../../tests/bindings/prologue.sh"
need_library
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || skip "$python not found"
"$python" -c 'import ctypes' >/dev/null 2>&1 || skip "the ctypes module of $python"
"$python" -c 'import pytest' >/dev/null 2>&1 || skip "pytest for $python (pip install pytest)"
need_producer
export PYTHONDONTWRITEBYTECODE=1  # keep the source tree clean

# Each test that could hang has its own 60 s guard; this bounds the whole run.
guard=()
if command -v timeout >/dev/null 2>&1; then guard=(timeout 600); fi

cd "$here"
${guard[@]+"${guard[@]}"} "$python" -m pytest -p no:cacheprovider tests
${guard[@]+"${guard[@]}"} "$python" examples/quickstart.py

# The type hints: user code checks under mypy --strict, and code with type
# errors is refused (tests/packaging runs the same against an installed wheel).
mypy=()
if "$python" -m mypy --version >/dev/null 2>&1; then
    mypy=("$python" -m mypy)
elif [ -x "${AUDIT_PY_TOOLS:-$HOME/.cache/audit-logger/py-tools}/bin/mypy" ]; then
    mypy=("${AUDIT_PY_TOOLS:-$HOME/.cache/audit-logger/py-tools}/bin/mypy")
fi
if [ ${#mypy[@]} -eq 0 ]; then
    if [ -n "${CI:-}" ]; then echo "python binding: mypy is not installed (.ci/run installs it)" >&2; exit 1; fi
    echo "SKIPPED: python binding: mypy check (pip install mypy)"
else
    typing="$repo/tests/packaging/python"
    mypy+=(--strict --follow-imports=silent --no-incremental --cache-dir=/dev/null)
    MYPYPATH="$here" "${mypy[@]}" "$typing/typed_ok.py"
    if MYPYPATH="$here" "${mypy[@]}" "$typing/typed_bad.py" >/dev/null 2>&1; then
        echo "python binding: mypy accepted $typing/typed_bad.py" >&2
        exit 1
    fi
    echo "mypy: typed_ok.py passes --strict, typed_bad.py is refused"
fi
${guard[@]+"${guard[@]}"} bash "$repo/tests/packaging/check_help.sh" "$python" "$here/examples/quickstart.py"
