'use strict';
// Shared by the tests: where the vectors and the producer fixture are, and how
// to load the fixture with koffi.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const koffi = require('koffi');
const { native } = require('../lib/native');

const REPO = path.resolve(__dirname, '..', '..', '..');

/** AUDIT_VECTORS_DIR, or the repository's tests/vectors. */
function vectorsDir() {
  return process.env.AUDIT_VECTORS_DIR || path.join(REPO, 'tests', 'vectors');
}

/** AUDIT_PRODUCER_LIB, or the fixture built into a temporary directory. */
function producerLibPath() {
  if (process.env.AUDIT_PRODUCER_LIB) return process.env.AUDIT_PRODUCER_LIB;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-node-producer-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'libaudit_test_producer.so');
  execFileSync('cc', [
    '-shared', '-fPIC', '-O2', `-I${path.join(REPO, 'include')}`,
    path.join(REPO, 'tests', 'fixtures', 'producer.c'), '-o', out, '-lpthread',
  ]);
  return out;
}

/**
 * The producer fixture's functions. The fixture is not linked against
 * libaudit_logger (it expects audit_log to be resolved from the process), so
 * the audit library is first made global, then the fixture is loaded.
 */
function loadProducer() {
  koffi.load(native().path, { global: true });
  const lib = koffi.load(producerLibPath());
  return {
    start: lib.func('void *audit_producer_start(AuditLogger *logger, unsigned int threads, unsigned int per_thread)'),
    finished: lib.func('int audit_producer_finished(const void *p)'),
    join: lib.func('unsigned long audit_producer_join(void *p)'),
  };
}

/**
 * Resolves once `done()` is true, checking every millisecond from a timer.
 * In between, the event loop is free to run the callbacks that foreign threads
 * queue for the main thread (koffi wakes it for each). Blocking here instead
 * (a busy loop, Atomics.wait, joining the threads) would deadlock.
 */
function until(done) {
  return new Promise((resolve) => {
    const poll = () => (done() ? resolve() : setTimeout(poll, 1));
    poll();
  });
}

module.exports = { REPO, vectorsDir, producerLibPath, loadProducer, until };
