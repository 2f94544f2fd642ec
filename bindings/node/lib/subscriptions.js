'use strict';
// Subscribers: JS functions registered with koffi as C callbacks.
//
// Each subscription owns one registered koffi callback (a trampoline slot).
// The slot is released in the library's free_ctx, which runs exactly once,
// after the subscription has ended and no call of its callback is still
// running on any thread. Releasing it right after audit_unsubscribe instead
// would be unsafe: a foreign thread may already be inside the callback,
// waiting for koffi to run it on the main thread, and would then jump into a
// released slot. free_ctx is one process-wide callback; `ctx` is a key into
// `live`, never a pointer.

const { koffi, types } = require('./native');
const { lastError, Status } = require('./errors');
const { toEvent } = require('./events');

/** Subscriptions whose free_ctx has not run yet, by ctx key. */
const live = new Map();
let nextCtx = 1;
let freeCtxCallback = null;

function releaseCtx(ctx) {
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

/** Registered koffi callbacks currently held by subscriptions (for tests and diagnostics). */
function liveCallbacks() {
  return live.size;
}

/**
 * Subscribes `fn` to every event logged on the logger `handle` from now
 * on and returns its unsubscribe function. `hooks` lets the logger know when a
 * callback runs (close() is refused inside one) and track its subscriptions.
 */
function subscribe(lib, handle, fn, { onError } = {}, hooks) {
  if (typeof fn !== 'function') throw new TypeError('subscriber must be a function');
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError('onError must be a function');

  const ctx = nextCtx++;
  const sub = { trampoline: null, id: 0, active: true, final: null };

  // Runs on the main thread: directly when the event was logged from JS, or
  // relayed by koffi when it was logged from a foreign thread (that thread
  // waits meanwhile). It must not throw into C: failures become non-zero.
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
  const code = lib.audit_subscribe(handle, sub.trampoline, ctx, freeCtxPointer(), out);
  if (code !== 0) {
    // Nothing was registered and free_ctx will not run: release it here.
    const err = lastError(lib, code);
    releaseCtx(ctx);
    throw err;
  }
  sub.id = out[0];

  const statsNow = () => {
    const stats = { struct_size: 32, delivered: 0, failed: 0, dropped: 0 };
    const rc = lib.audit_subscription_stats(handle, sub.id, stats);
    if (rc !== 0) throw lastError(lib, rc);
    return { delivered: Number(stats.delivered), failed: Number(stats.failed), dropped: Number(stats.dropped) };
  };

  // Called by the logger just before it frees the handle (every subscription ends).
  const end = () => {
    if (!sub.active) return;
    sub.final = statsNow();
    sub.active = false;
    hooks.forget(end);
  };

  /** Ends the subscription; true if it was still active. Safe inside any callback. */
  function unsubscribe() {
    if (!sub.active || hooks.closed()) return false;
    const final = statsNow();
    const rc = lib.audit_unsubscribe(handle, sub.id);
    if (rc === Status.NOT_FOUND) return false;
    if (rc !== 0) throw lastError(lib, rc);
    sub.final = final;
    sub.active = false;
    hooks.forget(end);
    return true;
  }
  /** { delivered, failed, dropped }: live counters, or the final ones once ended. */
  unsubscribe.stats = () => (sub.active ? statsNow() : { ...sub.final });
  unsubscribe.id = sub.id;
  Object.defineProperty(unsubscribe, 'active', { get: () => sub.active, enumerable: true });

  hooks.track(end);
  return unsubscribe;
}

module.exports = { subscribe, liveCallbacks };
