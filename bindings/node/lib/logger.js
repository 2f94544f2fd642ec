'use strict';
// AuditLogger: the JS face of one AuditLogger handle.

const { native, koffi } = require('./native');
const { AuditError, check, lastError, Status } = require('./errors');
const { text, count, onlyKeys } = require('./args');
const { severityValue } = require('./severity');
const { takeList } = require('./events');
const { withFilter } = require('./filter');
const { subscribe } = require('./subscriptions');
const { JOURNAL_KEYS, configureJournal, journalStats } = require('./journal');
const { addForwarder, forwarderStats, closeForwarder } = require('./forward');

const CONFIG_SETTERS = {
  capacity: 'audit_config_set_capacity',
  maxFieldBytes: 'audit_config_set_max_field_bytes',
  maxDetailsBytes: 'audit_config_set_max_details_bytes',
  maxDetailsDepth: 'audit_config_set_max_details_depth',
  maxTotalBytes: 'audit_config_set_max_total_bytes',
  maxDocumentBytes: 'audit_config_set_max_document_bytes',
};
const LOG_KEYS = ['actor', 'action', 'resource', 'outcome', 'severity', 'details'];

/** `event` (an object of LOG_KEYS) as the fields of an AuditNewEvent. */
function newEvent(lib, what, event) {
  if (event === null || typeof event !== 'object') throw new TypeError(`${what} takes an event object`);
  onlyKeys(what, event, LOG_KEYS);
  const { actor = '', action = '', resource = '', outcome = '', severity = 'INFO', details } = event;
  let detailsJson = null;
  if (typeof details === 'string') detailsJson = text('details', details);
  else if (details !== undefined && details !== null) {
    const json = JSON.stringify(details);
    if (typeof json !== 'string') throw new TypeError('details must be an object or JSON text');
    detailsJson = text('details', json);
  }
  return {
    actor: text('actor', actor),
    action: text('action', action),
    resource: text('resource', resource),
    outcome: text('outcome', outcome),
    severity: severityValue(lib, severity),
    details_json: detailsJson,
  };
}

class AuditLogger {
  #lib;
  #handle;
  #dispatching = 0; // subscriber callbacks of this logger now running
  #subscriptions = new Set(); // end() of each active subscription

  /**
   * new AuditLogger(), new AuditLogger(capacity), or new AuditLogger({ capacity,
   * maxFieldBytes, maxDetailsBytes, maxDetailsDepth, maxTotalBytes,
   * maxDocumentBytes, journal, ... }); unset values keep the library defaults
   * (capacity 5000). `journal` is a directory for a durable, sealed journal,
   * with fsync ('never' | 'batch' | 'always'), batchEvents, batchIntervalMs,
   * syncCritical, epochEvents, epochIntervalMs, segmentBytes,
   * segmentAgeSeconds, retainBytes, retainSegments, retainAgeSeconds.
   */
  constructor(options = {}) {
    if (typeof options === 'number' || typeof options === 'bigint') options = { capacity: options };
    if (options === null || typeof options !== 'object') {
      throw new TypeError('AuditLogger options must be a capacity or an object');
    }
    onlyKeys('AuditLogger', options, [...Object.keys(CONFIG_SETTERS), ...JOURNAL_KEYS]);
    const lib = native();
    this.#lib = lib;
    const keys = Object.keys(options).filter((k) => options[k] !== undefined);
    if (keys.length === 1 && keys[0] === 'capacity') {
      const out = [null];
      check(lib, lib.audit_logger_new(count('capacity', options.capacity), out));
      this.#handle = out[0];
      return;
    }
    const config = lib.audit_config_new();
    if (!config) throw new Error('audit-logger: audit_config_new failed');
    try {
      for (const [key, setter] of Object.entries(CONFIG_SETTERS)) {
        if (options[key] !== undefined) check(lib, lib[setter](config, count(key, options[key])));
      }
      configureJournal(lib, config, options);
      const out = [null];
      const where = typeof options.journal === 'string' ? { path: options.journal, syscall: 'audit_logger_new_with_config' } : undefined;
      check(lib, lib.audit_logger_new_with_config(config, out), where);
      this.#handle = out[0];
    } finally {
      lib.audit_config_free(config);
    }
  }

  #live() {
    if (!this.#handle) throw new Error('audit-logger: this AuditLogger is closed');
    return this.#handle;
  }

