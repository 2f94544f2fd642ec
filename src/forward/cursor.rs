//! The cursor file: the last seq a target acknowledged, replaced atomically.
//!
//! Layout (ASCII, three lines): `audit-logger-cursor 1`, `log_id <uuid>`,
//! `seq <n>`. It is written to `<path>.tmp`, fsynced, renamed over `<path>`,
//! and the directory is fsynced: after a crash the file holds the old cursor
//! or the new one, never a mix.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::logid::LogId;
use crate::core::{Error, ErrorKind, Result};

const MAGIC: &str = "audit-logger-cursor 1";

fn io_error(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("{what} cursor file {}: {e}", path.display()),
    )
}

/// Writes `seq` as the cursor of `log_id` to `path`, atomically and durably.
pub fn write_cursor(path: &Path, log_id: &LogId, seq: u64) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = Path::new(&tmp);
    let text = format!("{MAGIC}\nlog_id {log_id}\nseq {seq}\n");
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        fs::rename(tmp, path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        fs::File::open(dir)?.sync_all()
    };
    write().map_err(|e| io_error(path, "writing", e))
}

/// Reads the cursor of `log_id` from `path`: `None` if the file does not exist;
/// an error if it is malformed or belongs to another log.
pub fn read_cursor(path: &Path, log_id: &LogId) -> Result<Option<u64>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, "reading", e)),
    };
    let bad = |why: &str| {
        Error::new(
            ErrorKind::InvalidDocument,
            format!("cursor file {}: {why}", path.display()),
        )
    };
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(bad("not a cursor file"));
    }
    let id = lines
        .next()
        .and_then(|l| l.strip_prefix("log_id "))
        .ok_or_else(|| bad("no log_id line"))?;
    let id = LogId::parse(id).map_err(|e| bad(e.message()))?;
    if id != *log_id {
        return Err(bad(&format!("it belongs to log {id}, not {log_id}")));
    }
    let seq = lines
        .next()
        .and_then(|l| l.strip_prefix("seq "))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| bad("no valid seq line"))?;
    Ok(Some(seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cursor");
        let id = LogId::random();
        assert_eq!(read_cursor(&path, &id).unwrap(), None);
        write_cursor(&path, &id, 42).unwrap();
        assert_eq!(read_cursor(&path, &id).unwrap(), Some(42));
        write_cursor(&path, &id, 43).unwrap();
        assert_eq!(read_cursor(&path, &id).unwrap(), Some(43));
        assert!(read_cursor(&path, &LogId::random()).is_err());
        fs::write(&path, "garbage").unwrap();
        assert!(read_cursor(&path, &id).is_err());
    }
}
