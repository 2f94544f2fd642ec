#!/usr/bin/env bash
# Usage: check_help.sh COMMAND [ARG...]
#
# Runs `COMMAND ARG... --help` and `... -h` in an empty temporary directory and
# checks that each exits 0, prints a usage line ("Usage:") on stdout, and leaves
# no file behind (the C quickstart once exported to a file named `--help`).
# Also checks that an unknown option (--no-such-option) exits non-zero with a
# message on stderr and writes no file either.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: check_help.sh COMMAND [ARG...]" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for flag in --help -h; do
    out=$(cd "$work" && "$@" "$flag") || fail "'$* $flag' exited $?"
    grep -q '^Usage:' <<<"$out" || fail "'$* $flag' printed no 'Usage:' line: $out"
    left=$(ls -A "$work")
    [ -z "$left" ] || fail "'$* $flag' left files behind: $left"
done
echo "$out"

set +e
err=$(cd "$work" && "$@" --no-such-option 2>&1 >/dev/null)
status=$?
set -e
[ "$status" -ne 0 ] || fail "'$* --no-such-option' exited 0"
[ -n "$err" ] || fail "'$* --no-such-option' printed nothing on stderr"
left=$(ls -A "$work")
[ -z "$left" ] || fail "'$* --no-such-option' left files behind: $left"
echo "check_help: $(basename "$1"): --help and -h print the usage; an unknown option is refused (${err%%$'\n'*})"
