'use strict';
// Subscribers: JS functions registered with koffi as C callbacks, delivered
// synchronously (audit_subscribe) or through a queue drained by a library
// thread (audit_subscribe_queued).
//
// Each subscription owns one registered koffi callback (a trampoline slot).
// The slot is released in the library's free_ctx, which runs exactly once,
// after the subscription has ended and no call of its callback is still
// running on any thread. Releasing it right after audit_unsubscribe instead
// would be unsafe: a foreign thread may already be inside the callback,
// waiting for koffi to run it on the main thread, and would then jump into a
// released slot. free_ctx is one process-wide callback; `ctx` is a key into
// `live`, never a pointer.
//
// A queued subscription's callback is always called from its delivery thread,
// which koffi makes wait while it runs the JS function on the main thread;
// producers only wait for the queue (and only with the 'block' policy).
// koffi's relay does not keep the event loop alive, and Node aborts if the
// loop ends while a delivery thread waits for it, so `keepAliveForQueues`
// keeps the loop turning until queued subscriptions are idle or released.

const { koffi, types } = require('./native');
const { AuditError, lastError, Status } = require('./errors');
const { count, onlyKeys } = require('./args');
const { toEvent } = require('./events');

/** Subscriptions whose free_ctx has not run yet, by ctx key. */
const live = new Map();
let nextCtx = 1;
let freeCtxCallback = null;
let freeCtxCalls = 0;

/** Overflow policy names and the AUDIT_OVERFLOW_* values of the C API. */
const OVERFLOW = Object.freeze({ 'drop-oldest': 1, 'drop-newest': 2, block: 3 });
const QUEUE_KEYS = ['capacity', 'overflow', 'blockTimeoutMs'];

function releaseCtx(ctx) {
  freeCtxCalls++;
  const sub = live.get(ctx);
  if (!sub) return;
  live.delete(ctx);
  koffi.unregister(sub.trampoline);
  sub.trampoline = null;
}

function freeCtxPointer() {
  if (!freeCtxCallback) freeCtxCallback = koffi.register(releaseCtx, koffi.pointer(types.AuditFreeCtx));
  return freeCtxCallback;
}

let exitGuard = false;

/**
 * Installed with the first queued subscription: when the event loop is about
 * to end, keeps it alive (one more 1 ms timer, then it asks again) while a
 * queued subscription still has events to deliver or has ended without being
 * released yet, since its delivery thread may then still call into the main
 * thread. So a script may end without flush() or close(): what was queued is
 * delivered first. (process.exit() does not wait: what is queued is lost.)
 */
function keepAliveForQueues() {
  if (exitGuard) return;
  exitGuard = true;
  process.on('beforeExit', () => {
    for (const sub of live.values()) {
      if (sub.pending && sub.pending()) {
        setTimeout(() => {}, 1);
        return;
      }
    }
  });
}

/** Registered koffi callbacks currently held by subscriptions (for tests and diagnostics). */
function liveCallbacks() {
  return live.size;
}

/** Calls of free_ctx so far in this process: one per ended subscription (for tests). */
function releasedCallbacks() {
  return freeCtxCalls;
}

/**
 * The arguments of audit_subscribe_queued for `queue` = { capacity,
 * overflow = 'drop-oldest', blockTimeoutMs (required with 'block', refused
 * otherwise, since the other policies never wait) }.
 */
function queueArgs(queue) {
  if (queue === null || typeof queue !== 'object') {
    throw new TypeError('queue must be an object { capacity, overflow, blockTimeoutMs }');
  }
  onlyKeys('queue', queue, QUEUE_KEYS);
  const { capacity, overflow = 'drop-oldest', blockTimeoutMs } = queue;
  if (typeof overflow !== 'string') throw new TypeError('queue.overflow must be a string');
  const policy = OVERFLOW[overflow];
  if (policy === undefined) {
    throw new AuditError(
      Status.INVALID_ARGUMENT,
      `queue.overflow ${JSON.stringify(overflow)} is not one of ${Object.keys(OVERFLOW).join(', ')}`,
    );
  }
  let timeout = 0;
  if (overflow === 'block') {
    if (blockTimeoutMs === undefined) throw new TypeError("queue.blockTimeoutMs is required with overflow 'block'");
    timeout = Number(count('queue.blockTimeoutMs', blockTimeoutMs));
    if (timeout > 0xffffffff) throw new RangeError('queue.blockTimeoutMs must be at most 4294967295');
  } else if (blockTimeoutMs !== undefined) {
    throw new TypeError(`queue.blockTimeoutMs applies only to overflow 'block' ('${overflow}' never waits)`);
  }
  return [count('queue.capacity', capacity), policy, timeout];
}

