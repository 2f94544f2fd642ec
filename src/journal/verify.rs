//! Verifying a whole journal directory against its trust anchor, verifying an
//! export that carries proofs, and the readers the operator CLI is built on
//! (events of a journal or an export, filtered; following a live journal;
//! a summary of a journal; exports with and without proofs).
//!
//! # What [`verify_journal`] reads, in order
//!
//! 1. The first segment's header: its `extra` is the Merkle frontier of every
//!    event before it. Empty for a journal that still has its first segment;
//!    after retention deleted older segments, the verifier resumes from it
//!    ([`Verifier::resume_from`]), and the archived checkpoint of that size
//!    must have the frontier's root.
//! 2. The checkpoint archive (`checkpoints.arch`), so that the chain of keys
//!    runs from epoch 0 even when the segments holding those checkpoints are
//!    gone. Archived checkpoints whose epoch the segments still hold (a crash
//!    between archiving and deleting) are skipped, counted in
//!    [`JournalReport::archive_duplicates`].
//! 3. Every segment: its header's frontier against the events and the last
//!    checkpoint before it ([`Verifier::check_frontier`]), then every frame in
//!    order with the segment's name and the frame's byte offset, which the
//!    findings quote.
//!
//! The leaf hashes, most of the work, are computed on a second thread that
//! reads the same segments ahead of the verifier; the verifier uses such a
//! hash only for the frame at the same place with the same length, and
//! hashes any other frame itself.
//!
//! # Journal-level damage
//!
//! - A frame that fails its CRC with a valid frame after it (or at the end of
//!   a segment that is not the newest) is [`FindingClass::Modified`] at that
//!   file and offset, `seq` the one the damaged frame should have had. The
//!   event it held is then also missing for its checkpoint
//!   ([`FindingClass::Deleted`]).
//! - An event frame whose payload has no `"seq":N` at its end is
//!   [`FindingClass::Modified`] at its location.
//! - A **torn tail** (damage at the end of the newest segment with no valid
//!   frame after it, or a torn newest header) is what a crash mid-write leaves,
//!   and a writer opening the journal cuts it off. It cannot hold anything a
//!   checkpoint sealed (a checkpoint directly follows what it seals, so a cut
//!   inside it leaves its events unsealed), so it is reported as part of the
//!   unsealed tail: a [`FindingClass::UnsealedTail`] finding at the cut, and
//!   [`JournalReport::torn_tail`]. The verdict is [`Verdict::UnsealedTail`]
//!   unless something else was found. Note the consequence: an attacker who
//!   cuts the journal inside its newest checkpoint gets the same verdict as a
//!   crash, never [`Verdict::Valid`].
//! - A frame of an unknown kind (written by a newer version), an unreadable
//!   file or a directory that is not a journal: an [`Error`], not a report.
//!
//! # Verdicts
//!
//! [`Verdict::Valid`] (no finding), [`Verdict::UnsealedTail`] (everything
//! sealed verifies; there are events, or torn bytes, after the last
//! checkpoint), [`Verdict::Tampered`] (any other finding).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::dir::Listed;
use super::reader::open_listing;
use super::recover::{open_segment, Opened};
use super::scan::{frame_unchecked, Window};
use super::{
    frame_crc, Error, ErrorKind, Frame, FrameKind, LogId, Position, Reader, Result, SegmentInfo,
    ARCHIVE_FILE, FRAME_HEADER_LEN, MAX_PAYLOAD,
};
use crate::core::{self, Config, Event, Filter};
use crate::seal::merkle::{leaf_hash, Frontier, Hash};
use crate::seal::{
    verify_bundle, Checkpoint, Finding, FindingClass, Location, ProofBundle, PublicKey, Report,
    Verifier,
};

/// The verdict callers act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// No finding: every event is sealed and verifies, the chain is intact.
    Valid,
    /// Everything sealed verifies; there are events (or torn bytes) after the
    /// last checkpoint, which nothing vouches for.
    UnsealedTail,
    /// Any other finding.
    Tampered,
}

impl Verdict {
    /// The verdict of a report: [`Verdict::Valid`] with no finding,
    /// [`Verdict::UnsealedTail`] when every finding is of that class,
    /// [`Verdict::Tampered`] otherwise (a [`FindingClass::Gap`] included: the
    /// journal's seqs are contiguous, so a hole is never the writer's).
    pub fn of(report: &Report) -> Verdict {
        if report.findings.is_empty() {
            Verdict::Valid
        } else if report
            .findings
            .iter()
            .all(|f| f.class == FindingClass::UnsealedTail)
        {
            Verdict::UnsealedTail
        } else {
            Verdict::Tampered
        }
    }

    /// A stable lower-case name: `valid`, `unsealed-tail`, `tampered`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::UnsealedTail => "unsealed-tail",
            Verdict::Tampered => "tampered",
        }
    }

    /// The CLI's exit code for it: 0 valid, 2 tampered, 3 unsealed tail.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Valid => 0,
            Verdict::Tampered => 2,
            Verdict::UnsealedTail => 3,
        }
    }
}

/// A torn tail: where the newest segment stops holding valid frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// The segment's file name.
    pub segment: String,
    /// The byte offset of the first bad frame (0 for a torn header).
    pub offset: u64,
    /// Bytes from there to the end of the file.
    pub bytes: u64,
    /// What the reader said.
    pub detail: String,
}

/// What [`verify_journal`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalReport {
    /// The verifier's report: findings located by segment name and offset.
    pub report: Report,
    /// The journal's id.
    pub log_id: LogId,
    /// Segments read.
    pub segments: usize,
    /// The first seq the segments hold (above 1 after retention).
    pub first_seq: Option<u64>,
    /// Checkpoints read from the archive.
    pub archived_checkpoints: u64,
    /// Archived checkpoints skipped because the segments still hold their
    /// epochs (a crash between archiving and deleting).
    pub archive_duplicates: u64,
    /// The torn tail of the newest segment, if any.
    pub torn_tail: Option<TornTail>,
    /// Bytes of segments and archive read.
    pub bytes: u64,
}

