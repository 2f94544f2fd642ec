//! The writer's lock: an exclusive `flock` on `dir/LOCK`, which holds the pid
//! of the process that took it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;

use super::error::{Error, ErrorKind, Result};

/// The name of the lock file in a journal directory.
pub const LOCK_FILE: &str = "LOCK";

/// A held lock; released when dropped (the file is closed, and `flock` locks
/// go with the open file description).
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock on `dir/LOCK` without waiting. The file is opened with
    /// `O_CLOEXEC` (the standard library always sets it), so a child process
    /// started by the writer does not inherit the lock.
    pub(crate) fn acquire(dir: &Path) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| Error::io("cannot open the journal's lock file", &path, &e))?;
        loop {
            // SAFETY: a plain system call on a descriptor we own.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                break;
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EWOULDBLOCK) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    let holder = match text.trim().parse::<u32>() {
                        Ok(pid) => format!("pid {pid}"),
                        Err(_) => "pid unknown".to_string(),
                    };
                    return Err(Error::new(
                        ErrorKind::Locked,
                        format!(
                            "journal {} is locked by another writer ({holder}); lock file {}",
                            dir.display(),
                            path.display()
                        ),
                    )
                    .at_path(&path));
                }
                _ => return Err(Error::io("cannot lock", &path, &err)),
            }
        }
        // The pid is for people reading the error above; overwriting in place
        // (no truncation) needs no new block, so a full disk does not keep a
        // writer from opening the journal to recover it.
        let pid = format!("{:<20}\n", std::process::id());
        let _ = file
            .write_all_at(pid.as_bytes(), 0)
            .and_then(|()| file.set_len(pid.len() as u64));
        Ok(DirLock { _file: file })
    }
}
