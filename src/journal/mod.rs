//! The on-disk journal: append-only segment files of CRC-checked frames in a
//! locked directory, with crash recovery, rotation and retention.
//!
//! This module is storage only. It knows frames of two kinds, events and
//! checkpoints, as opaque bytes; it does not parse events, hash or sign them,
//! and runs no threads: the journal thread of the logger drives it, and the
//! seal layer keeps its state in each segment header's `extra`.
//!
//! A directory holds:
//!
//! - `LOCK`: the writer's exclusive `flock`, with the writer's pid inside;
//! - `JOURNAL`: the metadata that makes the directory a journal (its log id);
//! - `<first seq, 20 digits>.seg`: the segments, oldest first by name;
//! - `checkpoints.arch`: the checkpoint frames of segments that retention
//!   deleted, so the chain of checkpoints stays verifiable.
//!
//! `docs/FORMAT-journal.md` describes every byte.
//!
//! ```
//! use audit_logger::journal::{FrameKind, Journal, Options};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let (mut journal, recovery) = Journal::open(dir.path(), Options::default()).unwrap();
//! assert!(recovery.created);
//! journal.rotate(1, b"").unwrap(); // the first segment, for seq 1 onward
//! journal.append(FrameKind::Event, br#"{"seq":1}"#).unwrap();
//! journal.sync().unwrap();
//! drop(journal);
//!
//! let (_journal, recovery) = Journal::open(dir.path(), Options::default()).unwrap();
//! assert_eq!(recovery.recent_events, vec![br#"{"seq":1}"#.to_vec()]);
//! ```

mod dir;
mod error;
mod frame;
mod header;
mod lock;
mod reader;
mod recover;
mod retention;
mod scan;
mod segment;
mod syncer;
mod verify;
mod writer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use dir::{parse_segment_file_name, segment_file_name, ARCHIVE_FILE, META_FILE};
pub use error::{Error, ErrorKind, Result};
pub use frame::{encode_frame, frame_crc, Damage, FrameKind, FRAME_HEADER_LEN, MAX_PAYLOAD};
pub use header::{LogId, SegmentHeader, FORMAT_VERSION, MAX_EXTRA};
pub use lock::LOCK_FILE;
pub use reader::{Frame, Frames, Reader};
pub use recover::{Recovery, RemovedSegment, Truncation};
pub use segment::{Fault, FaultInjector, FileOp};
pub use verify::{
    export_proofs, inspect_journal, journal_origin, line_seq, parse_event_line, parse_export,
    read_journal_events, verify_export, verify_journal, CheckpointInfo, ExportWriter, Follower,
    JournalReport, JournalSummary, ProofExport, ReadSummary, SegmentSummary, Selection, TornTail,
    Verdict,
};
pub(crate) use writer::journal_of;
pub use writer::{journal_stats, open_logger, Fsync, JournalConfig, JournalStats};

use header::SEGMENT_MAGIC;
use lock::DirLock;
pub(crate) use segment::SyncJob;
use segment::{Active, FileIo, WriteFailure};
pub(crate) use syncer::Syncer;

/// How a journal rotates, what it keeps, and how much it restores.
#[derive(Clone)]
pub struct Options {
    /// [`Journal::should_rotate`] says yes once the active segment holds this
    /// many bytes. Default 64 MiB; `None`: never by size.
    pub max_segment_bytes: Option<u64>,
    /// [`Journal::should_rotate`] says yes once the active segment is this
    /// old. Default one day; `None`: never by age.
    pub max_segment_age: Option<Duration>,
    /// Retention: delete the oldest segments while all of them together hold
    /// more bytes than this. Default `None` (keep everything).
    pub retain_bytes: Option<u64>,
    /// Retention: delete the oldest segments while there are more than this
    /// many. Default `None`.
    pub retain_segments: Option<usize>,
    /// Retention: delete segments whose newest event is older than this (a
    /// segment ends when the next one is made). Default `None`.
    pub retain_age: Option<Duration>,
    /// Retention copies the checkpoint frames of the segments it deletes into
    /// `checkpoints.arch` first. Default `true`.
    pub archive_checkpoints: bool,
    /// How many of the newest events [`Journal::open`] returns in
    /// [`Recovery::recent_events`] (the ring's capacity). Default 5000.
    pub restore_events: usize,
    /// Frames are buffered up to this many bytes before they are written to
    /// the operating system. Default 64 KiB.
    pub write_buffer_bytes: usize,
    /// A test hook that can fail writes and fsyncs. Default `None`.
    pub faults: Option<Arc<dyn FaultInjector>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_segment_bytes: Some(64 << 20),
            max_segment_age: Some(Duration::from_secs(24 * 60 * 60)),
            retain_bytes: None,
            retain_segments: None,
            retain_age: None,
            archive_checkpoints: true,
            restore_events: 5000,
            write_buffer_bytes: 64 << 10,
            faults: None,
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("max_segment_bytes", &self.max_segment_bytes)
            .field("max_segment_age", &self.max_segment_age)
            .field("retain_bytes", &self.retain_bytes)
            .field("retain_segments", &self.retain_segments)
            .field("retain_age", &self.retain_age)
            .field("archive_checkpoints", &self.archive_checkpoints)
            .field("restore_events", &self.restore_events)
            .field("write_buffer_bytes", &self.write_buffer_bytes)
            .field("faults", &self.faults.is_some())
            .finish()
    }
}

