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
}

/// An error with its kind and a message naming the offending input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// Makes an error of `kind` with a human-readable `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
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
