'use strict';
// The durable, sealed journal: options, counters, reopening, the lock, verification.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { AuditLogger, AuditError, Status, Verdict, verifyJournal, exportJournalProofs, verifyExport } = require('..');

const SEGMENT = '00000000000000000001.seg';

function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-node-journal-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function isStatus(status) {
  return (err) => err instanceof AuditError && err.statusCode === status;
}

/** Replaces the first `from` (same length) in the first segment's bytes. */
function tamper(dir, from, to) {
  assert.equal(from.length, to.length);
  const file = path.join(dir, SEGMENT);
  const data = fs.readFileSync(file);
  const at = data.indexOf(from);
  assert.ok(at >= 0, `${from} is not in ${file}`);
  data.write(to, at, 'latin1');
  fs.writeFileSync(file, data);
}

test('journal: durable with fsync always, reopened, locked, verified', () => {
  const dir = path.join(tempDir(), 'journal');
  const logger = new AuditLogger({ capacity: 10, journal: dir, fsync: 'always' });
  const seqs = [0, 1, 2].map((i) => logger.log({ actor: 'alice', action: 'login', resource: `host:${i}` }));
  assert.deepEqual(seqs, [1, 2, 3]);
  const stats = logger.journalStats();
  assert.ok(stats.durableSeq >= 3, `durableSeq ${stats.durableSeq}`);
  assert.ok(stats.fsyncs >= 1 && stats.fsyncs <= 3, `fsyncs ${stats.fsyncs}`);
  assert.ok(stats.writtenSeq >= 3);
  assert.equal(stats.failing, false);
  assert.equal(stats.recoveredBytesDropped, 0);
  assert.ok(fs.existsSync(path.join(dir, 'anchor.pub')));

  // One writer per directory.
  assert.throws(
    () => new AuditLogger({ capacity: 10, journal: dir }),
    (err) => isStatus(Status.IO)(err) && /lock/.test(err.message),
  );
  logger.close();

  const again = new AuditLogger({ capacity: 10, journal: dir, fsync: 'always' });
  try {
    assert.equal(again.count, 3);
    assert.equal(again.appended, 3);
    assert.deepEqual(again.recent(3).map((e) => e.resource), ['host:0', 'host:1', 'host:2']);
    assert.equal(again.log({ actor: 'bob', action: 'logout' }), 4);
  } finally {
    again.close();
  }

  const { verdict, report } = verifyJournal(dir, path.join(dir, 'anchor.pub'));
  assert.equal(verdict, Verdict.VALID);
  assert.equal(report.verdict, 'valid');
  assert.equal(report.events_verified, 4);
  assert.deepEqual(report.findings, []);
});

test('journal: restores only the newest capacity events', () => {
  const dir = tempDir();
  const logger = new AuditLogger({ capacity: 10, journal: dir, fsync: 'never' });
  for (let i = 0; i < 5; i++) logger.log({ actor: 'alice', action: 'write', resource: `doc:${i}` });
  logger.close();
  const small = new AuditLogger({ capacity: 2, journal: dir });
  try {
    assert.equal(small.count, 2);
    assert.equal(small.appended, 5);
    assert.deepEqual(small.recent(5).map((e) => e.resource), ['doc:3', 'doc:4']);
  } finally {
    small.close();
  }
});

test('journal: one flipped byte is tampering', () => {
  const dir = tempDir();
  const logger = new AuditLogger({ capacity: 10, journal: dir, fsync: 'batch', batchEvents: 2, batchIntervalMs: 10 });
  for (const actor of ['alice', 'mallory', 'carol']) logger.log({ actor, action: 'login' });
  logger.close();
  const anchor = path.join(dir, 'anchor.pub');
  assert.equal(verifyJournal(dir, anchor).verdict, 'valid');

  tamper(dir, 'mallory', 'malloqy');
  const { verdict, report } = verifyJournal(dir, anchor);
  assert.equal(verdict, Verdict.TAMPERED);
  assert.equal(report.verdict, 'tampered');
  assert.ok(report.findings.length > 0);
  assert.ok(
    report.findings.some((f) => f.class === 'modified' && f.seq === 2),
    JSON.stringify(report.findings),
  );
});

