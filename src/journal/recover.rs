//! Opening a journal for writing: validate every frame of every file, decide
//! what is a torn tail (repaired and reported) and what is corruption (refused,
//! nothing touched), then repair and collect the newest events to restore.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use super::dir::{self, Listed, Meta, ARCHIVE_FILE};
use super::error::{Error, ErrorKind, Result};
use super::frame::{Damage, FrameKind};
use super::header::{LogId, SegmentHeader, ARCHIVE_MAGIC, SEGMENT_MAGIC};
use super::scan::{self, HeaderState, Tail, Window};
use super::segment::FileIo;

/// A torn tail that opening the journal cut off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncation {
    /// The file's name (a segment, or `checkpoints.arch`).
    pub file: String,
    /// Where the first bad frame started: the file's new length.
    pub offset: u64,
    /// How many bytes were cut off.
    pub dropped_bytes: u64,
    /// What was wrong at `offset`.
    pub damage: Damage,
}

/// A newest segment whose header was never completely written (a crash right
/// after it was made), which opening the journal removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovedSegment {
    /// The file's name.
    pub name: String,
    /// Its length in bytes when it was removed (less than a header, or a
    /// header alone that fails its check, or zeros).
    pub bytes: u64,
}

/// What [`Journal::open`](super::Journal::open) found and repaired.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// The directory held no journal, and a new one (with a new log id) was made.
    pub created: bool,
    /// Segments in the journal after repair.
    pub segments: usize,
    /// Event frames in them.
    pub events: u64,
    /// Checkpoint frames in them.
    pub checkpoints: u64,
    /// The torn tail cut off the newest segment, if there was one.
    pub truncated: Option<Truncation>,
    /// Newest segments removed because their header was torn.
    pub removed_segments: Vec<RemovedSegment>,
    /// The torn tail cut off the checkpoint archive, if there was one.
    pub archive_truncated: Option<Truncation>,
    /// The payload of the last event that survives (parse its seq to continue
    /// the sequence).
    pub last_event: Option<Vec<u8>>,
    /// The payload of the last checkpoint in the segments, if any.
    pub last_checkpoint: Option<Vec<u8>>,
    /// The newest [`Options::restore_events`](super::Options::restore_events)
    /// event payloads, oldest first (read from the newest segments only).
    pub recent_events: Vec<Vec<u8>>,
}

impl Recovery {
    /// Whether nothing had to be repaired.
    pub fn is_clean(&self) -> bool {
        self.truncated.is_none()
            && self.removed_segments.is_empty()
            && self.archive_truncated.is_none()
    }

    /// Bytes cut off or removed in all, for a notice.
    pub fn dropped_bytes(&self) -> u64 {
        self.truncated.as_ref().map_or(0, |t| t.dropped_bytes)
            + self.removed_segments.iter().map(|r| r.bytes).sum::<u64>()
            + self
                .archive_truncated
                .as_ref()
                .map_or(0, |t| t.dropped_bytes)
    }
}

/// A segment that validated.
pub(crate) struct Checked {
    pub listed: Listed,
    pub header: SegmentHeader,
    pub header_len: u64,
    /// The end of its last valid frame.
    pub valid_len: u64,
    pub events: u64,
    pub frames: u64,
}

/// The plan drawn by validation: what is intact, what to repair.
pub(crate) struct Plan {
    pub segments: Vec<Checked>,
    /// The newest segment's torn tail: cut at `offset`.
    pub truncate: Option<(PathBuf, Truncation)>,
    pub remove: Vec<(PathBuf, RemovedSegment)>,
    pub archive: ArchivePlan,
    pub last_event: Option<(usize, u64)>,
    pub last_checkpoint: Option<Vec<u8>>,
    pub checkpoints: u64,
}

/// What to do with the checkpoint archive.
pub(crate) enum ArchivePlan {
    /// Absent, or intact.
    Keep,
    /// A torn header (a crash while making it): remove it.
    Remove(PathBuf),
    /// A torn tail: cut it.
    Truncate(PathBuf, Truncation),
}

/// The error for damage that is not a torn tail.
pub(crate) fn corruption(path: &Path, offset: u64, what: &str) -> Error {
    Error::new(
        ErrorKind::Corrupt,
        format!(
            "journal file {} is corrupt at byte offset {offset}: {what}",
            path.display()
        ),
    )
    .at_path(path)
    .at_offset(offset)
}

