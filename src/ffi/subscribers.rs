//! Subscriptions: C callbacks called for every logged event.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::boundary::status;
use super::logger::share_handle;
use super::status::{
    AuditStatus, Failure, AUDIT_ERR_INVALID_ARGUMENT, AUDIT_ERR_NOT_FOUND, AUDIT_ERR_TIMEOUT,
};
use super::strings::{arg, out, sized_out, SizeTagged, SizedOut};
use crate::core::{AuditLogger, Delivery, Event, Overflow, SubscriptionStats};

/// Queue overflow policy: discard the oldest queued event; producers never wait.
pub const AUDIT_OVERFLOW_DROP_OLDEST: u32 = 1;
/// Queue overflow policy: discard the new event; producers never wait.
pub const AUDIT_OVERFLOW_DROP_NEWEST: u32 = 2;
/// Queue overflow policy: the producer waits up to the timeout for room, then
/// the new event is discarded.
pub const AUDIT_OVERFLOW_BLOCK: u32 = 3;

/// A subscriber: called once per logged event with the `ctx` given to
/// `audit_subscribe` and the event, which is borrowed for the duration of the
/// call (copy what you keep). Return 0 on success; any other value is counted as
/// a failure of this subscription and changes nothing else.
///
/// It runs on the thread that called `audit_log`, after the event is stored, with
/// no library lock held: it may call any function of this library, including
/// `audit_log` on the same logger and `audit_unsubscribe` of itself or others,
/// but not `audit_logger_free` of that logger. It must not unwind (throw a C++
/// exception or longjmp) out of the call.
pub type AuditCallback = Option<unsafe extern "C" fn(ctx: *mut c_void, event: *const Event) -> i32>;

/// Releases a subscription's `ctx`; runs exactly once, when the subscription
/// ends (after `audit_unsubscribe`, or when the logger is freed) and no call of
/// its callback is still running. It runs on the thread that ended the
/// subscription, on the thread whose callback call finished last, or on a
/// queued subscription's delivery thread.
pub type AuditFreeCtx = Option<unsafe extern "C" fn(ctx: *mut c_void)>;

/// Per-subscription counters, size-tagged: set `struct_size` to
/// `sizeof(AuditSubscriptionStats)` before calling `audit_subscription_stats`;
/// fields added in later versions go at the end and are written only when the
/// caller's struct is large enough.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditSubscriptionStats {
    /// Size of this struct as the caller compiled it.
    pub struct_size: u64,
    /// Events handed to the callback, whatever it returned.
    pub delivered: u64,
    /// Of those, calls that returned non-zero.
    pub failed: u64,
    /// Events never handed to the callback (0 for synchronous subscriptions).
    pub dropped: u64,
}

/// Size of the first version of `AuditSubscriptionStats`: the least a caller may pass.
// SAFETY: #[repr(C)], and `struct_size: u64` comes first.
unsafe impl SizeTagged for AuditSubscriptionStats {
    const NAME: &'static str = "AuditSubscriptionStats";
    const V1_SIZE: usize = 32;
}

/// A checked stats out-parameter and the caller's `struct_size`.
type StatsOut = (SizedOut<AuditSubscriptionStats>, u64);

struct Foreign {
    callback: unsafe extern "C" fn(*mut c_void, *const Event) -> i32,
    ctx: *mut c_void,
    free_ctx: AuditFreeCtx,
    /// Set once the subscription exists: until then `ctx` is still the caller's.
    owns_ctx: AtomicBool,
    /// For a queued subscription: the logger, kept alive while its delivery
    /// thread may still call the callback (which may call into the logger).
    /// Released after `free_ctx`.
    _logger: Option<Arc<AuditLogger>>,
}

// SAFETY: `audit_subscribe` documents that the callback and `ctx` are used from
// whichever threads log, so the caller vouches for it.
unsafe impl Send for Foreign {}
unsafe impl Sync for Foreign {}

impl Foreign {
    fn call(&self, event: &Event) -> bool {
        // SAFETY: the caller of `audit_subscribe` guarantees the function pointer and ctx.
        unsafe { (self.callback)(self.ctx, event) == 0 }
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        if !*self.owns_ctx.get_mut() {
            return;
        }
        if let Some(free_ctx) = self.free_ctx {
            // SAFETY: as above; the subscription has ended, so this runs once.
            unsafe { free_ctx(self.ctx) }
        }
    }
}

