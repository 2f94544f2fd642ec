'use strict';
// audit-logger for Node.js: an embeddable audit log (Rust core, C ABI) through koffi.

const { AuditLogger } = require('./lib/logger');
const { AuditError, Status } = require('./lib/errors');
const { Severity, SEVERITY_NAMES, severityValue } = require('./lib/severity');
const { native, libraryPath } = require('./lib/native');
const { Verdict, verifyJournal, exportJournalProofs, verifyExport } = require('./lib/journal');

const { INFO, WARNING, ERROR, CRITICAL } = Severity;

/**
 * The severity number for a name in any ASCII case ('warning' → 20). Unknown
 * names throw AuditError INVALID_SEVERITY: nothing is guessed.
 */
function severityFromName(name) {
  if (typeof name !== 'string') throw new TypeError('severityFromName() takes a string');
  return severityValue(native(), name, 'name');
}

/** The native library's version, "MAJOR.MINOR.PATCH". */
function version() {
  return native().audit_version();
}

module.exports = {
  AuditLogger,
  AuditError,
  Status,
  Severity,
  SEVERITY_NAMES,
  INFO,
  WARNING,
  ERROR,
  CRITICAL,
  severityFromName,
  verifyJournal,
  exportJournalProofs,
  verifyExport,
  Verdict,
  version,
  libraryPath,
};
