//go:build audit_logger_static && !audit_logger_repo

package auditlogger

// `go build -tags audit_logger_static`: links libaudit_logger.a from the
// installed prefix (found through pkg-config, as by default) into the program,
// which then needs no libaudit_logger.so at run time. -Bstatic makes the first
// -laudit_logger pick the archive; --as-needed drops the shared library that
// pkg-config's own -laudit_logger would otherwise add as a dependency.

// #cgo LDFLAGS: -Wl,-Bstatic -laudit_logger -Wl,-Bdynamic -Wl,--as-needed
// #cgo pkg-config: --static audit_logger
import "C"