  /**
   * Records an event and returns its seq. Strings default to ''; severity is a
   * name ('warning') or number (default INFO); details is a plain object
   * (serialised with JSON.stringify) or JSON text passed verbatim.
   * Subscribers run before this returns.
   */
  log(event = {}) {
    const e = newEvent(this.#lib, 'log()', event);
    const out = [0];
    check(
      this.#lib,
      this.#lib.audit_log(this.#live(), e.actor, e.action, e.resource, e.outcome, e.severity, e.details_json, out),
    );
    return out[0];
  }

  /**
   * Records an array of events (each as for log()) in one call and returns
   * the seq of the first (0 for an empty array): they get consecutive seqs in
   * order and one timestamp, and no other event comes between them. All or
   * nothing: one bad event throws the error log() would throw for it, its
   * message starting with `event <index>: `, and none is recorded.
   */
  logBatch(events) {
    if (!Array.isArray(events)) throw new TypeError('logBatch() takes an array of event objects');
    const lib = this.#lib;
    const batch = events.map((event, i) => {
      try {
        return newEvent(lib, 'logBatch()', event);
      } catch (err) {
        if (err instanceof AuditError) throw new AuditError(err.statusCode, `event ${i}: ${err.detail}`);
        if (err instanceof TypeError) throw new TypeError(`event ${i}: ${err.message}`);
        throw err;
      }
    });
    const out = [0];
    check(lib, lib.audit_log_batch(this.#live(), batch.length ? batch : null, batch.length, out));
    return out[0];
  }

  /**
   * The events matching `filter`, oldest first. Filter keys: actor, action,
   * resource, outcome (exact; '' is a real filter), minSeverity, maxSeverity,
   * since, until (Date or microseconds, inclusive), afterSeq, limit (newest N).
   */
  query(filter = {}) {
    const handle = this.#live();
    const lib = this.#lib;
    return withFilter(lib, filter, (f) => {
      const out = [null];
      check(lib, lib.audit_query(handle, f, out));
      return takeList(lib, out[0]);
    });
  }

  /** Like query(filter), as a JSON document in the export format, written by the library. */
  queryJson(filter = {}) {
    const handle = this.#live();
    const lib = this.#lib;
    return withFilter(lib, filter, (f) => {
      const out = [null];
      check(lib, lib.audit_query_json(handle, f, out));
      return takeString(lib, out[0]);
    });
  }

  /** The newest `n` events, oldest first (recent(0) is empty). */
  recent(n) {
    const out = [null];
    check(this.#lib, this.#lib.audit_recent(this.#live(), count('n', n), out));
    return takeList(this.#lib, out[0]);
  }

  /** The event with sequence number `seq`, or undefined if it is evicted or not logged yet. */
  get(seq) {
    const out = [null];
    const rc = this.#lib.audit_get(this.#live(), count('seq', seq), out);
    if (rc === Status.NOT_FOUND) return undefined;
    check(this.#lib, rc);
    return takeList(this.#lib, out[0])[0];
  }

  /**
   * The export document (pretty JSON array) as a string; with `path`, also
   * written to that file atomically (the old file stays intact on failure).
   * An empty path ('') writes no file, as in the other bindings.
   */
  exportJson(path) {
    const handle = this.#live();
    const lib = this.#lib;
    const out = [null];
    const file = path === undefined || path === null || path === '' ? null : text('path', path);
    check(lib, lib.audit_export_json(handle, file, out), { path: file, syscall: 'audit_export_json' });
    return takeString(lib, out[0]);
  }

  /**
   * Appends the events of an export document (JSON text, or the parsed array)
   * and returns how many; all or nothing. Imported events keep their
   * timestamps, get new seqs and are not passed to subscribers.
   */
  importJson(doc) {
    const json = typeof doc === 'string' ? doc : JSON.stringify(doc);
    if (typeof json !== 'string') throw new TypeError('importJson() takes JSON text or an array of events');
    const out = [0];
    check(this.#lib, this.#lib.audit_import_json(this.#live(), text('doc', json), out));
    return out[0];
  }

  /** Like importJson(), reading the document from the file at `path`. */
  importJsonFile(path) {
    const out = [0];
    const file = text('path', path);
    check(this.#lib, this.#lib.audit_import_json_file(this.#live(), file, out), {
      path: file,
      syscall: 'audit_import_json_file',
    });
    return out[0];
  }

  /** Events held now. */
  get count() {
    return this.#counter('audit_logger_count');
  }

  /** The most events held. */
  get capacity() {
    return this.#counter('audit_logger_capacity');
  }

  /** Events evicted so far to respect the capacity or byte budget. */
  get evicted() {
    return this.#counter('audit_logger_evicted');
  }

  /** Events ever stored (logged or imported): count + evicted, the newest seq. */
  get appended() {
    return this.#counter('audit_logger_appended');
  }

  /**
   * The journal's counters: { writtenSeq, durableSeq, checkpoints, epoch,
   * recoveredBytesDropped, failing }. AuditError NOT_FOUND without a journal.
   */
  journalStats() {
    return journalStats(this.#lib, this.#live());
  }

  /**
   * Attaches a forwarder named `name` (1 to 64 of A-Z a-z 0-9 - _ .) and
   * returns its index (from 0). `options`: { target: 'syslog' | 'otlp' |
   * 'kafka' | 'jsonl', address | endpoint | brokers + topic | path, tls,
   * format, backlog, overflow, blockTimeoutMs, retryInitialMs, retryMaxMs,
   * closeTimeoutMs, properties }. Without a journal it forwards what is
   * logged from now on; with one, everything the journal holds after its
   * cursor (kept beside the journal, resumed after a restart).
   */
  addForwarder(name, options) {
    return addForwarder(this.#lib, this.#live(), name, options);
  }

  /** The counters of forwarder `index` (its final ones once closed). */
  forwarderStats(index) {
    return forwarderStats(this.#lib, this.#live(), index);
  }

  /**
   * Closes forwarder `index`, delivering what is left for up to `timeoutMs`
   * (blocks this thread); returns { delivered, left, timedOut, dropped,
   * lastAckedSeq }. close() closes every forwarder with its own close timeout.
   */
  closeForwarder(index, timeoutMs = 5000) {
    return closeForwarder(this.#lib, this.#live(), index, timeoutMs);
  }

  #counter(fn) {
    return Number(this.#lib[fn](this.#live()));
  }

  /**
   * Calls `fn(event)` for every event logged from now on, on the main thread,
   * and returns `unsubscribe()` (true if it removed the subscription), with
   * `unsubscribe.stats()` → { delivered, failed, dropped } and `unsubscribe.id`.
   * A subscriber that throws or returns false counts as a failure; the error
   * goes to `options.onError(err, event)` if given, never to the logger.
   * With `options.queue` = { capacity, overflow: 'drop-oldest' (default) |
   * 'drop-newest' | 'block', blockTimeoutMs (with 'block') }, events reach
   * `fn` through a bounded queue, later, in log order: `log()` never waits for
   * `fn` (with 'block', only up to blockTimeoutMs for room in a full queue).
   */
  subscribe(fn, options = {}) {
    const handle = this.#live();
    return subscribe(this.#lib, handle, fn, options, {
      enter: () => this.#dispatching++,
      leave: () => this.#dispatching--,
      track: (end) => this.#subscriptions.add(end),
      forget: (end) => this.#subscriptions.delete(end),
      closed: () => !this.#handle,
    });
  }

  /**
   * Resolves once every queued subscription has delivered all it holds and
   * its subscriber is idle (at once if there are none, or once the logger is
   * closed); rejects with AuditError TIMEOUT after `timeoutMs`.
   *
   * Queued subscribers run on the main thread, so this must not block it:
   * audit_flush with a real timeout would hold the main thread while the
   * delivery threads wait for it, and could only time out. Instead it asks
   * audit_flush with a timeout of 0, which answers at once, and between asks
   * returns to the event loop, where the subscribers run (a 1 ms timer: a
   * setImmediate loop would keep a core busy). Safe to call inside a
   * subscriber: the promise settles after that call has returned.
   */
  async flush(timeoutMs) {
    count('timeoutMs', timeoutMs);
    const lib = this.#lib;
    this.#live();
    const deadline = performance.now() + Number(timeoutMs);
    for (;;) {
      if (!this.#handle) return; // closed meanwhile: every queue has ended
      const rc = lib.audit_flush(this.#handle, 0);
      if (rc === 0) return;
      if (rc !== Status.TIMEOUT) throw lastError(lib, rc);
      if (performance.now() >= deadline) {
        throw new AuditError(Status.TIMEOUT, `queued subscribers still busy after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * The `AuditLogger *` handle, as a koffi pointer, for C code loaded with
   * koffi that logs to this logger (from its own threads, say). Valid until
   * close(); the C code must stop using it before then.
   */
  get nativeHandle() {
    return this.#live();
  }

  /** True once close() has run. */
  get closed() {
    return !this.#handle;
  }

  /**
   * Frees the logger; every subscription ends (with a journal: what is queued
   * is written and a final checkpoint sealed). Idempotent. Not allowed inside
   * one of this logger's subscribers, nor while other threads still log to it.
   */
  close() {
    if (!this.#handle) return;
    if (this.#dispatching > 0) {
      throw new Error('audit-logger: close() called from one of this logger\'s own subscribers');
    }
    for (const end of [...this.#subscriptions]) end();
    const handle = this.#handle;
    this.#handle = null;
    this.#lib.audit_logger_free(handle);
  }

  [Symbol.dispose]() {
    this.close();
  }
}

/** Copies and frees a `char *` the library returned. */
function takeString(lib, ptr) {
  try {
    return koffi.decode(ptr, 'char', -1);
  } finally {
    lib.audit_string_free(ptr);
  }
}

module.exports = { AuditLogger };
