'use strict';
// Errors: each bad input gets its own AuditError (code and status name) and
// records nothing; JS-level misuse gets a TypeError or RangeError.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const os = require('node:os');
const { spawnSync } = require('node:child_process');
const { AuditLogger, AuditError, Status } = require('..');

const isAudit = (status, code) => (err) => {
  assert.ok(err instanceof AuditError, `expected AuditError, got ${err}`);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'AuditError');
  assert.equal(err.status, status);
  assert.equal(err.code, code);
  assert.ok(err.message.startsWith(`${status}: `), err.message);
  assert.ok(err.detail.length > 0, 'the library says which argument and why');
  return true;
};

test('Status maps names to the codes of the C header', () => {
  assert.deepEqual(Status, {
    NULL_ARGUMENT: 1, INVALID_UTF8: 2, INVALID_SEVERITY: 3, INVALID_DETAILS: 4, INVALID_CAPACITY: 5,
    INVALID_ARGUMENT: 6, TOO_LARGE: 7, INVALID_DOCUMENT: 8, IO: 9, NOT_FOUND: 10, PANIC: 11, TIMEOUT: 12,
  });
});

test('each bad input gets its own error and nothing is recorded', () => {
  const l = new AuditLogger(10);
  try {
    assert.throws(() => new AuditLogger(0), isAudit('INVALID_CAPACITY', 5));
    assert.throws(() => l.log({ severity: 15 }), isAudit('INVALID_SEVERITY', 3));
    assert.throws(() => l.log({ severity: 10.5 }), isAudit('INVALID_SEVERITY', 3));
    assert.throws(() => l.log({ severity: 'WARN' }), isAudit('INVALID_SEVERITY', 3));
    assert.throws(() => l.log({ severity: 'INFO\0' }), isAudit('INVALID_SEVERITY', 3));
    assert.throws(() => l.log({ details: '[1]' }), isAudit('INVALID_DETAILS', 4));
    assert.throws(() => l.log({ details: [1, 2] }), isAudit('INVALID_DETAILS', 4));
    assert.throws(() => l.log({ details: '{"a":1,"a":2}' }), isAudit('INVALID_DETAILS', 4));
    assert.throws(() => l.log({ details: '{bad' }), isAudit('INVALID_DETAILS', 4));
    assert.throws(() => l.log({ details: { s: '\ud800' } }), isAudit('INVALID_DETAILS', 4));
    assert.throws(() => l.log({ actor: 'a\0b' }), isAudit('INVALID_ARGUMENT', 6), 'NUL would truncate');
    assert.throws(() => l.log({ action: 'x\udc00' }), isAudit('INVALID_UTF8', 2), 'lone surrogate');
    assert.throws(() => l.importJson('{}'), isAudit('INVALID_DOCUMENT', 8));
    assert.throws(() => l.importJsonFile(path.join(os.tmpdir(), 'no-such-dir-audit', 'x.json')), isAudit('IO', 9));
    assert.throws(() => l.exportJson(path.join(os.tmpdir(), 'no-such-dir-audit', 'x.json')), isAudit('IO', 9));
    assert.deepEqual([l.count, l.appended], [0, 0]);
    assert.equal(l.log({ actor: 'ok' }), 1, 'the logger is still usable');
  } finally {
    l.close();
  }
});

test('the IO error names the path', () => {
  const l = new AuditLogger(1);
  const missing = path.join(os.tmpdir(), 'no-such-dir-audit', 'events.json');
  try {
    assert.throws(() => l.importJsonFile(missing), (err) => err.message.includes(missing));
  } finally {
    l.close();
  }
});

test('wrong JS types are TypeErrors, out-of-range integers RangeErrors', () => {
  const l = new AuditLogger(1);
  try {
    assert.throws(() => l.log({ actor: 42 }), TypeError);
    assert.throws(() => l.log({ severity: null }), TypeError);
    assert.throws(() => l.log({ actr: 'typo' }), TypeError);
    assert.throws(() => l.log('alice'), TypeError);
    assert.throws(() => l.recent(-1), RangeError);
    assert.throws(() => l.recent(1.5), RangeError);
    assert.throws(() => l.get('1'), RangeError);
    assert.throws(() => l.subscribe('not a function'), TypeError);
    assert.throws(() => l.query('alice'), TypeError);
  } finally {
    l.close();
  }
});

test('a missing native library is reported with the path tried', () => {
  const missing = path.join(os.tmpdir(), 'no-such-dir-audit', 'libaudit_logger.so');
  const child = spawnSync(process.execPath, ['-e', "new (require('.').AuditLogger)(1)"], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, AUDIT_LOGGER_LIB: missing },
    encoding: 'utf8',
  });
  assert.notEqual(child.status, 0);
  assert.ok(child.stderr.includes(missing), child.stderr);
  assert.ok(child.stderr.includes('cargo build --release'), child.stderr);
});

test('requiring the package does not need the library (constants work)', () => {
  const child = spawnSync(process.execPath, ['-e', "const a = require('.'); process.stdout.write(String(a.Severity.CRITICAL))"], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, AUDIT_LOGGER_LIB: '/nonexistent/libaudit_logger.so' },
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, '40');
});
