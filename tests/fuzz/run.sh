#!/usr/bin/env bash
# Runs each cargo-fuzz target (fuzz/) for a bounded time, seeded with a copy of
# tests/fuzz/corpus. Needs the nightly toolchain and cargo-fuzz; without them it
# prints SKIPPED and exits 77, or fails when CI is set.
# Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds=${1:-30}

missing=""
cargo +nightly --version >/dev/null 2>&1 || missing="the nightly Rust toolchain"
[ -n "$missing" ] || cargo +nightly fuzz --version >/dev/null 2>&1 || missing="cargo-fuzz (cargo install cargo-fuzz)"
if [ -n "$missing" ]; then
    echo "SKIPPED: fuzzing: $missing not found"
    [ -n "${CI:-}" ] && exit 1
    exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for target in details import; do
    cp -r "tests/fuzz/corpus/$target" "$work/$target"
    echo "== fuzz $target for ${seconds}s"
    if ! cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$work/$target" -- \
        -max_total_time="$seconds" -seed=1 -artifact_prefix="$work/" -print_final_stats=1; then
        echo "FAILED: fuzz target $target; the input is in the log above"
        status=1
    fi
done
exit $status
