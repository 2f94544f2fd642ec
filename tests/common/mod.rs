//! Helpers shared by several integration tests. Each test crate uses part of
//! them, so the rest is dead code there.
#![allow(dead_code)]

/// Raw bytes that could break a record across lines: below 0x20, DEL, and the
/// UTF-8 of U+0085, U+2028, U+2029. A newline outside strings is layout in a
/// pretty document and allowed there.
pub fn raw_line_breakers(text: &str, pretty: bool) -> Vec<char> {
    let (mut in_string, mut escaped) = (false, false);
    let mut bad = Vec::new();
    for c in text.chars() {
        if matches!(c, '\u{7f}' | '\u{85}' | '\u{2028}' | '\u{2029}')
            || (c < ' ' && !(pretty && !in_string && c == '\n'))
        {
            bad.push(c);
        } else if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        }
    }
    bad
}

/// The keys of an exported record, in the order an export writes them.
pub const RECORD_KEYS: [&str; 8] = [
    "actor",
    "action",
    "resource",
    "outcome",
    "severity",
    "details",
    "timestamp",
    "seq",
];

/// xorshift64*: deterministic and dependency-free, enough to pick operations
/// and mutations.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Counts its drops: owned by a callback, it tells when the library released
/// the callback (the Rust form of a C `free_ctx`).
pub struct DropCounter(pub std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Silences panics whose payload is the `&str` `message` (raised on purpose by
/// a test); every other panic still prints. Installed once per test binary.
pub fn quiet_deliberate_panics(message: &'static str) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&message) {
                default(info);
            }
        }));
    });
}

/// Polls `done` every millisecond for up to a minute; panics naming `what` if
/// it never holds.
pub fn wait_for(what: &str, done: impl Fn() -> bool) {
    for _ in 0..60_000 {
        if done() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("timed out waiting until {what}");
}

/// The property tests' configuration: 256 cases from the fixed `seed`, so
/// every run checks the same inputs; `PROPTEST_CASES` and `PROPTEST_RNG_SEED`
/// (a number, or `random`) override.
pub fn proptest_config(seed: u64) -> proptest::test_runner::Config {
    let defaults = proptest::test_runner::Config::default();
    proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES").map_or(256, |_| defaults.cases),
        rng_seed: std::env::var("PROPTEST_RNG_SEED")
            .map_or(proptest::test_runner::RngSeed::Fixed(seed), |_| {
                defaults.rng_seed
            }),
        failure_persistence: None,
        ..defaults
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
    target: &std::path::Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> bool {
    let c = |s: &str| std::ffi::CString::new(s).unwrap();
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
pub fn unmount(target: &std::path::Path) {
    let target = std::ffi::CString::new(target.to_string_lossy().as_bytes()).unwrap();
    // SAFETY: a live NUL-terminated path.
    unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
}
