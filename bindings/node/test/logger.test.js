'use strict';
// The AuditLogger API: construction, logging, events, queries, export/import,
// counters and closing.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const audit = require('..');
const { AuditLogger, AuditError, Severity } = audit;

function withLogger(options, fn) {
  const logger = new AuditLogger(options);
  try {
    return fn(logger);
  } finally {
    logger.close();
  }
}

function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-node-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('constructor: capacity number, options object, defaults', () => {
  withLogger(undefined, (l) => assert.equal(l.capacity, 5000));
  withLogger(7, (l) => assert.equal(l.capacity, 7));
  withLogger({ capacity: 3 }, (l) => {
    for (let i = 0; i < 5; i++) l.log({ actor: `u${i}` });
    assert.deepEqual([l.count, l.capacity, l.evicted, l.appended], [3, 3, 2, 5]);
    assert.deepEqual(l.recent(10).map((e) => e.actor), ['u2', 'u3', 'u4']);
  });
  assert.throws(() => new AuditLogger({ capcity: 3 }), TypeError);
  assert.throws(() => new AuditLogger(-1), RangeError);
  assert.throws(() => new AuditLogger('10'), TypeError);
});

test('constructor: limits from options are enforced by the library', () => {
  withLogger({ maxFieldBytes: 4 }, (l) => {
    assert.equal(l.log({ actor: 'abcd' }), 1);
    assert.throws(() => l.log({ actor: 'abcde' }), { name: 'AuditError', status: 'TOO_LARGE' });
  });
  withLogger({ maxDetailsBytes: 10 }, (l) => {
    l.log({ details: { a: 1 } });
    assert.throws(() => l.log({ details: { a: 'x'.repeat(20) } }), { status: 'TOO_LARGE' });
  });
  withLogger({ maxDetailsDepth: 2 }, (l) => {
    l.log({ details: { a: { b: 1 } } });
    assert.throws(() => l.log({ details: { a: { b: { c: 1 } } } }), { status: 'INVALID_DETAILS' });
  });
  assert.throws(() => new AuditLogger({ maxDetailsDepth: 0 }), { status: 'INVALID_CAPACITY' });
});

test('log returns increasing seqs and the event reads back as a plain object', () => {
  withLogger(10, (l) => {
    const before = Date.now();
    const seq = l.log({
      actor: 'admin',
      action: 'user.delete',
      resource: 'user:42',
      outcome: 'success',
      severity: 'warning',
      details: { reason: 'GDPR request', n: 42, nested: { ok: true } },
    });
    const after = Date.now();
    assert.equal(seq, 1);
    assert.equal(l.log({ actor: 'b' }), 2);
    const e = l.get(1);
    assert.deepEqual(Object.keys(e), [
      'seq', 'timestamp', 'time', 'actor', 'action', 'resource', 'outcome',
      'severity', 'severityValue', 'details', 'detailsJson', 'json',
    ]);
    assert.equal(e.seq, 1);
    assert.equal(e.actor, 'admin');
    assert.equal(e.action, 'user.delete');
    assert.equal(e.resource, 'user:42');
    assert.equal(e.outcome, 'success');
    assert.equal(e.severity, 'WARNING');
    assert.equal(e.severityValue, 20);
    assert.deepEqual(e.details, { reason: 'GDPR request', n: 42, nested: { ok: true } });
    assert.equal(e.detailsJson, '{"reason":"GDPR request","n":42,"nested":{"ok":true}}');
    assert.equal(typeof e.timestamp, 'number');
    assert.ok(e.timestamp >= before * 1000 && e.timestamp <= (after + 1) * 1000, `timestamp ${e.timestamp}`);
    assert.ok(e.time instanceof Date);
    assert.equal(e.time.getTime(), Math.floor(e.timestamp / 1000));
    // json is the library's line for it: the export's element, compact.
    assert.deepEqual(JSON.parse(e.json), JSON.parse(l.exportJson())[0]);
    assert.ok(!e.json.includes('\n'));
    // Defaults: empty strings, INFO, {}.
    const d = l.get(2);
    assert.deepEqual([d.action, d.resource, d.outcome, d.severity, d.detailsJson], ['', '', '', 'INFO', '{}']);
  });
});

test('severity: names in any case, numbers and the exported constants', () => {
  withLogger(10, (l) => {
    const seqs = [
      l.log({ severity: 'critical' }),
      l.log({ severity: 'Error' }),
      l.log({ severity: Severity.WARNING }),
      l.log({ severity: audit.INFO }),
      l.log({ severity: 40 }),
    ];
    assert.deepEqual(seqs.map((s) => l.get(s).severityValue), [40, 30, 20, 10, 40]);
    assert.equal(audit.severityFromName('wArNiNg'), 20);
    assert.deepEqual(audit.SEVERITY_NAMES[30], 'ERROR');
  });
});

