//! The verification engine: a streaming [`Verifier`] fed, in journal order,
//! with events (seq and stored line) and checkpoint texts, and a [`Report`] of
//! what it found. It reads no files: the caller supplies each item's location
//! (a segment name and byte offset), which findings quote back.
//!
//! # What is checked
//!
//! - **The key chain.** Checkpoint epochs must run 0, 1, 2, … with none
//!   missing; epoch 0 must be signed by the trust anchor and every later one by
//!   the `next` key of the checkpoint before it.
//! - **The tree.** The verifier hashes every line as an RFC 9162 leaf and, at
//!   each checkpoint, compares its own root with the signed one. It also
//!   compares the number of events since the previous checkpoint with the
//!   difference of the signed sizes. A checkpoint record must directly follow
//!   the last event it seals (the journal writes it so).
//! - **The sequence.** Seqs must increase by one from the first event seen.
//!
//! # Classes of finding
//!
//! - [`FindingClass::Modified`]: a signed root disagrees with the stored lines.
//!   A Merkle root cannot say which leaf changed, so the finding names the
//!   epoch: `seq` is the first event after the previous checkpoint, `last_seq`
//!   the last one before this checkpoint. After the first root mismatch later
//!   roots cannot be checked (they cover the damaged leaves too):
//!   [`Report::roots_unchecked_from`] says from which epoch.
//! - [`FindingClass::Deleted`]: events the checkpoint counts are missing;
//!   `seq` is the first missing seq.
//! - [`FindingClass::Gap`]: a hole in the seq numbers that the checkpoint
//!   sealed as it is (the writer never had those events) or that lies in the
//!   unsealed tail.
//! - [`FindingClass::Reordered`]: an event whose seq is not above its
//!   predecessor's (moved or replayed); `seq` is that event's seq. Also a
//!   checkpoint whose epoch goes backwards.
//! - [`FindingClass::UnsealedTail`]: events after the last checkpoint; they are
//!   counted in [`Report::events_unsealed`], not as verified.
//! - [`FindingClass::MissingCheckpoint`]: an epoch number was skipped.
//! - [`FindingClass::WrongEpochKey`]: a checkpoint not signed by the key its
//!   predecessor certified.
//! - [`FindingClass::Resigned`]: the first checkpoint is not signed by the
//!   trust anchor: the journal was re-signed with another key (for example a
//!   stolen later key, the pattern of CVE-2023-31439).
//! - [`FindingClass::InconsistentSize`]: sizes going backwards, a checkpoint
//!   counting fewer events than precede it, or a failed consistency proof.
//! - [`FindingClass::Malformed`]: a checkpoint that does not parse or names a
//!   different log (origin).
//!
//! After a break in the chain (a missing, wrongly signed or re-signed
//! checkpoint) the verifier follows the chain on from the checkpoint after the
//! break, unverified, so that later findings stay localised; the report is not
//! valid either way.

use super::checkpoint::{Checkpoint, PublicKey};
use super::merkle::{leaf_hash, Frontier, Hash};
use crate::core::{Error, ErrorKind, Result};

/// Where an item sits, as the caller named it: a segment (file) and a byte
/// offset in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The segment's name.
    pub segment: String,
    /// The byte offset of the item's record in the segment.
    pub offset: u64,
}

impl Location {
    fn new(segment: &str, offset: u64) -> Location {
        Location {
            segment: segment.to_owned(),
            offset,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.segment, self.offset)
    }
}

/// The kind of a finding (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingClass {
    /// A signed root disagrees with the stored lines of its epoch.
    Modified,
    /// Events that a checkpoint counts are missing.
    Deleted,
    /// A hole in the seq numbers with no missing leaf (sealed as it is, or in
    /// the unsealed tail).
    Gap,
    /// An event whose seq is not above its predecessor's, or a checkpoint whose
    /// epoch goes backwards.
    Reordered,
    /// Events after the last checkpoint.
    UnsealedTail,
    /// An epoch without a checkpoint.
    MissingCheckpoint,
    /// A checkpoint not signed by the key its predecessor certified.
    WrongEpochKey,
    /// The first checkpoint is not signed by the trust anchor.
    Resigned,
    /// Sizes not monotonic, disagreeing with the events seen, or not
    /// consistent (a failed consistency proof).
    InconsistentSize,
    /// A checkpoint that does not parse or belongs to another log.
    Malformed,
}

