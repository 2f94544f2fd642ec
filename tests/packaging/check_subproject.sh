#!/usr/bin/env bash
# Usage: check_subproject.sh BUILD_DIR
#
# A parent project (tests/packaging/c) takes this repository with
# add_subdirectory: it must configure and build from its own source and binary
# directories (so the project may not use CMAKE_SOURCE_DIR/CMAKE_BINARY_DIR),
# get AuditLogger::audit_logger and AuditLogger::cpp, and none of this
# project's tests or examples. The C and C++ consumers then run the packaging
# scenario and must print the expected transcript. BUILD_DIR is unused but
# keeps the calling convention of the other packaging tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
unset AUDIT_LOGGER_LIB LD_LIBRARY_PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/audit-logger-subproject.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== add_subdirectory(<repository>) from $here/c"
cmake -S "$here/c" -B "$work/build" -DAUDIT_LOGGER_VIA=subdirectory -DAUDIT_LOGGER_SOURCE="$repo" \
    -DCMAKE_BUILD_TYPE=Release ${CC:+-DCMAKE_C_COMPILER="$CC"} ${CXX:+-DCMAKE_CXX_COMPILER="$CXX"} \
    >"$work/configure.log" || { cat "$work/configure.log"; fail "configuring the parent project"; }
# The library builds in this repository's target dir, as the project's own
# build does; CC and CXX (given to the configure step above) are left out of
# the build's environment so that cargo's build scripts see the environment of
# the project's own build and nothing is rebuilt (or relinked under the other
# tests that load target/release/libaudit_logger.so).
env -u CC -u CXX cmake --build "$work/build" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log"; fail "building the parent project"; }

# Only the parent's own test is registered, and audit-logger's examples are not built.
tests=$(cd "$work/build" && ctest -N | sed -n 's/^Total Tests: //p')
[ "$tests" = 1 ] || { (cd "$work/build" && ctest -N); fail "the parent sees $tests tests, not just its own"; }
if cmake --build "$work/build" --target help | grep -E '(^|\.\.\. )(quickstart|test_api|audit_test_producer)$' >/dev/null; then
    fail "audit-logger's examples or tests are built in a parent project"
fi
if grep -qs add_test "$work/build/audit-logger/CTestTestfile.cmake"; then
    fail "audit-logger registered tests in the parent build"
fi

mkdir -p "$work/out"
(cd "$work" && "$work/build/consumer" "$here/fixture.json" "$work/out" c)
(cd "$work" && "$work/build/consumer_cpp" "$here/fixture.json" "$work/out" cpp)
cmp "$work/out/c.txt" "$here/expected.txt" || fail "the C consumer's transcript differs from expected.txt"
cmp "$work/out/c.queued.txt" "$here/expected.queued.txt" || fail "the C consumer's queued transcript differs"
cmp "$work/out/cpp.txt" "$here/expected.txt" || fail "the C++ consumer's transcript differs from expected.txt"
cmp "$work/out/cpp.json" "$work/out/c.json" || fail "the C and C++ exports differ"
echo "cmake_subproject: add_subdirectory gives the targets and no tests; C and C++ consumers agree"
