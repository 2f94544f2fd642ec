//! The journal: its counters, and verification of a journal directory.

use super::boundary::status;
use super::status::{AuditStatus, Failure, AUDIT_ERR_INVALID_ARGUMENT, AUDIT_ERR_NOT_FOUND};
use super::strings::{arg, out};
use crate::core::AuditLogger;
use crate::journal::journal_stats;

/// A journal's counters, size-tagged: set `struct_size` to
/// `sizeof(AuditJournalStats)` before calling `audit_journal_stats`; fields
/// added later go at the end and are written only when the caller's struct
/// is large enough.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditJournalStats {
    /// Size of this struct as the caller compiled it.
    pub struct_size: u64,
    /// The newest seq handed to the operating system.
    pub written_seq: u64,
    /// The newest seq known to be on disk (fsynced).
    pub durable_seq: u64,
    /// Checkpoints sealed since the logger was made.
    pub checkpoints: u64,
    /// The current epoch (the number of the key that signs the next checkpoint).
    pub epoch: u64,
    /// Bytes cut off as a torn tail when the journal was opened.
    pub recovered_bytes_dropped: u64,
    /// Non-zero while the journal cannot write (a full disk): `audit_log`
    /// then fails; `audit_last_error_message` of that failure says why.
    pub failing: u64,
}

/// Size of the first version of `AuditJournalStats`.
const JOURNAL_STATS_V1_SIZE: usize = 56;

/// Writes the counters of `logger`'s journal into `*out_stats`, whose
/// `struct_size` the caller has set. Thread-safe.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT`
/// (struct_size too small), `AUDIT_ERR_NOT_FOUND` (the logger has no journal).
///
/// # Safety
/// `logger` is NULL or live; `out_stats` is NULL or points to `struct_size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn audit_journal_stats(
    logger: *const AuditLogger,
    out_stats: *mut AuditJournalStats,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let out_stats = out(out_stats, "out_stats")?;
        let size = usize::try_from((*out_stats).struct_size).unwrap_or(usize::MAX);
        if size < JOURNAL_STATS_V1_SIZE {
            return Err(Failure::new(
                AUDIT_ERR_INVALID_ARGUMENT,
                format!(
                    "out_stats->struct_size is {size}; set it to sizeof(AuditJournalStats) (at least {JOURNAL_STATS_V1_SIZE})"
                ),
            ));
        }
        let stats = journal_stats(logger)
            .ok_or_else(|| Failure::new(AUDIT_ERR_NOT_FOUND, "the logger has no journal"))?;
        std::ptr::write(
            out_stats,
            AuditJournalStats {
                struct_size: (*out_stats).struct_size,
                written_seq: stats.written_seq,
                durable_seq: stats.durable_seq,
                checkpoints: stats.checkpoints,
                epoch: stats.epoch,
                recovered_bytes_dropped: stats.recovered_bytes_dropped,
                failing: u64::from(stats.failing.is_some()),
            },
        );
        Ok(())
    })
}
