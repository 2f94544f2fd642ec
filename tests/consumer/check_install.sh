#!/usr/bin/env bash
# Usage: check_install.sh BUILD_DIR
#
# Installs BUILD_DIR into a fresh temporary prefix, checks the installed
# layout, then builds and runs consumer.c against that prefix twice: through
# the CMake package (find_package, shared and static) and through pkg-config.
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cc=${CC:-cc}

fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix"

pc=$(find "$prefix" -name audit_logger.pc -print -quit)
[ -n "$pc" ] || fail "no audit_logger.pc installed"
libdir=$(dirname "$(dirname "$pc")")
export PKG_CONFIG_PATH=$libdir/pkgconfig
version=$(pkg-config --modversion audit_logger)
major=${version%%.*}

echo "== installed layout (version $version, libdir $libdir)"
real=$libdir/libaudit_logger.so.$version
[ -f "$real" ] && [ ! -L "$real" ] || fail "$real is not a regular file"
[ "$(readlink "$libdir/libaudit_logger.so.$major")" = "libaudit_logger.so.$version" ] ||
    fail "libaudit_logger.so.$major does not link to libaudit_logger.so.$version"
[ "$(readlink "$libdir/libaudit_logger.so")" = "libaudit_logger.so.$major" ] ||
    fail "libaudit_logger.so does not link to libaudit_logger.so.$major"
readelf -d "$real" | grep "Library soname: \[libaudit_logger.so.$major\]" >/dev/null ||
    fail "SONAME of $real is not libaudit_logger.so.$major"
for f in "$libdir/libaudit_logger.a" "$prefix/include/audit_logger.h" \
         "$libdir/cmake/AuditLogger/AuditLoggerConfig.cmake" \
         "$libdir/cmake/AuditLogger/AuditLoggerConfigVersion.cmake"; do
    [ -f "$f" ] || fail "missing $f"
done

for f in "$prefix/include/audit_logger.hpp" "$libdir/cmake/AuditLogger/AuditLoggerCppTargets.cmake"; do
    [ -f "$f" ] || fail "missing $f (the C++ component)"
done

echo "== the .pc file has the install prefix as a plain path"
[ "$(pkg-config --variable=prefix audit_logger)" = "$prefix" ] ||
    fail "pkg-config prefix is '$(pkg-config --variable=prefix audit_logger)', not $prefix"
[ "$(pkg-config --cflags audit_logger | xargs)" = "-I$prefix/include" ] ||
    fail "pkg-config --cflags gives '$(pkg-config --cflags audit_logger)'"
[ "$(pkg-config --libs audit_logger | xargs)" = "-L$libdir -laudit_logger" ] ||
    fail "pkg-config --libs gives '$(pkg-config --libs audit_logger)'"
# DESTDIR stages the files; the .pc file names where they will be used.
DESTDIR=$work/stage cmake --install "$build" --prefix /opt/audit-logger >/dev/null
staged=$(find "$work/stage" -name audit_logger.pc -print -quit)
grep -qx 'prefix=/opt/audit-logger' "$staged" || fail "a DESTDIR install wrote $(grep prefix= "$staged")"

echo "== cmake --install --strip strips the libraries"
cmake --install "$build" --prefix "$work/stripped" --strip >/dev/null
sections() { readelf -S --wide "$1" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\./) print $i }' | sort -u; }
plain=$(sections "$real")
stripped_so=$work/stripped/${libdir#"$prefix"/}/libaudit_logger.so.$version
stripped=$(sections "$stripped_so")
grep -qx '.debug_info' <<<"$plain" || fail "the plain install has no debug information to strip (test is moot)"
if grep -qxE '\.debug_info|\.symtab' <<<"$stripped"; then
    fail "$stripped_so still has debug information or a symbol table"
fi
[ "$(nm -D --defined-only "$stripped_so" | grep -c ' T audit_')" = "$(nm -D --defined-only "$real" | grep -c ' T audit_')" ] ||
    fail "stripping changed the exported functions"
if readelf -S --wide "$work/stripped/${libdir#"$prefix"/}/libaudit_logger.a" 2>/dev/null | grep '\.debug_info' >/dev/null; then
    fail "the stripped libaudit_logger.a still has debug information"
fi
echo "stripped: $(stat -c %s "$real") -> $(stat -c %s "$stripped_so") bytes"

# run_consumer EXE shared|static: runs EXE, which must load the installed
# shared library (not the one in the source tree), or none when static.
run_consumer() {
    local exe=$1 linkage=$2 loaded
    echo "== run $(basename "$exe") ($linkage)"
    loaded=$(ldd "$exe" | grep libaudit_logger || true)
    if [ "$linkage" = shared ]; then
        [[ $loaded == *"=> $libdir/libaudit_logger.so.$major "* ]] ||
            fail "$exe does not load $libdir/libaudit_logger.so.$major: ${loaded:-nothing}"
    else
        [ -z "$loaded" ] || fail "$exe is dynamically linked: $loaded"
    fi
    "$exe"
}

echo "== consumer via find_package(AuditLogger CONFIG REQUIRED)"
cmake -S "$here" -B "$work/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release -DEXPECTED_VERSION="$version"
cmake --build "$work/consumer-build"
run_consumer "$work/consumer-build/consumer" shared
run_consumer "$work/consumer-build/consumer_static" static

echo "== consumer via pkg-config --cflags --libs audit_logger"
read -ra flags <<<"$(pkg-config --cflags --libs audit_logger)"
"$cc" -Wall -Wextra -Werror "$here/consumer.c" "${flags[@]}" -Wl,-rpath,"$libdir" \
    -o "$work/consumer-pkgconfig"
run_consumer "$work/consumer-pkgconfig" shared

echo "install_consumer: all checks passed"
