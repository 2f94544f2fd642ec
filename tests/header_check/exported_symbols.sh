#!/usr/bin/env bash
# Usage: exported_symbols.sh LIBRARY.so [HEADER.h]
#
# Fails if the shared library exports a defined dynamic symbol whose name does
# not start with audit_. Given HEADER, also fails if an exported function is
# not declared there (a C caller could not use it without guessing).
set -euo pipefail
lib=$1
header=${2:-}
[ -f "$lib" ] || { echo "no library at $lib: run cargo build --release" >&2; exit 1; }

# Defined dynamic symbols, by name (nm prints "ADDRESS TYPE NAME").
mapfile -t symbols < <(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sort -u)
[ "${#symbols[@]}" -gt 0 ] || { echo "nm found no exported symbols in $lib" >&2; exit 1; }

status=0
if [ -z "$header" ]; then
    for s in "${symbols[@]}"; do
        case $s in
            audit_*) ;;
            *) echo "exported symbol outside the audit_ namespace: $s"; status=1 ;;
        esac
    done
    echo "$lib: ${#symbols[@]} exported symbols checked"
else
    missing=0
    for s in "${symbols[@]}"; do
        if ! grep -Eq "[^A-Za-z0-9_]${s}\(" "$header"; then
            echo "exported but not declared in $(basename "$header"): $s"
            missing=$((missing + 1))
        fi
    done
    echo "${#symbols[@]} exported symbols, $missing not declared in $header"
    [ "$missing" -eq 0 ] || status=1
fi
exit "$status"
