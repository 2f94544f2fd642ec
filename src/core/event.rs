//! One recorded audit event, stored in a single allocation.

use std::cell::Cell;
use std::sync::Arc;

use super::config::Config;
use super::error::{Error, ErrorKind, Result};
use super::json;
use super::severity::Severity;
use super::text::{fingerprint, has_nul};

/// What a caller supplies to record an event. The logger adds `seq` and `timestamp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewEvent<'a> {
    /// Who acted (user, service, key id). May be empty.
    pub actor: &'a str,
    /// What was done, for example `user.delete`. May be empty.
    pub action: &'a str,
    /// What it was done to, for example `user:42`. May be empty.
    pub resource: &'a str,
    /// How it ended, for example `success` or `denied`. May be empty.
    pub outcome: &'a str,
    /// How serious it is.
    pub severity: Severity,
    /// A JSON object as text, or `None` for `{}`.
    pub details: Option<&'a str>,
}

impl Default for NewEvent<'_> {
    fn default() -> Self {
        NewEvent {
            actor: "",
            action: "",
            resource: "",
            outcome: "",
            severity: Severity::Info,
            details: None,
        }
    }
}

/// A recorded audit event; immutable. (Its strings live in one buffer, each
/// followed by a NUL byte, so they can be lent to C without copying.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    seq: u64,
    timestamp: i64,
    severity: Severity,
    /// Byte offset of the NUL after each of actor, action, resource, outcome, details.
    ends: [u32; 5],
    /// [`fingerprint`] of actor, action, resource and outcome: a query compares
    /// these first and reads the text (elsewhere in memory) only on a match.
    prints: [u32; 4],
    /// Shared, so copying an event (into query results, for subscribers) is a
    /// reference count, not an allocation.
    text: Arc<str>,
}

const FIELD_NAMES: [&str; 4] = ["actor", "action", "resource", "outcome"];

