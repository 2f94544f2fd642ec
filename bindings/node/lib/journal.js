'use strict';
// The durable, sealed journal: its logger options, its counters, verification.

const { native, koffi } = require('./native');
const { AuditError, check, Status } = require('./errors');
const { text, count } = require('./args');
const { withFilter } = require('./filter');

/** Fsync policies by name (AUDIT_FSYNC_*). */
const FSYNC = Object.freeze({ never: 1, batch: 2, always: 3 });
/** Verdicts by code (AUDIT_VERIFY_*). */
const VERDICTS = Object.freeze({ 0: 'valid', 1: 'unsealed-tail', 2: 'tampered' });
/** Verdict names by constant: Verdict.TAMPERED === 'tampered'. */
const Verdict = Object.freeze({ VALID: 'valid', UNSEALED_TAIL: 'unsealed-tail', TAMPERED: 'tampered' });

/** The journal's keys of the AuditLogger options. */
const JOURNAL_KEYS = [
  'journal',
  'fsync',
  'batchEvents',
  'batchIntervalMs',
  'syncCritical',
  'epochEvents',
  'epochIntervalMs',
  'segmentBytes',
  'segmentAgeSeconds',
  'retainBytes',
  'retainSegments',
  'retainAgeSeconds',
];

const U32 = 0xffffffff;

function u32(name, value) {
  count(name, value);
  if (value > U32) throw new RangeError(`${name} must be at most ${U32}, got ${value}`);
  return value;
}

function given(options, keys) {
  return keys.some((k) => options[k] !== undefined);
}

/** Applies the journal options to `config`; unset ones keep the library's defaults. */
function configureJournal(lib, config, options) {
  if (options.journal === undefined || options.journal === null) {
    const set = JOURNAL_KEYS.filter((k) => k !== 'journal' && options[k] !== undefined);
    if (set.length) {
      throw new AuditError(Status.INVALID_ARGUMENT, `${set.join(', ')} need a journal directory (journal)`);
    }
    return;
  }
  check(lib, lib.audit_config_set_journal(config, text('journal', options.journal)));
  if (given(options, ['fsync', 'batchEvents', 'batchIntervalMs', 'syncCritical'])) {
    const { fsync = 'batch', batchEvents = 1000, batchIntervalMs = 50, syncCritical = true } = options;
    const policy = typeof fsync === 'string' ? FSYNC[fsync.toLowerCase()] : undefined;
    if (policy === undefined) {
      throw new AuditError(
        Status.INVALID_ARGUMENT,
        `fsync must be one of ${Object.keys(FSYNC).join(', ')}, got ${JSON.stringify(fsync)}`,
      );
    }
    if (typeof syncCritical !== 'boolean') throw new TypeError('syncCritical must be a boolean');
    check(
      lib,
      lib.audit_config_set_journal_fsync(
        config,
        policy,
        u32('batchEvents', batchEvents),
        u32('batchIntervalMs', batchIntervalMs),
        syncCritical ? 1 : 0,
      ),
    );
  }
  if (given(options, ['epochEvents', 'epochIntervalMs'])) {
    const { epochEvents = 10000, epochIntervalMs = 60000 } = options;
    check(
      lib,
      lib.audit_config_set_journal_epoch(config, count('epochEvents', epochEvents), u32('epochIntervalMs', epochIntervalMs)),
    );
  }
  if (given(options, ['segmentBytes', 'segmentAgeSeconds'])) {
    const { segmentBytes = 64 * 1024 * 1024, segmentAgeSeconds = 86400 } = options;
    check(
      lib,
      lib.audit_config_set_journal_segments(
        config,
        count('segmentBytes', segmentBytes),
        count('segmentAgeSeconds', segmentAgeSeconds),
      ),
    );
  }
  if (given(options, ['retainBytes', 'retainSegments', 'retainAgeSeconds'])) {
    const { retainBytes = 0, retainSegments = 0, retainAgeSeconds = 0 } = options;
    check(
      lib,
      lib.audit_config_set_journal_retention(
        config,
        count('retainBytes', retainBytes),
        count('retainSegments', retainSegments),
        count('retainAgeSeconds', retainAgeSeconds),
      ),
    );
  }
}

