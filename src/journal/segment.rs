//! The segment being written: a buffer of pending frames, positioned writes at
//! the file's last frame boundary, cut-back on a failed write, fsync; and the
//! fault hook tests use to make any of those fail.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{Error, ErrorKind, Result};
use super::header::SegmentHeader;

/// A file operation the journal is about to perform, shown to a
/// [`FaultInjector`].
#[derive(Clone, Copy, Debug)]
pub enum FileOp<'a> {
    /// Writing `len` bytes at `offset` of `path` (a segment's header or
    /// frames, or the checkpoint archive).
    Write {
        /// The file.
        path: &'a Path,
        /// Where the write starts.
        offset: u64,
        /// How many bytes.
        len: usize,
    },
    /// Flushing `path` to disk (`fdatasync`).
    Sync {
        /// The file.
        path: &'a Path,
    },
    /// Flushing the directory `path` (after making or deleting a file).
    SyncDir {
        /// The directory.
        path: &'a Path,
    },
}

/// A failure to inject in place of a [`FileOp`].
#[derive(Debug)]
pub struct Fault {
    /// For a write: how many of its bytes reach the file before it fails (a
    /// short write, as a disk filling up mid-write gives). Ignored otherwise.
    pub written: usize,
    /// The error the operation returns.
    pub error: io::Error,
}

/// A test hook that can make the journal's writes and fsyncs fail, so the
/// behaviour on `ENOSPC`, `EIO` or `EROFS` is tested without a failing disk.
/// Production code leaves [`Options::faults`](super::Options::faults) unset.
pub trait FaultInjector: Send + Sync {
    /// Called before each operation: `None` lets it run, `Some` fails it.
    fn before(&self, op: FileOp<'_>) -> Option<Fault>;
}

/// The journal's file operations, through the fault hook when one is set.
#[derive(Clone, Default)]
pub(crate) struct FileIo {
    pub faults: Option<Arc<dyn FaultInjector>>,
}

impl fmt::Debug for FileIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileIo")
            .field("faults", &self.faults.is_some())
            .finish()
    }
}

impl FileIo {
    fn fault(&self, op: FileOp<'_>) -> Option<Fault> {
        self.faults.as_ref().and_then(|f| f.before(op))
    }

    /// Writes all of `buf` at `offset`.
    pub(crate) fn write_at(
        &self,
        file: &File,
        path: &Path,
        buf: &[u8],
        offset: u64,
    ) -> io::Result<()> {
        if let Some(fault) = self.fault(FileOp::Write {
            path,
            offset,
            len: buf.len(),
        }) {
            let n = fault.written.min(buf.len());
            file.write_all_at(&buf[..n], offset)?;
            return Err(fault.error);
        }
        file.write_all_at(buf, offset)
    }

    /// `fdatasync`.
    pub(crate) fn sync(&self, file: &File, path: &Path) -> io::Result<()> {
        if let Some(fault) = self.fault(FileOp::Sync { path }) {
            return Err(fault.error);
        }
        file.sync_data()
    }

    /// Flushes the directory.
    pub(crate) fn sync_dir(&self, dir: &Path) -> Result<()> {
        if let Some(fault) = self.fault(FileOp::SyncDir { path: dir }) {
            return Err(Error::io(
                "cannot flush the journal directory",
                dir,
                &fault.error,
            ));
        }
        super::dir::sync_dir(dir)
    }
}

/// The segment being appended to.
#[derive(Debug)]
pub(crate) struct Active {
    pub name: String,
    pub path: PathBuf,
    pub header: SegmentHeader,
    file: File,
    /// Bytes in the file: always the end of a frame (or of the header).
    written: u64,
    /// Bytes known to be on disk.
    synced: u64,
    /// Encoded frames not yet written.
    pending: Vec<u8>,
    pending_frames: usize,
    /// Frames in the segment, pending ones included.
    pub frames: u64,
}

