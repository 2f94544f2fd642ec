'use strict';
// Queued subscriptions: events reach the subscriber through a bounded queue
// drained by a library thread, which koffi makes wait while the JS function
// runs on the main thread. So logging never waits for the subscriber (beyond
// the overflow policy), and while the main thread is busy (a synchronous loop
// of log() calls, say) a queued subscriber cannot run at all: the tests use
// that as a stuck subscriber. Waiting is always asynchronous (flush(), until()).

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { AuditLogger, AuditError } = require('..');
const { liveCallbacks, releasedCallbacks } = require('../lib/subscriptions');
const { loadProducer, until } = require('./helpers');

const producer = loadProducer();
const FLUSH_MS = 30000;

function isAudit(status) {
  return (err) => err instanceof AuditError && err.status === status;
}

/** Keeps the calling (main) thread busy for about `ms` milliseconds: a slow subscriber. */
function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/**
 * Logs one event to a subscription queued with { capacity: 1, overflow:
 * 'drop-newest' } and returns once its delivery thread has taken the event off
 * the queue. The thread is then inside the callback, waiting for the main
 * thread (which this keeps), and the queue holds one more event. Each probe
 * event is dropped while the first one is still queued, and queued once the
 * thread has taken it.
 */
function holdDeliveryThreadInCallback(logger, sub) {
  logger.log({ actor: 'first' });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let probes = 0; probes < 5000; probes++) {
    logger.log({ actor: 'probe' });
    if (sub.stats().dropped === probes) return;
    Atomics.wait(pause, 0, 0, 1); // blocks the main thread, which the delivery thread does not need yet
  }
  throw new Error('the delivery thread never took the first event');
}

/** Resolves once every free_ctx has run (the koffi callbacks are back to `baseline`). */
function released(baseline) {
  return until(() => liveCallbacks() === baseline);
}

// A queued subscription's free_ctx comes from its delivery thread, after the
// logger is closed: wait for it, so the next test's baseline is exact.
test.afterEach(() => released(0));

test('a queued subscriber receives every event, in order, after log() returned', { timeout: 60000 }, async () => {
  const l = new AuditLogger(2000);
  try {
    const seen = [];
    const errors = [];
    const sub = l.subscribe(
      (e) => {
        seen.push(e.seq);
        if (e.seq % 100 === 0) throw new Error(`fail ${e.seq}`);
        if (e.seq % 100 === 1) return false;
        return undefined;
      },
      { queue: { capacity: 1000 }, onError: (err, e) => errors.push(e.seq) },
    );
    const sync = [];
    l.subscribe((e) => {
      sync.push(e.seq);
    });
    assert.equal(sub.queued, true);

    for (let i = 1; i <= 1000; i++) assert.equal(l.log({ actor: 'a', details: { i } }), i);
    assert.equal(seen.length, 0, 'queued delivery needs the main thread, which log() never waited for');
    assert.equal(sync.length, 1000, 'synchronous subscribers ran inside log()');

    await l.flush(FLUSH_MS);
    assert.deepEqual(seen, Array.from({ length: 1000 }, (_, i) => i + 1));
    assert.deepEqual(errors, Array.from({ length: 10 }, (_, i) => (i + 1) * 100));
    assert.deepEqual(sub.stats(), { delivered: 1000, failed: 20, dropped: 0 });
  } finally {
    l.close();
  }
});