test('details: a string is passed verbatim, an object is serialised, the record is a copy', () => {
  withLogger(10, (l) => {
    l.log({ details: ' {"z": 1, "a": [1.5, null]} ' });
    assert.equal(l.get(1).detailsJson, '{"z":1,"a":[1.5,null]}');
    const mine = { list: [1, 2] };
    l.log({ details: mine });
    mine.list.push(3);
    mine.extra = true;
    assert.deepEqual(l.get(2).details, { list: [1, 2] });
    // JSON a JS number cannot hold exactly stays exact in detailsJson.
    l.log({ details: '{"big":12345678901234567890}' });
    assert.equal(l.get(3).detailsJson, '{"big":12345678901234567890}');
  });
});

test('query: camelCase filters, unset differs from empty, Date or microseconds', () => {
  withLogger(100, (l) => {
    l.log({ actor: 'alice', action: 'login', severity: 'INFO' });
    l.log({ actor: '', action: 'login', severity: 'WARNING' });
    l.log({ actor: 'alice', action: 'file.read', outcome: 'denied', severity: 'ERROR' });
    l.log({ actor: 'bob', action: 'key.rotate', resource: 'kms:1', severity: 'CRITICAL' });
    const q = (f) => l.query(f).map((e) => e.seq);
    assert.deepEqual(q({}), [1, 2, 3, 4]);
    assert.deepEqual(q(), [1, 2, 3, 4]);
    assert.deepEqual(q({ actor: 'alice' }), [1, 3]);
    assert.deepEqual(q({ actor: '' }), [2]);
    assert.deepEqual(q({ actor: undefined, action: null }), [1, 2, 3, 4]);
    assert.deepEqual(q({ outcome: 'denied' }), [3]);
    assert.deepEqual(q({ resource: 'kms:1' }), [4]);
    assert.deepEqual(q({ minSeverity: 'error' }), [3, 4]);
    assert.deepEqual(q({ maxSeverity: Severity.WARNING }), [1, 2]);
    assert.deepEqual(q({ actor: 'alice', minSeverity: 20 }), [3]);
    assert.deepEqual(q({ afterSeq: 2 }), [3, 4]);
    assert.deepEqual(q({ limit: 2 }), [3, 4]);
    assert.deepEqual(q({ limit: 0 }), []);
    const ts = l.get(3).timestamp;
    assert.deepEqual(q({ since: ts, until: ts }), [3]);
    assert.deepEqual(q({ since: ts }), l.query({ afterSeq: 2 }).filter((e) => e.timestamp >= ts).map((e) => e.seq));
    assert.deepEqual(q({ until: new Date(0) }), []);
    assert.deepEqual(q({ since: new Date(Date.now() + 3600e3) }), []);
    assert.deepEqual(q({ since: new Date(0), until: new Date(Date.now() + 3600e3) }), [1, 2, 3, 4]);
    // A typo must not silently widen the query.
    assert.throws(() => l.query({ min_severity: 30 }), /unknown query filter option 'min_severity'/);
    assert.throws(() => l.query({ minSeverity: 'WARN' }), { status: 'INVALID_SEVERITY' });
    assert.throws(() => l.query({ minSeverity: 15 }), { status: 'INVALID_SEVERITY' });
    assert.throws(() => l.query({ since: 1.5 }), TypeError);
    assert.throws(() => l.query({ limit: -1 }), RangeError);
  });
});

test('recent and get', () => {
  withLogger(3, (l) => {
    assert.deepEqual(l.recent(5), []);
    for (let i = 1; i <= 4; i++) l.log({ actor: `u${i}` });
    assert.deepEqual(l.recent(0), []);
    assert.deepEqual(l.recent(2).map((e) => e.seq), [3, 4]);
    assert.deepEqual(l.recent(100).map((e) => e.seq), [2, 3, 4]);
    assert.equal(l.get(1), undefined, 'evicted');
    assert.equal(l.get(5), undefined, 'not logged yet');
    assert.equal(l.get(4).actor, 'u4');
  });
});