fn unknown_kind(path: &Path, offset: u64, kind: u8) -> Error {
    Error::new(
        ErrorKind::UnknownFrameKind,
        format!(
            "journal file {} has a frame of unknown kind {kind} at byte offset {offset}: \
             it was written by a newer version; nothing was changed",
            path.display()
        ),
    )
    .at_path(path)
    .at_offset(offset)
}

fn read_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::io("cannot read", path, &e)
}

/// A segment file whose header was read.
pub(crate) enum Opened {
    /// A valid header of this journal, its length, and the file.
    Valid {
        header: SegmentHeader,
        header_len: u64,
        window: Window,
    },
    /// The newest segment, its header torn (a crash while it was made), of
    /// this many bytes.
    Torn { bytes: u64 },
}

/// Reads and checks the header of segment `listed` of the journal `log_id`
/// (only this file is opened). A foreign log id, a first seq other than the
/// file name's, a damaged header, or a torn one in a segment that is not the
/// `newest`, is an error.
pub(crate) fn open_segment(listed: &Listed, log_id: LogId, newest: bool) -> Result<Opened> {
    let path = &listed.path;
    let mut window = scan::open_window(path)?;
    let (header, header_len) =
        match scan::read_header(&mut window, SEGMENT_MAGIC).map_err(read_err(path))? {
            HeaderState::Valid(header, len) => (header, len),
            HeaderState::Newer(v) => return Err(dir::newer_version(path, v)),
            HeaderState::Torn if newest => {
                return Ok(Opened::Torn {
                    bytes: window.len(),
                })
            }
            HeaderState::Torn => {
                return Err(corruption(
                    path,
                    0,
                    "the header is incomplete, in a segment that is not the newest",
                ))
            }
            HeaderState::Bad(why) => {
                return Err(corruption(path, 0, &format!("the segment file {why}")))
            }
        };
    if header.log_id != log_id {
        return Err(corruption(
            path,
            10,
            &format!(
                "the segment belongs to another journal (log id {}, the directory's is {log_id})",
                header.log_id
            ),
        ));
    }
    if header.first_seq != listed.first_seq {
        return Err(corruption(
            path,
            26,
            &format!(
                "the header's first seq is {}, the file name's {}",
                header.first_seq, listed.first_seq
            ),
        ));
    }
    Ok(Opened::Valid {
        header,
        header_len,
        window,
    })
}

/// Validates every segment and the archive without changing anything.
pub(crate) fn validate(dir: &Path, meta: &Meta, listing: &dir::Listing) -> Result<Plan> {
    let mut plan = Plan {
        segments: Vec::new(),
        truncate: None,
        remove: Vec::new(),
        archive: ArchivePlan::Keep,
        last_event: None,
        last_checkpoint: None,
        checkpoints: 0,
    };
    let count = listing.segments.len();
    for (i, listed) in listing.segments.iter().enumerate() {
        let newest = i + 1 == count;
        let path = &listed.path;
        let (header, header_len, mut w) = match open_segment(listed, meta.log_id, newest)? {
            Opened::Valid {
                header,
                header_len,
                window,
            } => (header, header_len, window),
            Opened::Torn { bytes } => {
                plan.remove.push((
                    path.clone(),
                    RemovedSegment {
                        name: listed.name.clone(),
                        bytes,
                    },
                ));
                continue;
            }
        };
        let index = plan.segments.len();
        let (mut events, mut frames) = (0u64, 0u64);
        let mut last_event = None;
        let mut last_checkpoint = None;
        let scanned = scan::scan_frames(&mut w, header_len, &mut |off, kind, payload| {
            frames += 1;
            match kind {
                FrameKind::Event => {
                    events += 1;
                    last_event = Some(off);
                }
                FrameKind::Checkpoint => {
                    plan.checkpoints += 1;
                    last_checkpoint = Some(payload.to_vec());
                }
            }
        })
        .map_err(read_err(path))?;
        match scanned.tail {
            Tail::Clean => {}
            Tail::UnknownKind { offset, kind } => return Err(unknown_kind(path, offset, kind)),
            Tail::Corrupt {
                offset,
                damage,
                next_valid,
            } => {
                return Err(corruption(
                    path,
                    offset,
                    &format!(
                        "{} followed by a valid frame at offset {next_valid}",
                        damage.describe()
                    ),
                ))
            }
            Tail::Torn { offset, damage } if newest => {
                plan.truncate = Some((
                    path.clone(),
                    Truncation {
                        file: listed.name.clone(),
                        offset,
                        dropped_bytes: scanned.file_len - offset,
                        damage,
                    },
                ));
            }
            Tail::Torn { offset, damage } => {
                return Err(corruption(
                    path,
                    offset,
                    &format!(
                        "{} at the end of a segment that is not the newest",
                        damage.describe()
                    ),
                ))
            }
        }
        if let Some(off) = last_event {
            plan.last_event = Some((index, off));
        }
        if last_checkpoint.is_some() {
            plan.last_checkpoint = last_checkpoint;
        }
        plan.segments.push(Checked {
            listed: listed.clone(),
            header,
            header_len,
            valid_len: scanned.valid_len,
            events,
            frames,
        });
    }
    if listing.has_archive {
        plan.archive = validate_archive(&dir.join(ARCHIVE_FILE), meta)?;
    }
    Ok(plan)
}

