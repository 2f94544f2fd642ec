//! What the delivery engine needs from a target.

use std::sync::Arc;

use super::source::Item;

/// Unblocks a sink's I/O from another thread (closing a socket), so that
/// closing a forwarder never waits on a stuck collector.
pub(crate) type Interrupt = Arc<dyn Fn() + Send + Sync>;

/// One target's connection. The engine calls it from its worker thread only.
///
/// Items are numbered from 0 in the order they are sent since the last
/// successful [`connect`](Sink::connect); [`acked`](Sink::acked) says how many
/// of them, from the first, the target has acknowledged.
pub(crate) trait Sink: Send {
    /// Connects (again). Resets the numbering.
    fn connect(&mut self) -> Result<(), String>;
    /// Drops the connection (politely where the protocol has a goodbye).
    fn disconnect(&mut self);
    /// Sends `items` after those already sent. An error means the connection is
    /// unusable: the engine disconnects and later sends again everything not
    /// acknowledged.
    fn send(&mut self, items: &[Item]) -> Result<(), String>;
    /// How many items sent since `connect`, counted from the first, are
    /// acknowledged; never decreases. An error means the connection was lost.
    fn acked(&mut self) -> Result<usize, String>;
    /// Items the target refused for good (counted by the engine, never resent),
    /// since the last call; they are included in `acked`.
    fn take_rejected(&mut self) -> (u64, Option<String>) {
        (0, None)
    }
    /// How to unblock this sink's I/O from another thread.
    fn interrupt(&self) -> Option<Interrupt> {
        None
    }
}
