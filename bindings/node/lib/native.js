'use strict';
// The C ABI of libaudit_logger, declared for koffi. Nothing here has logic
// beyond finding and loading the library: every other module goes through
// `native()`, which loads it on first use so that requiring the package (for
// its constants, say) never fails.

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

const PACKAGE_DIR = path.resolve(__dirname, '..');
/** The copy inside the package: prebuilds/<platform>-<arch>/ (put there before `npm pack`). */
const BUNDLED = path.join(PACKAGE_DIR, 'prebuilds', `${process.platform}-${process.arch}`, 'libaudit_logger.so');
/** The repository build, when the package is bindings/node of a checkout. */
const REPO_ROOT = path.resolve(PACKAGE_DIR, '..', '..');
const REPO_BUILD = path.join(REPO_ROOT, 'target', 'release', 'libaudit_logger.so');
/** The name the system loader knows the library by (its SONAME). */
const SYSTEM_NAME = 'libaudit_logger.so.0';

/**
 * Where the library is looked for, in order, as [path or name, what it is]:
 * AUDIT_LOGGER_LIB alone when it is set; else the copy inside the package, the
 * repository build (in a checkout only), then the system loader.
 */
function libraryCandidates() {
  if (process.env.AUDIT_LOGGER_LIB) return [[process.env.AUDIT_LOGGER_LIB, 'AUDIT_LOGGER_LIB']];
  const candidates = [[BUNDLED, 'inside the package']];
  if (fs.existsSync(path.join(REPO_ROOT, 'Cargo.toml'))) candidates.push([REPO_BUILD, 'the repository build']);
  candidates.push([SYSTEM_NAME, 'the system loader']);
  return candidates;
}

/**
 * The library in use once loaded; before that, the first candidate that
 * exists (a bare name means the system loader).
 */
function libraryPath() {
  if (loaded) return loaded.path;
  const found = libraryCandidates().find(([where]) => !where.includes('/') || fs.existsSync(where));
  return found ? found[0] : SYSTEM_NAME;
}

// Types, declared once per process (koffi type names are global).
const AuditLogger = koffi.opaque('AuditLogger');
const AuditConfig = koffi.opaque('AuditConfig');
const AuditFilter = koffi.opaque('AuditFilter');
const AuditEvent = koffi.opaque('AuditEvent');
const AuditEventList = koffi.opaque('AuditEventList');
const AuditSubscriptionStats = koffi.struct('AuditSubscriptionStats', {
  struct_size: 'uint64_t',
  delivered: 'uint64_t',
  failed: 'uint64_t',
  dropped: 'uint64_t',
});
const AuditJournalStats = koffi.struct('AuditJournalStats', {
  struct_size: 'uint64_t',
  written_seq: 'uint64_t',
  durable_seq: 'uint64_t',
  checkpoints: 'uint64_t',
  epoch: 'uint64_t',
  recovered_bytes_dropped: 'uint64_t',
  failing: 'uint64_t',
  fsyncs: 'uint64_t',
});
const AuditForwarderConfig = koffi.opaque('AuditForwarderConfig');
const AuditForwarderStats = koffi.struct('AuditForwarderStats', {
  struct_size: 'uint64_t',
  offered: 'uint64_t',
  delivered: 'uint64_t',
  resent: 'uint64_t',
  retries: 'uint64_t',
  dropped: 'uint64_t',
  rejected: 'uint64_t',
  lag_events: 'uint64_t',
  lag_seconds: 'double',
  backlog: 'uint64_t',
  in_flight: 'uint64_t',
  connected: 'uint64_t',
  last_acked_seq: 'uint64_t',
  has_error: 'uint64_t',
});
const AuditForwarderReport = koffi.struct('AuditForwarderReport', {
  delivered: 'uint64_t',
  left: 'uint64_t',
  timed_out: 'uint64_t',
  dropped: 'uint64_t',
  last_acked_seq: 'uint64_t',
});
const AuditNewEvent = koffi.struct('AuditNewEvent', {
  actor: 'const char *',
  action: 'const char *',
  resource: 'const char *',
  outcome: 'const char *',
  severity: 'uint32_t',
  details_json: 'const char *',
});
// `ctx` is declared as an integer (same ABI as `void *`): the binding passes a
// key into its own table, never a real pointer.
const AuditCallback = koffi.proto('int32_t AuditCallback(uintptr_t ctx, const AuditEvent *event)');
const AuditFreeCtx = koffi.proto('void AuditFreeCtx(uintptr_t ctx)');