test('drop-oldest keeps the newest events, drop-newest the oldest; delivered + dropped = logged', { timeout: 60000 }, async () => {
  const l = new AuditLogger(1000);
  const baseline = liveCallbacks();
  try {
    const seen = { 'drop-oldest': [], 'drop-newest': [] };
    const subs = Object.keys(seen).map((overflow) =>
      l.subscribe(
        (e) => {
          seen[overflow].push(e.seq);
          spin(1); // deliberately slow
        },
        { queue: { capacity: 8, overflow } },
      ),
    );
    for (let i = 0; i < 200; i++) l.log({});
    await l.flush(FLUSH_MS);

    for (const [sub, [overflow, seqs]] of subs.map((s, i) => [s, Object.entries(seen)[i]])) {
      const { delivered, failed, dropped } = sub.stats();
      assert.equal(delivered + dropped, 200, overflow);
      assert.equal(failed, 0);
      assert.equal(delivered, seqs.length, overflow);
      // The delivery thread may have taken seq 1 before the queue filled; the
      // queue then held 8 more.
      assert.ok(delivered <= 9, `${overflow}: ${delivered} delivered from a queue of 8`);
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `${overflow}: in log order`);
    }
    assert.deepEqual(seen['drop-oldest'].slice(-8), [193, 194, 195, 196, 197, 198, 199, 200]);
    assert.deepEqual(seen['drop-newest'].slice(0, 8), [1, 2, 3, 4, 5, 6, 7, 8]);
  } finally {
    l.close();
  }
  await released(baseline);
});

test('log() is never held up by a stuck queued subscriber beyond the policy: 10,000 events are stored', { timeout: 60000 }, async () => {
  const l = new AuditLogger(10000);
  const baseline = liveCallbacks();
  try {
    const calls = { oldest: 0, newest: 0, block: 0 };
    const oldest = l.subscribe(() => void calls.oldest++, { queue: { capacity: 16, overflow: 'drop-oldest' } });
    const newest = l.subscribe(() => void calls.newest++, { queue: { capacity: 16, overflow: 'drop-newest' } });
    // 'block' waits up to 2 ms per event for room that cannot come while this
    // thread logs: only the first 200 events, to keep the test short.
    const block = l.subscribe(() => void calls.block++, { queue: { capacity: 16, overflow: 'block', blockTimeoutMs: 2 } });

    for (let i = 0; i < 10000; i++) {
      if (i === 200) block();
      l.log({ details: { i } });
    }
    assert.deepEqual([l.appended, l.count], [10000, 10000], 'every event was stored');
    assert.deepEqual(calls, { oldest: 0, newest: 0, block: 0 }, 'no subscriber could run meanwhile');
    assert.ok(block.stats().dropped >= 200 - 17, 'block dropped what did not fit once its wait ran out');

    await l.flush(FLUSH_MS);
    for (const [name, sub] of [['oldest', oldest], ['newest', newest]]) {
      const { delivered, dropped } = sub.stats();
      assert.equal(delivered + dropped, 10000, name);
      assert.equal(delivered, calls[name], name);
      assert.ok(delivered <= 17, `${name}: ${delivered}`);
    }
  } finally {
    l.close();
  }
  await released(baseline);
});

test('a queued subscriber may unsubscribe itself: released once, never called again', { timeout: 60000 }, async () => {
  const l = new AuditLogger(1000);
  const baseline = liveCallbacks();
  const freed = releasedCallbacks();
  try {
    let calls = 0;
    let result;
    const sub = l.subscribe(
      () => {
        calls++;
        if (calls === 3) result = sub();
      },
      { queue: { capacity: 1000 } },
    );
    const witness = l.subscribe(() => {}, { queue: { capacity: 1000 } });
    for (let i = 0; i < 100; i++) l.log({});
    assert.equal(liveCallbacks(), baseline + 2);

    await released(baseline + 1);
    assert.equal(result, true);
    assert.equal(sub.active, false);
    assert.equal(sub(), false, 'already ended');
    assert.equal(releasedCallbacks(), freed + 1, 'free_ctx ran once');
    // Final counters (audit_unsubscribe_with_stats): the call in progress is
    // not counted yet; the 97 events still queued are dropped.
    assert.deepEqual(sub.stats(), { delivered: 2, failed: 0, dropped: 97 }, 'final counters');

    for (let i = 0; i < 100; i++) l.log({});
    await l.flush(FLUSH_MS);
    assert.equal(witness.stats().delivered, 200, 'the other subscription carried on');
    assert.equal(calls, 3, 'not called after it unsubscribed');
    assert.equal(releasedCallbacks(), freed + 1, 'free_ctx did not run again');
  } finally {
    l.close();
  }
  await released(baseline);
  assert.equal(releasedCallbacks(), freed + 2);
});

