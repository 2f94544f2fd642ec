//! Helpers shared by the journal tests.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::Path;

use audit_logger::journal::{FrameKind, Journal, Options, Reader, LOCK_FILE};

/// An event payload for seq `seq`.
pub fn event(seq: u64) -> Vec<u8> {
    format!(r#"{{"seq":{seq},"timestamp":"2024-01-01T00:00:00.000000Z","actor":"admin","action":"user.delete","resource":"user:{seq}","outcome":"success","severity":"INFO","details":{{}}}}"#)
        .into_bytes()
}

/// A checkpoint payload for epoch `epoch`.
pub fn checkpoint(epoch: u64) -> Vec<u8> {
    format!(
        "audit-logger checkpoint\nepoch {epoch}\nsize {}\n",
        epoch * 10
    )
    .into_bytes()
}

/// Options with small buffers so tests write often.
pub fn options() -> Options {
    Options {
        restore_events: 1000,
        ..Options::default()
    }
}

/// Every frame the read-only reader sees, failing on any error item.
pub fn frames(dir: &Path) -> Vec<(FrameKind, Vec<u8>)> {
    Reader::open(dir)
        .unwrap()
        .frames()
        .map(|f| {
            let f = f.unwrap();
            (f.kind, f.payload)
        })
        .collect()
}

/// Every file of the directory but the lock, with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != LOCK_FILE)
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Writes `files` into `dir`.
pub fn restore(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Segment file names in `dir`, oldest first.
pub fn segment_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".seg"))
        .collect();
    names.sort();
    names
}

/// A journal with events `1..=n` in one segment, closed.
pub fn journal_with(dir: &Path, n: u64) {
    let (mut j, _) = Journal::open(dir, options()).unwrap();
    j.rotate(1, b"").unwrap();
    for seq in 1..=n {
        j.append(FrameKind::Event, &event(seq)).unwrap();
    }
    j.close().unwrap();
}

/// A small deterministic generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Runs `body` on a thread of its own in a private mount namespace, so mounts
/// made there are invisible to the rest of the machine and vanish with the
/// thread. `None` if namespaces or mounts are not permitted.
pub fn in_private_mount_namespace<T: Send>(body: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: plain system calls on this thread's own namespace.
            let private = unsafe {
                libc::unshare(libc::CLONE_NEWNS) == 0
                    && libc::mount(
                        c"none".as_ptr(),
                        c"/".as_ptr(),
                        std::ptr::null(),
                        libc::MS_REC | libc::MS_PRIVATE,
                        std::ptr::null(),
                    ) == 0
            };
            private.then(body)
        })
        .join()
        .unwrap()
    })
}

/// `mount(2)`; whether it worked.
pub fn mount(
    source: &str,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> bool {
    let c = |s: &str| CString::new(s).unwrap();
    let (source, target) = (c(source), c(&target.to_string_lossy()));
    let fstype = fstype.map(c);
    let data = data.map(c);
    // SAFETY: every pointer is NULL or a live NUL-terminated string.
    unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            fstype.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            flags,
            data.as_ref()
                .map_or(std::ptr::null(), |s| s.as_ptr().cast()),
        ) == 0
    }
}

/// `umount2(MNT_DETACH)`.
pub fn unmount(target: &Path) {
    let target = CString::new(target.to_string_lossy().as_bytes()).unwrap();
    // SAFETY: a live NUL-terminated path.
    unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
}