/** The journal counters of the logger `handle` (AuditError NOT_FOUND without a journal). */
function journalStats(lib, handle) {
  const stats = {
    struct_size: koffi.sizeof('AuditJournalStats'),
    written_seq: 0,
    durable_seq: 0,
    checkpoints: 0,
    epoch: 0,
    recovered_bytes_dropped: 0,
    failing: 0,
    fsyncs: 0,
  };
  check(lib, lib.audit_journal_stats(handle, stats));
  return {
    writtenSeq: Number(stats.written_seq),
    durableSeq: Number(stats.durable_seq),
    checkpoints: Number(stats.checkpoints),
    epoch: Number(stats.epoch),
    recoveredBytesDropped: Number(stats.recovered_bytes_dropped),
    failing: Number(stats.failing) !== 0,
    fsyncs: Number(stats.fsyncs),
  };
}

/**
 * Verifies the journal in `dir` against the trust anchor `anchor` (the path
 * of an anchor.pub file kept out of band, or the base64 public key). Returns
 * { verdict: 'valid' | 'unsealed-tail' | 'tampered', report } with the parsed
 * JSON report (findings in report.findings); tampering is a verdict, not an
 * error. Throws AuditError INVALID_ARGUMENT (an unusable anchor) or IO (not a
 * readable journal). It does not lock: a live logger may keep writing.
 */
function verifyJournal(dir, anchor) {
  const lib = native();
  const d = text('dir', dir);
  const verdict = [0];
  const out = [null];
  check(lib, lib.audit_journal_verify(d, text('anchor', anchor), verdict, out), {
    path: d,
    syscall: 'audit_journal_verify',
  });
  return verification(lib, verdict, out);
}

/**
 * Writes to `path` (atomically) a proof bundle of the sealed events of the
 * journal in `dir` that `filter` selects (the keys of logger.query; {} selects
 * every event): the signed checkpoint chain and each event with its inclusion
 * proof, which verifyExport (or anyone with the trust anchor) checks offline.
 * Returns how many selected events were left out because no checkpoint seals
 * them yet. Throws AuditError INVALID_ARGUMENT (nothing sealed yet, or
 * retention deleted the first segments) or IO (not a readable journal,
 * `path` not writable).
 */
function exportJournalProofs(dir, filter, path) {
  const lib = native();
  const d = text('dir', dir);
  const p = text('path', path);
  const skipped = [0];
  withFilter(lib, filter === undefined ? {} : filter, (handle) =>
    check(lib, lib.audit_journal_export_proofs(d, handle, p, null, skipped), {
      path: d,
      syscall: 'audit_journal_export_proofs',
    }),
  );
  return Number(skipped[0]);
}

/**
 * Verifies the proof bundle at `path` (from exportJournalProofs or
 * `audit-logger export --proofs`) against the trust anchor alone. Returns
 * { verdict, report } as verifyJournal does (the report has no log_id or
 * segments). Throws AuditError INVALID_ARGUMENT (an unusable anchor, a file
 * that is not a proof bundle) or IO (unreadable).
 */
function verifyExport(path, anchor) {
  const lib = native();
  const p = text('path', path);
  const verdict = [0];
  const out = [null];
  check(lib, lib.audit_export_verify(p, text('anchor', anchor), verdict, out), {
    path: p,
    syscall: 'audit_export_verify',
  });
  return verification(lib, verdict, out);
}

/** The { verdict, report } of a verifying call's outputs; frees the report. */
function verification(lib, verdict, out) {
  let json;
  try {
    json = koffi.decode(out[0], 'char', -1);
  } finally {
    lib.audit_string_free(out[0]);
  }
  return { verdict: VERDICTS[verdict[0]] || `unknown-${verdict[0]}`, report: JSON.parse(json) };
}

module.exports = {
  JOURNAL_KEYS,
  Verdict,
  configureJournal,
  journalStats,
  verifyJournal,
  exportJournalProofs,
  verifyExport,
};
