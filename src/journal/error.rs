//! The journal's error type: a kind to branch on, a message naming the path,
//! segment and byte offset, and the operating system's error number when there
//! was one.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What went wrong, coarse enough to branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A system call failed (open, read, write, fsync, rename, unlink); the
    /// message names the path and the OS error, [`Error::os_error`] gives errno.
    Io,
    /// Another writer holds the directory's lock file.
    Locked,
    /// A frame or header that fails its check where a torn tail is impossible:
    /// in the middle of a segment (a valid frame follows), in a segment other
    /// than the last, or in the directory's metadata. Nothing was modified.
    Corrupt,
    /// The last segment ends in an incomplete or damaged frame. Only the
    /// read-only [`Reader`](super::Reader) reports this; [`Journal::open`]
    /// repairs it and says so in its [`Recovery`](super::Recovery).
    ///
    /// [`Journal::open`]: super::Journal::open
    TornTail,
    /// A header carries a format version newer than this library reads.
    NewerVersion,
    /// A valid frame has a kind this library does not know: it was written by
    /// a newer version.
    UnknownFrameKind,
    /// A payload or a header's `extra` is larger than the format allows.
    TooLarge,
    /// The path is not a journal directory (not a directory, or segments
    /// without the journal's metadata file).
    NotAJournal,
    /// An append before any segment exists: call
    /// [`Journal::rotate`](super::Journal::rotate) first.
    NoSegment,
    /// An argument out of range (for example a segment's first seq that does
    /// not follow the current one).
    InvalidArgument,
    /// An earlier fsync failed, so what reached the disk is unknown: the
    /// journal refuses further writes until it is reopened (which validates
    /// every frame again).
    Poisoned,
}

/// A journal error: its kind, a message for people and, where known, the
/// file, the byte offset and the OS error number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    path: Option<PathBuf>,
    offset: Option<u64>,
    os_error: Option<i32>,
}

impl Error {
    /// Makes an error of `kind` with a human-readable `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            path: None,
            offset: None,
            os_error: None,
        }
    }

    /// An I/O failure: "`what` `path`: `err`".
    pub(crate) fn io(what: &str, path: &Path, err: &io::Error) -> Self {
        Error {
            kind: ErrorKind::Io,
            message: format!("{what} {}: {err}", path.display()),
            path: Some(path.to_path_buf()),
            offset: None,
            os_error: err.raw_os_error(),
        }
    }

    /// Adds the file the error is about.
    pub(crate) fn at_path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }

    /// Adds the byte offset the error is about.
    pub(crate) fn at_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Takes the path, offset and OS error of `other`.
    pub(crate) fn with_os_error_of(mut self, other: &Error) -> Self {
        self.path = other.path.clone();
        self.offset = other.offset;
        self.os_error = other.os_error;
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable detail: which file, which offset, which OS error.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The file (segment, lock, metadata or archive) the error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The byte offset in [`path`](Self::path) the error is about, if any.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// The operating system's error number (`ENOSPC`, `EIO`, `EROFS`, ...), if
    /// a system call failed.
    pub fn os_error(&self) -> Option<i32> {
        self.os_error
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<Error> for crate::core::Error {
    fn from(e: Error) -> Self {
        use crate::core::ErrorKind as Core;
        let kind = match e.kind {
            ErrorKind::TooLarge => Core::TooLarge,
            ErrorKind::InvalidArgument | ErrorKind::NoSegment => Core::InvalidArgument,
            _ => Core::Io,
        };
        crate::core::Error::new(kind, e.message)
    }
}

/// Result alias for the journal.
pub type Result<T> = std::result::Result<T, Error>;
