//! The journal: its counters, and verification of a journal directory.

use std::ffi::c_char;
use std::path::Path;

use super::boundary::status;
use super::status::{AuditStatus, Failure, AUDIT_ERR_INVALID_ARGUMENT, AUDIT_ERR_NOT_FOUND};
use super::strings::{arg, opt_out, out, owned, path_arg, sized_out, str_arg, SizeTagged};
use crate::core::{AuditLogger, Filter};
use crate::journal::{export_proofs, journal_stats, verify_export, verify_journal, Verdict};
use crate::seal::checkpoint::PublicKey;
use crate::seal::keys::{parse_anchor, read_anchor};
use crate::seal::verify::Report;

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
// SAFETY: #[repr(C)], and `struct_size: u64` comes first.
unsafe impl SizeTagged for AuditJournalStats {
    const NAME: &'static str = "AuditJournalStats";
    const V1_SIZE: usize = 56;
}

/// Writes the counters of `logger`'s journal into `*out_stats`, whose
/// `struct_size` the caller has set. Thread-safe. In a child process forked
/// from the journal's: the counters as of the fork, with `failing` set (the
/// journal stays the parent's, and events are refused here).
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
        let (out_stats, struct_size) = sized_out(out_stats, "out_stats")?;
        let stats = journal_stats(logger)
            .ok_or_else(|| Failure::new(AUDIT_ERR_NOT_FOUND, "the logger has no journal"))?;
        out_stats.set(AuditJournalStats {
            struct_size,
            written_seq: stats.written_seq,
            durable_seq: stats.durable_seq,
            checkpoints: stats.checkpoints,
            epoch: stats.epoch,
            recovered_bytes_dropped: stats.recovered_bytes_dropped,
            failing: u64::from(stats.failing.is_some()),
            fsyncs: stats.fsyncs,
        });
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
        let key = anchor_key(anchor)?;
        let checked = verify_journal(dir, &key).map_err(crate::core::Error::from)?;
        if let Some(out_json) = opt_out(out_report_json) {
            let mut doc = report_json(&checked.report);
            doc["log_id"] = checked.log_id.to_string().into();
            doc["segments"] = checked.segments.into();
            out_json.set(owned(doc.to_string()));
        }
        out_verdict.set(verdict_code(checked.verdict()));
        Ok(())
    })
}

/// The public key that `anchor` names: an anchor file's path or the base64 key.
fn anchor_key(anchor: &str) -> Result<PublicKey, Failure> {
    read_anchor(Path::new(anchor))
        .or_else(|_| parse_anchor(anchor))
        .map_err(|e| {
            Failure::new(
                AUDIT_ERR_INVALID_ARGUMENT,
                format!("anchor is neither an anchor file nor a base64 public key: {e}"),
            )
        })
}

fn verdict_code(verdict: Verdict) -> u32 {
    match verdict {
        Verdict::Valid => AUDIT_VERIFY_VALID,
        Verdict::UnsealedTail => AUDIT_VERIFY_UNSEALED_TAIL,
        _ => AUDIT_VERIFY_TAMPERED,
    }
}

/// The report document shared by the verifying functions.
fn report_json(r: &Report) -> serde_json::Value {
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
    serde_json::json!({
        "verdict": Verdict::of(r).name(),
        "events_verified": r.events_verified,
        "events_unsealed": r.events_unsealed,
        "checkpoints": r.checkpoints,
        "epochs": r.epochs,
        "findings": findings,
    })
}

/// Exports the sealed events of the journal in the directory `dir` that
/// `filter` selects (NULL: every event; the same filter as `audit_query`,
/// its limit keeping the newest matches) as a proof bundle: one JSON object
/// carrying the signed checkpoint chain from epoch 0, the consistency proofs
/// between checkpoints, and each selected event's line with its inclusion
/// proof against the last checkpoint. With only the trust anchor, a third
/// party checks it offline (`audit_export_verify`, `audit-logger verify`):
/// that these events are exactly what the journal held at those seqs.
/// Events after the last checkpoint are left out (nothing vouches for them
/// yet); their number goes to `*out_unsealed_skipped` if it is not NULL.
/// The journal is read without locking or changing it.
///
/// If `path` is not NULL the bundle is written there atomically (temporary
/// file, fsync, rename); if `out_json` is not NULL it is also written to
/// `*out_json` (free with `audit_string_free`). At least one must be given.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (the journal
/// has no checkpoint yet, or retention deleted its first segments),
/// `AUDIT_ERR_IO` (not a journal, unreadable, damaged: verify it, or `path`
/// cannot be written). Thread-safe.
///
/// # Safety
/// `dir` and `path` are NULL or NUL-terminated; `filter` is NULL or live;
/// `out_json` and `out_unsealed_skipped` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_journal_export_proofs(
    dir: *const c_char,
    filter: *const Filter,
    path: *const c_char,
    out_json: *mut *mut c_char,
    out_unsealed_skipped: *mut u64,
) -> AuditStatus {
    status(|| {
        let dir = path_arg(dir, "dir")?;
        if path.is_null() && out_json.is_null() {
            return Err(Failure::null("both path and out_json"));
        }
        let path = if path.is_null() {
            None
        } else {
            Some(path_arg(path, "path")?)
        };
        let filter = filter.as_ref().cloned().unwrap_or_default();
        let export = export_proofs(dir, &filter).map_err(crate::core::Error::from)?;
        let mut doc = export.bundle.to_json();
        doc.push('\n');
        if let Some(path) = path {
            crate::core::write_atomic(path, doc.as_bytes())?;
        }
        if let Some(out_json) = opt_out(out_json) {
            out_json.set(owned(doc));
        }
        if let Some(skipped) = opt_out(out_unsealed_skipped) {
            skipped.set(export.unsealed_skipped);
        }
        Ok(())
    })
}

/// Verifies an export carrying proofs (the file at `path`, as written by
/// `audit_journal_export_proofs` or `audit-logger export --proofs`) offline,
/// against the trust anchor `anchor` alone (an anchor file's path or the
/// base64 key): the checkpoint chain from the anchor, the consistency
/// proofs, and each event's inclusion proof. Writes the verdict
/// (`AUDIT_VERIFY_*`) and, if `out_report_json` is not NULL, the report as
/// `audit_journal_verify` does (without `log_id` and `segments`; a finding's
/// `segment` names the part of the bundle and `offset` the index in it).
/// A verdict is a successful call: `AUDIT_OK` even when tampering was found.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (a bad
/// anchor; a file that is not a proof bundle, e.g. an export without proofs),
/// `AUDIT_ERR_IO` (unreadable). Thread-safe.
///
/// # Safety
/// `path` and `anchor` are NULL or NUL-terminated; `out_verdict` is NULL or
/// writable; `out_report_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_export_verify(
    path: *const c_char,
    anchor: *const c_char,
    out_verdict: *mut u32,
    out_report_json: *mut *mut c_char,
) -> AuditStatus {
    status(|| {
        let path = path_arg(path, "path")?;
        let anchor = str_arg(anchor, "anchor")?;
        let out_verdict = out(out_verdict, "out_verdict")?;
        let key = anchor_key(anchor)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::core::Error::io(format!("cannot read {}", path.display()), &e))?;
        let report = verify_export(&text, &key).map_err(crate::core::Error::from)?;
        if let Some(out_json) = opt_out(out_report_json) {
            out_json.set(owned(report_json(&report).to_string()));
        }
        out_verdict.set(verdict_code(Verdict::of(&report)));
        Ok(())
    })
}
