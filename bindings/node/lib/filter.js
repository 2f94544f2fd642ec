'use strict';
// Turns a JS query filter into an AuditFilter handle.

const { check } = require('./errors');
const { text, count, micros, onlyKeys } = require('./args');
const { severityValue } = require('./severity');

const KEYS = ['actor', 'action', 'resource', 'outcome', 'minSeverity', 'maxSeverity', 'since', 'until', 'afterSeq', 'limit'];

const STRING_SETTERS = {
  actor: 'audit_filter_set_actor',
  action: 'audit_filter_set_action',
  resource: 'audit_filter_set_resource',
  outcome: 'audit_filter_set_outcome',
};

/**
 * Runs `use(filterHandle)` with an AuditFilter built from `filter` and frees it.
 * A key that is undefined or null is unset; '' is a real criterion (matches
 * only an empty field). Unknown keys are rejected.
 */
function withFilter(lib, filter, use) {
  if (filter === null || typeof filter !== 'object') {
    throw new TypeError('query filter must be an object');
  }
  onlyKeys('query filter', filter, KEYS);
  const set = (key) => filter[key] !== undefined && filter[key] !== null;
  const handle = lib.audit_filter_new();
  if (!handle) throw new Error('audit-logger: audit_filter_new failed');
  try {
    for (const [key, setter] of Object.entries(STRING_SETTERS)) {
      if (set(key)) check(lib, lib[setter](handle, text(key, filter[key])));
    }
    if (set('minSeverity')) {
      check(lib, lib.audit_filter_set_min_severity(handle, severityValue(lib, filter.minSeverity, 'minSeverity')));
    }
    if (set('maxSeverity')) {
      check(lib, lib.audit_filter_set_max_severity(handle, severityValue(lib, filter.maxSeverity, 'maxSeverity')));
    }
    if (set('since')) check(lib, lib.audit_filter_set_since(handle, micros('since', filter.since)));
    if (set('until')) check(lib, lib.audit_filter_set_until(handle, micros('until', filter.until)));
    if (set('afterSeq')) check(lib, lib.audit_filter_set_after_seq(handle, count('afterSeq', filter.afterSeq)));
    if (set('limit')) check(lib, lib.audit_filter_set_limit(handle, count('limit', filter.limit)));
    return use(handle);
  } finally {
    lib.audit_filter_free(handle);
  }
}

module.exports = { withFilter, FILTER_KEYS: KEYS };
