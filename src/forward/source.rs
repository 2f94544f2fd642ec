//! Where a forwarder reads events from: its own backlog, or a journal.

use std::sync::Arc;

use crate::core::{Event, Result};

/// One event to forward, with its seal leaf hash when the journal has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The event (its seq is the position in the stream).
    pub event: Event,
    /// SHA-256 leaf hash of the event's canonical line, when sealed (Kafka
    /// carries it in a header).
    pub leaf_hash: Option<[u8; 32]>,
}

impl Item {
    /// An item without a leaf hash.
    pub fn new(event: Event) -> Item {
        Item {
            event,
            leaf_hash: None,
        }
    }
}

/// Reads already-recorded events back in seq order: the journal, for a
/// forwarder that must survive restarts of the process.
pub trait Replay: Send + Sync {
    /// Up to `max` events with seq greater than `after`, in increasing seq order;
    /// empty when there are none yet. Gaps in seq (events the journal no longer
    /// holds) are allowed: the forwarder counts them as dropped.
    fn read_after(&self, after: u64, max: usize) -> Result<Vec<Item>>;
}

/// Where a forwarder takes its events from.
#[derive(Clone)]
pub enum Source {
    /// From [`Forwarder::offer`](super::Forwarder::offer), through a bounded
    /// in-memory backlog with the configured overflow policy.
    Backlog,
    /// From a journal, starting after the cursor file's seq (or from the
    /// beginning without one). `offer` then only tells the worker that there is
    /// more to read; nothing is dropped, because the journal holds it.
    Replay(Arc<dyn Replay>),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Backlog => f.write_str("Backlog"),
            Source::Replay(_) => f.write_str("Replay(..)"),
        }
    }
}
