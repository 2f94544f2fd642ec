//go:build !audit_logger_repo && !audit_logger_static

package auditlogger

// The installed library, found through pkg-config (audit_logger.pc, installed
// by `cmake --install`): PKG_CONFIG_PATH=<prefix>/lib/pkgconfig for a prefix
// pkg-config does not search by default.

// #cgo pkg-config: audit_logger
import "C"