unsafe fn register(
    logger: *mut AuditLogger,
    callback: AuditCallback,
    ctx: *mut c_void,
    free_ctx: AuditFreeCtx,
    delivery: Delivery,
    out_id: *mut u64,
) -> Result<(), Failure> {
    let handle = logger;
    let logger = arg(logger, "logger")?;
    let out_id = out(out_id, "out_id")?;
    let callback = callback.ok_or_else(|| Failure::null("callback"))?;
    let foreign = Arc::new(Foreign {
        callback,
        ctx,
        free_ctx,
        owns_ctx: AtomicBool::new(false),
        _logger: match delivery {
            Delivery::Sync => None,
            Delivery::Queued { .. } => Some(share_handle(handle)),
        },
    });
    let held = foreign.clone();
    let id = logger.subscribe_with(Box::new(move |event| held.call(event)), delivery)?;
    foreign.owns_ctx.store(true, Ordering::Release);
    out_id.set(id);
    Ok(())
}

/// Subscribes `callback` (with `ctx`) to every event logged from now on, and
/// writes the subscription id (never 0) to `*out_id`. `free_ctx`, if not NULL,
/// is called once with `ctx` when the subscription ends. On error nothing is
/// registered and `free_ctx` is not called: `ctx` is still yours.
/// `callback` and `ctx` must be usable from any thread that logs.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT` (logger, callback or out_id). Thread-safe.
///
/// # Safety
/// `logger` is NULL or live; `out_id` is NULL or writable; the function pointers are valid.
#[no_mangle]
pub unsafe extern "C" fn audit_subscribe(
    logger: *mut AuditLogger,
    callback: AuditCallback,
    ctx: *mut c_void,
    free_ctx: AuditFreeCtx,
    out_id: *mut u64,
) -> AuditStatus {
    status(|| register(logger, callback, ctx, free_ctx, Delivery::Sync, out_id))
}

/// Like `audit_subscribe`, but events reach `callback` through a queue of at most
/// `queue_capacity` events, drained by a thread the library starts for this
/// subscription, so a slow or stuck callback never stalls `audit_log` beyond
/// the `overflow` policy: `AUDIT_OVERFLOW_DROP_OLDEST`, `AUDIT_OVERFLOW_DROP_NEWEST`
/// (producers never wait) or `AUDIT_OVERFLOW_BLOCK` (producers wait up to
/// `block_timeout_ms` for room; ignored by the other policies). Discarded events
/// are counted as `dropped` in `audit_subscription_stats`.
///
/// The callback runs on the subscription's own thread, one event at a time, in
/// strictly increasing seq order however many threads log (a gap in seq is an
/// event dropped by the policy, or one logged before the subscription began).
/// Under `AUDIT_OVERFLOW_BLOCK`, a callback that logs to the same logger never
/// waits for its own queue: if the queue is full, that event is dropped for
/// this subscription (counted) and still recorded. After `fork()`, the child's
/// copies of queued subscriptions have ended (their delivery threads do not
/// exist there): what they held counts as dropped, and their `free_ctx` runs
/// only in the parent. Ending the subscription (`audit_unsubscribe`, `audit_logger_free`)
/// discards what is still queued (counted as dropped) and never waits for that
/// thread; a call in progress finishes, then `free_ctx` runs on that thread.
/// Use `audit_flush` first to deliver everything. This model suits runtimes that
/// run foreign-thread callbacks on their main thread (Node.js): producers never
/// wait for the callback.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_CAPACITY` (queue_capacity
/// 0), `AUDIT_ERR_INVALID_ARGUMENT` (unknown overflow policy), `AUDIT_ERR_IO` (the
/// thread could not be started). On error `free_ctx` is not called.
///
/// # Safety
/// As `audit_subscribe`.
#[no_mangle]
pub unsafe extern "C" fn audit_subscribe_queued(
    logger: *mut AuditLogger,
    callback: AuditCallback,
    ctx: *mut c_void,
    free_ctx: AuditFreeCtx,
    queue_capacity: usize,
    overflow: u32,
    block_timeout_ms: u32,
    out_id: *mut u64,
) -> AuditStatus {
    status(|| {
        let overflow = overflow_policy(overflow, block_timeout_ms)?;
        let delivery = Delivery::Queued {
            capacity: queue_capacity,
            overflow,
        };
        register(logger, callback, ctx, free_ctx, delivery, out_id)
    })
}

