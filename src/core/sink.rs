//! A sink: the one durable consumer of the ordered stream a logger may have
//! (the journal), attached when the logger is made. It sees every event,
//! logged or imported, in sequence order and never loses one; a producer
//! waits for room in its queue (before the logger's lock), and may wait for
//! the event to be durable.

use super::error::Result;
use super::severity::Severity;

/// What the logger asks of its sink, on the producer's thread.
pub(crate) trait Sink: Send + Sync {
    /// The sink itself, for its owner to read its own state back.
    fn as_any(&self) -> &dyn std::any::Any;
    /// Before an event is accepted: an error (the sink cannot store events)
    /// refuses it, and nothing is recorded. Once it returns `Ok`, the logger
    /// calls either [`logged`](Self::logged) or [`abandoned`](Self::abandoned).
    fn admit(&self) -> Result<()>;
    /// An admitted event was refused after all (no room in the queue).
    fn abandoned(&self);
    /// After event `seq` was queued for the sink, outside every lock: returns
    /// once the event is as durable as the sink's policy promises.
    fn logged(&self, seq: u64, severity: Severity) -> Result<()>;
    /// The logger is closing: store what is queued, finish, and stop.
    fn close(&self);
    /// In a child process forked from the one that made the sink, whose
    /// threads do not exist here: refuse every event from now on, and make
    /// [`close`](Self::close) a no-op. Takes no lock (another thread of the
    /// parent may have held any at the fork).
    fn forked(&self);
}