/// Where a frame starts: its segment (by first seq; the file is
/// [`segment_file_name`]`(segment)`) and its byte offset in that file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The segment's first seq.
    pub segment: u64,
    /// The byte offset in the segment file.
    pub offset: u64,
}

/// A segment file and its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// The file name, e.g. `00000000000000000001.seg`.
    pub name: String,
    /// The file's path.
    pub path: PathBuf,
    /// Its header.
    pub header: SegmentHeader,
    /// Its length in bytes (for the active segment: frames still buffered
    /// included).
    pub bytes: u64,
}

/// The writer of a journal directory; one per directory, enforced by the lock.
///
/// Appends are buffered: [`flush`](Self::flush) hands them to the operating
/// system, [`sync`](Self::sync) puts them on disk. Dropping the journal
/// flushes (without an fsync); [`close`](Self::close) syncs and reports errors.
pub struct Journal {
    dir: PathBuf,
    _lock: DirLock,
    meta: dir::Meta,
    options: Options,
    io: FileIo,
    /// Segments before the active one, oldest first.
    closed: Vec<SegmentInfo>,
    active: Option<Active>,
    /// Why the journal stopped writing, after a failed fsync.
    poisoned: Option<String>,
    /// `fdatasync` calls made on segments by [`sync`](Self::sync).
    fsyncs: u64,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.dir)
            .field("log_id", &self.meta.log_id)
            .field(
                "segments",
                &(self.closed.len() + self.active.is_some() as usize),
            )
            .field("position", &self.position())
            .field("poisoned", &self.poisoned)
            .finish()
    }
}

impl Journal {
    /// Opens the journal in `dir` for writing, making the directory (mode
    /// 0700) and a new journal if there is none.
    ///
    /// Takes the directory's lock (a second writer, in this process or another,
    /// gets [`ErrorKind::Locked`] naming the holder's pid), then validates every
    /// frame of every segment:
    ///
    /// - a torn tail of the newest segment (an incomplete frame, a bad CRC at
    ///   the end, trailing garbage or zeros, with no valid frame after it) is
    ///   cut off at the first bad frame and reported in [`Recovery::truncated`];
    /// - a newest segment whose header is torn (a crash right after it was made)
    ///   is removed and reported in [`Recovery::removed_segments`];
    /// - anything else that fails a check (damage followed by a valid frame, or
    ///   in an older segment, a foreign log id, an unknown frame kind, a newer
    ///   format version) is refused with an error naming the file and the byte
    ///   offset, and nothing is changed: read what is intact with
    ///   [`Journal::open_read_only`].
    ///
    /// When the journal has no segment yet (new, or its only segment was torn),
    /// call [`rotate`](Self::rotate) before appending.
    pub fn open(dir: impl AsRef<Path>, options: Options) -> Result<(Journal, Recovery)> {
        recover::open(dir.as_ref(), options)
    }