test('unsubscribing while the delivery thread is inside the callback: no deadlock, released once, no late call', { timeout: 60000 }, async () => {
  const l = new AuditLogger(10000);
  const baseline = liveCallbacks();
  const freed = releasedCallbacks();
  try {
    let calls = 0;
    const sub = l.subscribe(() => void calls++, { queue: { capacity: 1, overflow: 'drop-newest' } });
    holdDeliveryThreadInCallback(l, sub);
    assert.equal(sub(), true, 'unsubscribe does not wait for the delivery thread');
    assert.equal(liveCallbacks(), baseline + 1, 'the callback is still held: its thread is inside it');

    await released(baseline); // the pending call returns without running fn, then free_ctx runs
    assert.equal(releasedCallbacks(), freed + 1);
    assert.equal(calls, 0, 'fn is not called after unsubscribe() returned');
    l.log({});
    await l.flush(FLUSH_MS);
    assert.equal(calls, 0);
    assert.equal(releasedCallbacks(), freed + 1, 'free_ctx ran exactly once');
  } finally {
    l.close();
  }
});

test('closing the logger while events are queued and a callback is running: released once each', { timeout: 60000 }, async () => {
  const l = new AuditLogger(10000);
  const baseline = liveCallbacks();
  const freed = releasedCallbacks();
  const calls = { running: 0, backlog: 0 };
  const running = l.subscribe(() => void calls.running++, { queue: { capacity: 1, overflow: 'drop-newest' } });
  const backlog = l.subscribe(() => void calls.backlog++, { queue: { capacity: 5000 } });
  holdDeliveryThreadInCallback(l, running);
  for (let i = 0; i < 3000; i++) l.log({});
  const before = backlog.stats();
  assert.equal(before.delivered, 0, 'nothing delivered yet: the main thread never yielded');
  const logged = l.appended; // 3000, and the events that hold the delivery thread

  l.close();
  assert.equal(l.closed, true);
  assert.deepEqual([running.active, backlog.active], [false, false]);
  // Final counters (audit_unsubscribe_with_stats at close()): what was queued
  // is dropped. The delivery thread may already have taken the first event
  // into its (waiting) call, which the library does not count until it returns.
  const final = backlog.stats();
  assert.deepEqual([final.delivered, final.failed], [0, 0]);
  assert.ok(final.dropped === logged || final.dropped === logged - 1, `dropped ${final.dropped} of ${logged}`);
  await assert.rejects(l.flush(1000), /closed/);

  await released(baseline);
  // Let any stray late call or second free_ctx arrive before checking.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(calls, { running: 0, backlog: 0 }, 'no subscriber ran after close()');
  assert.equal(releasedCallbacks(), freed + 2, 'free_ctx ran exactly once per subscription');
  assert.equal(liveCallbacks(), baseline);
});

