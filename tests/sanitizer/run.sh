#!/usr/bin/env bash
# The C harness against a library that is itself instrumented: builds the Rust
# library with AddressSanitizer (nightly rustc, -Zsanitizer=address), builds
# the C test programs with gcc's ASan and UBSan against it, and runs them, so a
# bad access inside the library is reported with its stack, not only the C
# side's. Usage: run.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:?usage: run.sh BUILD_DIR}
out="$build/asan-library"
mkdir -p "$out"

if ! cargo +nightly --version >/dev/null 2>&1; then
    if [ -n "${CI:-}" ]; then
        echo "FAILED: the nightly toolchain is missing; CI runs every test" >&2
        exit 1
    fi
    echo "SKIPPED: the nightly toolchain is not installed (rustup toolchain install nightly)"
    exit 0
fi

triple=$(rustc -vV | sed -n 's/^host: //p')
# A target directory of its own: the flags differ from every other build.
(cd "$here" && RUSTFLAGS="-Zsanitizer=address" CARGO_TARGET_DIR="$out/target" \
    cargo +nightly build --quiet --lib --target "$triple")
lib="$out/target/$triple/debug"
ln -sf libaudit_logger.so "$lib/libaudit_logger.so.0"

flags=(-std=c11 -Wall -Wextra -Werror -UNDEBUG -g -fno-omit-frame-pointer
       -fsanitize=address,undefined -fno-sanitize-recover=all
       -I"$here/include" -I"$here/tests/c")
run() { # run NAME SOURCE ARGS...: builds and runs one program
    local name=$1 source=$2
    shift 2
    gcc "${flags[@]}" "$source" -o "$out/$name" -L"$lib" -laudit_logger -lpthread \
        -Wl,-rpath,"$lib"
    echo "== $name $*"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$out/$name" "$@"
}
run test_api "$here/tests/c/test_api.c"
run test_threads "$here/tests/c/test_threads.c" 20000
run test_reliability "$here/tests/c/test_reliability.c" 200
run stress "$here/tests/stress/stress.c" 20000