impl FindingClass {
    /// A stable lower-case name (`modified`, `unsealed-tail`, …) for tools.
    pub fn name(self) -> &'static str {
        match self {
            FindingClass::Modified => "modified",
            FindingClass::Deleted => "deleted",
            FindingClass::Gap => "gap",
            FindingClass::Reordered => "reordered",
            FindingClass::UnsealedTail => "unsealed-tail",
            FindingClass::MissingCheckpoint => "missing-checkpoint",
            FindingClass::WrongEpochKey => "wrong-epoch-key",
            FindingClass::Resigned => "resigned",
            FindingClass::InconsistentSize => "inconsistent-size",
            FindingClass::Malformed => "malformed",
        }
    }

    /// Whether the class is evidence of tampering: every class except
    /// [`FindingClass::UnsealedTail`] and [`FindingClass::Gap`], which say
    /// what is not covered rather than that something was changed.
    pub fn is_tamper(self) -> bool {
        !matches!(self, FindingClass::UnsealedTail | FindingClass::Gap)
    }
}

/// One thing the verifier found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What kind of problem.
    pub class: FindingClass,
    /// The first offending seq, when there is one (see the classes).
    pub seq: Option<u64>,
    /// The last seq of the range concerned, for findings about an epoch
    /// ([`FindingClass::Modified`]) or a run of missing seqs.
    pub last_seq: Option<u64>,
    /// The checkpoint epoch concerned, when there is one.
    pub epoch: Option<u64>,
    /// Where: the offending item, or for [`FindingClass::Modified`] the first
    /// event of the epoch.
    pub location: Location,
    /// A sentence for people.
    pub detail: String,
}

/// The last checkpoint the verifier accepted into the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointSummary {
    /// Its epoch.
    pub epoch: u64,
    /// Its tree size.
    pub size: u64,
    /// Its time, microseconds since the Unix epoch. A truncation that removed
    /// the newest checkpoints shows only as this time being old.
    pub time: u64,
    /// Whether it carries the `final` line (the journal was closed cleanly).
    pub is_final: bool,
    /// Where it was.
    pub location: Location,
}

/// The outcome of a verification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Everything found, in stream order.
    pub findings: Vec<Finding>,
    /// Events sealed by a checkpoint whose root (and count) matched.
    pub events_verified: u64,
    /// Events after the last checkpoint.
    pub events_unsealed: u64,
    /// All events fed.
    pub events_total: u64,
    /// Checkpoint records fed.
    pub checkpoints: u64,
    /// Epochs covered: the last checkpoint's epoch plus one.
    pub epochs: u64,
    /// The last checkpoint of the chain.
    pub last_checkpoint: Option<CheckpointSummary>,
    /// The epoch from which roots could no longer be compared after a root
    /// mismatch, if one happened.
    pub roots_unchecked_from: Option<u64>,
}

impl Report {
    /// No finding at all: every event sealed and verified, the chain intact.
    pub fn is_valid(&self) -> bool {
        self.findings.is_empty()
    }

    /// Some finding is evidence of tampering ([`FindingClass::is_tamper`]).
    pub fn is_tampered(&self) -> bool {
        self.findings.iter().any(|f| f.class.is_tamper())
    }

    /// The first finding of a class, if any.
    pub fn first(&self, class: FindingClass) -> Option<&Finding> {
        self.findings.iter().find(|f| f.class == class)
    }
}

/// A run of missing seqs noticed inside the current epoch.
struct PendingGap {
    first: u64,
    count: u64,
    location: Location,
    order: u64,
}

/// The streaming verifier. Feed items in journal order, then call
/// [`Verifier::finish`]. Memory stays O(log n) plus the findings.
pub struct Verifier {
    origin: Option<String>,
    // The chain.
    expected_epoch: u64,
    expected_key: PublicKey,
    last: Option<CheckpointSummary>,
    last_size: Option<u64>,
    last_root: Option<Hash>,
    // The tree.
    frontier: Frontier,
    poisoned: bool,
    resume: Option<(u64, Location)>,
    // The current epoch: events since the last checkpoint.
    epoch_base: u64,
    epoch_events: u64,
    epoch_first: Option<(u64, Location)>,
    epoch_last_seq: Option<u64>,
    epoch_flagged: bool,
    gaps: Vec<PendingGap>,
    // Seqs.
    next_seq: Option<u64>,
    /// One above the highest seq seen.
    top_seq: Option<u64>,
    // Output.
    order: u64,
    items: u64,
    findings: Vec<(u64, Finding)>,
    report: Report,
}

