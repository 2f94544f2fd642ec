package auditlogger

/*
#include "capi.h"
*/
import "C"

// ExportJSON returns every stored event as a pretty-printed (2-space) JSON
// array, oldest first. If path is not "", the document is also written there
// atomically (temporary file, fsync, rename: on failure the previous file is
// intact, and the error matches ErrIO and unwraps to the OS error).
func (l *Logger) ExportJSON(path string) (string, error) {
	var cpath *C.char
	if path != "" {
		p, err := cString("path", path)
		if err != nil {
			return "", err
		}
		cpath = p
	}
	ptr, err := l.acquire()
	if err != nil {
		return "", err
	}
	defer l.release()
	var out *C.char
	if err := callPath(path, func() C.AuditStatus { return C.audit_export_json(ptr, cpath, &out) }); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// ImportJSON appends the events of a document in the export format (the
// reference implementation's exports too; zone-less timestamps are UTC) and
// returns how many. Events keep their timestamps, get new sequence numbers and
// are not passed to subscribers. All or nothing: on error (matching
// ErrInvalidDocument, ErrInvalidUTF8 or ErrTooLarge) the logger is unchanged.
func (l *Logger) ImportJSON(doc string) (int, error) {
	cdoc, err := cString("document", doc)
	if err != nil {
		return 0, err
	}
	return l.importWith("", func(ptr *C.AuditLogger, n *C.size_t) C.AuditStatus { return C.audit_import_json(ptr, cdoc, n) })
}

// ImportJSONFile is ImportJSON reading the document from the file at path;
// errors also include ErrIO (unwrapping to the OS error: errors.Is(err,
// fs.ErrNotExist) for a missing file).
func (l *Logger) ImportJSONFile(path string) (int, error) {
	cpath, err := cString("path", path)
	if err != nil {
		return 0, err
	}
	return l.importWith(path, func(ptr *C.AuditLogger, n *C.size_t) C.AuditStatus { return C.audit_import_json_file(ptr, cpath, n) })
}

func (l *Logger) importWith(path string, f func(*C.AuditLogger, *C.size_t) C.AuditStatus) (int, error) {
	ptr, err := l.acquire()
	if err != nil {
		return 0, err
	}
	defer l.release()
	var n C.size_t
	if err := callPath(path, func() C.AuditStatus { return f(ptr, &n) }); err != nil {
		return 0, err
	}
	return int(n), nil
}