const PROTOTYPES = [
  'const char *audit_last_error_message()',
  'int32_t audit_last_error_errno()',
  'const char *audit_status_str(uint32_t status)',
  'const char *audit_version()',
  'void audit_string_free(void *s)',

  'AuditConfig *audit_config_new()',
  'void audit_config_free(AuditConfig *config)',
  'uint32_t audit_config_set_capacity(AuditConfig *config, size_t value)',
  'uint32_t audit_config_set_max_field_bytes(AuditConfig *config, size_t value)',
  'uint32_t audit_config_set_max_details_bytes(AuditConfig *config, size_t value)',
  'uint32_t audit_config_set_max_details_depth(AuditConfig *config, size_t value)',
  'uint32_t audit_config_set_max_total_bytes(AuditConfig *config, size_t value)',
  'uint32_t audit_config_set_max_document_bytes(AuditConfig *config, size_t value)',
  'uint32_t audit_config_set_journal(AuditConfig *config, const char *dir)',
  'uint32_t audit_config_set_journal_fsync(AuditConfig *config, uint32_t policy, uint32_t batch_events, ' +
    'uint32_t batch_interval_ms, int32_t sync_critical)',
  'uint32_t audit_config_set_journal_epoch(AuditConfig *config, uint64_t events, uint32_t interval_ms)',
  'uint32_t audit_config_set_journal_segments(AuditConfig *config, uint64_t max_bytes, uint64_t max_age_s)',
  'uint32_t audit_config_set_journal_retention(AuditConfig *config, uint64_t max_bytes, ' +
    'uint64_t max_segments, uint64_t max_age_s)',

  'uint32_t audit_journal_stats(const AuditLogger *logger, _Inout_ AuditJournalStats *stats)',
  'uint32_t audit_journal_verify(const char *dir, const char *anchor, _Out_ uint32_t *out_verdict, ' +
    '_Out_ void **out_report_json)',
  'uint32_t audit_journal_export_proofs(const char *dir, const AuditFilter *filter, const char *path, ' +
    'void **out_json, _Out_ uint64_t *out_unsealed_skipped)',
  'uint32_t audit_export_verify(const char *path, const char *anchor, _Out_ uint32_t *out_verdict, ' +
    '_Out_ void **out_report_json)',

  'uint32_t audit_forwarder_config_new_syslog(const char *address, _Out_ AuditForwarderConfig **out)',
  'uint32_t audit_forwarder_config_new_otlp(const char *endpoint, _Out_ AuditForwarderConfig **out)',
  'uint32_t audit_forwarder_config_new_kafka(const char *brokers, const char *topic, _Out_ AuditForwarderConfig **out)',
  'uint32_t audit_forwarder_config_new_jsonl(const char *path, _Out_ AuditForwarderConfig **out)',
  'void audit_forwarder_config_free(AuditForwarderConfig *config)',
  'uint32_t audit_forwarder_config_set_tls(AuditForwarderConfig *config, const char *ca_file, ' +
    'const char *server_name, const char *client_cert, const char *client_key)',
  'uint32_t audit_forwarder_config_set_format(AuditForwarderConfig *config, uint32_t format)',
  'uint32_t audit_forwarder_config_set_backlog(AuditForwarderConfig *config, size_t capacity, ' +
    'uint32_t overflow, uint32_t block_timeout_ms)',
  'uint32_t audit_forwarder_config_set_retry(AuditForwarderConfig *config, uint32_t initial_ms, uint32_t max_ms)',
  'uint32_t audit_forwarder_config_set_close_timeout(AuditForwarderConfig *config, uint32_t timeout_ms)',
  'uint32_t audit_forwarder_config_set_property(AuditForwarderConfig *config, const char *key, const char *value)',
  'uint32_t audit_logger_add_forwarder(const AuditLogger *logger, const char *name, ' +
    'const AuditForwarderConfig *config, _Out_ uint32_t *out_index)',
  'uint32_t audit_forwarder_stats(const AuditLogger *logger, uint32_t index, _Inout_ AuditForwarderStats *stats)',
  'uint32_t audit_forwarder_last_error(const AuditLogger *logger, uint32_t index, _Out_ void **out_message)',
  'uint32_t audit_forwarder_close(const AuditLogger *logger, uint32_t index, uint32_t timeout_ms, ' +
    '_Out_ AuditForwarderReport *out_report)',

  'uint32_t audit_logger_new(size_t capacity, _Out_ AuditLogger **out)',
  'uint32_t audit_logger_new_with_config(const AuditConfig *config, _Out_ AuditLogger **out)',
  'void audit_logger_free(AuditLogger *logger)',
  'uint64_t audit_logger_count(const AuditLogger *logger)',
  'uint64_t audit_logger_capacity(const AuditLogger *logger)',
  'uint64_t audit_logger_evicted(const AuditLogger *logger)',
  'uint64_t audit_logger_appended(const AuditLogger *logger)',

  'uint32_t audit_log(AuditLogger *logger, const char *actor, const char *action, ' +
    'const char *resource, const char *outcome, uint32_t severity, const char *details_json, ' +
    '_Out_ uint64_t *out_seq)',
  'uint32_t audit_log_batch(AuditLogger *logger, const AuditNewEvent *events, size_t count, ' +
    '_Out_ uint64_t *out_first_seq)',
  'uint32_t audit_query(const AuditLogger *logger, const AuditFilter *filter, _Out_ AuditEventList **out)',
  'uint32_t audit_query_json(const AuditLogger *logger, const AuditFilter *filter, _Out_ void **out_json)',
  'uint32_t audit_get(const AuditLogger *logger, uint64_t seq, _Out_ AuditEventList **out)',
  'uint32_t audit_recent(const AuditLogger *logger, size_t n, _Out_ AuditEventList **out)',
  'uint32_t audit_export_json(const AuditLogger *logger, const char *path, _Out_ void **out_json)',
  'uint32_t audit_import_json(AuditLogger *logger, const char *json, _Out_ size_t *out_count)',
  'uint32_t audit_import_json_file(AuditLogger *logger, const char *path, _Out_ size_t *out_count)',

  'AuditFilter *audit_filter_new()',
  'void audit_filter_free(AuditFilter *filter)',
  'uint32_t audit_filter_set_actor(AuditFilter *filter, const char *value)',
  'uint32_t audit_filter_set_action(AuditFilter *filter, const char *value)',
  'uint32_t audit_filter_set_resource(AuditFilter *filter, const char *value)',
  'uint32_t audit_filter_set_outcome(AuditFilter *filter, const char *value)',
  'uint32_t audit_filter_set_min_severity(AuditFilter *filter, uint32_t severity)',
  'uint32_t audit_filter_set_max_severity(AuditFilter *filter, uint32_t severity)',
  'uint32_t audit_filter_set_since(AuditFilter *filter, int64_t micros)',
  'uint32_t audit_filter_set_until(AuditFilter *filter, int64_t micros)',
  'uint32_t audit_filter_set_after_seq(AuditFilter *filter, uint64_t value)',
  'uint32_t audit_filter_set_limit(AuditFilter *filter, size_t value)',

  'size_t audit_event_list_len(const AuditEventList *list)',
  'const AuditEvent *audit_event_list_get(const AuditEventList *list, size_t index)',
  'void audit_event_list_free(AuditEventList *list)',
  'uint64_t audit_event_seq(const AuditEvent *event)',
  'int64_t audit_event_timestamp(const AuditEvent *event)',
  'uint32_t audit_event_severity(const AuditEvent *event)',
  'const char *audit_event_actor(const AuditEvent *event)',
  'const char *audit_event_action(const AuditEvent *event)',
  'const char *audit_event_resource(const AuditEvent *event)',
  'const char *audit_event_outcome(const AuditEvent *event)',
  'const char *audit_event_details(const AuditEvent *event)',
  'uint32_t audit_event_to_json(const AuditEvent *event, _Out_ void **out_json)',

  'const char *audit_severity_name(uint32_t severity)',
  'uint32_t audit_severity_from_name(const char *name, _Out_ uint32_t *out)',

  'uint32_t audit_subscribe(AuditLogger *logger, AuditCallback *callback, uintptr_t ctx, ' +
    'AuditFreeCtx *free_ctx, _Out_ uint64_t *out_id)',
  'uint32_t audit_subscribe_queued(AuditLogger *logger, AuditCallback *callback, uintptr_t ctx, ' +
    'AuditFreeCtx *free_ctx, size_t queue_capacity, uint32_t overflow, uint32_t block_timeout_ms, ' +
    '_Out_ uint64_t *out_id)',
  'uint32_t audit_flush(const AuditLogger *logger, uint32_t timeout_ms)',
  'uint32_t audit_unsubscribe(AuditLogger *logger, uint64_t id)',
  'uint32_t audit_unsubscribe_with_stats(AuditLogger *logger, uint64_t id, ' +
    '_Inout_ AuditSubscriptionStats *stats)',
  'uint32_t audit_subscription_stats(const AuditLogger *logger, uint64_t id, ' +
    '_Inout_ AuditSubscriptionStats *stats)',
];