test('journal: every setting is passed on', async () => {
  const dir = tempDir();
  const logger = new AuditLogger({
    capacity: 100,
    journal: dir,
    fsync: 'batch',
    batchEvents: 10,
    batchIntervalMs: 20,
    syncCritical: false,
    epochEvents: 2,
    epochIntervalMs: 600_000,
    segmentBytes: 1 << 20,
    segmentAgeSeconds: 3600,
    retainBytes: 1 << 30,
    retainSegments: 10,
    retainAgeSeconds: 365 * 86400,
  });
  try {
    for (let i = 0; i < 5; i++) logger.log({ actor: 'alice', action: 'tick' });
    // A checkpoint after 2 events (not after 10,000, nor 10 minutes): the journal's thread seals one soon.
    const deadline = Date.now() + 10_000;
    while (logger.journalStats().checkpoints < 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(logger.journalStats().checkpoints >= 1, JSON.stringify(logger.journalStats()));
  } finally {
    logger.close();
  }
  assert.equal(verifyJournal(dir, path.join(dir, 'anchor.pub')).verdict, 'valid');
});

test('journal: configuration errors', () => {
  const dir = tempDir();
  const invalid = isStatus(Status.INVALID_ARGUMENT);
  assert.throws(() => new AuditLogger({ journal: dir, fsync: 'sometimes' }), (err) => invalid(err) && /fsync/.test(err.message));
  assert.throws(() => new AuditLogger({ journal: dir, fsync: 'batch', batchEvents: 0 }), invalid);
  assert.throws(() => new AuditLogger({ journal: dir, epochEvents: 0 }), invalid);
  assert.throws(() => new AuditLogger({ fsync: 'always' }), (err) => invalid(err) && /journal/.test(err.message));
  assert.throws(() => new AuditLogger({ journal: dir, batchEvents: -1 }), RangeError);
  assert.throws(() => new AuditLogger({ journal: dir, fsyncPolicy: 'always' }), TypeError);
  // None of those opened (and locked) the directory.
  const logger = new AuditLogger({ journal: dir });
  try {
    assert.equal(logger.journalStats().writtenSeq, 0);
  } finally {
    logger.close();
  }
});

test('journal: journalStats without a journal, verify errors', () => {
  const logger = new AuditLogger(10);
  try {
    assert.throws(() => logger.journalStats(), isStatus(Status.NOT_FOUND));
  } finally {
    logger.close();
  }
  const dir = tempDir();
  new AuditLogger({ journal: dir }).close();
  assert.throws(() => verifyJournal(dir, 'not a key!'), isStatus(Status.INVALID_ARGUMENT));
  assert.throws(() => verifyJournal(path.join(dir, 'missing'), path.join(dir, 'anchor.pub')), isStatus(Status.IO));
});

test('journal: an export with proofs of a query result verifies offline; a changed event is found', () => {
  const root = tempDir();
  const dir = path.join(root, 'journal');
  const logger = new AuditLogger({ capacity: 10, journal: dir, fsync: 'never' });
  let bobSeq = 0;
  for (let i = 0; i < 12; i++) {
    const seq = logger.log({ actor: i % 3 === 0 ? 'bob' : 'alice', action: 'login', resource: `doc:${String(i).padStart(2, '0')}` });
    if (i === 6) bobSeq = seq;
  }
  logger.close();
  const anchor = path.join(dir, 'anchor.pub');
  const bundle = path.join(root, 'bob.json');
  assert.equal(exportJournalProofs(dir, { actor: 'bob' }, bundle), 0);
  const ok = verifyExport(bundle, anchor);
  assert.equal(ok.verdict, Verdict.VALID);
  assert.equal(ok.report.events_verified, 4);
  assert.deepEqual(ok.report.findings, []);

  fs.writeFileSync(bundle, fs.readFileSync(bundle, 'utf8').replace('doc:06', 'doc:07'));
  const bad = verifyExport(bundle, anchor);
  assert.equal(bad.verdict, Verdict.TAMPERED);
  assert.equal(bad.report.findings[0].class, 'modified');
  assert.equal(bad.report.findings[0].seq, bobSeq);

  assert.throws(() => exportJournalProofs(path.join(root, 'missing'), {}, bundle), isStatus(Status.IO));
  assert.throws(() => exportJournalProofs(dir, { nope: 1 }, bundle), TypeError);
  assert.throws(() => verifyExport(bundle, 'not a key'), isStatus(Status.INVALID_ARGUMENT));
});
