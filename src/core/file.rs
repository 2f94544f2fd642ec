//! Atomic file replacement: the old file or the new one, never half of either.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{Error, ErrorKind, Result};

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, renames
/// it over `path`, and flushes the directory. On any failure the temporary file
/// is removed and whatever was at `path` is untouched. A symbolic link is
/// followed; anything at `path` other than a regular file (a directory, a
/// device, a pipe) is refused rather than replaced.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = path;
    let io_err = |what: &str, p: &Path, e: std::io::Error| {
        Error::new(
            ErrorKind::Io,
            format!(
                "cannot write {}: {what} {}: {e}",
                target.display(),
                p.display()
            ),
        )
    };
    let resolved;
    let path = match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(Error::new(
                ErrorKind::Io,
                format!(
                    "{} exists and is not a regular file; refusing to replace it",
                    path.display()
                ),
            ))
        }
        Ok(_) => {
            resolved = fs::canonicalize(path).map_err(|e| io_err("cannot resolve", path, e))?;
            resolved.as_path()
        }
        Err(_) => path,
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::new(ErrorKind::Io, format!("{} names no file", path.display())))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = dir.join(tmp_name);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| io_err("cannot create a temporary file in", &dir, e))?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_err("cannot write", &tmp, e))
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| io_err("cannot replace", path, e)));
    drop(file);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // The rename is durable once the directory entry is on disk.
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err("cannot flush directory", &dir, e))
}
