//! The error type of the core: a kind callers can branch on, and a message for people.

use std::fmt;

/// What went wrong, coarse enough to branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A capacity of zero, or another configuration value out of range.
    InvalidCapacity,
    /// A severity number or name that is not INFO, WARNING, ERROR or CRITICAL.
    InvalidSeverity,
    /// `details` is not a JSON object, is malformed, has a duplicate key or nests too deep.
    InvalidDetails,
    /// A wait ended before its condition was met (for example room in the
    /// journal's queue).
    Timeout,
    /// Text that must be UTF-8 (an imported document) is not.
    InvalidUtf8,
    /// A string field is unusable (for example it contains a NUL character).
    InvalidArgument,
    /// A field, `details` or a document exceeds a configured limit.
    TooLarge,
    /// An imported document is malformed or does not describe audit events.
    InvalidDocument,
    /// Reading or writing a file failed.
    Io,
    /// No subscription has the given id.
    NotFound,
    /// Logging from inside subscriber callbacks nested deeper than
    /// [`MAX_NESTED_LOG_DEPTH`](super::MAX_NESTED_LOG_DEPTH).
    TooDeep,
}

/// An error with its kind and a message naming the offending input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    os_error: Option<i32>,
}

impl Error {
    /// Makes an error of `kind` with a human-readable `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            os_error: None,
        }
    }

    /// An [`ErrorKind::Io`] error whose `message` already names the path and
    /// the OS error; keeps the OS error number of `cause`, if it has one.
    pub fn io(message: impl Into<String>, cause: &std::io::Error) -> Self {
        Error {
            kind: ErrorKind::Io,
            message: message.into(),
            os_error: cause.raw_os_error().or_else(|| errno_of(cause.kind())),
        }
    }

    /// The OS error number (`errno`) behind an I/O error, if there was one.
    pub fn os_error(&self) -> Option<i32> {
        self.os_error
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable detail: which input, which byte, which path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias for the core.
pub type Result<T> = std::result::Result<T, Error>;

/// The errno of an I/O error that carries only its kind (one wrapped with
/// context, as tempfile's are).
fn errno_of(kind: std::io::ErrorKind) -> Option<i32> {
    use std::io::ErrorKind as K;
    Some(match kind {
        K::NotFound => libc::ENOENT,
        K::PermissionDenied => libc::EACCES,
        K::AlreadyExists => libc::EEXIST,
        K::NotADirectory => libc::ENOTDIR,
        K::IsADirectory => libc::EISDIR,
        K::ReadOnlyFilesystem => libc::EROFS,
        K::StorageFull => libc::ENOSPC,
        K::QuotaExceeded => libc::EDQUOT,
        K::FileTooLarge => libc::EFBIG,
        K::InvalidFilename => libc::ENAMETOOLONG,
        _ => return None,
    })
}

/// The most characters of an offending value an error message quotes.
const QUOTE_CHARS: usize = 64;

/// `value` quoted for an error message: whole if short, else its first 64
/// characters, an ellipsis and its length, so that a huge input never makes
/// a huge message.
pub(crate) fn quote(value: &str) -> String {
    match value.char_indices().nth(QUOTE_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &value[..cut], value.len()),
    }
}

/// `message` capped at a few hundred characters: its start and its end (where
/// a parser says "at line L column C"), and the length of what was cut.
pub(crate) fn shorten(message: &str) -> String {
    const HEAD: usize = 3 * QUOTE_CHARS;
    const TAIL: usize = QUOTE_CHARS;
    let chars = message.chars().count();
    if chars <= HEAD + TAIL {
        return message.to_owned();
    }
    let head: String = message.chars().take(HEAD).collect();
    let tail: String = message.chars().skip(chars - TAIL).collect();
    format!(
        "{head}… ({} bytes cut) …{tail}",
        message.len() - head.len() - tail.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_capped() {
        assert_eq!(quote("INFO\n"), "\"INFO\\n\"");
        let huge = "x".repeat(10 << 20);
        let q = quote(&huge);
        assert!(q.len() < 100, "{q}");
        assert!(q.ends_with("… (10485760 bytes)"), "{q}");
        assert_eq!(shorten("short"), "short");
        assert!(shorten(&huge).len() < 300);
    }
}
