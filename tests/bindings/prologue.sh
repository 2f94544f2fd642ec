# The common start of bindings/<lang>/test.sh, sourced after setting `binding`
# to the language's name. It sets `repo` and `work` (a temporary directory
# removed on exit) and defines:
#   skip REASON       prints "SKIPPED: <binding> binding: REASON" and exits 77,
#                     or 1 when CI is set (CI runs every binding)
#   need_library      exports AUDIT_LOGGER_LIB as an absolute path (default
#                     <repo>/target/release/libaudit_logger.so), failing if missing
#   need_producer     exports AUDIT_PRODUCER_LIB (absolute), building the
#                     foreign-thread fixture tests/fixtures/producer.c when unset
# and exports AUDIT_VECTORS_DIR (absolute; default <repo>/tests/vectors).
# shellcheck shell=bash
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

absolute() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }

skip() {
    echo "SKIPPED: $binding binding: $1"
    if [ -n "${CI:-}" ]; then exit 1; fi
    exit 77
}

need_library() {
    local lib=${AUDIT_LOGGER_LIB:-$repo/target/release/libaudit_logger.so}
    if [ ! -f "$lib" ]; then
        echo "$binding binding: the audit-logger library is not at $lib;" \
            "run 'cargo build --release' in $repo (or set AUDIT_LOGGER_LIB)" >&2
        exit 1
    fi
    AUDIT_LOGGER_LIB=$(absolute "$lib")
    export AUDIT_LOGGER_LIB
}

need_producer() {
    if [ -n "${AUDIT_PRODUCER_LIB:-}" ]; then
        AUDIT_PRODUCER_LIB=$(absolute "$AUDIT_PRODUCER_LIB")
    else
        command -v "${CC:-cc}" >/dev/null 2>&1 ||
            skip "no C compiler (${CC:-cc}) for tests/fixtures/producer.c; set AUDIT_PRODUCER_LIB"
        AUDIT_PRODUCER_LIB=$work/libaudit_test_producer.so
        "${CC:-cc}" -shared -fPIC -O2 -I"$repo/include" "$repo/tests/fixtures/producer.c" \
            -o "$AUDIT_PRODUCER_LIB" -lpthread
    fi
    export AUDIT_PRODUCER_LIB
}

AUDIT_VECTORS_DIR=$(absolute "${AUDIT_VECTORS_DIR:-$repo/tests/vectors}")
export AUDIT_VECTORS_DIR