impl Verifier {
    /// A verifier for a journal whose trust anchor (epoch 0 public key) is
    /// `anchor`. With `origin`, every checkpoint must name that log; without,
    /// they must all name the one the first names.
    pub fn new(anchor: PublicKey, origin: Option<&str>) -> Verifier {
        Verifier {
            origin: origin.map(str::to_owned),
            expected_epoch: 0,
            expected_key: anchor,
            last: None,
            last_size: None,
            last_root: None,
            frontier: Frontier::new(),
            poisoned: false,
            resume: None,
            epoch_base: 0,
            epoch_events: 0,
            epoch_first: None,
            epoch_last_seq: None,
            epoch_flagged: false,
            gaps: Vec::new(),
            next_seq: None,
            top_seq: None,
            order: 0,
            items: 0,
            findings: Vec::new(),
            report: Report::default(),
        }
    }

    /// Declares that the events start mid-log, at leaf `frontier.size()`
    /// (older segments were deleted by retention), with the frontier the
    /// first retained segment carries. Call it before feeding anything.
    ///
    /// Checkpoints fed before the first event with a size up to the
    /// frontier's are checked as a chain only (their events are gone); the
    /// one whose size equals the frontier's must have the frontier's root
    /// (else [`FindingClass::Modified`] at `segment`/`offset`). A frontier
    /// that matches no checkpoint is checked by the next checkpoint's root.
    pub fn resume_from(&mut self, frontier: Frontier, segment: &str, offset: u64) -> Result<()> {
        if self.items > 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "resume_from must come before any event or checkpoint",
            ));
        }
        self.epoch_base = frontier.size();
        self.resume = Some((frontier.size(), Location::new(segment, offset)));
        self.frontier = frontier;
        Ok(())
    }

    /// Declares the seq the first event must have (the journal's first seq),
    /// so that events deleted from the very start are named by seq. Without it
    /// the first event seen sets the base. Call it before feeding anything.
    pub fn expect_first_seq(&mut self, seq: u64) {
        self.next_seq = Some(seq);
        self.top_seq = Some(seq);
    }

    fn push(&mut self, order: u64, finding: Finding) {
        self.findings.push((order, finding));
    }

    /// Records a finding the caller made at this point of the stream (damage
    /// the storage layer found, a frame that is not an event line, ...), so
    /// that the report lists it in stream order with the verifier's own.
    pub fn note(&mut self, finding: Finding) {
        self.order += 1;
        let order = self.order;
        self.push(order, finding);
    }

    /// The number of leaves fed so far (with a resumed frontier's).
    pub fn leaves(&self) -> u64 {
        self.frontier.size()
    }

    /// Checks a frontier stored mid-stream (the journal keeps the frontier of
    /// everything before a segment in the segment's header): call it where
    /// that segment starts, before its first item. The frontier must describe
    /// the leaves fed so far: its size must equal their number and its root
    /// their root. After an earlier root mismatch the leaves fed are not
    /// trusted, and the frontier is compared with the last checkpoint instead
    /// (when it has the frontier's size). A different size is
    /// [`FindingClass::InconsistentSize`], a different root
    /// [`FindingClass::Modified`], both located at `segment`/`offset`.
    /// Returns whether the frontier agreed (or could not be compared).
    pub fn check_frontier(&mut self, frontier: &Frontier, segment: &str, offset: u64) -> bool {
        let reference = if !self.poisoned {
            Some((
                self.frontier.size(),
                self.frontier.root(),
                "the events before it",
            ))
        } else {
            match (self.last_size, self.last_root) {
                (Some(size), Some(root)) => Some((size, root, "the last checkpoint")),
                _ => None,
            }
        };
        let Some((size, root, what)) = reference else {
            return true;
        };
        let here = Location::new(segment, offset);
        let epoch = self.last.as_ref().map(|c| c.epoch);
        let (class, detail) = if frontier.size() != size {
            (
                FindingClass::InconsistentSize,
                format!(
                    "the frontier stored at {here} covers {} leaves, {what} {size}",
                    frontier.size()
                ),
            )
        } else if frontier.root() != root {
            (
                FindingClass::Modified,
                format!(
                    "the frontier stored at {here} ({size} leaves) does not match the root of {what}"
                ),
            )
        } else {
            return true;
        };
        self.note(Finding {
            class,
            seq: None,
            last_seq: None,
            epoch,
            location: here,
            detail,
        });
        false
    }

    /// Feeds one event: its seq (as parsed from the line) and the stored line
    /// exactly as hashed.
    pub fn event(&mut self, seq: u64, line: &[u8], segment: &str, offset: u64) {
        self.event_hashed(seq, leaf_hash(line), segment, offset);
    }

    /// As [`event`](Self::event), given the line's leaf hash (computed
    /// elsewhere, for instance on another thread).
    pub fn event_hashed(&mut self, seq: u64, leaf: Hash, segment: &str, offset: u64) {
        self.items += 1;
        self.order += 1;
        self.report.events_total += 1;
        self.frontier.push(leaf);
        if self.epoch_events == 0 {
            self.epoch_first = Some((seq, Location::new(segment, offset)));
        }
        self.epoch_events += 1;
        self.epoch_last_seq = Some(seq);
        if let (Some(expected), Some(top)) = (self.next_seq, self.top_seq) {
            if seq < expected {
                // A step backwards: moved or replayed. Does it fill a hole?
                let filled = self.fill_gap(seq);
                let detail = if filled {
                    format!("seq {seq} comes after seq {}", expected - 1)
                } else {
                    format!("seq {seq} appears again after seq {}", expected - 1)
                };
                let order = self.order;
                self.epoch_flagged = true;
                self.push(
                    order,
                    Finding {
                        class: FindingClass::Reordered,
                        seq: Some(seq),
                        last_seq: None,
                        epoch: None,
                        location: Location::new(segment, offset),
                        detail,
                    },
                );
            } else if seq > top {
                self.gaps.push(PendingGap {
                    first: top,
                    count: seq - top,
                    location: Location::new(segment, offset),
                    order: self.order,
                });
            } else if seq < top {
                // Back in a run that was skipped over: fills a hole in order.
                self.fill_gap(seq);
            }
        }
        let after = seq.saturating_add(1);
        self.next_seq = Some(after);
        self.top_seq = Some(self.top_seq.map_or(after, |t| t.max(after)));
    }

    /// Removes `seq` from the pending holes; whether it was in one.
    fn fill_gap(&mut self, seq: u64) -> bool {
        let Some(i) = self
            .gaps
            .iter()
            .position(|g| seq >= g.first && seq - g.first < g.count)
        else {
            return false;
        };
        let g = &mut self.gaps[i];
        let after = g.first + g.count - seq - 1;
        let before = seq - g.first;
        if after > 0 {
            let tail = PendingGap {
                first: seq + 1,
                count: after,
                location: g.location.clone(),
                order: g.order,
            };
            g.count = before;
            self.gaps.insert(i + 1, tail);
        } else {
            g.count = before;
        }
        self.gaps.retain(|g| g.count > 0);
        true
    }

    fn epoch_seq(&self) -> Option<u64> {
        self.epoch_first.as_ref().map(|(s, _)| *s).or(self.next_seq)
    }

    /// Feeds one checkpoint record (its text as stored).
    pub fn checkpoint(&mut self, text: &str, segment: &str, offset: u64) {
        self.items += 1;
        self.order += 1;
        self.report.checkpoints += 1;
        let order = self.order;
        let here = Location::new(segment, offset);
        let finding = |class, epoch: Option<u64>, seq: Option<u64>, detail: String| Finding {
            class,
            seq,
            last_seq: None,
            epoch,
            location: here.clone(),
            detail,
        };
        let c = match Checkpoint::parse(text) {
            Ok(c) => c,
            Err(e) => {
                let f = finding(
                    FindingClass::Malformed,
                    None,
                    self.epoch_seq(),
                    e.to_string(),
                );
                self.push(order, f);
                return;
            }
        };
        let b = &c.body;
        let origin = self.origin.get_or_insert_with(|| b.origin.clone());
        if *origin != b.origin {
            let detail = format!("checkpoint of log '{}', not '{}'", b.origin, origin);
            let f = finding(
                FindingClass::Malformed,
                Some(b.epoch),
                self.epoch_seq(),
                detail,
            );
            self.push(order, f);
            return;
        }

        // The key chain.
        if b.epoch < self.expected_epoch {
            let detail = format!(
                "checkpoint of epoch {} after epoch {}",
                b.epoch,
                self.expected_epoch - 1
            );
            let f = finding(
                FindingClass::Reordered,
                Some(b.epoch),
                self.epoch_seq(),
                detail,
            );
            self.push(order, f);
            return;
        }
        if b.epoch > self.expected_epoch {
            let detail = if b.epoch == self.expected_epoch + 1 {
                format!("no checkpoint for epoch {}", self.expected_epoch)
            } else {
                format!(
                    "no checkpoints for epochs {} to {}",
                    self.expected_epoch,
                    b.epoch - 1
                )
            };
            let f = finding(
                FindingClass::MissingCheckpoint,
                Some(self.expected_epoch),
                self.epoch_seq(),
                detail,
            );
            self.push(order, f);
        } else if !c.verify(&self.expected_key) {
            let (class, detail) = if b.epoch == 0 {
                (
                    FindingClass::Resigned,
                    "the first checkpoint is not signed by the trust anchor: the journal was re-signed with another key".to_owned(),
                )
            } else {
                (
                    FindingClass::WrongEpochKey,
                    format!(
                        "checkpoint of epoch {} is not signed by the key checkpoint {} certified",
                        b.epoch,
                        b.epoch - 1
                    ),
                )
            };
            let f = finding(class, Some(b.epoch), self.epoch_seq(), detail);
            self.push(order, f);
        }
        self.expected_epoch = b.epoch + 1;
        self.expected_key = b.next_key;

        // Sizes.
        let monotonic = self.last_size.is_none_or(|s| b.size >= s);
        if !monotonic {
            let detail = format!(
                "tree size goes from {} down to {}",
                self.last_size.unwrap_or(0),
                b.size
            );
            let f = finding(
                FindingClass::InconsistentSize,
                Some(b.epoch),
                self.epoch_seq(),
                detail,
            );
            self.push(order, f);
        }
        self.last_size = Some(b.size);
        self.last_root = Some(b.root);
        self.last = Some(CheckpointSummary {
            epoch: b.epoch,
            size: b.size,
            time: b.time,
            is_final: b.is_final,
            location: here.clone(),
        });
        self.report.epochs = b.epoch + 1;

        // A chain-only checkpoint before the resume point.
        if let Some((start, at)) = &self.resume {
            if self.report.events_total == 0 && b.size <= *start {
                if b.size == *start && !self.poisoned && self.frontier.root() != b.root {
                    self.poisoned = true;
                    self.report.roots_unchecked_from = Some(b.epoch);
                    let detail = format!(
                        "the frontier stored at {at} does not match the root of checkpoint {} (size {})",
                        b.epoch, b.size
                    );
                    let f = Finding {
                        class: FindingClass::Modified,
                        seq: None,
                        last_seq: None,
                        epoch: Some(b.epoch),
                        location: at.clone(),
                        detail,
                    };
                    self.push(order, f);
                }
                return;
            }
        }

        // The epoch's events against the checkpoint.
        let delta = b.size.saturating_sub(self.epoch_base);
        let missing = delta.saturating_sub(self.epoch_events);
        let extra = self.epoch_events.saturating_sub(delta);
        let gaps = std::mem::take(&mut self.gaps);
        let gap_total: u64 = gaps.iter().map(|g| g.count).sum();
        let gap_class = if missing > 0 {
            FindingClass::Deleted
        } else {
            FindingClass::Gap
        };
        for g in gaps {
            let detail = if g.count == 1 {
                format!("seq {} is missing", g.first)
            } else {
                format!("seqs {} to {} are missing", g.first, g.first + g.count - 1)
            };
            if gap_class.is_tamper() {
                self.epoch_flagged = true;
            }
            self.push(
                g.order,
                Finding {
                    class: gap_class,
                    seq: Some(g.first),
                    last_seq: Some(g.first + g.count - 1),
                    epoch: Some(b.epoch),
                    location: g.location,
                    detail,
                },
            );
        }
        if monotonic && missing > gap_total {
            let n = missing - gap_total;
            let first = self.next_seq;
            let detail = format!(
                "checkpoint {} seals {delta} events but {} precede it: {n} missing before it",
                b.epoch, self.epoch_events
            );
            self.epoch_flagged = true;
            let mut f = finding(FindingClass::Deleted, Some(b.epoch), first, detail);
            f.last_seq = first.map(|s| s + n - 1);
            self.push(order, f);
            // Those seqs are accounted for: do not report them again as a hole.
            if let Some(s) = first {
                self.next_seq = Some(s + n);
                self.top_seq = Some(self.top_seq.map_or(s + n, |t| t.max(s + n)));
            }
        }
        if monotonic && extra > 0 && !self.epoch_flagged {
            let detail = format!(
                "checkpoint {} seals {delta} events but {} precede it",
                b.epoch, self.epoch_events
            );
            self.epoch_flagged = true;
            let f = finding(
                FindingClass::InconsistentSize,
                Some(b.epoch),
                self.epoch_seq(),
                detail,
            );
            self.push(order, f);
        }
        let mut verified = false;
        if !self.poisoned && monotonic {
            if self.frontier.size() == b.size && self.frontier.root() == b.root {
                verified = true;
            } else {
                self.poisoned = true;
                self.report.roots_unchecked_from = Some(b.epoch + 1);
                if !self.epoch_flagged {
                    let (seq, location) = match &self.epoch_first {
                        Some((s, l)) => (Some(*s), l.clone()),
                        None => (self.next_seq, here.clone()),
                    };
                    let detail = format!(
                        "the root of checkpoint {} ({here}) does not match the stored events of its epoch (leaves {} to {})",
                        b.epoch,
                        self.epoch_base,
                        b.size.saturating_sub(1),
                    );
                    self.push(
                        order,
                        Finding {
                            class: FindingClass::Modified,
                            seq,
                            last_seq: self.epoch_last_seq,
                            epoch: Some(b.epoch),
                            location,
                            detail,
                        },
                    );
                }
            }
        }
        if verified && !self.epoch_flagged {
            self.report.events_verified += self.epoch_events;
        }
        // The next epoch starts at the signed size.
        self.epoch_base = b.size.max(self.epoch_base);
        self.epoch_events = 0;
        self.epoch_first = None;
        self.epoch_last_seq = None;
        self.epoch_flagged = false;
    }

    /// Ends the stream and returns the report: events after the last
    /// checkpoint become an [`FindingClass::UnsealedTail`] finding (and holes
    /// among them [`FindingClass::Gap`]s).
    pub fn finish(mut self) -> Report {
        for g in std::mem::take(&mut self.gaps) {
            let detail = format!(
                "seqs {} to {} are missing in the unsealed tail",
                g.first,
                g.first + g.count - 1
            );
            self.push(
                g.order,
                Finding {
                    class: FindingClass::Gap,
                    seq: Some(g.first),
                    last_seq: Some(g.first + g.count - 1),
                    epoch: None,
                    location: g.location,
                    detail,
                },
            );
        }
        if let Some((seq, location)) = self.epoch_first.take() {
            self.report.events_unsealed = self.epoch_events;
            let detail = format!(
                "{} events after the last checkpoint are not sealed",
                self.epoch_events
            );
            let order = self.order + 1;
            self.push(
                order,
                Finding {
                    class: FindingClass::UnsealedTail,
                    seq: Some(seq),
                    last_seq: self.epoch_last_seq,
                    epoch: None,
                    location,
                    detail,
                },
            );
        }
        self.findings.sort_by_key(|(order, _)| *order);
        self.report.findings = self.findings.into_iter().map(|(_, f)| f).collect();
        self.report.last_checkpoint = self.last;
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::checkpoint::{public_key_of, CheckpointBody};

    const ORIGIN: &str = "audit-logger/00112233445566778899aabbccddeeff";

    fn seed(e: u64) -> [u8; 32] {
        [e as u8 + 1; 32]
    }

    fn checkpoint(epoch: u64, f: &Frontier) -> String {
        CheckpointBody {
            origin: ORIGIN.into(),
            size: f.size(),
            root: f.root(),
            epoch,
            time: 1,
            next_key: public_key_of(&seed(epoch + 1)),
            is_final: false,
        }
        .sign(&seed(epoch))
        .unwrap()
        .to_text()
    }

    fn line(seq: u64) -> String {
        format!(r#"{{"seq":{seq}}}"#)
    }

    /// Four events, a checkpoint, then the frontier check of a segment
    /// starting there, then four more and a checkpoint.
    fn run(frontier_of: impl Fn(&Frontier) -> Frontier, damage_first: bool) -> Report {
        let mut v = Verifier::new(public_key_of(&seed(0)), Some(ORIGIN));
        let mut f = Frontier::new();
        for seq in 1..=4 {
            let l = line(seq);
            f.push(leaf_hash(l.as_bytes()));
            let stored = if damage_first && seq == 2 {
                line(99)
            } else {
                l
            };
            v.event(seq, stored.as_bytes(), "a", seq * 10);
        }
        v.checkpoint(&checkpoint(0, &f), "a", 50);
        v.check_frontier(&frontier_of(&f), "b", 0);
        for seq in 5..=8 {
            let l = line(seq);
            f.push(leaf_hash(l.as_bytes()));
            v.event(seq, l.as_bytes(), "b", seq * 10);
        }
        v.checkpoint(&checkpoint(1, &f), "b", 90);
        v.finish()
    }

    #[test]
    fn a_matching_frontier_passes() {
        let r = run(Frontier::clone, false);
        assert!(r.is_valid(), "{:#?}", r.findings);
        assert_eq!(r.events_verified, 8);
    }

    #[test]
    fn a_frontier_of_another_size_or_root_is_located() {
        let r = run(|_| Frontier::new(), false);
        assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
        let f = &r.findings[0];
        assert_eq!(f.class, FindingClass::InconsistentSize);
        assert_eq!(f.location, Location::new("b", 0));
        let r = run(
            |f| {
                let mut other = Frontier::new();
                for _ in 0..f.size() {
                    other.push([7; 32]);
                }
                other
            },
            false,
        );
        assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
        assert_eq!(r.findings[0].class, FindingClass::Modified);
        assert_eq!(r.findings[0].location, Location::new("b", 0));
        assert_eq!(r.findings[0].epoch, Some(0));
    }

    #[test]
    fn after_a_root_mismatch_the_frontier_is_compared_with_the_checkpoint() {
        // The stored events of epoch 0 were changed: the genuine frontier
        // still matches the signed checkpoint, so no second finding.
        let r = run(Frontier::clone, true);
        assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
        assert_eq!(r.findings[0].class, FindingClass::Modified);
        assert_eq!(r.findings[0].seq, Some(1));
        let r = run(|_| Frontier::new(), true);
        assert_eq!(r.findings.len(), 2, "{:#?}", r.findings);
        assert_eq!(r.findings[1].class, FindingClass::InconsistentSize);
    }

    #[test]
    fn notes_keep_stream_order() {
        let mut v = Verifier::new(public_key_of(&seed(0)), Some(ORIGIN));
        v.event(1, line(1).as_bytes(), "a", 0);
        v.note(Finding {
            class: FindingClass::Modified,
            seq: Some(2),
            last_seq: None,
            epoch: None,
            location: Location::new("a", 10),
            detail: "damaged frame".into(),
        });
        v.event(3, line(3).as_bytes(), "a", 20);
        let r = v.finish();
        let classes: Vec<_> = r.findings.iter().map(|f| f.class).collect();
        assert_eq!(
            classes,
            [
                FindingClass::Modified,
                FindingClass::Gap,
                FindingClass::UnsealedTail
            ]
        );
    }

    #[test]
    fn leaves_counts_the_resumed_frontier() {
        let mut f = Frontier::new();
        f.push([1; 32]);
        f.push([2; 32]);
        let mut v = Verifier::new([0; 32], None);
        v.resume_from(f, "a", 0).unwrap();
        v.event(3, b"x", "a", 0);
        assert_eq!(v.leaves(), 3);
    }
}
