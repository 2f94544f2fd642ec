'use strict';
// Subscribers on the main thread: delivery, failure counting, re-entrancy,
// unsubscribing (also from inside a callback) and the release of the koffi
// callback slots when the library calls free_ctx.

const test = require('node:test');
const assert = require('node:assert/strict');
const { AuditLogger } = require('..');
const { liveCallbacks } = require('../lib/subscriptions');

function withLogger(capacity, fn) {
  const logger = new AuditLogger(capacity);
  try {
    return fn(logger);
  } finally {
    logger.close();
  }
}

test('a subscriber gets every event, after it is stored, as a plain object', () => {
  withLogger(10, (l) => {
    const seen = [];
    const unsubscribe = l.subscribe((e) => {
      seen.push({ seq: e.seq, actor: e.actor, severity: e.severity, details: e.details, stored: l.get(e.seq) !== undefined });
    });
    l.log({ actor: 'a', severity: 'ERROR', details: { k: [1] } });
    l.log({ actor: 'b' });
    assert.deepEqual(seen, [
      { seq: 1, actor: 'a', severity: 'ERROR', details: { k: [1] }, stored: true },
      { seq: 2, actor: 'b', severity: 'INFO', details: {}, stored: true },
    ]);
    assert.equal(typeof unsubscribe.id, 'number');
    assert.equal(unsubscribe.active, true);
    assert.deepEqual(unsubscribe.stats(), { delivered: 2, failed: 0, dropped: 0 });
  });
});

test('a subscriber that throws or returns false counts as a failure and breaks nothing', () => {
  withLogger(10, (l) => {
    const errors = [];
    const healthy = [];
    const throwing = l.subscribe(
      (e) => {
        if (e.seq % 2 === 0) throw new Error(`boom ${e.seq}`);
      },
      { onError: (err, e) => errors.push([err.message, e.seq]) },
    );
    const refusing = l.subscribe((e) => (e.seq === 3 ? false : undefined));
    const throwsWithoutHandler = l.subscribe(() => {
      throw new Error('unseen');
    });
    const ok = l.subscribe((e) => {
      healthy.push(e.seq);
    });
    for (let i = 0; i < 5; i++) assert.equal(l.log({ actor: `u${i}` }), i + 1, 'logging carries on');
    assert.deepEqual(healthy, [1, 2, 3, 4, 5], 'other subscribers still run');
    assert.deepEqual(errors, [['boom 2', 2], ['boom 4', 4]]);
    assert.deepEqual(throwing.stats(), { delivered: 5, failed: 2, dropped: 0 });
    assert.deepEqual(refusing.stats(), { delivered: 5, failed: 1, dropped: 0 });
    assert.deepEqual(throwsWithoutHandler.stats(), { delivered: 5, failed: 5, dropped: 0 });
    assert.deepEqual(ok.stats(), { delivered: 5, failed: 0, dropped: 0 });
    assert.equal(l.count, 5);
  });
});

test('an onError handler that throws is ignored; the failure is still counted', () => {
  withLogger(10, (l) => {
    const sub = l.subscribe(() => { throw new Error('a'); }, { onError: () => { throw new Error('b'); } });
    assert.equal(l.log({}), 1);
    assert.deepEqual(sub.stats(), { delivered: 1, failed: 1, dropped: 0 });
  });
});

test('a subscriber may log re-entrantly without deadlock', () => {
  withLogger(100, (l) => {
    const seen = [];
    l.subscribe((e) => {
      seen.push(e.seq);
      if (e.actor === 'user') l.log({ actor: 'audit-of-audit', details: { about: e.seq } });
    });
    assert.equal(l.log({ actor: 'user' }), 1);
    assert.equal(l.log({ actor: 'user' }), 3);
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.deepEqual(l.query({ actor: 'audit-of-audit' }).map((e) => e.details.about), [1, 3]);
  });
});

test('a subscriber may unsubscribe itself; it is not called again and its stats are kept', () => {
  withLogger(10, (l) => {
    const baseline = liveCallbacks();
    const calls = [];
    let result;
    const unsubscribe = l.subscribe((e) => {
      calls.push(e.seq);
      if (e.seq === 2) result = unsubscribe();
    });
    const other = [];
    l.subscribe((e) => {
      other.push(e.seq);
    });
    for (let i = 0; i < 4; i++) l.log({});
    assert.deepEqual(calls, [1, 2]);
    assert.equal(result, true);
    assert.equal(unsubscribe.active, false);
    assert.equal(unsubscribe(), false, 'already ended');
    assert.deepEqual(other, [1, 2, 3, 4]);
    assert.equal(unsubscribe.stats().delivered, 1, 'counters as of unsubscribe (the running call not yet counted)');
    assert.equal(liveCallbacks(), baseline + 1, "free_ctx released the subscriber's koffi callback; the other one is live");
  });
});

test('a subscriber may unsubscribe another one', () => {
  withLogger(10, (l) => {
    const second = [];
    let victim = null;
    l.subscribe((e) => {
      if (e.seq === 2) assert.equal(victim(), true);
    });
    victim = l.subscribe((e) => {
      second.push(e.seq);
    });
    for (let i = 0; i < 3; i++) l.log({});
    assert.deepEqual(second, [1]);
  });
});

test('unsubscribe releases the koffi callback; close ends every subscription', () => {
  const baseline = liveCallbacks();
  const l = new AuditLogger(10);
  const a = l.subscribe(() => {});
  const b = l.subscribe(() => {});
  assert.equal(liveCallbacks(), baseline + 2);
  assert.equal(a(), true);
  assert.equal(liveCallbacks(), baseline + 1);
  l.log({});
  l.close();
  assert.equal(liveCallbacks(), baseline, 'free_ctx ran for the remaining subscription');
  assert.equal(b.active, false);
  assert.equal(b(), false, 'nothing left to remove after close');
  assert.deepEqual(b.stats(), { delivered: 1, failed: 0, dropped: 0 }, 'final counters survive close');
});

test('close() inside one of its own subscribers is refused', () => {
  withLogger(10, (l) => {
    let error;
    l.subscribe(() => {
      try {
        l.close();
      } catch (err) {
        error = err;
      }
    });
    l.log({});
    assert.match(String(error), /close\(\) called from one of this logger's own subscribers/);
    assert.equal(l.closed, false);
    assert.equal(l.log({}), 2);
  });
});

test('imports are not delivered to subscribers', () => {
  withLogger(10, (l) => {
    const seen = [];
    l.subscribe((e) => {
      seen.push(e.seq);
    });
    l.importJson([{ actor: 'a', action: 'b', resource: 'c', outcome: 'd', severity: 'INFO', details: {}, timestamp: '2026-01-01T00:00:00Z' }]);
    l.log({});
    assert.deepEqual(seen, [2]);
  });
});

test('many subscriptions come and go without exhausting koffi callback slots', () => {
  withLogger(10, (l) => {
    const baseline = liveCallbacks();
    // koffi has 8192 slots in all; leaking one per subscription would fail here.
    for (let i = 0; i < 9000; i++) l.subscribe(() => {})();
    assert.equal(liveCallbacks(), baseline);
  });
});
