'use strict';
// AuditError and the status codes of the C API (AUDIT_ERR_*).

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
});

/** Status codes by name: Status.INVALID_SEVERITY === 3. */
const Status = Object.freeze(
  Object.fromEntries(Object.entries(STATUS_NAMES).map(([code, name]) => [name, Number(code)])),
);

/**
 * A failure reported by the library (or found by the binding before the call,
 * with the code the library would give). `code` is the numeric AuditStatus,
 * `status` its name ('INVALID_SEVERITY'); the message says which argument and why.
 */
class AuditError extends Error {
  constructor(code, message) {
    const status = STATUS_NAMES[code] || 'UNKNOWN';
    super(message ? `${status}: ${message}` : status);
    this.name = 'AuditError';
    this.code = code;
    this.status = status;
    this.detail = message || '';
  }
}

/** The error the library reported for `code` on this thread, with its message. */
function lastError(lib, code) {
  const detail = lib.audit_last_error_message() || lib.audit_status_str(code);
  return new AuditError(code, detail);
}

/** Throws the library's error unless `code` is AUDIT_OK. */
function check(lib, code) {
  if (code !== 0) throw lastError(lib, code);
}

module.exports = { AuditError, Status, STATUS_NAMES, check, lastError };