/// The outcome of a failed write: whether the file was cut back to its last
/// frame boundary (if not, the journal must stop writing).
pub(crate) struct WriteFailure {
    pub error: Error,
    pub cut_back: bool,
}

impl Active {
    /// Opens an existing segment for appending after its last valid frame at
    /// `valid_len` (the file has been cut to that length).
    pub(crate) fn resume(
        name: String,
        path: PathBuf,
        header: SegmentHeader,
        valid_len: u64,
        frames: u64,
    ) -> Result<Self> {
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("cannot open for writing", &path, &e))?;
        Ok(Active {
            name,
            path,
            header,
            file,
            written: valid_len,
            synced: valid_len,
            pending: Vec::new(),
            pending_frames: 0,
            frames,
        })
    }

    /// `fdatasync`s what the file already holds.
    pub(crate) fn sync_existing(&self, io: &FileIo) -> Result<()> {
        io.sync(&self.file, &self.path)
            .map_err(|e| Error::io("cannot flush", &self.path, &e))
    }

    /// Makes a new segment file holding `header` and flushes it to disk (the
    /// caller flushes the directory). A file of that name must not exist. On
    /// failure the new file is removed.
    pub(crate) fn create(
        io: &FileIo,
        dir: &Path,
        name: String,
        header: SegmentHeader,
        header_bytes: &[u8],
    ) -> Result<Self> {
        let path = dir.join(&name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io("cannot create segment", &path, &e))?;
        let done = io
            .write_at(&file, &path, header_bytes, 0)
            .map_err(|e| Error::io("cannot write the header of", &path, &e))
            .and_then(|()| {
                io.sync(&file, &path)
                    .map_err(|e| Error::io("cannot flush", &path, &e))
            });
        if let Err(e) = done {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        let len = header_bytes.len() as u64;
        Ok(Active {
            name,
            path,
            header,
            file,
            written: len,
            synced: len,
            pending: Vec::new(),
            pending_frames: 0,
            frames: 0,
        })
    }

    /// The logical end: written bytes plus pending ones.
    pub(crate) fn end(&self) -> u64 {
        self.written + self.pending.len() as u64
    }

    /// Bytes known to be on disk.
    pub(crate) fn synced(&self) -> u64 {
        self.synced
    }

    /// Bytes handed to the operating system.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Bytes and frames buffered, not yet written.
    pub(crate) fn pending(&self) -> (usize, usize) {
        (self.pending.len(), self.pending_frames)
    }

    /// The buffer frames are encoded into; call [`frame_added`](Self::frame_added)
    /// after each.
    pub(crate) fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.pending
    }

    /// Counts a frame encoded into the buffer.
    pub(crate) fn frame_added(&mut self) {
        self.pending_frames += 1;
        self.frames += 1;
    }

    /// Drops the pending frames, returning how many there were.
    pub(crate) fn discard_pending(&mut self) -> usize {
        let n = self.pending_frames;
        self.frames -= n as u64;
        self.pending.clear();
        self.pending_frames = 0;
        n
    }

    /// Writes the pending frames at the end of the file. On failure the file is
    /// cut back to its previous length (a frame boundary) and the frames stay
    /// pending, so a later flush writes them again at the same place.
    pub(crate) fn flush(&mut self, io: &FileIo) -> std::result::Result<(), WriteFailure> {
        if self.pending.is_empty() {
            return Ok(());
        }
        match io.write_at(&self.file, &self.path, &self.pending, self.written) {
            Ok(()) => {
                self.written += self.pending.len() as u64;
                self.pending.clear();
                self.pending_frames = 0;
                Ok(())
            }
            Err(e) => {
                let cut = self.file.set_len(self.written);
                let what = format!(
                    "cannot write {} frames ({} bytes) at offset {} of",
                    self.pending_frames,
                    self.pending.len(),
                    self.written
                );
                let mut error = Error::io(&what, &self.path, &e).at_offset(self.written);
                let cut_back = match cut {
                    Ok(()) => {
                        error = Error::new(
                            ErrorKind::Io,
                            format!(
                                "{}; the segment was cut back to its last frame boundary, \
                                 and the frames stay buffered for the next flush",
                                error.message()
                            ),
                        )
                        .with_os_error_of(&error);
                        true
                    }
                    Err(cut) => {
                        error = Error::new(
                            ErrorKind::Poisoned,
                            format!(
                                "{}; cutting the segment back to offset {} failed too ({cut}): \
                                 the journal stops writing until it is reopened",
                                error.message(),
                                self.written
                            ),
                        )
                        .with_os_error_of(&error);
                        false
                    }
                };
                Err(WriteFailure { error, cut_back })
            }
        }
    }

    /// Flushes the pending frames and `fdatasync`s the file. A failed fsync
    /// cannot be retried safely (the kernel may have dropped the dirty pages),
    /// so it is reported as [`ErrorKind::Poisoned`].
    pub(crate) fn sync(&mut self, io: &FileIo) -> std::result::Result<(), WriteFailure> {
        self.flush(io)?;
        if self.synced == self.written {
            return Ok(());
        }
        match io.sync(&self.file, &self.path) {
            Ok(()) => {
                self.synced = self.written;
                Ok(())
            }
            Err(e) => Err(WriteFailure {
                error: fsync_failed(&self.path, self.synced, &e),
                cut_back: false,
            }),
        }
    }

    /// Flushes the pending frames and returns a job that `fdatasync`s what the
    /// file then holds, on a duplicate of its descriptor, for another thread
    /// to run while frames go on being written; `None` when everything
    /// written is already on disk. Fails as [`flush`](Self::flush) does, or
    /// when the descriptor cannot be duplicated (`EMFILE`; nothing changes).
    pub(crate) fn sync_job(
        &mut self,
        io: &FileIo,
    ) -> std::result::Result<Option<SyncJob>, WriteFailure> {
        self.flush(io)?;
        if self.synced == self.written {
            return Ok(None);
        }
        let file = self.file.try_clone().map_err(|e| WriteFailure {
            error: Error::io("cannot duplicate the descriptor of", &self.path, &e),
            cut_back: true,
        })?;
        Ok(Some(SyncJob {
            file,
            path: self.path.clone(),
            io: io.clone(),
            segment: self.header.first_seq,
            from: self.synced,
            upto: self.written,
        }))
    }

    /// Counts the bytes before `upto` as on disk (a [`SyncJob`] of this
    /// segment succeeded).
    pub(crate) fn synced_to(&mut self, upto: u64) {
        self.synced = self.synced.max(upto);
    }
}

