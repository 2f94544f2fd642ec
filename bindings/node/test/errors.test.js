'use strict';
// Errors: each bad input gets its own AuditError (code and status name) and
// records nothing; JS-level misuse gets a TypeError or RangeError.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const util = require('node:util');
const { native } = require('../lib/native');
const { spawnSync } = require('node:child_process');
const { AuditLogger, AuditError, Status } = require('..');

const isAudit = (status, code) => (err) => {
  assert.ok(err instanceof AuditError, `expected AuditError, got ${err}`);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'AuditError');
  assert.equal(err.status, status);
  assert.equal(err.statusCode, code);
  if (status !== 'IO') assert.equal(err.code, code);
  assert.ok(err.message.startsWith(`${status}: `), err.message);
  assert.ok(err.detail.length > 0, 'the library says which argument and why');
  return true;
};

test('Status maps names to the codes of the C header', () => {
  // Read from include/audit_logger.h: a code added, removed or renumbered there fails here.
  const header = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'include', 'audit_logger.h'), 'utf8');
  const fromHeader = {};
  for (const m of header.matchAll(/^#define AUDIT_ERR_([A-Z0-9_]+) (\d+)$/gm)) fromHeader[m[1]] = Number(m[2]);
  assert.ok(Object.keys(fromHeader).length >= 13, 'the header\'s AUDIT_ERR_* codes were found');
  assert.deepEqual({ ...Status }, fromHeader);
  assert.match(header, /^#define AUDIT_OK 0$/m);
  const l = new AuditLogger(1);
  try {
    // Each code has the library's description, and no two share one.
    const texts = Object.values(Status).map((c) => native().audit_status_str(c));
    assert.equal(new Set(texts).size, texts.length);
    assert.ok(!texts.includes('unknown status'));
  } finally {
    l.close();
  }
});

test('I/O errors look like Node fs errors: code, errno, path, syscall', () => {
  const l = new AuditLogger(1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-errno-'));
  try {
    const missing = path.join(dir, 'no', 'such.json');
    let err;
    try {
      l.importJsonFile(missing);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof AuditError);
    assert.equal(err.status, 'IO');
    assert.equal(err.statusCode, Status.IO);
    assert.equal(err.code, 'ENOENT');
    assert.equal(err.errno, -os.constants.errno.ENOENT);
    assert.equal(util.getSystemErrorName(err.errno), 'ENOENT');
    assert.equal(err.path, missing);
    assert.equal(err.syscall, 'audit_import_json_file');
    // The same fields as fs.readFileSync's error, where they overlap.
    let fsErr;
    try {
      fs.readFileSync(missing);
    } catch (e) {
      fsErr = e;
    }
    assert.deepEqual([err.code, err.errno, err.path], [fsErr.code, fsErr.errno, fsErr.path]);

    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'x');
    assert.throws(() => l.exportJson(path.join(plain, 'x.json')), (e) => {
      assert.equal(e.code, 'ENOTDIR');
      assert.equal(e.errno, -os.constants.errno.ENOTDIR);
      assert.equal(e.syscall, 'audit_export_json');
      return true;
    });
    // An error that is not an OS error keeps its numeric code and has no errno.
    assert.throws(() => l.importJson('{}'), (e) => e.code === Status.INVALID_DOCUMENT && e.errno === undefined);
  } finally {
    l.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exportJson(\'\') writes no file, as in the reference and the other bindings', () => {
  const l = new AuditLogger(2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-empty-'));
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    l.log({ actor: 'a' });
    assert.equal(JSON.parse(l.exportJson(''))[0].actor, 'a');
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    process.chdir(cwd);
    l.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('logging nested more than 16 levels deep is TOO_DEEP', () => {
  const l = new AuditLogger(100);
  const errors = [];
  try {
    l.subscribe((e) => {
      try {
        l.log({ actor: String(Number(e.actor) + 1) });
      } catch (err) {
        errors.push(err);
      }
    });
    l.log({ actor: '0' });
    assert.equal(errors.length, 1);
    assert.equal(errors[0].status, 'TOO_DEEP');
    assert.equal(errors[0].code, Status.TOO_DEEP);
    assert.equal(l.count, 16);
  } finally {
    l.close();
  }
});

test('maxDocumentBytes bounds imports', () => {
  const doc = '[{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"INFO","details":{},"timestamp":"2026-01-01T00:00:00Z"}]';
  const small = new AuditLogger({ maxDocumentBytes: 64 });
  const exact = new AuditLogger({ maxDocumentBytes: Buffer.byteLength(doc) });
  try {
    assert.throws(() => small.importJson(doc), isAudit('TOO_LARGE', 7));
    assert.equal(exact.importJson(doc), 1);
  } finally {
    small.close();
    exact.close();
  }
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
