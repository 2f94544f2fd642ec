'use strict';
// Severities: the numbers of the C API and their names.

const { AuditError, Status, check } = require('./errors');

/** Severity values by name: Severity.WARNING === 20. */
const Severity = Object.freeze({ INFO: 10, WARNING: 20, ERROR: 30, CRITICAL: 40 });

/** Severity names by value: SEVERITY_NAMES[20] === 'WARNING'. */
const SEVERITY_NAMES = Object.freeze({ 10: 'INFO', 20: 'WARNING', 30: 'ERROR', 40: 'CRITICAL' });

/**
 * The numeric severity for a name (any ASCII case) or a number. Names are
 * resolved by the library, which guesses nothing: 'WARN' is an error.
 * Numbers other than 10, 20, 30, 40 are left for the library to reject, so the
 * error is the same in every language; a non-integer is rejected here.
 */
function severityValue(lib, value, name = 'severity') {
  if (typeof value === 'string') {
    if (value.includes('\0') || !value.isWellFormed()) {
      throw new AuditError(Status.INVALID_SEVERITY, `${name} ${JSON.stringify(value)} is not a severity name`);
    }
    const out = [0];
    check(lib, lib.audit_severity_from_name(value, out));
    return out[0];
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new AuditError(Status.INVALID_SEVERITY, `${name} ${value} is not 10, 20, 30 or 40`);
    }
    return value;
  }
  throw new TypeError(`${name} must be a severity name or number, got ${value === null ? 'null' : typeof value}`);
}

module.exports = { Severity, SEVERITY_NAMES, severityValue };
