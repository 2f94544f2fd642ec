//! Query filters.

use super::event::Event;
use super::severity::Severity;
use super::text::fingerprint;

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
        Matcher::new(self).matches(event)
    }
}

/// A filter prepared for scanning many events: the string criteria are
/// fingerprinted once, so most events are rejected without reading their text.
pub(crate) struct Matcher<'a> {
    filter: &'a Filter,
    strings: [Option<&'a str>; 4],
    /// The fingerprints the string criteria want, and a mask that is all ones
    /// for each criterion set and zero for each not set, as a [`row`].
    want: u64,
    mask: u64,
}

impl<'a> Matcher<'a> {
    pub(crate) fn new(filter: &'a Filter) -> Self {
        let strings = [
            filter.actor.as_deref(),
            filter.action.as_deref(),
            filter.resource.as_deref(),
            filter.outcome.as_deref(),
        ];
        Matcher {
            filter,
            strings,
            want: row(&strings.map(|s| s.map_or(0, fingerprint))),
            mask: strings
                .iter()
                .rev()
                .fold(0, |all, s| all << 16 | if s.is_some() { 0xffff } else { 0 }),
        }
    }

    /// Whether an event whose fingerprints make this [`row`] can match:
    /// `false` means it certainly does not. Branch-free, so a scan runs at
    /// memory speed.
    #[inline]
    pub(crate) fn may_match(&self, row: u64) -> bool {
        (row ^ self.want) & self.mask == 0
    }

    pub(crate) fn matches(&self, event: &Event) -> bool {
        let f = self.filter;
        self.may_match(row(event.fingerprints()))
            && self
                .strings
                .iter()
                .enumerate()
                .all(|(i, s)| s.is_none_or(|value| event.field(i) == value))
            && f.min_severity.is_none_or(|s| event.severity() >= s)
            && f.max_severity.is_none_or(|s| event.severity() <= s)
            && f.since.is_none_or(|t| event.timestamp() >= t)
            && f.until.is_none_or(|t| event.timestamp() <= t)
    }
}

/// An event's four fingerprints folded to 16 bits each and packed in one word:
/// the ring keeps one per event, 8 bytes, so that a scan over a million
/// events reads 8 MB and compares each row in one operation. (A false match,
/// about one in 65,536 per criterion, only costs reading the event's text.)
#[inline(always)]
pub(crate) fn row(prints: &[u32; 4]) -> u64 {
    prints.iter().rev().fold(0, |all, &print| {
        all << 16 | u64::from((print ^ print >> 16) as u16)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_of(fields: [&str; 4]) -> u64 {
        row(&fields.map(fingerprint))
    }

    #[test]
    fn the_prefilter_rejects_rows_that_differ_in_a_set_criterion_only() {
        let filter = Filter {
            actor: Some("alice".into()),
            outcome: Some("denied".into()),
            ..Filter::default()
        };
        let m = Matcher::new(&filter);
        assert!(m.may_match(row_of(["alice", "a", "r", "denied"])));
        assert!(m.may_match(row_of(["alice", "other", "", "denied"])));
        assert!(!m.may_match(row_of(["bob", "a", "r", "denied"])));
        assert!(!m.may_match(row_of(["alice", "a", "r", "success"])));
        // Over many other actors, the prefilter lets almost none through (a
        // 16-bit fingerprint collides about once in 65,536).
        let passed = (0..10_000)
            .filter(|n| m.may_match(row_of([&format!("user{n}"), "", "", "denied"])))
            .count();
        assert!(passed <= 10, "{passed} of 10,000 passed");
        let all = Filter::default();
        assert!(Matcher::new(&all).may_match(row_of(["x", "y", "z", "w"])));
    }
}