test('exportJson: string and atomic file; importJson / importJsonFile round-trip', () => {
  const dir = tempDir();
  const file = path.join(dir, 'audit.json');
  withLogger(10, (l) => {
    assert.equal(l.exportJson(), '[]');
    l.log({ actor: 'mallory\nINFO forged', action: 'ünïcødé ✓', severity: 'ERROR', details: { t: 'a\u2028b' } });
    l.log({ actor: 'bob', details: { i: 1 } });
    const doc = l.exportJson(file);
    assert.equal(fs.readFileSync(file, 'utf8'), doc);
    const parsed = JSON.parse(doc);
    assert.equal(parsed.length, 2);
    assert.deepEqual(Object.keys(parsed[0]), [
      'actor', 'action', 'resource', 'outcome', 'severity', 'details', 'timestamp', 'seq',
    ]);
    assert.equal(parsed[0].actor, 'mallory\nINFO forged');
    assert.ok(!doc.includes('mallory\n'), 'line breaks are escaped');
    assert.ok(doc.startsWith('[\n  {\n    "actor"'), 'pretty-printed with 2 spaces');

    withLogger(10, (m) => {
      assert.equal(m.importJsonFile(file), 2);
      assert.equal(m.importJson(doc), 2);
      assert.equal(m.importJson(parsed), 2, 'a parsed document is accepted too');
      const events = m.recent(10);
      assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
      const original = l.recent(2);
      for (const e of events) {
        const o = original[(e.seq - 1) % 2];
        assert.deepEqual([e.actor, e.action, e.severity, e.detailsJson, e.timestamp],
          [o.actor, o.action, o.severity, o.detailsJson, o.timestamp]);
      }
    });
  });
});

test('import is all or nothing', () => {
  withLogger(10, (l) => {
    l.log({ actor: 'kept' });
    const good = { actor: 'a', action: 'b', resource: 'c', outcome: 'd', severity: 'INFO', details: {}, timestamp: '2026-01-01T00:00:00Z' };
    assert.throws(() => l.importJson([good, { ...good, severity: 'NOPE' }]), { status: 'INVALID_DOCUMENT' });
    assert.deepEqual([l.count, l.appended], [1, 1]);
    assert.equal(l.importJson([good]), 1);
    assert.equal(l.get(2).timestamp, Date.UTC(2026, 0, 1) * 1000);
  });
});

test('close is idempotent; a closed logger throws', () => {
  const l = new AuditLogger(5);
  l.log({});
  assert.equal(l.closed, false);
  l.close();
  l.close();
  assert.equal(l.closed, true);
  for (const use of [
    () => l.log({}), () => l.query(), () => l.recent(1), () => l.get(1), () => l.exportJson(),
    () => l.importJson('[]'), () => l.count, () => l.capacity, () => l.subscribe(() => {}),
    () => l.nativeHandle,
  ]) {
    assert.throws(use, /this AuditLogger is closed/);
  }
});

test('Symbol.dispose closes the logger', () => {
  const l = new AuditLogger(5);
  l[Symbol.dispose]();
  assert.equal(l.closed, true);
});

test('version() is the library version, as the header states it', () => {
  const header = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'include', 'audit_logger.h'), 'utf8');
  const [, expected] = header.match(/#define AUDIT_LOGGER_VERSION "([^"]+)"/);
  assert.equal(audit.version(), expected);
});

test('queryJson is the export format of the matches, written by the library', () => {
  const l = new AuditLogger(10);
  try {
    l.log({ actor: 'alice' });
    l.log({ actor: 'bob', severity: 'ERROR' });
    const text = l.queryJson({ minSeverity: 'ERROR' });
    assert.ok(text.startsWith('[\n  {'));
    assert.deepEqual(JSON.parse(text), l.query({ minSeverity: 'ERROR' }).map((e) => JSON.parse(e.json)));
    assert.deepEqual(JSON.parse(l.queryJson()), JSON.parse(l.exportJson()));
    assert.throws(() => l.queryJson({ actr: 'typo' }), TypeError);
  } finally {
    l.close();
  }
});

test('logBatch records consecutive seqs with one timestamp, all or nothing', () => {
  withLogger({ capacity: 100 }, (l) => {
    l.log({ actor: 'before' });
    const first = l.logBatch([
      { actor: 'a', details: { k: 1 } },
      { actor: 'b', severity: 'critical' },
      { actor: 'c', details: '{"n": [1, 2]}' },
    ]);
    assert.equal(Number(first), 2);
    const events = [2, 3, 4].map((s) => l.get(s));
    assert.deepEqual(events.map((e) => e.actor), ['a', 'b', 'c']);
    assert.equal(events[1].severity, 'CRITICAL');
    assert.equal(events[0].detailsJson, '{"k":1}');
    assert.equal(events[2].detailsJson, '{"n":[1,2]}');
    assert.equal(new Set(events.map((e) => String(e.timestamp))).size, 1);
    assert.equal(Number(l.logBatch([])), 0);
    assert.throws(() => l.logBatch([{ actor: 'ok' }, { details: '[1]' }]), (err) =>
      err instanceof AuditError && err.status === 'INVALID_DETAILS' && err.detail.startsWith('event 1: '));
    assert.throws(() => l.logBatch([{ actor: 'nul\0' }]), (err) =>
      err instanceof AuditError && err.status === 'INVALID_ARGUMENT' && err.detail.startsWith('event 0: '));
    assert.throws(() => l.logBatch([{ actr: 'typo' }]), /event 0: /);
    assert.equal(Number(l.appended), 4);
  });
});