/// Validates the checkpoint archive: a header, then checkpoint frames only.
pub(crate) fn validate_archive(path: &Path, meta: &Meta) -> Result<ArchivePlan> {
    let mut w = scan::open_window(path)?;
    let header_len = match scan::read_header(&mut w, ARCHIVE_MAGIC).map_err(read_err(path))? {
        HeaderState::Valid(h, len) if h.log_id == meta.log_id => len,
        HeaderState::Valid(h, _) => {
            return Err(corruption(
                path,
                10,
                &format!(
                    "the archive belongs to another journal (log id {}, the directory's is {})",
                    h.log_id, meta.log_id
                ),
            ))
        }
        HeaderState::Newer(v) => return Err(dir::newer_version(path, v)),
        HeaderState::Torn => return Ok(ArchivePlan::Remove(path.to_path_buf())),
        HeaderState::Bad(why) => return Err(corruption(path, 0, &format!("the archive {why}"))),
    };
    let mut event_at = None;
    let scanned = scan::scan_frames(&mut w, header_len, &mut |off, kind, _| {
        if kind == FrameKind::Event && event_at.is_none() {
            event_at = Some(off);
        }
    })
    .map_err(read_err(path))?;
    if let Some(off) = event_at {
        return Err(corruption(
            path,
            off,
            "an event frame in the checkpoint archive",
        ));
    }
    match scanned.tail {
        Tail::Clean => Ok(ArchivePlan::Keep),
        Tail::UnknownKind { offset, kind } => Err(unknown_kind(path, offset, kind)),
        Tail::Corrupt {
            offset,
            damage,
            next_valid,
        } => Err(corruption(
            path,
            offset,
            &format!(
                "{} followed by a valid frame at offset {next_valid}",
                damage.describe()
            ),
        )),
        Tail::Torn { offset, damage } => Ok(ArchivePlan::Truncate(
            path.to_path_buf(),
            Truncation {
                file: ARCHIVE_FILE.to_string(),
                offset,
                dropped_bytes: scanned.file_len - offset,
                damage,
            },
        )),
    }
}

/// Cuts `path` to `len` and flushes it.
pub(crate) fn cut(io: &FileIo, path: &Path, len: u64) -> Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io("cannot open for repair", path, &e))?;
    file.set_len(len)
        .map_err(|e| Error::io("cannot cut the torn tail of", path, &e))?;
    io.sync(&file, path)
        .map_err(|e| Error::io("cannot flush", path, &e))
}

/// Carries out the repairs of a validated plan.
pub(crate) fn repair(io: &FileIo, dir: &Path, plan: &Plan) -> Result<()> {
    if let Some((path, t)) = &plan.truncate {
        cut(io, path, t.offset)?;
    }
    let mut removed = false;
    for (path, _) in &plan.remove {
        std::fs::remove_file(path)
            .map_err(|e| Error::io("cannot remove the torn segment", path, &e))?;
        removed = true;
    }
    match &plan.archive {
        ArchivePlan::Keep => {}
        ArchivePlan::Truncate(path, t) => cut(io, path, t.offset)?,
        ArchivePlan::Remove(path) => {
            std::fs::remove_file(path)
                .map_err(|e| Error::io("cannot remove the torn archive", path, &e))?;
            removed = true;
        }
    }
    if removed {
        io.sync_dir(dir)?;
    }
    Ok(())
}

