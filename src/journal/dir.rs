//! The journal directory: making it, its metadata file `JOURNAL` (the log id),
//! the names of segment files, listing them, and flushing the directory itself.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::error::{Error, ErrorKind, Result};
use super::header::{LogId, SegmentHeader, FORMAT_VERSION, META_MAGIC};
use super::scan::{self, HeaderState};

/// The name of the metadata file that makes a directory a journal.
pub const META_FILE: &str = "JOURNAL";

/// The name of the checkpoint archive.
pub const ARCHIVE_FILE: &str = "checkpoints.arch";

/// The file name of the segment whose first seq is `first_seq`:
/// 20 zero-padded decimal digits and `.seg`, so names sort as seqs do.
pub fn segment_file_name(first_seq: u64) -> String {
    format!("{first_seq:020}.seg")
}

/// The first seq a segment file name stands for; `None` if `name` is not one.
pub fn parse_segment_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".seg")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Makes `dir` (mode 0700, parents too) if it does not exist; refuses a path
/// that exists and is not a directory.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(not_a_directory(dir)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io("cannot create the journal directory", dir, &e)),
        Err(e) => Err(Error::io("cannot read the journal directory", dir, &e)),
    }
}

/// The error for a journal path that is not a directory.
pub(crate) fn not_a_directory(dir: &Path) -> Error {
    Error::new(
        ErrorKind::NotAJournal,
        format!(
            "journal path {} exists and is not a directory",
            dir.display()
        ),
    )
    .at_path(dir)
}

/// Flushes the directory's entries (creations, renames, removals) to disk.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("cannot flush the journal directory", dir, &e))
}

/// A segment file found in the directory.
#[derive(Clone, Debug)]
pub(crate) struct Listed {
    pub first_seq: u64,
    pub name: String,
    pub path: PathBuf,
}

/// What the directory holds: its segments (oldest first), and whether the
/// metadata file and the archive exist.
pub(crate) struct Listing {
    pub segments: Vec<Listed>,
    pub has_meta: bool,
    pub has_archive: bool,
}

/// Lists `dir`. Files with other names are ignored.
pub(crate) fn list(dir: &Path) -> Result<Listing> {
    let mut out = Listing {
        segments: Vec::new(),
        has_meta: false,
        has_archive: false,
    };
    let entries = fs::read_dir(dir).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOTDIR) => not_a_directory(dir),
        _ => Error::io("cannot list the journal directory", dir, &e),
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("cannot list the journal directory", dir, &e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name == META_FILE {
            out.has_meta = true;
        } else if name == ARCHIVE_FILE {
            out.has_archive = true;
        } else if let Some(first_seq) = parse_segment_file_name(name) {
            out.segments.push(Listed {
                first_seq,
                name: name.to_string(),
                path: entry.path(),
            });
        }
    }
    out.segments.sort_by_key(|s| s.first_seq);
    Ok(out)
}

/// The metadata: the log id and when the journal was made.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Meta {
    pub log_id: LogId,
    pub created_micros: i64,
}

/// Reads `dir/JOURNAL`.
pub(crate) fn read_meta(dir: &Path) -> Result<Meta> {
    let path = dir.join(META_FILE);
    let mut w = scan::open_window(&path)?;
    let state =
        scan::read_header(&mut w, META_MAGIC).map_err(|e| Error::io("cannot read", &path, &e))?;
    match state {
        HeaderState::Valid(h, len) if len == w.len() => Ok(Meta {
            log_id: h.log_id,
            created_micros: h.created_micros,
        }),
        HeaderState::Valid(..) => Err(corrupt_meta(&path, "has bytes after its header")),
        HeaderState::Newer(v) => Err(newer_version(&path, v)),
        HeaderState::Torn => Err(corrupt_meta(&path, "is incomplete")),
        HeaderState::Bad(why) => Err(corrupt_meta(&path, &why)),
    }
}

fn corrupt_meta(path: &Path, why: &str) -> Error {
    Error::new(
        ErrorKind::Corrupt,
        format!("journal metadata file {} {why}", path.display()),
    )
    .at_path(path)
}

/// The error for a file written in a newer format version.
pub(crate) fn newer_version(path: &Path, version: u16) -> Error {
    Error::new(
        ErrorKind::NewerVersion,
        format!(
            "{} has newer format version {version} (this library reads version {FORMAT_VERSION}); \
             nothing was changed: open it with a newer audit-logger",
            path.display()
        ),
    )
    .at_path(path)
}

/// Makes `dir/JOURNAL` with a fresh log id: written to a temporary file,
/// flushed, renamed into place, and the directory flushed.
pub(crate) fn create_meta(dir: &Path, now_micros: i64) -> Result<Meta> {
    let path = dir.join(META_FILE);
    let tmp = dir.join(format!("{META_FILE}.tmp"));
    let log_id = LogId::random().map_err(|e| {
        Error::io(
            "cannot read random bytes for a new journal's id from",
            Path::new("/dev/urandom"),
            &e,
        )
    })?;
    let bytes = SegmentHeader {
        version: FORMAT_VERSION,
        log_id,
        first_seq: 0,
        created_micros: now_micros,
        extra: Vec::new(),
    }
    .encode(META_MAGIC)?;
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        })
        .map_err(|e| Error::io("cannot write", &tmp, &e))
        .and_then(|()| fs::rename(&tmp, &path).map_err(|e| Error::io("cannot create", &path, &e)));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir)?;
    Ok(Meta {
        log_id,
        created_micros: now_micros,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_sort_as_seqs_and_parse_back() {
        assert_eq!(segment_file_name(1), "00000000000000000001.seg");
        assert_eq!(segment_file_name(u64::MAX), "18446744073709551615.seg");
        assert!(segment_file_name(9) < segment_file_name(10));
        for seq in [0, 1, 42, u64::MAX] {
            assert_eq!(parse_segment_file_name(&segment_file_name(seq)), Some(seq));
        }
        for bad in [
            "1.seg",
            "0000000000000000001.seg",
            "99999999999999999999.seg",
            "0000000000000000000a.seg",
            "00000000000000000001.seg.tmp",
            "LOCK",
        ] {
            assert_eq!(parse_segment_file_name(bad), None, "{bad}");
        }
    }
}
