'use strict';
// AuditError and the status codes of the C API (AUDIT_ERR_*).

const os = require('node:os');

/** Status names by code, as in audit_logger.h without the AUDIT_ERR_ prefix. */
const STATUS_NAMES = Object.freeze({
  1: 'NULL_ARGUMENT',
  2: 'INVALID_UTF8',
  3: 'INVALID_SEVERITY',
  4: 'INVALID_DETAILS',
  5: 'INVALID_CAPACITY',
  6: 'INVALID_ARGUMENT',
  7: 'TOO_LARGE',
  8: 'INVALID_DOCUMENT',
  9: 'IO',
  10: 'NOT_FOUND',
  11: 'PANIC',
  12: 'TIMEOUT',
  13: 'TOO_DEEP',
});

/** Status codes by name: Status.INVALID_SEVERITY === 3. */
const Status = Object.freeze(
  Object.fromEntries(Object.entries(STATUS_NAMES).map(([code, name]) => [name, Number(code)])),
);

/** errno names by (positive) number, from os.constants.errno: ERRNO_NAMES[2] === 'ENOENT'. */
const ERRNO_NAMES = Object.freeze(
  Object.fromEntries(Object.entries(os.constants.errno).map(([name, number]) => [number, name])),
);

/**
 * A failure reported by the library (or found by the binding before the call,
 * with the code the library would give). `statusCode` (and, except for I/O
 * errors with an OS error, `code`) is the numeric AuditStatus, `status` its
 * name ('INVALID_SEVERITY'), `detail` the library's message.
 *
 * An I/O failure with an OS error behind it looks like Node's own fs errors:
 * `code` is the errno name ('ENOENT'), `errno` the negative number Node uses
 * (-2, so util.getSystemErrorName(err.errno) === 'ENOENT'), `path` the file
 * and `syscall` the C function that failed ('audit_export_json').
 */
class AuditError extends Error {
  constructor(code, message, os = undefined) {
    const status = STATUS_NAMES[code] || 'UNKNOWN';
    super(message ? `${status}: ${message}` : status);
    this.name = 'AuditError';
    this.code = code;
    this.statusCode = code;
    this.status = status;
    this.detail = message || '';
    if (os && os.errno) {
      this.errno = -os.errno;
      this.code = ERRNO_NAMES[os.errno] || `ERRNO_${os.errno}`;
      if (os.path !== undefined && os.path !== null) this.path = os.path;
      if (os.syscall) this.syscall = os.syscall;
    }
  }
}

/**
 * The error the library reported for `code` on this thread, with its message
 * (and, for AUDIT_ERR_IO, its errno; `where` = { path, syscall } names the call).
 */
function lastError(lib, code, where = undefined) {
  const detail = lib.audit_last_error_message() || lib.audit_status_str(code);
  if (code === Status.IO) {
    const errno = lib.audit_last_error_errno();
    return new AuditError(code, detail, { errno, ...where });
  }
  return new AuditError(code, detail);
}

/** Throws the library's error unless `code` is AUDIT_OK. */
function check(lib, code, where = undefined) {
  if (code !== 0) throw lastError(lib, code, where);
}

module.exports = { AuditError, Status, STATUS_NAMES, ERRNO_NAMES, check, lastError };
