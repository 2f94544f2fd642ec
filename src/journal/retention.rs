//! Retention: which old segments go (by total bytes, count and age), archiving
//! their checkpoint frames into `checkpoints.arch` first, and deleting them.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::dir::ARCHIVE_FILE;
use super::error::{Error, ErrorKind, Result};
use super::frame::{encode_frame, FrameKind};
use super::header::{SegmentHeader, ARCHIVE_MAGIC, FORMAT_VERSION};
use super::recover::{self, ArchivePlan};
use super::scan::{self, HeaderState, Tail};
use super::segment::FileIo;
use super::{duration_micros, Journal, SegmentInfo};

impl Journal {
    /// The segments retention would delete at `now_micros`, oldest first: the
    /// longest run of the oldest segments such that each, when its turn comes,
    /// is beyond [`Options::retain_segments`](super::Options::retain_segments),
    /// makes the journal larger than
    /// [`Options::retain_bytes`](super::Options::retain_bytes), or ended (the
    /// next segment was made) longer than
    /// [`Options::retain_age`](super::Options::retain_age) ago. The active
    /// segment is never among them.
    pub fn retention_plan(&self, now_micros: i64) -> Vec<SegmentInfo> {
        let o = &self.options;
        let all = self.segments();
        let mut count = all.len();
        let mut bytes: u64 = all.iter().map(|s| s.bytes).sum();
        let mut out = Vec::new();
        for (i, s) in self.closed.iter().enumerate() {
            let ended = all[i + 1].header.created_micros;
            let too_many = o.retain_segments.is_some_and(|max| count > max);
            let too_big = o.retain_bytes.is_some_and(|max| bytes > max);
            let too_old = o
                .retain_age
                .is_some_and(|max| now_micros.saturating_sub(ended) > duration_micros(max));
            if !(too_many || too_big || too_old) {
                break;
            }
            count -= 1;
            bytes -= s.bytes;
            out.push(s.clone());
        }
        out
    }

    /// Applies retention at `now_micros`: works out
    /// [`retention_plan`](Self::retention_plan), copies the checkpoint frames of
    /// those segments into `checkpoints.arch` (fsynced; unless
    /// [`Options::archive_checkpoints`](super::Options::archive_checkpoints) is
    /// off), calls `before_delete` with them, and only if it returns `Ok`
    /// deletes them, oldest first, and fsyncs the directory. Returns the
    /// segments deleted.
    pub fn apply_retention<F>(
        &mut self,
        now_micros: i64,
        before_delete: F,
    ) -> Result<Vec<SegmentInfo>>
    where
        F: FnOnce(&[SegmentInfo]) -> Result<()>,
    {
        self.writable()?;
        let plan = self.retention_plan(now_micros);
        if plan.is_empty() {
            return Ok(plan);
        }
        if self.options.archive_checkpoints {
            let mut checkpoints = Vec::new();
            for s in &plan {
                checkpoints.extend(checkpoints_of(s)?);
            }
            self.archive_checkpoints(&checkpoints)?;
        }
        before_delete(&plan)?;
        for (done, s) in plan.iter().enumerate() {
            if let Err(e) = std::fs::remove_file(&s.path) {
                self.closed.drain(..done);
                let _ = self.io.sync_dir(&self.dir);
                return Err(Error::io("cannot delete the old segment", &s.path, &e));
            }
        }
        self.closed.drain(..plan.len());
        self.io.sync_dir(&self.dir)?;
        Ok(plan)
    }

