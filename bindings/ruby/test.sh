#!/usr/bin/env bash
# Runs the Ruby binding's tests (minitest: vectors, API, subscribers, foreign
# threads) and then its example. Usage, from any directory:
#   bash bindings/ruby/test.sh
# Env: AUDIT_LOGGER_LIB, AUDIT_VECTORS_DIR, AUDIT_PRODUCER_LIB (built here when
# unset), RUBY (default ruby), CI (set: a missing runtime fails instead of skipping).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

skip() {
    echo "SKIPPED: ruby binding: $1"
    if [ -n "${CI:-}" ]; then exit 1; fi
    exit 77
}

# Absolute form of a path, so it survives the cd below.
absolute() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }

lib="${AUDIT_LOGGER_LIB:-$repo/target/release/libaudit_logger.so}"
if [ ! -f "$lib" ]; then
    echo "ruby binding: library not found at $lib; run 'cargo build --release' in $repo (or set AUDIT_LOGGER_LIB)" >&2
    exit 1
fi

ruby="${RUBY:-ruby}"
command -v "$ruby" >/dev/null 2>&1 || skip "$ruby not found (apt-get install ruby)"
"$ruby" -e 'require "ffi"' >/dev/null 2>&1 || skip "ruby-ffi (apt-get install ruby-ffi)"
"$ruby" -e 'require "minitest"' >/dev/null 2>&1 || skip "minitest (apt-get install ruby-minitest)"

AUDIT_LOGGER_LIB="$(absolute "$lib")"
AUDIT_VECTORS_DIR="$(absolute "${AUDIT_VECTORS_DIR:-$repo/tests/vectors}")"
export AUDIT_LOGGER_LIB AUDIT_VECTORS_DIR
if [ -n "${AUDIT_PRODUCER_LIB:-}" ]; then
    AUDIT_PRODUCER_LIB="$(absolute "$AUDIT_PRODUCER_LIB")"
    export AUDIT_PRODUCER_LIB
else
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    cc -shared -fPIC -O2 -I"$repo/include" "$repo/tests/fixtures/producer.c" \
        -o "$tmp/libaudit_test_producer.so" -lpthread
    export AUDIT_PRODUCER_LIB="$tmp/libaudit_test_producer.so"
fi

# Tests that could hang have their own Timeout; this also bounds a hang in
# native code, which a Ruby Timeout cannot interrupt.
guard=()
if command -v timeout >/dev/null 2>&1; then guard=(timeout -k 10 300); fi

cd "$here"
${guard[@]+"${guard[@]}"} "$ruby" -w -I lib -I test -e 'Dir["test/*_test.rb"].sort.each { |f| require_relative f }'
${guard[@]+"${guard[@]}"} "$ruby" -w examples/quickstart.rb
${guard[@]+"${guard[@]}"} bash "$repo/tests/packaging/check_help.sh" "$ruby" -w "$here/examples/quickstart.rb"