let loaded = null;

/**
 * The loaded library: an object with one JS function per C function (named as
 * in C), plus `path`. Throws an Error naming every place tried when none loads.
 */
function native() {
  if (loaded) return loaded;
  const tried = [];
  let lib = null;
  let file = null;
  for (const [where, what] of libraryCandidates()) {
    if (where.includes('/') && !fs.existsSync(where)) {
      tried.push(`${where} (${what}): does not exist`);
      continue;
    }
    try {
      lib = koffi.load(where);
      file = where;
      break;
    } catch (err) {
      tried.push(`${where} (${what}): ${err.message}`);
    }
  }
  if (!lib) {
    throw new Error(
      `audit-logger: cannot load libaudit_logger; tried ${tried.join('; ')}. ` +
        'Install the npm package (it carries the library for linux-x64), set AUDIT_LOGGER_LIB, ' +
        'or run `cargo build --release` in the repository root',
    );
  }
  const fns = { path: file, lib };
  for (const prototype of PROTOTYPES) {
    const fn = lib.func(prototype);
    fns[fn.info.name] = fn;
  }
  loaded = fns;
  return loaded;
}

module.exports = {
  koffi,
  native,
  libraryPath,
  libraryCandidates,
  types: { AuditLogger, AuditConfig, AuditFilter, AuditEvent, AuditEventList, AuditSubscriptionStats, AuditJournalStats, AuditForwarderConfig, AuditForwarderStats, AuditForwarderReport, AuditCallback, AuditFreeCtx },
};