/// The newest `n` event payloads, oldest first, reading backwards by segment:
/// only the newest segments that together hold `n` events are read.
pub(crate) fn recent_events(segments: &[Checked], n: usize) -> Result<Vec<Vec<u8>>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut first = segments.len();
    let mut held = 0u64;
    while first > 0 && held < n as u64 {
        first -= 1;
        held += segments[first].events;
    }
    let mut out: VecDeque<Vec<u8>> = VecDeque::with_capacity(n.min(held as usize));
    for s in &segments[first..] {
        let path = &s.listed.path;
        let file = std::fs::File::open(path).map_err(|e| Error::io("cannot open", path, &e))?;
        let mut w = Window::new(file, s.valid_len);
        let scanned = scan::scan_frames(&mut w, s.header_len, &mut |_, kind, payload| {
            if kind == FrameKind::Event {
                if out.len() == n {
                    out.pop_front();
                }
                out.push_back(payload.to_vec());
            }
        })
        .map_err(read_err(path))?;
        if scanned.tail != Tail::Clean || scanned.valid_len != s.valid_len {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!(
                    "segment {} changed while the journal was being opened",
                    path.display()
                ),
            )
            .at_path(path));
        }
    }
    Ok(out.into())
}

/// Says, for corruption found when opening for writing, what was done and
/// what to do.
fn refusal(e: Error) -> Error {
    if e.kind() != ErrorKind::Corrupt {
        return e;
    }
    Error::new(
        ErrorKind::Corrupt,
        format!(
            "{}. This is not a torn tail, so the journal was not opened and nothing was changed; \
             read what is intact with the read-only reader (Journal::open_read_only, or the \
             verifier) before repairing by hand",
            e.message()
        ),
    )
    .with_os_error_of(&e)
}

/// [`Journal::open`](super::Journal::open).
pub(crate) fn open(dir: &Path, options: super::Options) -> Result<(super::Journal, Recovery)> {
    use super::{Journal, SegmentInfo};

    dir::ensure_dir(dir)?;
    let lock = super::DirLock::acquire(dir)?;
    let listing = dir::list(dir)?;
    let io = FileIo {
        faults: options.faults.clone(),
    };
    let mut recovery = Recovery::default();
    let meta = if listing.has_meta {
        dir::read_meta(dir)?
    } else if !listing.segments.is_empty() || listing.has_archive {
        return Err(Error::new(
            ErrorKind::NotAJournal,
            format!(
                "{} holds journal files but no {} metadata file; nothing was changed",
                dir.display(),
                dir::META_FILE
            ),
        )
        .at_path(dir));
    } else {
        recovery.created = true;
        dir::create_meta(dir, crate::core::now_micros())?
    };
    let plan = validate(dir, &meta, &listing).map_err(refusal)?;
    repair(&io, dir, &plan)?;

    recovery.segments = plan.segments.len();
    recovery.events = plan.segments.iter().map(|s| s.events).sum();
    recovery.checkpoints = plan.checkpoints;
    recovery.truncated = plan.truncate.as_ref().map(|(_, t)| t.clone());
    recovery.removed_segments = plan.remove.iter().map(|(_, r)| r.clone()).collect();
    recovery.archive_truncated = match &plan.archive {
        ArchivePlan::Truncate(_, t) => Some(t.clone()),
        _ => None,
    };
    recovery.last_checkpoint = plan.last_checkpoint.clone();
    recovery.recent_events = recent_events(&plan.segments, options.restore_events)?;
    recovery.last_event = match plan.last_event {
        None => None,
        Some(_) if !recovery.recent_events.is_empty() => recovery.recent_events.last().cloned(),
        Some((index, offset)) => Some(scan::read_payload_at(
            &plan.segments[index].listed.path,
            offset,
        )?),
    };

    let mut segments = plan.segments;
    let active = match segments.pop() {
        None => None,
        Some(last) => {
            let active = super::Active::resume(
                last.listed.name,
                last.listed.path,
                last.header,
                last.valid_len,
                last.frames,
            )?;
            // What the previous writer left in the page cache goes to disk
            // before anything is added after it.
            active.sync_existing(&io)?;
            Some(active)
        }
    };
    let closed = segments
        .into_iter()
        .map(|s| SegmentInfo {
            name: s.listed.name,
            path: s.listed.path,
            header: s.header,
            bytes: s.valid_len,
        })
        .collect();
    Ok((
        Journal {
            dir: dir.to_path_buf(),
            _lock: lock,
            meta,
            options,
            io,
            closed,
            active,
            poisoned: None,
            fsyncs: 0,
        },
        recovery,
    ))
}