impl Event {
    /// Validates `new` against `config` and builds the event with `seq` 0 and
    /// `timestamp` 0; the logger stamps both when it stores it.
    pub(crate) fn build(new: &NewEvent<'_>, config: &Config) -> Result<Event> {
        let fields = [new.actor, new.action, new.resource, new.outcome];
        for (value, name) in fields.iter().zip(FIELD_NAMES) {
            check_field(name, value, config.max_field_bytes)?;
        }
        // Whitespace aside, text far longer than the limit cannot fit: refuse it
        // before spending time on it.
        if let Some(text) = new.details {
            if text.len()
                > config
                    .max_details_bytes
                    .saturating_mul(8)
                    .saturating_add(1024)
            {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "details text is {} bytes; details may hold at most {} bytes (compact)",
                        text.len(),
                        config.max_details_bytes
                    ),
                ));
            }
        }
        // One buffer, one allocation: the four fields and details, each
        // NUL-terminated. Details are compacted into this thread's scratch
        // buffer first (they may shrink or grow), which gives the exact size;
        // then the fields and the details are copied once into the shared
        // allocation that query results and subscribers also hold.
        let mut ends = [0u32; 5];
        let mut prints = [0u32; 4];
        let text = with_scratch(|details| {
            match new.details {
                None => details.extend_from_slice(b"{}"),
                Some(text) => json::compact_details(details, text, config.max_details_depth)?,
            }
            // The limit applies to details as stored (compact), so an export, whose
            // details are indented, imports into a logger with the same limits.
            if details.len() > config.max_details_bytes {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "details is {} bytes (compact), more than the limit of {}",
                        details.len(),
                        config.max_details_bytes
                    ),
                ));
            }
            let len = fields.iter().map(|f| f.len() + 1).sum::<usize>() + details.len() + 1;
            let mut text = Arc::<[u8]>::new_uninit_slice(len);
            let buf = Arc::get_mut(&mut text).expect("just made");
            let parts = [
                fields[0].as_bytes(),
                fields[1].as_bytes(),
                fields[2].as_bytes(),
                fields[3].as_bytes(),
                &details[..],
            ];
            let mut at = 0;
            for (i, part) in parts.into_iter().enumerate() {
                // SAFETY: `at + part.len() + 1 <= len` (the sum above), so the
                // copy and the NUL stay inside `buf`; `part` is another buffer.
                unsafe {
                    let dst = buf.as_mut_ptr().add(at).cast::<u8>();
                    std::ptr::copy_nonoverlapping(part.as_ptr(), dst, part.len());
                }
                at += part.len();
                ends[i] = offset(at);
                buf[at].write(0);
                at += 1;
            }
            debug_assert_eq!(at, len);
            // SAFETY: every byte was written above.
            let text = unsafe { text.assume_init() };
            debug_assert!(std::str::from_utf8(&text).is_ok());
            // SAFETY: the buffer holds the four fields (each a `str`), NULs and
            // the compacted details, which copy UTF-8 input and write ASCII
            // escapes only at character boundaries: it is UTF-8. `str` and
            // `[u8]` have the same layout.
            Ok(unsafe { Arc::from_raw(Arc::into_raw(text) as *const str) })
        })?;
        for (print, part) in prints.iter_mut().zip(fields) {
            *print = fingerprint(part);
        }
        Ok(Event {
            seq: 0,
            timestamp: 0,
            severity: new.severity,
            ends,
            prints,
            text,
        })
    }

    /// Sets the sequence number and timestamp; called once, by the logger.
    pub(crate) fn stamp(&mut self, seq: u64, timestamp: i64) {
        self.seq = seq;
        self.timestamp = timestamp;
    }

    /// Where field `i` starts: just after the NUL that ends field `i - 1`.
    fn start(&self, i: usize) -> usize {
        i.checked_sub(1)
            .map_or(0, |prev| self.ends[prev] as usize + 1)
    }

    /// String field `i`: 0 actor, 1 action, 2 resource, 3 outcome, 4 details.
    pub(crate) fn field(&self, i: usize) -> &str {
        &self.text[self.start(i)..self.ends[i] as usize]
    }

    /// The [`fingerprint`]s of actor, action, resource and outcome.
    pub(crate) fn fingerprints(&self) -> &[u32; 4] {
        &self.prints
    }

    /// Position of the field `i` in the NUL-separated buffer, for the C interface.
    pub(crate) fn field_with_nul(&self, i: usize) -> &[u8] {
        &self.text.as_bytes()[self.start(i)..=self.ends[i] as usize]
    }

    /// The sequence number: assigned on append, strictly increasing per logger, never reused.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Microseconds since the Unix epoch (UTC).
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Who acted.
    pub fn actor(&self) -> &str {
        self.field(0)
    }

    /// What was done.
    pub fn action(&self) -> &str {
        self.field(1)
    }

    /// What it was done to.
    pub fn resource(&self) -> &str {
        self.field(2)
    }

    /// How it ended.
    pub fn outcome(&self) -> &str {
        self.field(3)
    }

    /// The details object as compact JSON text, keys in the order given.
    pub fn details(&self) -> &str {
        self.field(4)
    }

    /// Bytes this event holds in memory, as counted against `max_total_bytes`.
    pub fn memory_size(&self) -> usize {
        // The text's allocation also holds the two reference counts.
        std::mem::size_of::<Event>() + 2 * std::mem::size_of::<usize>() + self.text.len()
    }

    /// Asks the CPU to bring the cache line holding the text's reference
    /// counts here, for writing: the ring calls it on the next event it will
    /// evict, whose release would otherwise wait for that line (from another
    /// core when a consumer released its copy last, or from far caches at a
    /// large capacity). A hint only: it has no effect on what the program does.
    pub(crate) fn prefetch_release(&self) {
        #[cfg(target_arch = "x86_64")]
        {
            // The counts are the two words before the text.
            let counts = (Arc::as_ptr(&self.text) as *const u8).wrapping_sub(16);
            // SAFETY: PREFETCHW never faults and changes nothing the program
            // can observe, whatever the address (where the CPU lacks it, it
            // executes as a no-op).
            unsafe {
                std::arch::asm!(
                    "prefetchw [{0}]",
                    in(reg) counts,
                    options(nostack, readonly, preserves_flags)
                );
            }
        }
    }
}

/// Runs `build` with this thread's scratch buffer, empty. The buffer is kept
/// for the next event unless an unusually large one made it big.
fn with_scratch<T>(build: impl FnOnce(&mut Vec<u8>) -> Result<T>) -> Result<T> {
    const KEEP: usize = 16 * 1024;
    thread_local! {
        static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    }
    // A thread being torn down (a destructor that logs) uses a fresh buffer.
    let mut text = SCRATCH.try_with(Cell::take).unwrap_or_default();
    text.clear();
    let result = build(&mut text);
    if text.capacity() <= KEEP {
        let _ = SCRATCH.try_with(|scratch| scratch.set(text));
    }
    result
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("limits keep events below 4 GiB")
}

fn check_field(name: &str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "{name} is {} bytes, more than the limit of {max}",
                value.len()
            ),
        ));
    }
    if has_nul(value.as_bytes()) {
        let at = value.bytes().position(|b| b == 0).unwrap_or_default();
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{name} contains a NUL character at byte {at}"),
        ));
    }
    Ok(())
}
