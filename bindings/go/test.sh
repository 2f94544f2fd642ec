#!/usr/bin/env bash
# Tests the Go binding: go vet, the unit tests under the race detector (all
# conformance vectors and the foreign-thread test), then the example program.
#
# Environment: AUDIT_LOGGER_LIB (default <repo>/target/release/libaudit_logger.so),
# AUDIT_VECTORS_DIR (default <repo>/tests/vectors). AUDIT_PRODUCER_LIB is not
# needed: the foreign-thread fixture is compiled from tests/fixtures/producer.c
# into internal/producer. Exits 77 when Go or a C compiler is missing (1 if CI is set).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binding=go
source "$here/../../tests/bindings/prologue.sh"
command -v go >/dev/null 2>&1 || skip "the go toolchain is not installed"
command -v "${CC:-cc}" >/dev/null 2>&1 || skip "no C compiler (${CC:-cc}) for cgo"
need_library
lib=$AUDIT_LOGGER_LIB

# Link and run against exactly $lib. The linker wants libaudit_logger.so and
# the loader wants its SONAME (libaudit_logger.so.0), which a cargo build does
# not create, so both point to $lib from a link directory. Its name depends only
# on $lib, so the Go build cache stays valid from run to run.
soname=$(objdump -p "$lib" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
linkdir=${TMPDIR:-/tmp}/audit-logger-go-$(id -u)-$(printf '%s' "$lib" | cksum | cut -d' ' -f1)
mkdir -p "$linkdir"
for name in libaudit_logger.so ${soname:+"$soname"}; do
    ln -sfn "$lib" "$linkdir/$name"
done
export CGO_ENABLED=1
export CGO_LDFLAGS="-L$linkdir -Wl,-rpath,$linkdir ${CGO_LDFLAGS:-}"

cd "$here"
echo "go binding: $(go version), library $lib"
# In the repository the package links target/release (build tag
# audit_logger_repo); without the tag it asks pkg-config for the installed library.
go vet -tags audit_logger_repo ./...
go test -tags audit_logger_repo -race -count=1 -timeout 300s ./...

out=$work
go build -tags audit_logger_repo -o "$out/quickstart" ./examples/quickstart
"$out/quickstart" "$out/audit_export.json"
test -s "$out/audit_export.json"
bash "$repo/tests/packaging/check_help.sh" "$out/quickstart"