test('flush(): times out with TIMEOUT, may be called inside a subscriber, resolves once the logger closes', { timeout: 60000 }, async () => {
  const l = new AuditLogger(1000);
  const baseline = liveCallbacks();
  try {
    await l.flush(0); // no queued subscription: nothing to wait for

    // A subscriber that logs again for every event it gets never lets its
    // queue drain, so flush() must time out, however fast it runs.
    let chain = true;
    const echo = l.subscribe(() => void (chain && l.log({ actor: 'echo' })), { queue: { capacity: 1000 } });
    l.log({});
    await assert.rejects(l.flush(0), isAudit('TIMEOUT'), 'one look, before the subscriber could run');
    await assert.rejects(l.flush(50), (err) => isAudit('TIMEOUT')(err) && err.code === 12 && /50 ms/.test(err.detail));
    chain = false;
    await l.flush(FLUSH_MS); // resolves only once the subscriber, which needs this thread, has run
    const { delivered, dropped } = echo.stats();
    assert.equal(delivered + dropped, l.appended, 'every event reached the queue, and was delivered or dropped');
    echo();

    let inner = null;
    let calls = 0;
    const slow = l.subscribe(
      () => {
        calls++;
        inner ??= l.flush(FLUSH_MS); // a promise: it cannot wait for the call that made it
        spin(1);
      },
      { queue: { capacity: 1000 } },
    );
    for (let i = 0; i < 100; i++) l.log({});
    await until(() => inner !== null);
    await inner;
    assert.equal(calls, 100, 'the inner flush waited for every event, the call that started it included');
    assert.deepEqual(slow.stats(), { delivered: 100, failed: 0, dropped: 0 });

    for (let i = 0; i < 100; i++) l.log({});
    const pending = l.flush(FLUSH_MS);
    l.close(); // before any of them could run: close() discards them
    await pending; // and a pending flush() has nothing left to wait for
    assert.equal(calls, 100);
  } finally {
    l.close();
  }
  await released(baseline);
  assert.equal(liveCallbacks(), baseline);

  await assert.rejects(l.flush(10), /closed/);
  const open = new AuditLogger(10);
  try {
    await assert.rejects(open.flush(-1), RangeError);
    await assert.rejects(open.flush(1.5), RangeError);
    await assert.rejects(open.flush(), RangeError);
  } finally {
    open.close();
  }
});

test('queue options are checked; a refused subscription holds no callback', { timeout: 60000 }, async () => {
  const l = new AuditLogger(10);
  const baseline = liveCallbacks();
  try {
    const fn = () => {};
    assert.throws(() => l.subscribe(fn, { queue: { capacity: 0 } }), isAudit('INVALID_CAPACITY'));
    assert.throws(() => l.subscribe(fn, { queue: { capacity: 4, overflow: 'drop-all' } }), isAudit('INVALID_ARGUMENT'));
    assert.throws(() => l.subscribe(fn, { queue: { capacity: 4, overflow: 'block' } }), /blockTimeoutMs is required/);
    assert.throws(() => l.subscribe(fn, { queue: { capacity: 4, blockTimeoutMs: 5 } }), /applies only to overflow 'block'/);
    assert.throws(() => l.subscribe(fn, { queue: { capacity: 4, overflow: 'block', blockTimeoutMs: 2 ** 32 } }), RangeError);
    assert.throws(() => l.subscribe(fn, { queue: { capacity: -1 } }), RangeError);
    assert.throws(() => l.subscribe(fn, { queue: {} }), RangeError);
    assert.throws(() => l.subscribe(fn, { queue: 16 }), TypeError);
    assert.throws(() => l.subscribe(fn, { queue: { capacity: 4, size: 4 } }), /unknown queue option 'size'/);
    assert.throws(() => l.subscribe(fn, { queued: true }), /unknown subscribe option 'queued'/);
    assert.equal(liveCallbacks(), baseline);

    const block = l.subscribe(fn, { queue: { capacity: 4, overflow: 'block', blockTimeoutMs: 0 } });
    assert.equal(block.queued, true);
    assert.equal(l.subscribe(fn).queued, false);
  } finally {
    l.close();
  }
  await released(baseline); // the queued one's free_ctx comes from its delivery thread
});

