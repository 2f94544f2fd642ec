//go:build audit_logger_repo

package auditlogger

// `go build -tags audit_logger_repo`: the repository's own build, for working
// inside a checkout. The header comes from include/, the library from
// target/release (`cargo build --release`), whose path is recorded as the run
// path. The loader asks for libaudit_logger.so.0, which the CMake build
// creates next to it (a cargo-only build: `ln -s libaudit_logger.so
// target/release/libaudit_logger.so.0`).

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -laudit_logger -Wl,-rpath,${SRCDIR}/../../target/release
import "C"