    /// Opens the journal in `dir` for reading only: no lock, nothing written.
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Reader> {
        Reader::open(dir)
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The journal's id, the same in every file of the directory.
    pub fn log_id(&self) -> LogId {
        self.meta.log_id
    }

    /// When the journal was made, in microseconds since the Unix epoch.
    pub fn created_micros(&self) -> i64 {
        self.meta.created_micros
    }

    /// The options it was opened with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The active segment (the one appended to), if there is one.
    pub fn active_segment(&self) -> Option<SegmentInfo> {
        self.active.as_ref().map(|a| SegmentInfo {
            name: a.name.clone(),
            path: a.path.clone(),
            header: a.header.clone(),
            bytes: a.end(),
        })
    }

    /// Every segment, oldest first, the active one last.
    pub fn segments(&self) -> Vec<SegmentInfo> {
        let mut all = self.closed.clone();
        all.extend(self.active_segment());
        all
    }

    fn writable(&self) -> Result<()> {
        match &self.poisoned {
            None => Ok(()),
            Some(why) => Err(Error::new(
                ErrorKind::Poisoned,
                format!(
                    "journal {} stopped writing after an earlier failure ({why}); reopen it",
                    self.dir.display()
                ),
            )),
        }
    }

    fn failed(&mut self, f: WriteFailure) -> Error {
        if !f.cut_back {
            self.poisoned = Some(f.error.message().to_string());
        }
        f.error
    }

    fn active_mut(&mut self) -> Result<&mut Active> {
        let dir = &self.dir;
        self.active.as_mut().ok_or_else(|| {
            Error::new(
                ErrorKind::NoSegment,
                format!(
                    "journal {} has no segment yet: call rotate(first_seq, extra) first",
                    dir.display()
                ),
            )
        })
    }

    /// Appends a frame of `kind` holding `payload` to the active segment's
    /// buffer, and returns where it starts. The buffer is written out first if
    /// the frame would overflow it; if that write fails, the error is returned
    /// and this frame is not taken (the buffered ones stay buffered; see
    /// [`flush`](Self::flush)). A payload over [`MAX_PAYLOAD`] is refused.
    pub fn append(&mut self, kind: FrameKind, payload: &[u8]) -> Result<Position> {
        self.writable()?;
        if payload.len() > MAX_PAYLOAD {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "a journal frame's payload is {} bytes; the most is {MAX_PAYLOAD}",
                    payload.len()
                ),
            ));
        }
        let limit = self.options.write_buffer_bytes;
        let active = self.active_mut()?;
        let (pending, _) = active.pending();
        if pending > 0 && pending + FRAME_HEADER_LEN + payload.len() > limit {
            self.flush()?;
        }
        let active = self.active_mut()?;
        let position = Position {
            segment: active.header.first_seq,
            offset: active.end(),
        };
        encode_frame(kind, payload, active.buffer())?;
        active.frame_added();
        Ok(position)
    }

    /// Writes the buffered frames to the operating system (no fsync).
    ///
    /// If the write fails (`ENOSPC`, `EIO`, `EROFS`, ...), the segment is cut
    /// back to its last frame boundary, the error is returned, and the frames
    /// stay buffered: calling `flush` again retries them at the same offset, or
    /// [`discard_pending`](Self::discard_pending) drops them. Nothing written
    /// before is affected.
    pub fn flush(&mut self) -> Result<()> {
        self.writable()?;
        let Some(active) = self.active.as_mut() else {
            return Ok(());
        };
        active.flush(&self.io).map_err(|f| self.failed(f))
    }

    /// Flushes, then `fdatasync`s the active segment: on return, every frame
    /// appended so far is on disk. Cheap when nothing changed since the last
    /// sync. A failed fsync stops the journal ([`ErrorKind::Poisoned`]): what
    /// reached the disk is unknown, and reopening re-validates it.
    pub fn sync(&mut self) -> Result<()> {
        self.writable()?;
        let Some(active) = self.active.as_mut() else {
            return Ok(());
        };
        let before = active.synced();
        active.sync(&self.io).map_err(|f| self.failed(f))?;
        if self.active.as_ref().is_some_and(|a| a.synced() != before) {
            self.fsyncs += 1;
        }
        Ok(())
    }

    /// Flushes, and returns a job that `fdatasync`s the active segment as
    /// written now, to run on another thread while appends go on (the
    /// writer's background sync); `None` when that is already on disk. Pass
    /// the job and its outcome to [`sync_done`](Self::sync_done).
    pub(crate) fn sync_job(&mut self) -> Result<Option<SyncJob>> {
        self.writable()?;
        let Some(active) = self.active.as_mut() else {
            return Ok(None);
        };
        active.sync_job(&self.io).map_err(|f| self.failed(f))
    }

    /// Takes the outcome of a [`sync_job`](Self::sync_job): on success its
    /// bytes count as on disk; a failure stops the journal as a failed
    /// [`sync`](Self::sync) does, and is returned.
    pub(crate) fn sync_done(&mut self, job: &SyncJob, outcome: Result<()>) -> Result<()> {
        match outcome {
            Ok(()) => {
                if let Some(a) = self.active.as_mut() {
                    if a.header.first_seq == job.segment {
                        a.synced_to(job.upto);
                    }
                }
                Ok(())
            }
            Err(error) => Err(self.failed(WriteFailure {
                error,
                cut_back: false,
            })),
        }
    }

    /// How many times [`sync`](Self::sync) has called `fdatasync` since the
    /// journal was opened (a sync with nothing new to flush does not count;
    /// nor do sync jobs, which their runner counts).
    pub fn fsyncs(&self) -> u64 {
        self.fsyncs
    }

    /// Where the next frame will start; `None` before the first segment.
    pub fn position(&self) -> Option<Position> {
        self.active.as_ref().map(|a| Position {
            segment: a.header.first_seq,
            offset: a.end(),
        })
    }

    /// Everything before this position is on disk (as of the last
    /// [`sync`](Self::sync)).
    pub fn synced_position(&self) -> Option<Position> {
        self.active.as_ref().map(|a| Position {
            segment: a.header.first_seq,
            offset: a.synced(),
        })
    }

    /// Everything before this position has been handed to the operating system.
    pub fn written_position(&self) -> Option<Position> {
        self.active.as_ref().map(|a| Position {
            segment: a.header.first_seq,
            offset: a.written(),
        })
    }

    /// Frames appended but not yet written to the operating system.
    pub fn pending_frames(&self) -> usize {
        self.active.as_ref().map_or(0, |a| a.pending().1)
    }

    /// Drops the frames not yet written (after a failed flush, when the caller
    /// gives up on them) and returns how many there were.
    pub fn discard_pending(&mut self) -> usize {
        self.active.as_mut().map_or(0, |a| a.discard_pending())
    }

    /// Whether the active segment should be rotated at `now_micros`: it holds
    /// at least one frame, and has reached [`Options::max_segment_bytes`] or
    /// [`Options::max_segment_age`].
    pub fn should_rotate(&self, now_micros: i64) -> bool {
        let Some(a) = &self.active else {
            return false;
        };
        if a.frames == 0 {
            return false;
        }
        let by_size = self
            .options
            .max_segment_bytes
            .is_some_and(|max| a.end() >= max);
        let by_age = self.options.max_segment_age.is_some_and(|max| {
            now_micros.saturating_sub(a.header.created_micros) >= duration_micros(max)
        });
        by_size || by_age
    }

    /// Closes the active segment (flushed and fsynced), makes the next one for
    /// events from `first_seq` on with `extra` in its header, fsyncs it and the
    /// directory, and makes it active. Also makes the first segment of a
    /// journal that has none.
    ///
    /// `first_seq` must be above the active segment's (names must sort). On
    /// failure the active segment stays as it was.
    pub fn rotate(&mut self, first_seq: u64, extra: &[u8]) -> Result<()> {
        self.writable()?;
        if let Some(a) = &self.active {
            if first_seq <= a.header.first_seq {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "a new segment's first seq must be above the active segment's ({}); got {first_seq}",
                        a.header.first_seq
                    ),
                ));
            }
        }
        let header = SegmentHeader {
            version: FORMAT_VERSION,
            log_id: self.meta.log_id,
            first_seq,
            created_micros: crate::core::now_micros(),
            extra: extra.to_vec(),
        };
        let bytes = header.encode(SEGMENT_MAGIC)?;
        self.sync()?;
        let name = segment_file_name(first_seq);
        let next = Active::create(&self.io, &self.dir, name, header, &bytes)?;
        if let Err(e) = self.io.sync_dir(&self.dir) {
            let path = next.path.clone();
            drop(next);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        if let Some(old) = self.active.replace(next) {
            self.closed.push(SegmentInfo {
                name: old.name.clone(),
                path: old.path.clone(),
                header: old.header.clone(),
                bytes: old.end(),
            });
        }
        Ok(())
    }

    /// Syncs the active segment and closes the journal, releasing the lock.
    pub fn close(mut self) -> Result<()> {
        self.sync()
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        if self.poisoned.is_none() {
            if let Some(a) = self.active.as_mut() {
                let _ = a.flush(&self.io);
            }
        }
    }
}

/// A duration in whole microseconds, saturating.
fn duration_micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
