'use strict';
// Forwarders: a JSON Lines file receiving every event, the stats and the
// close report, an unwritable file in the stats, bad options refused.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { AuditLogger, AuditError, Status } = require('..');

function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-node-forward-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function isStatus(status) {
  return (err) => err instanceof AuditError && err.statusCode === status;
}

test('a JSON Lines file receives every event', () => {
  const out = path.join(tempDir(), 'events.jsonl');
  const audit = new AuditLogger(50);
  const index = audit.addForwarder('file', { target: 'jsonl', path: out, format: 'json-line' });
  assert.equal(index, 0);
  for (let i = 0; i < 140; i++) audit.log({ actor: 'alice', action: 'doc.read', resource: `doc:${i}`, outcome: 'ok' });
  const report = audit.closeForwarder(index, 20000);
  assert.deepEqual(report, { delivered: 140, left: 0, timedOut: false, dropped: 0, lastAckedSeq: 140 });
  const stats = audit.forwarderStats(index);
  assert.equal(stats.offered, 140);
  assert.equal(stats.delivered, 140);
  assert.equal(stats.lagEvents, 0);
  assert.equal(stats.lastError, null);
  audit.close();
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 140);
  lines.forEach((line, i) => {
    assert.equal(line.seq, i + 1);
    assert.equal(typeof line.log_id, 'string');
  });
});

test('an unwritable file shows in the stats', async () => {
  const bad = path.join(tempDir(), 'missing', 'x.jsonl');
  const audit = new AuditLogger(10);
  audit.addForwarder('bad', { target: 'jsonl', path: bad, retryInitialMs: 10, retryMaxMs: 50, closeTimeoutMs: 100 });
  for (let i = 0; i < 3; i++) audit.log({ actor: 'a', action: 'b', resource: 'c', outcome: 'd' });
  const deadline = Date.now() + 10000;
  while (audit.forwarderStats(0).lastError === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const stats = audit.forwarderStats(0);
  assert.ok(stats.lastError.includes(bad), stats.lastError);
  assert.equal(stats.connected, false);
  assert.equal(stats.lagEvents, 3);
  const report = audit.closeForwarder(0, 100);
  assert.equal(report.left, 3);
  assert.equal(report.timedOut, true);
  audit.close();
});

test('bad options are refused', () => {
  const dir = tempDir();
  const audit = new AuditLogger(10);
  const file = { target: 'jsonl', path: path.join(dir, 'f') };
  assert.throws(() => audit.addForwarder('a/b', file), isStatus(Status.INVALID_ARGUMENT));
  assert.equal(audit.addForwarder('f', file), 0);
  assert.throws(() => audit.addForwarder('f', file), isStatus(Status.INVALID_ARGUMENT));
  assert.throws(() => audit.addForwarder('t', { target: 'carrier-pigeon' }), isStatus(Status.INVALID_ARGUMENT));
  assert.throws(() => audit.addForwarder('b', { ...file, backlog: 0 }), isStatus(Status.INVALID_ARGUMENT));
  assert.throws(
    () => audit.addForwarder('s', { target: 'syslog', address: '127.0.0.1:1', format: 'ocsf' }),
    isStatus(Status.INVALID_ARGUMENT),
  );
  assert.throws(() => audit.addForwarder('x', { ...file, colour: 'red' }), TypeError);
  assert.throws(() => audit.forwarderStats(5), isStatus(Status.NOT_FOUND));
  assert.throws(() => audit.closeForwarder(5), isStatus(Status.NOT_FOUND));
  audit.close();
});
