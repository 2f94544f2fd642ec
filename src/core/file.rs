//! Atomic file replacement: the old file or the new one, never half of either.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::error::{Error, Result};

/// Writes `bytes` to a temporary file beside `path` (a random name, created
/// exclusively), flushes it to disk, renames it over `path`, and flushes the
/// directory. On any failure the temporary file is removed and whatever was at
/// `path` is untouched.
///
/// - A file already at `path` keeps its permission bits, and its owner and
///   group where the process may set them; a new file gets mode 0600 (audit
///   data is private until its owner says otherwise).
/// - A symbolic link to an existing file is followed: the file it points to is
///   replaced and the link stays. A dangling link is refused.
/// - Anything at `path` other than a regular file (a directory, a device, a
///   pipe) is refused rather than replaced.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |what: String, e: &std::io::Error| {
        Error::io(format!("cannot write {}: {what}: {e}", path.display()), e)
    };
    let existing = match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(Error::io(
                format!(
                    "{} exists and is not a regular file; refusing to replace it",
                    path.display()
                ),
                &std::io::Error::from_raw_os_error(libc::EINVAL),
            ))
        }
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if fs::symlink_metadata(path).is_ok() {
                return Err(Error::io(
                    format!(
                        "{} is a symbolic link to a file that does not exist; refusing to replace the link",
                        path.display()
                    ),
                    &e,
                ));
            }
            None
        }
        Err(e) => return Err(fail("cannot inspect it".into(), &e)),
    };
    let target: PathBuf = match existing {
        Some(_) => fs::canonicalize(path).map_err(|e| fail("cannot resolve it".into(), &e))?,
        None => path.to_path_buf(),
    };
    if target.file_name().is_none() {
        return Err(Error::io(
            format!("{} names no file", path.display()),
            &std::io::Error::from_raw_os_error(libc::EISDIR),
        ));
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".audit-export-")
        .tempfile_in(&dir)
        .map_err(|e| {
            fail(
                format!("cannot create a temporary file in {}", dir.display()),
                &e,
            )
        })?;
    if let Some(meta) = &existing {
        let file = tmp.as_file();
        // The owner first: changing it may clear set-id bits the mode then restores.
        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
        file.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(|e| fail("cannot copy the file's permissions".into(), &e))?;
    }
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| fail(format!("cannot write {}", tmp.path().display()), &e))?;
    tmp.persist(&target)
        .map_err(|e| fail("cannot replace it".into(), &e.error))?;
    // The rename is durable once the directory entry is on disk.
    fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| fail(format!("cannot flush directory {}", dir.display()), &e))
}