    /// Appends checkpoint frames holding `payloads` to `checkpoints.arch`
    /// (made with a header on first use) and fsyncs it. Idempotent across a
    /// crash between archiving and deleting: payloads already at the end of the
    /// archive, in the same order, are not written again.
    pub fn archive_checkpoints<P: AsRef<[u8]>>(&mut self, payloads: &[P]) -> Result<()> {
        self.writable()?;
        if payloads.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(ARCHIVE_FILE);
        let meta = self.meta;
        let (file, len, existing) = match recover::validate_archive(&path, &meta) {
            Err(e) if e.kind() == ErrorKind::Io && e.os_error() == Some(libc::ENOENT) => {
                let (file, len) = create_archive(&self.io, &self.dir, meta.log_id)?;
                (file, len, Vec::new())
            }
            Err(e) => return Err(e),
            Ok(ArchivePlan::Remove(_)) => {
                std::fs::remove_file(&path)
                    .map_err(|e| Error::io("cannot remove the torn archive", &path, &e))?;
                let (file, len) = create_archive(&self.io, &self.dir, meta.log_id)?;
                (file, len, Vec::new())
            }
            Ok(plan) => {
                if let ArchivePlan::Truncate(_, t) = &plan {
                    recover::cut(&self.io, &path, t.offset)?;
                }
                let (len, existing) = read_archive(&path)?;
                let file = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| Error::io("cannot open for writing", &path, &e))?;
                (file, len, existing)
            }
        };
        // The longest run of `payloads` from the start that the archive already
        // ends with.
        let skip = (0..=payloads.len().min(existing.len()))
            .rev()
            .find(|&k| {
                existing[existing.len() - k..]
                    .iter()
                    .zip(&payloads[..k])
                    .all(|(a, b)| a.as_slice() == b.as_ref())
            })
            .unwrap_or(0);
        let mut bytes = Vec::new();
        for p in &payloads[skip..] {
            encode_frame(FrameKind::Checkpoint, p.as_ref(), &mut bytes)?;
        }
        if bytes.is_empty() {
            return Ok(());
        }
        let written = self
            .io
            .write_at(&file, &path, &bytes, len)
            .map_err(|e| Error::io("cannot write to", &path, &e).at_offset(len));
        if let Err(e) = written {
            return Err(match file.set_len(len) {
                Ok(()) => e,
                Err(cut) => Error::new(
                    ErrorKind::Io,
                    format!(
                        "{}; cutting it back to offset {len} failed too ({cut}): the next \
                         archive or open cuts the torn tail",
                        e.message()
                    ),
                )
                .with_os_error_of(&e),
            });
        }
        self.io
            .sync(&file, &path)
            .map_err(|e| Error::io("cannot flush to disk (fdatasync)", &path, &e))
    }
}

/// Makes `checkpoints.arch` holding only its header, fsynced with the directory.
fn create_archive(io: &FileIo, dir: &Path, log_id: super::LogId) -> Result<(File, u64)> {
    let path = dir.join(ARCHIVE_FILE);
    let header = SegmentHeader {
        version: FORMAT_VERSION,
        log_id,
        first_seq: 0,
        created_micros: crate::core::now_micros(),
        extra: Vec::new(),
    }
    .encode(ARCHIVE_MAGIC)?;
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| Error::io("cannot create", &path, &e))?;
    let done = io
        .write_at(&file, &path, &header, 0)
        .and_then(|()| io.sync(&file, &path))
        .map_err(|e| Error::io("cannot write the header of", &path, &e))
        .and_then(|()| io.sync_dir(dir));
    if let Err(e) = done {
        drop(file);
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok((file, header.len() as u64))
}

/// The archive's length and every payload in it (it has been validated).
fn read_archive(path: &Path) -> Result<(u64, Vec<Vec<u8>>)> {
    let mut w = scan::open_window(path)?;
    let HeaderState::Valid(_, header_len) =
        scan::read_header(&mut w, ARCHIVE_MAGIC).map_err(|e| Error::io("cannot read", path, &e))?
    else {
        return Err(recover::corruption(path, 0, "the archive's header changed"));
    };
    let mut out = Vec::new();
    let scanned = scan::scan_frames(&mut w, header_len, &mut |_, _, p| out.push(p.to_vec()))
        .map_err(|e| Error::io("cannot read", path, &e))?;
    if scanned.tail != Tail::Clean {
        return Err(recover::corruption(
            path,
            scanned.valid_len,
            "the archive changed",
        ));
    }
    Ok((scanned.valid_len, out))
}

/// The checkpoint payloads of a (validated) segment, in order.
fn checkpoints_of(s: &SegmentInfo) -> Result<Vec<Vec<u8>>> {
    let path = &s.path;
    let mut w = scan::open_window(path)?;
    let header_len = s.header.encoded_len() as u64;
    let mut out = Vec::new();
    let scanned = scan::scan_frames(&mut w, header_len, &mut |_, kind, p| {
        if kind == FrameKind::Checkpoint {
            out.push(p.to_vec());
        }
    })
    .map_err(|e| Error::io("cannot read", path, &e))?;
    if scanned.tail != Tail::Clean {
        return Err(recover::corruption(
            path,
            scanned.valid_len,
            "a segment about to be deleted no longer validates",
        ));
    }
    Ok(out)
}
