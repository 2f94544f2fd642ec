//! The journal: its counters, and verification of a journal directory.

use std::ffi::c_char;
use std::path::Path;

use super::boundary::status;
use super::status::{AuditStatus, Failure, AUDIT_ERR_INVALID_ARGUMENT, AUDIT_ERR_NOT_FOUND};
use super::strings::{arg, out, owned, path_arg, str_arg};
use crate::core::AuditLogger;
use crate::journal::{journal_stats, verify_journal, Verdict};
use crate::seal::keys::{parse_anchor, read_anchor};

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
    /// `fdatasync` calls on segments since the journal was opened (under
    /// `AUDIT_FSYNC_ALWAYS`, concurrent producers share one). Written only
    /// when `struct_size` covers it.
    pub fsyncs: u64,
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
        let full = AuditJournalStats {
            struct_size: (*out_stats).struct_size,
            written_seq: stats.written_seq,
            durable_seq: stats.durable_seq,
            checkpoints: stats.checkpoints,
            epoch: stats.epoch,
            recovered_bytes_dropped: stats.recovered_bytes_dropped,
            failing: u64::from(stats.failing.is_some()),
            fsyncs: stats.fsyncs,
        };
        // Only the fields the caller's struct has room for.
        let len = size.min(std::mem::size_of::<AuditJournalStats>());
        std::ptr::copy_nonoverlapping(
            (&full as *const AuditJournalStats).cast::<u8>(),
            out_stats.cast::<u8>(),
            len,
        );
        Ok(())
    })
}

/// Verdict of `audit_journal_verify`: every event is sealed and verifies.
pub const AUDIT_VERIFY_VALID: u32 = 0;
/// Verdict: everything sealed verifies, but events (or torn bytes) follow the
/// last checkpoint, which nothing vouches for yet.
pub const AUDIT_VERIFY_UNSEALED_TAIL: u32 = 1;
/// Verdict: tampering or damage was found (see the report's findings).
pub const AUDIT_VERIFY_TAMPERED: u32 = 2;

/// Verifies the journal in the directory `dir` against the trust anchor
/// `anchor` (the path of the `anchor.pub` file kept out of band, or the
/// base64 public key itself). It reads the journal without locking or
/// changing it (a live writer may keep writing) and checks every frame,
/// every checkpoint's signature by its own epoch's key as certified by the
/// previous checkpoint from the anchor on, the Merkle roots and the sizes.
///
/// Writes the verdict (`AUDIT_VERIFY_*`) to `*out_verdict` and, if
/// `out_report_json` is not NULL, a JSON report to it (free with
/// `audit_string_free`): `{"verdict", "log_id", "segments", "events_verified",
/// "events_unsealed", "checkpoints", "epochs", "findings": [{"class", "seq",
/// "last_seq", "epoch", "segment", "offset", "detail"}]}`; classes are
/// modified, deleted, gap, reordered, unsealed-tail, missing-checkpoint,
/// wrong-epoch-key, resigned, inconsistent-size, malformed.
/// A verdict is a successful call: `AUDIT_OK` even when tampering was found.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (an anchor
/// that is neither a readable anchor file nor a base64 Ed25519 key),
/// `AUDIT_ERR_IO` (not a journal, unreadable). Thread-safe.
///
/// # Safety
/// `dir` and `anchor` are NULL or NUL-terminated; `out_verdict` is NULL or
/// writable; `out_report_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_journal_verify(
    dir: *const c_char,
    anchor: *const c_char,
    out_verdict: *mut u32,
    out_report_json: *mut *mut c_char,
) -> AuditStatus {
    status(|| {
        let dir = path_arg(dir, "dir")?;
        let anchor = str_arg(anchor, "anchor")?;
        let out_verdict = out(out_verdict, "out_verdict")?;
        let key = read_anchor(Path::new(anchor))
            .or_else(|_| parse_anchor(anchor))
            .map_err(|e| {
                Failure::new(
                    AUDIT_ERR_INVALID_ARGUMENT,
                    format!("anchor is neither an anchor file nor a base64 public key: {e}"),
                )
            })?;
        let checked = verify_journal(dir, &key).map_err(crate::core::Error::from)?;
        let verdict = match checked.verdict() {
            Verdict::Valid => AUDIT_VERIFY_VALID,
            Verdict::UnsealedTail => AUDIT_VERIFY_UNSEALED_TAIL,
            _ => AUDIT_VERIFY_TAMPERED,
        };
        if let Some(out_json) = out_report_json.as_mut() {
            let r = &checked.report;
            let findings: Vec<_> = r
                .findings
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "class": f.class.name(),
                        "seq": f.seq,
                        "last_seq": f.last_seq,
                        "epoch": f.epoch,
                        "segment": f.location.segment,
                        "offset": f.location.offset,
                        "detail": f.detail,
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "verdict": checked.verdict().name(),
                "log_id": checked.log_id.to_string(),
                "segments": checked.segments,
                "events_verified": r.events_verified,
                "events_unsealed": r.events_unsealed,
                "checkpoints": r.checkpoints,
                "epochs": r.epochs,
                "findings": findings,
            });
            *out_json = owned(doc.to_string());
        }
        *out_verdict = verdict;
        Ok(())
    })
}