/**
 * Subscribes `fn` to every event logged on the logger `handle` from now
 * on and returns its unsubscribe function. With `options.queue`, events go
 * through a bounded queue (see queueArgs). `hooks` lets the logger know when a
 * callback runs (close() is refused inside one) and track its subscriptions.
 */
function subscribe(lib, handle, fn, options, hooks) {
  if (typeof fn !== 'function') throw new TypeError('subscriber must be a function');
  if (options === null || typeof options !== 'object') throw new TypeError('subscribe options must be an object');
  onlyKeys('subscribe', options, ['onError', 'queue']);
  const { onError, queue } = options;
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError('onError must be a function');
  const queued = queue === undefined ? null : queueArgs(queue);

  const ctx = nextCtx++;
  const sub = { trampoline: null, id: 0, active: true, final: null };

  // Runs on the main thread: directly when the event was logged from JS, or
  // relayed by koffi when it was logged from a foreign thread or comes from a
  // delivery thread (that thread waits meanwhile). It must not throw into C:
  // failures become non-zero.
  const callback = (_ctx, eventPtr) => {
    if (!sub.active) return 0; // ended while a foreign call was queued
    hooks.enter();
    let event;
    try {
      event = toEvent(lib, eventPtr);
      return fn(event) === false ? 1 : 0;
    } catch (err) {
      if (onError) {
        try {
          onError(err, event);
        } catch {
          // A failing error handler changes nothing: the failure is counted.
        }
      }
      return 1;
    } finally {
      hooks.leave();
    }
  };

  sub.trampoline = koffi.register(callback, koffi.pointer(types.AuditCallback));
  live.set(ctx, sub);
  const out = [0];
  const code = queued
    ? lib.audit_subscribe_queued(handle, sub.trampoline, ctx, freeCtxPointer(), ...queued, out)
    : lib.audit_subscribe(handle, sub.trampoline, ctx, freeCtxPointer(), out);
  if (code !== 0) {
    // Nothing was registered and free_ctx will not run: release it here.
    const err = lastError(lib, code);
    releaseCtx(ctx);
    throw err;
  }
  sub.id = out[0];
  if (queued) {
    // Ended but not released, or events still queued (only asked while the
    // logger is open: ending the subscription is what close() does first).
    sub.pending = () => !sub.active || lib.audit_flush(handle, 0) !== 0;
    keepAliveForQueues();
  }

  const statsNow = () => {
    const stats = { struct_size: 32, delivered: 0, failed: 0, dropped: 0 };
    const rc = lib.audit_subscription_stats(handle, sub.id, stats);
    if (rc !== 0) throw lastError(lib, rc);
    return { delivered: Number(stats.delivered), failed: Number(stats.failed), dropped: Number(stats.dropped) };
  };

  // Ends the subscription and keeps its final counters (what was still
  // queued counted as dropped): audit_unsubscribe_with_stats. Returns the
  // library's status.
  const finish = () => {
    const stats = { struct_size: 32, delivered: 0, failed: 0, dropped: 0 };
    const rc = lib.audit_unsubscribe_with_stats(handle, sub.id, stats);
    if (rc === 0) {
      sub.final = { delivered: Number(stats.delivered), failed: Number(stats.failed), dropped: Number(stats.dropped) };
    }
    return rc;
  };

  // Called by the logger just before it frees the handle (every subscription ends).
  const end = () => {
    if (!sub.active) return;
    if (finish() !== 0) sub.final = sub.final || { delivered: 0, failed: 0, dropped: 0 };
    sub.active = false;
    hooks.forget(end);
  };

  /** Ends the subscription; true if it was still active. Safe inside any callback. */
  function unsubscribe() {
    if (!sub.active || hooks.closed()) return false;
    const rc = finish();
    if (rc === Status.NOT_FOUND) return false;
    if (rc !== 0) throw lastError(lib, rc);
    sub.active = false;
    hooks.forget(end);
    return true;
  }
  /** { delivered, failed, dropped }: live counters, or the final ones once ended. */
  unsubscribe.stats = () => (sub.active ? statsNow() : { ...sub.final });
  unsubscribe.id = sub.id;
  unsubscribe.queued = queued !== null;
  Object.defineProperty(unsubscribe, 'active', { get: () => sub.active, enumerable: true });

  hooks.track(end);
  return unsubscribe;
}

module.exports = { OVERFLOW, subscribe, liveCallbacks, releasedCallbacks };
