'use strict';
// Callbacks from threads that Node did not create. The producer fixture logs
// from its own pthreads; koffi runs each JS callback on the main thread at the
// next turn of the event loop while the logging thread waits. So the test
// waits asynchronously (never blocking the main thread) until the fixture is
// finished and every callback has arrived, and only then joins the threads.

const test = require('node:test');
const assert = require('node:assert/strict');
const { AuditLogger } = require('..');
const { liveCallbacks } = require('../lib/subscriptions');
const { loadProducer, until } = require('./helpers');

const THREADS = 4;
const PER_THREAD = 25000;
const TOTAL = THREADS * PER_THREAD;

const producer = loadProducer();

test('100,000 events from 4 foreign threads all reach a JS subscriber', { timeout: 60000 }, async () => {
  const logger = new AuditLogger(1000);
  try {
    const perActor = new Map();
    const lastIndex = new Map();
    let received = 0;
    let outOfOrder = 0;
    const unsubscribe = logger.subscribe((e) => {
      received++;
      perActor.set(e.actor, (perActor.get(e.actor) || 0) + 1);
      // Each thread logs i = 0, 1, 2 ... and waits for its callback, so its
      // events arrive in order.
      const prev = lastIndex.get(e.actor) ?? -1;
      if (e.details.i !== prev + 1 || e.details.thread !== Number(e.actor.slice(7))) outOfOrder++;
      lastIndex.set(e.actor, e.details.i);
    });

    const p = producer.start(logger.nativeHandle, THREADS, PER_THREAD);
    assert.ok(p, 'audit_producer_start failed');
    await until(() => producer.finished(p) && received >= TOTAL);
    assert.equal(producer.join(p), 0, 'no audit_log call failed');

    assert.equal(received, TOTAL);
    assert.deepEqual(
      Object.fromEntries([...perActor].sort()),
      Object.fromEntries(Array.from({ length: THREADS }, (_, t) => [`thread-${t}`, PER_THREAD])),
    );
    assert.equal(outOfOrder, 0);
    assert.deepEqual(unsubscribe.stats(), { delivered: TOTAL, failed: 0, dropped: 0 });
    assert.deepEqual([logger.appended, logger.count, logger.evicted], [TOTAL, 1000, TOTAL - 1000]);
  } finally {
    logger.close();
  }
});

test('foreign-thread callbacks may log, fail and unsubscribe; free_ctx releases the slot', { timeout: 60000 }, async () => {
  const logger = new AuditLogger(100);
  const baseline = liveCallbacks();
  try {
    let calls = 0;
    let removed = null;
    const quitter = logger.subscribe(() => {
      calls++;
      if (calls === 1000) removed = quitter();
      if (calls % 10 === 0) throw new Error('counted, not propagated');
    });
    let fromMain = 0;
    const reentrant = logger.subscribe((e) => {
      if (e.actor === 'thread-0' && e.details.i % 1000 === 0) logger.log({ actor: 'main', details: { about: e.seq } });
      if (e.actor === 'main') fromMain++;
    });
    assert.equal(liveCallbacks(), baseline + 2);

    const p = producer.start(logger.nativeHandle, THREADS, 5000);
    await until(() => producer.finished(p) && reentrant.stats().delivered >= THREADS * 5000 + 5);
    assert.equal(producer.join(p), 0);

    assert.equal(removed, true);
    assert.equal(calls, 1000, 'not called after it unsubscribed');
    assert.equal(quitter.stats().failed, 99, 'failures counted up to the unsubscribe');
    assert.equal(fromMain, 5, 're-entrant events logged from the main thread were delivered');
    await until(() => liveCallbacks() === baseline + 1);
  } finally {
    logger.close();
  }
  assert.equal(liveCallbacks(), baseline);
});
