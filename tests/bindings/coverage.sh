#!/usr/bin/env bash
# Checks that a binding's README covers the whole C API.
#
# Usage: bash tests/bindings/coverage.sh <binding> [<binding>...]
#        (binding: go, node, ruby, python or cpp; from any directory)
#
# Every function declared in include/audit_logger.h must have a row in the
# table under the README's "## C functions covered" heading:
#
#   | C function | <language> |
#   |---|---|
#   | `audit_log` | `AuditLogger.log()` |
#   | `audit_string_free` | internal: ... (a stated reason, when no API maps to it) |
#
# The second cell must not be empty. A row naming a function the header does
# not declare fails too (a stale table), as does a function listed twice.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
header="$repo/include/audit_logger.h"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <binding>..." >&2
    exit 2
fi

# Function declarations: a line starting with a type, then `audit_name(`.
mapfile -t exported < <(grep -oE '^[A-Za-z][A-Za-z0-9_ *]*[ *]audit_[a-z0-9_]+\(' "$header" |
    grep -oE 'audit_[a-z0-9_]+\($' | tr -d '(' | sort -u)
if [ "${#exported[@]}" -lt 40 ]; then
    echo "coverage: found only ${#exported[@]} functions in $header; is the pattern out of date?" >&2
    exit 1
fi

status=0
for binding in "$@"; do
    readme="$repo/bindings/$binding/README.md"
    if [ ! -f "$readme" ]; then
        echo "coverage: $readme does not exist" >&2
        status=1
        continue
    fi
    # The rows of the first table after the heading: "name<TAB>second cell".
    rows="$(awk '
        /^## C functions covered/ { section = 1; next }
        section && /^## / { exit }
        section && /^\| *`audit_[a-z0-9_]+`/ {
            n = split($0, cell, "|")
            name = cell[2]; gsub(/[ `]/, "", name)
            what = cell[3]; gsub(/^ +| +$/, "", what)
            print name "\t" what
        }' "$readme")"
    if [ -z "$rows" ]; then
        echo "coverage: $binding: $readme has no table of C functions under '## C functions covered'" >&2
        status=1
        continue
    fi
    bad=0
    for fn in "${exported[@]}"; do
        line="$(printf '%s\n' "$rows" | awk -F'\t' -v fn="$fn" '$1 == fn' )"
        count="$(printf '%s' "$line" | grep -c . || true)"
        if [ "$count" -eq 0 ]; then
            echo "coverage: $binding: $fn is exported by the header but not in the README's table" >&2
            bad=1
        elif [ "$count" -gt 1 ]; then
            echo "coverage: $binding: $fn is listed $count times" >&2
            bad=1
        elif [ -z "$(printf '%s' "$line" | cut -f2)" ]; then
            echo "coverage: $binding: $fn has no binding API and no stated reason" >&2
            bad=1
        fi
    done
    while IFS=$'\t' read -r name _; do
        if ! printf '%s\n' "${exported[@]}" | grep -x "$name" >/dev/null; then
            echo "coverage: $binding: the README lists $name, which the header does not declare" >&2
            bad=1
        fi
    done <<<"$rows"
    if [ "$bad" -eq 0 ]; then
        echo "coverage: $binding: all ${#exported[@]} functions of the header are covered"
    else
        status=1
    fi
done
exit "$status"