test('a script may end with events still queued, or right after close(): delivered or discarded, no abort', { timeout: 60000 }, () => {
  // Node aborts if the event loop ends while a delivery thread waits for the
  // main thread; the binding keeps the loop alive until that cannot happen.
  const script = (end) => `
    const { AuditLogger } = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const { liveCallbacks } = require(${JSON.stringify(path.resolve(__dirname, '..', 'lib', 'subscriptions'))});
    const l = new AuditLogger(100);
    let n = 0;
    l.subscribe(() => void n++, { queue: { capacity: 100 } });
    for (let i = 0; i < 50; i++) l.log({});
    ${end}
    process.on('exit', () => console.log(JSON.stringify({ delivered: n, live: liveCallbacks() })));`;
  for (const [end, expected] of [
    ['', { delivered: 50, live: 1 }], // still subscribed: everything queued is delivered first
    ['l.close();', { delivered: 0, live: 0 }], // ended before any delivery: discarded, released
  ]) {
    const child = spawnSync(process.execPath, ['-e', script(end)], { encoding: 'utf8', timeout: 30000 });
    assert.equal(child.status, 0, `${end || 'no close'}: exit status ${child.status} ${child.signal ?? ''}\n${child.stderr}`);
    assert.deepEqual(JSON.parse(child.stdout), expected, end || 'no close');
  }
});

// Foreign threads: the fixture's pthreads log while the JS subscriber runs on
// the main thread; with a queue they never wait for it (drop policies) or only
// for room in the queue ('block').

const THREADS = 4;
const PER_THREAD = 25000;
const TOTAL = THREADS * PER_THREAD;

/** Runs the fixture on `logger` and resolves once it is finished, joined and flushed. */
async function produce(logger) {
  const p = producer.start(logger.nativeHandle, THREADS, PER_THREAD);
  assert.ok(p, 'audit_producer_start failed');
  await until(() => producer.finished(p));
  assert.equal(producer.join(p), 0, 'no audit_log call failed');
  await logger.flush(FLUSH_MS);
}

/** A subscriber counting events per actor and checking each thread's events arrive in its order. */
function perThreadRecorder() {
  const rec = { received: 0, outOfOrder: 0, perActor: new Map(), last: new Map() };
  rec.fn = (e) => {
    rec.received++;
    rec.perActor.set(e.actor, (rec.perActor.get(e.actor) || 0) + 1);
    if (e.details.i <= (rec.last.get(e.actor) ?? -1)) rec.outOfOrder++;
    rec.last.set(e.actor, e.details.i);
  };
  return rec;
}

test('100,000 events from 4 foreign threads, small drop-oldest queue: delivered + dropped = 100,000', { timeout: 60000 }, async () => {
  const logger = new AuditLogger(1000);
  const baseline = liveCallbacks();
  try {
    const rec = perThreadRecorder();
    const sub = logger.subscribe(rec.fn, { queue: { capacity: 256, overflow: 'drop-oldest' } });
    await produce(logger);
    const { delivered, failed, dropped } = sub.stats();
    assert.equal(delivered + dropped, TOTAL);
    assert.equal(failed, 0);
    assert.equal(delivered, rec.received);
    assert.equal(rec.outOfOrder, 0, "each thread's events arrive in the order it logged them");
    for (const [actor, n] of rec.perActor) assert.ok(/^thread-[0-3]$/.test(actor) && n <= PER_THREAD, actor);
    assert.equal(logger.appended, TOTAL);
  } finally {
    logger.close();
  }
  await released(baseline);
});

test("100,000 events from 4 foreign threads, 'block' queue: producers wait for room, nothing is dropped", { timeout: 60000 }, async () => {
  const logger = new AuditLogger(1000);
  const baseline = liveCallbacks();
  try {
    const rec = perThreadRecorder();
    // The main thread stays free, so room always comes long before a minute.
    const sub = logger.subscribe(rec.fn, { queue: { capacity: 64, overflow: 'block', blockTimeoutMs: 60000 } });
    await produce(logger);
    assert.deepEqual(sub.stats(), { delivered: TOTAL, failed: 0, dropped: 0 });
    assert.equal(rec.received, TOTAL);
    assert.equal(rec.outOfOrder, 0);
    assert.deepEqual(
      Object.fromEntries([...rec.perActor].sort()),
      Object.fromEntries(Array.from({ length: THREADS }, (_, t) => [`thread-${t}`, PER_THREAD])),
    );
  } finally {
    logger.close();
  }
  await released(baseline);
});