/// An `fdatasync` of a segment's first `upto` bytes, made by
/// [`Active::sync_job`], that any thread may run.
pub(crate) struct SyncJob {
    file: File,
    path: PathBuf,
    io: FileIo,
    /// The segment's first seq.
    pub(crate) segment: u64,
    /// Bytes on disk when the job was made.
    from: u64,
    /// Bytes on disk once the job has succeeded.
    pub(crate) upto: u64,
}

impl SyncJob {
    /// `fdatasync`s the segment. A failure is [`ErrorKind::Poisoned`], as
    /// [`Active::sync`]'s.
    pub(crate) fn run(&self) -> Result<()> {
        self.io
            .sync(&self.file, &self.path)
            .map_err(|e| fsync_failed(&self.path, self.from, &e))
    }
}

/// The error of a failed `fdatasync` of `path`, on disk up to `synced`.
fn fsync_failed(path: &Path, synced: u64, e: &io::Error) -> Error {
    let base = Error::io("cannot flush to disk (fdatasync)", path, e);
    Error::new(
        ErrorKind::Poisoned,
        format!(
            "{}: what reached the disk after offset {synced} is unknown, so the journal \
             stops writing until it is reopened (reopening validates every frame)",
            base.message(),
        ),
    )
    .with_os_error_of(&base)
}
