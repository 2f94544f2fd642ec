//! The writer's lock: an exclusive `flock` on `dir/LOCK`, which holds the pid
//! of the process that took it.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::{Error, ErrorKind, Result};

/// The name of the lock file in a journal directory.
pub const LOCK_FILE: &str = "LOCK";

/// The directories whose lock this process holds (canonical paths).
static HELD: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// How long a lock held under this process's own pid, by no journal of this
/// process, is waited for: a child forked by another thread holds a copy of
/// the descriptor from `fork` until its `exec` closes it.
const FORKED_COPY_GRACE: Duration = Duration::from_secs(2);

/// A held lock; released when dropped (the file is closed, and `flock` locks
/// go with the open file description).
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
    key: PathBuf,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        HELD.lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
    }
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
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let started = Instant::now();
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
                    let pid = text.trim().parse::<u32>().ok();
                    let ours_in_a_fork = pid == Some(std::process::id())
                        && !HELD
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .contains(&key);
                    if ours_in_a_fork && started.elapsed() < FORKED_COPY_GRACE {
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    }
                    let holder =
                        pid.map_or_else(|| "pid unknown".to_string(), |p| format!("pid {p}"));
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
        HELD.lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone());
        Ok(DirLock { _file: file, key })
    }
}