impl JournalReport {
    /// The verdict ([`Verdict::of`] the report).
    pub fn verdict(&self) -> Verdict {
        Verdict::of(&self.report)
    }
}

/// The checkpoint origin of a journal: `audit-logger/<log id hex>`.
pub fn journal_origin(log_id: LogId) -> String {
    format!("audit-logger/{log_id}")
}

/// The seq at the end of a canonical event line (`…,"seq":N}`), read from its
/// last bytes only.
pub fn line_seq(line: &[u8]) -> Option<u64> {
    let body = line.strip_suffix(b"}")?;
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 20 {
        return None;
    }
    let (head, number) = body.split_at(body.len() - digits);
    if !head.ends_with(b"\"seq\":") || (digits > 1 && number[0] == b'0') {
        return None;
    }
    std::str::from_utf8(number).ok()?.parse().ok()
}

// ---------------------------------------------------------------------------
// Walking a journal in verification order.

/// One item of a journal, in the order a verifier reads them.
enum Item<'a> {
    /// A checkpoint from the archive, with its offset there.
    Archived { text: Cow<'a, str>, offset: u64 },
    /// Segment `index` starts.
    Segment {
        index: usize,
        info: &'a Arc<SegmentInfo>,
    },
    /// An event or checkpoint frame of a segment.
    Frame(&'a Frame),
    /// A frame that fails its check where a torn tail is impossible.
    Damage(&'a Error),
    /// The torn tail of the newest segment.
    Torn(TornTail),
}

#[derive(Default)]
struct Walked {
    archived: u64,
    duplicates: u64,
    bytes: u64,
}

fn file_name(e: &Error) -> String {
    e.path()
        .and_then(|p| p.file_name())
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Feeds `visit` with the journal's items: archived checkpoints (when
/// `archive`), then each segment's start and frames. Errors that stop reading
/// (I/O, unknown frame kinds) are returned.
fn walk(
    reader: &Reader,
    archive: bool,
    visit: &mut dyn FnMut(Item<'_>) -> Result<()>,
) -> Result<Walked> {
    let mut walked = Walked::default();
    if archive {
        if let Some(arch) = reader.archive() {
            walked.bytes += arch.bytes;
            // The epoch of the first checkpoint the segments hold: archived
            // ones from there on are duplicates.
            let mut first_epoch = None;
            for f in reader.frames() {
                match f {
                    Ok(f) if f.kind == FrameKind::Checkpoint => {
                        if let Ok(c) = Checkpoint::parse(&String::from_utf8_lossy(&f.payload)) {
                            first_epoch = Some(c.body.epoch);
                        }
                        break;
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::Io => return Err(e),
                    Err(_) => {}
                }
            }
            for f in reader.archive_frames() {
                match f {
                    Ok(f) if f.kind == FrameKind::Checkpoint => {
                        let text = String::from_utf8_lossy(&f.payload);
                        let epoch = Checkpoint::parse(&text).ok().map(|c| c.body.epoch);
                        if let (Some(e), Some(first)) = (epoch, first_epoch) {
                            if e >= first {
                                walked.duplicates += 1;
                                continue;
                            }
                        }
                        walked.archived += 1;
                        visit(Item::Archived {
                            text,
                            offset: f.offset,
                        })?;
                    }
                    Ok(f) => {
                        let e = Error::new(
                            ErrorKind::Corrupt,
                            format!(
                                "the checkpoint archive holds an event frame at byte offset {}",
                                f.offset
                            ),
                        )
                        .at_path(&f.segment.path)
                        .at_offset(f.offset);
                        visit(Item::Damage(&e))?;
                    }
                    // A torn archive tail is a crash while archiving, before
                    // any segment was deleted: the segments still hold those
                    // checkpoints.
                    Err(e) if e.kind() == ErrorKind::TornTail => {}
                    Err(e) if e.kind() == ErrorKind::Corrupt => visit(Item::Damage(&e))?,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    let segments = reader.segments();
    for (index, info) in segments.iter().enumerate() {
        walked.bytes += info.bytes;
        visit(Item::Segment { index, info })?;
        for f in reader.segment_frames(index) {
            match f {
                Ok(frame) => visit(Item::Frame(&frame))?,
                Err(e) => match e.kind() {
                    ErrorKind::Corrupt => visit(Item::Damage(&e))?,
                    ErrorKind::TornTail => {
                        let offset = e.offset().unwrap_or(0);
                        visit(Item::Torn(TornTail {
                            segment: info.name.clone(),
                            offset,
                            bytes: info.bytes.saturating_sub(offset),
                            detail: e.message().to_owned(),
                        }))?
                    }
                    _ => return Err(e),
                },
            }
        }
    }
    if let Some(t) = reader.torn_segment() {
        walked.bytes += t.bytes;
        visit(Item::Torn(TornTail {
            segment: t.name.clone(),
            offset: 0,
            bytes: t.bytes,
            detail: format!(
                "the newest segment {} has a torn header ({} bytes)",
                t.name, t.bytes
            ),
        }))?;
    }
    Ok(walked)
}

fn frontier_of(info: &SegmentInfo) -> Option<Frontier> {
    Frontier::from_bytes(&info.header.extra)
}

fn header_finding(class: FindingClass, info: &SegmentInfo, detail: String) -> Finding {
    Finding {
        class,
        seq: Some(info.header.first_seq),
        last_seq: None,
        epoch: None,
        location: Location {
            segment: info.name.clone(),
            offset: 0,
        },
        detail,
    }
}

/// Checks that a segment header's frontier parses and has `first_seq - 1`
/// leaves; notes a finding otherwise. Returns the frontier if it parses.
fn segment_frontier(v: &mut Verifier, info: &SegmentInfo) -> Option<Frontier> {
    let Some(f) = frontier_of(info) else {
        v.note(header_finding(
            FindingClass::Malformed,
            info,
            format!(
                "the header of {} does not hold a Merkle frontier ({} bytes of extra)",
                info.name,
                info.header.extra.len()
            ),
        ));
        return None;
    };
    Some(f)
}

fn check_frontier_size(v: &mut Verifier, info: &SegmentInfo, f: &Frontier) {
    let first = info.header.first_seq;
    if f.size() != first.saturating_sub(1) {
        v.note(header_finding(
            FindingClass::InconsistentSize,
            info,
            format!(
                "segment {} starts at seq {first} but its frontier covers {} events",
                info.name,
                f.size()
            ),
        ));
    }
}

/// Verifies the journal in `dir` against the trust anchor `anchor` (the epoch
/// 0 public key, from the operator's out-of-band copy of `anchor.pub`).
///
/// Read-only: takes no lock and writes nothing, so it runs beside a live
/// writer (whose newest frame may show as a torn tail). Streams every frame
/// once, in O(log n) memory plus the findings. See the module documentation
/// for the order and for how journal-level damage is reported.
///
/// Errors: not a journal directory, an I/O failure, a newer format version or
/// a frame of an unknown kind.
pub fn verify_journal(dir: &Path, anchor: &PublicKey) -> Result<JournalReport> {
    let reader = Reader::open(dir)?;
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(LEAF_BATCHES);
        let hasher = &reader;
        scope.spawn(move || hash_leaves(hasher, &sender));
        verify_segments(&reader, anchor, &mut Leaves::new(receiver))
    })
}

/// Event frames whose leaf hash the hashing thread sends at a time, and how
/// many such batches may wait.
const LEAF_BATCH: usize = 1024;
const LEAF_BATCHES: usize = 8;

/// An event frame's leaf hash, with where the frame is and its length.
struct Leaf {
    segment: usize,
    offset: u64,
    len: usize,
    hash: Hash,
}

/// On a thread of its own: the leaf hash of every event frame the segments
/// hold, in order, in batches (the verifier's thread has the tree, the seqs
/// and the checkpoints to do; hashing is most of the work). It reads each
/// segment once, as the frames' lengths say, and leaves their CRCs to the
/// verifier, which takes a hash only for the very frame it checked (see
/// [`Leaves::hash`]). Stops when the verifier stops listening.
fn hash_leaves(reader: &Reader, sender: &std::sync::mpsc::SyncSender<Vec<Leaf>>) {
    let mut batch = Vec::with_capacity(LEAF_BATCH);
    for (segment, info) in reader.segments().iter().enumerate() {
        let Ok(file) = std::fs::File::open(&info.path) else {
            continue;
        };
        let mut window = Window::new(file, info.bytes);
        let mut offset = info.header.encoded_len() as u64;
        while let Ok(Some((kind, payload))) = frame_unchecked(&mut window, offset) {
            if kind == FrameKind::Event.byte() {
                batch.push(Leaf {
                    segment,
                    offset,
                    len: payload.len(),
                    hash: leaf_hash(payload),
                });
            }
            offset += (FRAME_HEADER_LEN + payload.len()) as u64;
            if batch.len() == LEAF_BATCH
                && sender
                    .send(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(LEAF_BATCH),
                    ))
                    .is_err()
            {
                return;
            }
        }
    }
    let _ = sender.send(batch);
}

/// The verifier's side of [`hash_leaves`]: the hash of the event frame at a
/// segment and offset, taken from the hashing thread when it has that very
/// frame (same place, same length), else computed here.
struct Leaves {
    receiver: std::sync::mpsc::Receiver<Vec<Leaf>>,
    batch: std::vec::IntoIter<Leaf>,
    next: Option<Leaf>,
}

impl Leaves {
    fn new(receiver: std::sync::mpsc::Receiver<Vec<Leaf>>) -> Leaves {
        Leaves {
            receiver,
            batch: Vec::new().into_iter(),
            next: None,
        }
    }

    fn hash(&mut self, segment: usize, offset: u64, line: &[u8]) -> Hash {
        loop {
            if self.next.is_none() {
                self.next = self.batch.next();
            }
            if self.next.is_none() {
                match self.receiver.recv() {
                    Ok(batch) => {
                        self.batch = batch.into_iter();
                        continue;
                    }
                    Err(_) => return leaf_hash(line),
                }
            }
            let leaf = self.next.as_ref().expect("just taken");
            match (leaf.segment, leaf.offset).cmp(&(segment, offset)) {
                std::cmp::Ordering::Less => self.next = None,
                std::cmp::Ordering::Greater => return leaf_hash(line),
                std::cmp::Ordering::Equal => {
                    let leaf = self.next.take().expect("just taken");
                    return if leaf.len == line.len() {
                        leaf.hash
                    } else {
                        leaf_hash(line)
                    };
                }
            }
        }
    }
}

fn verify_segments(
    reader: &Reader,
    anchor: &PublicKey,
    leaves: &mut Leaves,
) -> Result<JournalReport> {
    let origin = journal_origin(reader.log_id());
    let mut v = Verifier::new(*anchor, Some(&origin));
    let first = reader.segments().first().cloned();
    if let Some(first) = &first {
        v.expect_first_seq(first.header.first_seq);
        if let Some(f) = frontier_of(first) {
            if f.size() > 0 {
                v.resume_from(f, &first.name, 0)
                    .expect("nothing was fed before");
            }
        }
    }
    let mut torn_tail = None;
    let mut last_seq = first.as_ref().map_or(0, |s| s.header.first_seq - 1);
    let mut segment_index = 0;
    let walked = walk(reader, true, &mut |item| {
        match item {
            Item::Archived { text, offset } => v.checkpoint(&text, ARCHIVE_FILE, offset),
            Item::Segment { index, info } => {
                segment_index = index;
                if let Some(f) = segment_frontier(&mut v, info) {
                    let agreed = index == 0 || v.check_frontier(&f, &info.name, 0);
                    if agreed {
                        check_frontier_size(&mut v, info, &f);
                    }
                }
            }
            Item::Frame(frame) => {
                let name = &frame.segment.name;
                match frame.kind {
                    FrameKind::Event => {
                        let seq = match line_seq(&frame.payload) {
                            Some(seq) => seq,
                            None => {
                                let seq = last_seq + 1;
                                v.note(Finding {
                                    class: FindingClass::Modified,
                                    seq: Some(seq),
                                    last_seq: None,
                                    epoch: None,
                                    location: Location {
                                        segment: name.clone(),
                                        offset: frame.offset,
                                    },
                                    detail: format!(
                                        "the event frame at {name}@{} does not end in \"seq\":N}}",
                                        frame.offset
                                    ),
                                });
                                seq
                            }
                        };
                        last_seq = seq;
                        let leaf = leaves.hash(segment_index, frame.offset, &frame.payload);
                        v.event_hashed(seq, leaf, name, frame.offset);
                    }
                    FrameKind::Checkpoint => {
                        v.checkpoint(&String::from_utf8_lossy(&frame.payload), name, frame.offset)
                    }
                }
            }
            Item::Damage(e) => {
                let offset = e.offset().unwrap_or(0);
                v.note(Finding {
                    class: FindingClass::Modified,
                    seq: Some(last_seq + 1),
                    last_seq: None,
                    epoch: None,
                    location: Location {
                        segment: file_name(e),
                        offset,
                    },
                    detail: e.message().to_owned(),
                });
            }
            Item::Torn(t) => {
                v.note(Finding {
                    class: FindingClass::UnsealedTail,
                    seq: Some(last_seq + 1),
                    last_seq: None,
                    epoch: None,
                    location: Location {
                        segment: t.segment.clone(),
                        offset: t.offset,
                    },
                    detail: format!(
                        "torn tail: {} bytes at {}@{} hold no complete frame (a crash mid-write, \
                         or a write in progress); nothing in them is sealed",
                        t.bytes, t.segment, t.offset
                    ),
                });
                torn_tail = Some(t);
            }
        }
        Ok(())
    })?;
    Ok(JournalReport {
        report: v.finish(),
        log_id: reader.log_id(),
        segments: reader.segments().len(),
        first_seq: first.map(|s| s.header.first_seq),
        archived_checkpoints: walked.archived,
        archive_duplicates: walked.duplicates,
        torn_tail,
        bytes: walked.bytes,
    })
}

/// Whether `text` looks like a proof bundle (a JSON object) rather than an
/// export document (a JSON array).
fn is_bundle(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// Verifies an export that carries proofs: the [`ProofBundle`] JSON that
/// `audit-logger export --proofs` writes. An export document without proofs
/// (a JSON array of events) carries nothing to verify and is an error, as is
/// text that is neither.
pub fn verify_export(doc_or_bundle: &str, anchor: &PublicKey) -> Result<Report> {
    if !is_bundle(doc_or_bundle) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            if doc_or_bundle.trim_start().starts_with('[') {
                "this export carries no proofs, so there is nothing to verify: export it with \
                 proofs (audit-logger export --proofs) or verify the journal itself"
            } else {
                "not an export with proofs (a proof bundle JSON object)"
            },
        ));
    }
    let bundle = ProofBundle::from_json(doc_or_bundle)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.message().to_owned()))?;
    Ok(verify_bundle(&bundle, anchor, None))
}

// ---------------------------------------------------------------------------
// Events from lines and documents.

/// Limits for reading what a writer already accepted: as large as a frame.
fn reading_config() -> Config {
    Config {
        max_field_bytes: MAX_PAYLOAD,
        max_details_bytes: MAX_PAYLOAD,
        max_details_depth: 128,
        ..Config::default()
    }
}

fn bad_document(message: String) -> core::Error {
    core::Error::new(core::ErrorKind::InvalidDocument, message)
}

/// Parses a stored event line (the canonical compact JSON of
/// [`core::write_compact`]) into the event, with its own seq and timestamp.
pub fn parse_event_line(line: &[u8]) -> core::Result<Event> {
    let text = std::str::from_utf8(line).map_err(|e| {
        bad_document(format!(
            "not an event line: not UTF-8 at byte {}",
            e.valid_up_to()
        ))
    })?;
    core::parse_line(text, &reading_config())
}

/// Reads the events of an export: an export document (a JSON array as
/// [`core::write_document`] writes it; an event without `seq`, as the
/// reference implementation writes them, gets its position from 1) or a
/// proof bundle (its events' lines). Events keep their seqs and timestamps.
pub fn parse_export(text: &str) -> core::Result<Vec<Event>> {
    let config = reading_config();
    if is_bundle(text) {
        let bundle = ProofBundle::from_json(text)?;
        return bundle
            .events
            .iter()
            .map(|e| {
                parse_event_line(e.line.as_bytes()).map_err(|err| {
                    bad_document(format!("bundle event {}: {}", e.index, err.message()))
                })
            })
            .collect();
    }
    core::parse_document(text, &config)
}

/// Applies a [`Filter`] to a stream of events as `audit_query` does:
/// [`Filter::matches`], then `after_seq`, then `limit` (the newest N of the
/// matches, oldest first). Without a limit every match passes through at once;
/// with one, the newest N wait in a bounded queue until [`finish`](Self::finish).
#[derive(Debug)]
pub struct Selection<T> {
    filter: Filter,
    newest: VecDeque<T>,
}

impl<T> Selection<T> {
    /// A selection by `filter`.
    pub fn new(filter: Filter) -> Self {
        Selection {
            filter,
            newest: VecDeque::new(),
        }
    }

    /// Offers `event` (carried as `item`): returns the item when it matches
    /// and there is no limit (emit it now); keeps it when there is a limit.
    pub fn offer(&mut self, event: &Event, item: T) -> Option<T> {
        if self.filter.after_seq.is_some_and(|a| event.seq() <= a) || !self.filter.matches(event) {
            return None;
        }
        match self.filter.limit {
            None => Some(item),
            Some(0) => None,
            Some(n) => {
                if self.newest.len() == n {
                    self.newest.pop_front();
                }
                self.newest.push_back(item);
                None
            }
        }
    }

    /// The items kept under a limit, oldest first (none without a limit).
    pub fn finish(self) -> Vec<T> {
        self.newest.into()
    }
}

/// What [`read_journal_events`] met besides events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Event frames read.
    pub events: u64,
    /// Damaged frames and event lines that do not parse, as messages (they
    /// were skipped).
    pub damaged: Vec<String>,
    /// The torn tail of the newest segment, if any (a write in progress, or a
    /// crash).
    pub torn_tail: Option<TornTail>,
    /// Where a follower goes on: the end of the last valid frame of the
    /// newest segment.
    pub end: Option<Position>,
}

/// Reads every event of the journal in `dir` in order (read-only, no lock),
/// calling `each` with the event and where its frame is. Damage is skipped
/// and listed in the summary, not an error; I/O failures and unknown frame
/// kinds are errors.
pub fn read_journal_events(
    dir: &Path,
    mut each: impl FnMut(Event, Location) -> Result<()>,
) -> Result<ReadSummary> {
    let reader = Reader::open(dir)?;
    let mut summary = ReadSummary::default();
    if let Some(last) = reader.segments().last() {
        summary.end = Some(Position {
            segment: last.header.first_seq,
            offset: last.bytes,
        });
    }
    walk(&reader, false, &mut |item| {
        match item {
            Item::Frame(frame) if frame.kind == FrameKind::Event => {
                summary.events += 1;
                let location = Location {
                    segment: frame.segment.name.clone(),
                    offset: frame.offset,
                };
                match parse_event_line(&frame.payload) {
                    Ok(event) => each(event, location)?,
                    Err(e) => summary.damaged.push(format!("{location}: {}", e.message())),
                }
            }
            Item::Damage(e) => summary.damaged.push(e.message().to_owned()),
            Item::Torn(t) => {
                if let Some(end) = &mut summary.end {
                    if super::parse_segment_file_name(&t.segment) == Some(end.segment) {
                        end.offset = t.offset;
                    }
                }
                summary.torn_tail = Some(t);
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(summary)
}

// ---------------------------------------------------------------------------
// Following a live journal.

/// Follows a journal as its writer appends: each [`poll`](Self::poll) returns
/// the events written since the last one, moving on to newer segments as the
/// writer rotates (and past segments that retention deleted). Read-only; it
/// opens only the segment it reads and, to move on, the next one's header.
///
/// A frame not completely written yet (or not yet passing its CRC) is left for
/// the next poll; one still failing once a newer segment exists is reported as
/// corruption and skipped.
#[derive(Debug)]
pub struct Follower {
    dir: PathBuf,
    /// Before the first poll found a segment: start at the one holding this seq.
    from_seq: u64,
    /// The segment being read (first seq) and the offset of the next frame.
    at: Option<Position>,
    /// The journal's id, read with the first segment.
    log_id: Option<LogId>,
}

impl Follower {
    /// A follower starting at `from` (for example [`ReadSummary::end`]), or
    /// at the start of the oldest segment with `None`.
    pub fn new(dir: &Path, from: Option<Position>) -> Follower {
        Follower {
            dir: dir.to_owned(),
            from_seq: 0,
            at: from,
            log_id: None,
        }
    }

    /// A follower starting at the beginning of the segment that holds `seq`
    /// (the newest whose first seq is at most `seq`; the oldest if all begin
    /// later): it never opens an older segment. It returns that segment's
    /// events before `seq` too.
    pub fn from_seq(dir: &Path, seq: u64) -> Follower {
        Follower {
            from_seq: seq,
            ..Follower::new(dir, None)
        }
    }

    /// Where the next frame is expected.
    pub fn position(&self) -> Option<Position> {
        self.at
    }

    fn segment_path(&self, first_seq: u64) -> PathBuf {
        self.dir.join(super::segment_file_name(first_seq))
    }

    /// Lists the directory and reads the header of the segment `pick` chooses
    /// (an index into the segments, oldest first); `None` if it chooses none
    /// or that segment's header is still being written.
    fn segment(&mut self, pick: impl Fn(&[Listed]) -> Option<usize>) -> Result<Option<Position>> {
        let (listing, meta) = open_listing(&self.dir)?;
        let log_id = *self.log_id.get_or_insert(meta.log_id);
        let count = listing.segments.len();
        let Some(i) = pick(&listing.segments) else {
            return Ok(None);
        };
        Ok(
            match open_segment(&listing.segments[i], log_id, i + 1 == count)? {
                Opened::Valid {
                    header, header_len, ..
                } => Some(Position {
                    segment: header.first_seq,
                    offset: header_len,
                }),
                Opened::Torn { .. } => None,
            },
        )
    }

    /// Reads what was appended since the last poll. Returns the events, and
    /// messages about damage that was skipped.
    pub fn poll(&mut self) -> Result<(Vec<Event>, Vec<String>)> {
        let mut events = Vec::new();
        let mut damaged = Vec::new();
        loop {
            let at = match self.at {
                Some(at) => at,
                None => {
                    let from = self.from_seq;
                    let start = self.segment(|segments| {
                        let holding = segments.iter().rposition(|s| s.first_seq <= from);
                        holding.or((!segments.is_empty()).then_some(0))
                    })?;
                    let Some(at) = start else {
                        return Ok((events, damaged));
                    };
                    self.at = Some(at);
                    at
                }
            };
            let path = self.segment_path(at.segment);
            let (end, stuck) = match File::open(&path) {
                Ok(mut file) => {
                    let end = read_frames(&mut file, &path, at.offset, &mut events, &mut damaged)?;
                    (end.0, end.1)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => (at.offset, false),
                Err(e) => {
                    return Err(Error::new(
                        ErrorKind::Io,
                        format!("cannot open {}: {e}", path.display()),
                    ))
                }
            };
            self.at = Some(Position {
                segment: at.segment,
                offset: end,
            });
            // Rotated? Then the current segment is complete: go on with the
            // next one.
            let Some(next) =
                self.segment(|segments| segments.iter().position(|s| s.first_seq > at.segment))?
            else {
                return Ok((events, damaged));
            };
            if stuck {
                // Re-read once: the frame may have been completed meanwhile;
                // if not, it never will be (the writer moved on).
                if let Ok(mut file) = File::open(&path) {
                    let (at, still) =
                        read_frames(&mut file, &path, end, &mut events, &mut damaged)?;
                    if still {
                        damaged.push(format!(
                            "{}: a damaged frame at byte offset {at}, in a segment that is not \
                             the newest; skipped the rest of it",
                            path.display()
                        ));
                    }
                }
            }
            self.at = Some(next);
        }
    }
}

/// Reads complete, CRC-valid frames of `file` from `offset`, pushing events;
/// returns where reading stopped and whether bytes that are not (yet) a valid
/// frame remain there.
fn read_frames(
    file: &mut File,
    path: &Path,
    offset: u64,
    events: &mut Vec<Event>,
    damaged: &mut Vec<String>,
) -> Result<(u64, bool)> {
    let io = |e: std::io::Error| {
        Error::new(
            ErrorKind::Io,
            format!("cannot read {}: {e}", path.display()),
        )
    };
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut buf = Vec::new();
    file.read_to_end(&mut buf).map_err(io)?;
    let mut at = 0usize;
    while buf.len() - at >= FRAME_HEADER_LEN {
        let len = u32::from_le_bytes(buf[at..at + 4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(buf[at + 4..at + 8].try_into().expect("4 bytes"));
        if len > MAX_PAYLOAD || buf.len() - at < FRAME_HEADER_LEN + len {
            return Ok((offset + at as u64, true));
        }
        let kind = buf[at + 8];
        let payload = &buf[at + FRAME_HEADER_LEN..at + FRAME_HEADER_LEN + len];
        if frame_crc(kind, payload) != crc {
            return Ok((offset + at as u64, true));
        }
        if FrameKind::from_byte(kind) == Some(FrameKind::Event) {
            match parse_event_line(payload) {
                Ok(e) => events.push(e),
                Err(e) => damaged.push(format!(
                    "{}@{}: {}",
                    path.display(),
                    offset + at as u64,
                    e.message()
                )),
            }
        }
        at += FRAME_HEADER_LEN + len;
    }
    Ok((offset + at as u64, at < buf.len()))
}

// ---------------------------------------------------------------------------
// A summary for people.

/// One segment in a [`JournalSummary`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentSummary {
    /// The file name.
    pub name: String,
    /// Its length in bytes.
    pub bytes: u64,
    /// The first seq its header names.
    pub first_seq: u64,
    /// When it was made (microseconds since the Unix epoch).
    pub created_micros: i64,
    /// Event frames in it.
    pub events: u64,
    /// Checkpoint frames in it.
    pub checkpoints: u64,
    /// The lowest and highest seq of its events.
    pub seqs: Option<(u64, u64)>,
}

/// A checkpoint as [`inspect_journal`] read it (not verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointInfo {
    /// Its epoch.
    pub epoch: u64,
    /// Its tree size.
    pub size: u64,
    /// Its time (microseconds since the Unix epoch).
    pub time: u64,
    /// Whether it carries the `final` line.
    pub is_final: bool,
}

/// What a journal directory holds ([`inspect_journal`]); nothing is verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalSummary {
    /// The journal's id.
    pub log_id: LogId,
    /// The checkpoint origin (`audit-logger/<log id>`).
    pub origin: String,
    /// When the journal was made (microseconds since the Unix epoch).
    pub created_micros: i64,
    /// The segments, oldest first.
    pub segments: Vec<SegmentSummary>,
    /// Event frames in all segments.
    pub events: u64,
    /// Checkpoint frames in all segments.
    pub checkpoints: u64,
    /// The last checkpoint that parses (archive included).
    pub last_checkpoint: Option<CheckpointInfo>,
    /// Events after the last checkpoint frame.
    pub unsealed_events: u64,
    /// Checkpoints in the archive, and its length in bytes.
    pub archive: Option<(u64, u64)>,
    /// Damaged frames (skipped).
    pub damaged_frames: u64,
    /// The torn tail of the newest segment, if any.
    pub torn_tail: Option<TornTail>,
    /// Whether `seal.key` and `anchor.pub` are in the directory.
    pub has_keys: (bool, bool),
}

/// Summarises the journal in `dir`: segments with sizes and seq ranges,
/// events, checkpoints and epochs, the unsealed tail, the archive.
/// Read-only; checkpoints are parsed, not verified (use [`verify_journal`]).
pub fn inspect_journal(dir: &Path) -> Result<JournalSummary> {
    let reader = Reader::open(dir)?;
    let mut out = JournalSummary {
        log_id: reader.log_id(),
        origin: journal_origin(reader.log_id()),
        created_micros: reader.created_micros(),
        segments: Vec::new(),
        events: 0,
        checkpoints: 0,
        last_checkpoint: None,
        unsealed_events: 0,
        archive: reader.archive().map(|a| (0, a.bytes)),
        damaged_frames: 0,
        torn_tail: None,
        has_keys: (
            dir.join(crate::seal::keys::STATE_FILE).exists(),
            dir.join(crate::seal::keys::ANCHOR_FILE).exists(),
        ),
    };
    let parse = |payload: &[u8]| {
        Checkpoint::parse(&String::from_utf8_lossy(payload))
            .ok()
            .map(|c| CheckpointInfo {
                epoch: c.body.epoch,
                size: c.body.size,
                time: c.body.time,
                is_final: c.body.is_final,
            })
    };
    for f in reader.archive_frames().flatten() {
        if f.kind == FrameKind::Checkpoint {
            if let Some(a) = &mut out.archive {
                a.0 += 1;
            }
            if let Some(c) = parse(&f.payload) {
                out.last_checkpoint = Some(c);
            }
        }
    }
    walk(&reader, false, &mut |item| {
        match item {
            Item::Segment { info, .. } => out.segments.push(SegmentSummary {
                name: info.name.clone(),
                bytes: info.bytes,
                first_seq: info.header.first_seq,
                created_micros: info.header.created_micros,
                events: 0,
                checkpoints: 0,
                seqs: None,
            }),
            Item::Frame(frame) => {
                let s = out.segments.last_mut().expect("a segment started");
                match frame.kind {
                    FrameKind::Event => {
                        s.events += 1;
                        out.events += 1;
                        out.unsealed_events += 1;
                        if let Some(seq) = line_seq(&frame.payload) {
                            s.seqs = Some(
                                s.seqs
                                    .map_or((seq, seq), |(lo, hi)| (lo.min(seq), hi.max(seq))),
                            );
                        }
                    }
                    FrameKind::Checkpoint => {
                        s.checkpoints += 1;
                        out.checkpoints += 1;
                        out.unsealed_events = 0;
                        if let Some(c) = parse(&frame.payload) {
                            out.last_checkpoint = Some(c);
                        }
                    }
                }
            }
            Item::Damage(_) => out.damaged_frames += 1,
            Item::Torn(t) => out.torn_tail = Some(t),
            Item::Archived { .. } => {}
        }
        Ok(())
    })?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// Exports.

/// Writes an export document ([`core::write_document`]'s format, byte for
/// byte) one event at a time, so that an export of a large journal never
/// holds all its events.
#[derive(Debug)]
pub struct ExportWriter<W: Write> {
    out: W,
    count: u64,
    buf: Vec<u8>,
}

impl<W: Write> ExportWriter<W> {
    /// A writer of a document to `out`.
    pub fn new(out: W) -> Self {
        ExportWriter {
            out,
            count: 0,
            buf: Vec::new(),
        }
    }

    /// Appends one event.
    pub fn push(&mut self, event: &Event) -> std::io::Result<()> {
        self.buf.clear();
        core::write_document(&mut self.buf, [event]);
        // "[" + "\n  {…}" + "\n]": keep the middle.
        let body = &self.buf[1..self.buf.len() - 2];
        self.out
            .write_all(if self.count == 0 { b"[" } else { b"," })?;
        self.out.write_all(body)?;
        self.count += 1;
        Ok(())
    }

    /// Ends the document and returns the output and the number of events.
    pub fn finish(mut self) -> std::io::Result<(W, u64)> {
        self.out
            .write_all(if self.count == 0 { b"[]" } else { b"\n]" })?;
        self.out.flush()?;
        Ok((self.out, self.count))
    }
}

/// A proof bundle of selected events ([`export_proofs`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofExport {
    /// The bundle: the checkpoint chain from epoch 0, consistency proofs, and
    /// the selected sealed events with inclusion proofs against the last
    /// checkpoint.
    pub bundle: ProofBundle,
    /// Selected events left out because no checkpoint seals them yet.
    pub unsealed_skipped: u64,
}

/// Builds a proof bundle for the events of the journal in `dir` that
/// `filter` selects (as [`Selection`] applies it), proven against the last
/// checkpoint. Holds every leaf hash (32 bytes per event) and the checkpoint
/// texts, not the events.
///
/// Fails when the journal has no checkpoint, when retention deleted its first
/// segments (a bundle's consistency proofs need every leaf from the first),
/// on any damaged frame, and when the checkpoints do not match the events
/// (verify the journal to see why).
pub fn export_proofs(dir: &Path, filter: &Filter) -> Result<ProofExport> {
    let reader = Reader::open(dir)?;
    if let Some(first) = reader.segments().first() {
        let start = frontier_of(first).map_or(first.header.first_seq - 1, |f| f.size());
        if start > 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "retention deleted the journal's first {start} events: a proof bundle needs \
                     every leaf from the first, so this journal cannot be exported with proofs"
                ),
            ));
        }
    }
    let mut leaves: Vec<Hash> = Vec::new();
    let mut checkpoints: Vec<String> = Vec::new();
    let mut selection: Selection<(u64, String)> = Selection::new(filter.clone());
    let mut selected: Vec<(u64, String)> = Vec::new();
    let mut failure: Option<Error> = None;
    walk(&reader, true, &mut |item| {
        match item {
            Item::Archived { text, .. } => checkpoints.push(text.into_owned()),
            Item::Frame(frame) => match frame.kind {
                FrameKind::Event => {
                    let index = leaves.len() as u64;
                    leaves.push(leaf_hash(&frame.payload));
                    match parse_event_line(&frame.payload) {
                        Ok(event) => {
                            let line = String::from_utf8_lossy(&frame.payload).into_owned();
                            if let Some(item) = selection.offer(&event, (index, line)) {
                                selected.push(item);
                            }
                        }
                        Err(e) => {
                            failure.get_or_insert(Error::new(
                                ErrorKind::Corrupt,
                                format!("{}@{}: {}", frame.segment.name, frame.offset, e.message()),
                            ));
                        }
                    }
                }
                FrameKind::Checkpoint => {
                    checkpoints.push(String::from_utf8_lossy(&frame.payload).into_owned())
                }
            },
            Item::Damage(e) => {
                failure.get_or_insert(e.clone());
            }
            _ => {}
        }
        Ok(())
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    selected.extend(selection.finish());
    let Some(last) = checkpoints.last() else {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "the journal has no checkpoint yet: nothing is sealed, so nothing can be proven",
        ));
    };
    let size = Checkpoint::parse(last)
        .map_err(|e| {
            Error::new(
                ErrorKind::Corrupt,
                format!("the last checkpoint: {}", e.message()),
            )
        })?
        .body
        .size;
    let before = selected.len();
    selected.retain(|(index, _)| *index < size);
    let unsealed_skipped = (before - selected.len()) as u64;
    let bundle = ProofBundle::build(&leaves, &checkpoints, &selected).map_err(|e| {
        Error::new(
            ErrorKind::Corrupt,
            format!(
                "cannot build proofs ({}): run audit-logger verify on the journal",
                e.message()
            ),
        )
    })?;
    Ok(ProofExport {
        bundle,
        unsealed_skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Severity;

    #[test]
    fn the_hashing_threads_leaf_is_used_only_for_the_very_frame() {
        let (sender, receiver) = std::sync::mpsc::sync_channel(4);
        let given = |segment, offset, len| Leaf {
            segment,
            offset,
            len,
            hash: [7; 32],
        };
        // Frames the verifier skips, one it sees with another length, one it sees.
        sender
            .send(vec![given(0, 10, 3), given(0, 20, 9), given(1, 0, 3)])
            .unwrap();
        sender.send(vec![given(1, 40, 3)]).unwrap();
        drop(sender);
        let mut leaves = Leaves::new(receiver);
        let line = b"abc";
        assert_eq!(leaves.hash(0, 20, line), leaf_hash(line), "length differs");
        assert_eq!(leaves.hash(1, 0, line), [7; 32], "the same frame");
        assert_eq!(
            leaves.hash(1, 30, line),
            leaf_hash(line),
            "not hashed there"
        );
        assert_eq!(leaves.hash(1, 40, line), [7; 32], "from the next batch");
        assert_eq!(leaves.hash(2, 0, line), leaf_hash(line), "past the end");
    }

    #[test]
    fn line_seq_reads_the_last_key_only() {
        assert_eq!(line_seq(br#"{"a":{"seq":3},"seq":42}"#), Some(42));
        assert_eq!(line_seq(br#"{"seq":0}"#), Some(0));
        assert_eq!(line_seq(br#"{"seq":042}"#), None);
        assert_eq!(line_seq(br#"{"seq":}"#), None);
        assert_eq!(line_seq(br#"{"seq":4"#), None);
        assert_eq!(line_seq(br#"{"sex":4}"#), None);
        assert_eq!(line_seq(br#"{"seq":99999999999999999999}"#), None);
    }

    #[test]
    fn event_lines_round_trip_with_their_seq() {
        let line = br#"{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"ERROR","details":{"k":[1,2]},"timestamp":"2026-01-01T00:00:00.000001Z","seq":7}"#;
        let e = parse_event_line(line).unwrap();
        assert_eq!((e.seq(), e.severity()), (7, Severity::Error));
        let mut out = Vec::new();
        core::write_compact(&mut out, &e);
        assert_eq!(out, line);
        assert!(parse_event_line(b"{}").is_err());
    }

    #[test]
    fn the_export_writer_matches_write_document() {
        let lines: Vec<Event> = (1..=3)
            .map(|s| {
                parse_event_line(
                    format!(
                        r#"{{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"INFO","details":{{"n":{s}}},"timestamp":"2026-01-01T00:00:00Z","seq":{s}}}"#
                    )
                    .as_bytes(),
                )
                .unwrap()
            })
            .collect();
        for n in 0..=3 {
            let mut want = Vec::new();
            core::write_document(&mut want, &lines[..n]);
            let mut w = ExportWriter::new(Vec::new());
            for e in &lines[..n] {
                w.push(e).unwrap();
            }
            let (got, count) = w.finish().unwrap();
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8(want).unwrap()
            );
            assert_eq!(count, n as u64);
            let back = parse_export(
                std::str::from_utf8(&{
                    let mut d = Vec::new();
                    core::write_document(&mut d, &lines[..n]);
                    d
                })
                .unwrap(),
            )
            .unwrap();
            assert_eq!(back, lines[..n].to_vec());
        }
    }

    #[test]
    fn selection_applies_after_seq_and_limit() {
        let events: Vec<Event> = (1..=10)
            .map(|s| {
                parse_event_line(
                    format!(
                        r#"{{"actor":"{}","action":"b","resource":"c","outcome":"d","severity":"INFO","details":{{}},"timestamp":"2026-01-01T00:00:00Z","seq":{s}}}"#,
                        if s % 2 == 0 { "even" } else { "odd" }
                    )
                    .as_bytes(),
                )
                .unwrap()
            })
            .collect();
        let run = |filter: Filter| {
            let mut sel = Selection::new(filter);
            let mut out: Vec<u64> = events
                .iter()
                .filter_map(|e| sel.offer(e, e.seq()))
                .collect();
            out.extend(sel.finish());
            out
        };
        assert_eq!(run(Filter::default()).len(), 10);
        let even = Filter {
            actor: Some("even".into()),
            ..Filter::default()
        };
        assert_eq!(run(even.clone()), [2, 4, 6, 8, 10]);
        assert_eq!(
            run(Filter {
                after_seq: Some(4),
                limit: Some(2),
                ..even.clone()
            }),
            [8, 10]
        );
        assert!(run(Filter {
            limit: Some(0),
            ..even
        })
        .is_empty());
    }
}