/// Waits up to `timeout_ms` until every queued subscription of `logger` has
/// delivered all it holds and its callback is idle.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_TIMEOUT` (events still queued),
/// `AUDIT_ERR_INVALID_ARGUMENT` when called from a queued callback (it would
/// wait for itself). Do not call it from a thread that must stay free to run
/// callbacks (the Node.js main thread with queued JS subscribers): it would
/// only time out.
///
/// # Safety
/// `logger` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_flush(logger: *const AuditLogger, timeout_ms: u32) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        if logger.flush(Duration::from_millis(u64::from(timeout_ms)))? {
            Ok(())
        } else {
            Err(Failure::new(
                AUDIT_ERR_TIMEOUT,
                format!("queued subscribers still busy after {timeout_ms} ms"),
            ))
        }
    })
}

/// Ends subscription `id`: no new dispatch will reach its callback. A dispatch
/// already under way on another thread (an `audit_log` that took its snapshot
/// of the subscribers just before) may still call it once more; `free_ctx` marks
/// the true end: it runs after every such call has returned, and the callback is
/// never called after it. Queued events not yet delivered are discarded (and
/// counted as dropped; `audit_unsubscribe_with_stats` tells how many).
/// May be called from inside a callback, including the subscription's own.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_NOT_FOUND` (no such
/// subscription, or already ended: the answer to "was anything removed?").
///
/// # Safety
/// `logger` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_unsubscribe(logger: *mut AuditLogger, id: u64) -> AuditStatus {
    status(|| end(logger, id).map(|_| ()))
}

/// Like `audit_unsubscribe`, and writes the subscription's final counters
/// (those still queued counted as dropped) into `*out_stats`, whose
/// `struct_size` the caller has set, as `audit_subscription_stats` does.
/// Nothing is ended when `out_stats` is NULL or too small.
/// Errors: as `audit_unsubscribe`, and as `audit_subscription_stats`.
///
/// # Safety
/// `logger` is NULL or live; `out_stats` is NULL or points to `struct_size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn audit_unsubscribe_with_stats(
    logger: *mut AuditLogger,
    id: u64,
    out_stats: *mut AuditSubscriptionStats,
) -> AuditStatus {
    status(|| {
        arg(logger, "logger")?;
        let out_stats = stats_out(out_stats)?;
        write_stats(out_stats, end(logger, id)?);
        Ok(())
    })
}

unsafe fn end(logger: *mut AuditLogger, id: u64) -> Result<SubscriptionStats, Failure> {
    arg(logger, "logger")?
        .unsubscribe(id)
        .ok_or_else(|| Failure::new(AUDIT_ERR_NOT_FOUND, format!("no subscription with id {id}")))
}

/// A size-tagged stats out-parameter, checked before any work.
unsafe fn stats_out(out_stats: *mut AuditSubscriptionStats) -> Result<StatsOut, Failure> {
    sized_out(out_stats, "out_stats")
}

/// Writes only the fields this version knows; a newer caller's extra tail is untouched.
fn write_stats((out_stats, struct_size): StatsOut, stats: SubscriptionStats) {
    out_stats.set(AuditSubscriptionStats {
        struct_size,
        delivered: stats.delivered,
        failed: stats.failed,
        dropped: stats.dropped,
    });
}

/// Writes the counters of subscription `id` into `*out_stats`, whose
/// `struct_size` the caller has set; only the fields that fit are written.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (struct_size
/// smaller than the first version of the struct), `AUDIT_ERR_NOT_FOUND`.
///
/// # Safety
/// `logger` is NULL or live; `out_stats` is NULL or points to `struct_size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn audit_subscription_stats(
    logger: *const AuditLogger,
    id: u64,
    out_stats: *mut AuditSubscriptionStats,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let out_stats = stats_out(out_stats)?;
        let stats = logger.subscription_stats(id).ok_or_else(|| {
            Failure::new(AUDIT_ERR_NOT_FOUND, format!("no subscription with id {id}"))
        })?;
        write_stats(out_stats, stats);
        Ok(())
    })
}

/// The overflow policy `AUDIT_OVERFLOW_*` `overflow`, waiting up to
/// `block_timeout_ms` under `AUDIT_OVERFLOW_BLOCK`.
pub(crate) fn overflow_policy(overflow: u32, block_timeout_ms: u32) -> Result<Overflow, Failure> {
    match overflow {
        AUDIT_OVERFLOW_DROP_OLDEST => Ok(Overflow::DropOldest),
        AUDIT_OVERFLOW_DROP_NEWEST => Ok(Overflow::DropNewest),
        AUDIT_OVERFLOW_BLOCK => Ok(Overflow::Block(Duration::from_millis(u64::from(
            block_timeout_ms,
        )))),
        other => Err(Failure::new(
            AUDIT_ERR_INVALID_ARGUMENT,
            format!("overflow policy {other} is not 1 (drop oldest), 2 (drop newest) or 3 (block)"),
        )),
    }
}
