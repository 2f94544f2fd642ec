//! Query filters.

use super::event::Event;
use super::severity::Severity;

/// Which events a query returns. A new filter matches every event; each criterion
/// set narrows it. A string criterion set to the empty string matches only events
/// whose field is empty, which is different from not setting it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Exact match on the actor.
    pub actor: Option<String>,
    /// Exact match on the action.
    pub action: Option<String>,
    /// Exact match on the resource.
    pub resource: Option<String>,
    /// Exact match on the outcome.
    pub outcome: Option<String>,
    /// Severity at least this.
    pub min_severity: Option<Severity>,
    /// Severity at most this.
    pub max_severity: Option<Severity>,
    /// Timestamp at or after this (microseconds since the epoch).
    pub since: Option<i64>,
    /// Timestamp at or before this (microseconds since the epoch).
    pub until: Option<i64>,
    /// Only events with a sequence number greater than this: a cursor to resume from.
    pub after_seq: Option<u64>,
    /// Keep only the newest `limit` matches (`Some(0)` keeps none).
    pub limit: Option<usize>,
}

impl Filter {
    /// Whether `event` passes every filter except `after_seq` and `limit`,
    /// which apply to the result as a whole.
    pub fn matches(&self, event: &Event) -> bool {
        fn eq(want: &Option<String>, have: &str) -> bool {
            want.as_deref().is_none_or(|w| w == have)
        }
        eq(&self.actor, event.actor())
            && eq(&self.action, event.action())
            && eq(&self.resource, event.resource())
            && eq(&self.outcome, event.outcome())
            && self.min_severity.is_none_or(|s| event.severity() >= s)
            && self.max_severity.is_none_or(|s| event.severity() <= s)
            && self.since.is_none_or(|t| event.timestamp() >= t)
            && self.until.is_none_or(|t| event.timestamp() <= t)
    }
}
