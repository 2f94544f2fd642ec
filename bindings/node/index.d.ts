// Type declarations for audit-logger (Node.js binding of the audit-logger C library).

/** Severity numbers of the C API. */
export declare const Severity: Readonly<{ INFO: 10; WARNING: 20; ERROR: 30; CRITICAL: 40 }>;
export declare const INFO: 10;
export declare const WARNING: 20;
export declare const ERROR: 30;
export declare const CRITICAL: 40;

export type SeverityName = 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
export type SeverityValue = 10 | 20 | 30 | 40;
/** A severity as a name in any ASCII case ('warning') or a number (20). */
export type SeverityLike = SeverityName | Lowercase<SeverityName> | (string & {}) | number;

/** Severity names by value. */
export declare const SEVERITY_NAMES: Readonly<Record<SeverityValue, SeverityName>>;

/** Status names of the C API (AUDIT_ERR_*) and their codes. */
export declare const Status: Readonly<{
  NULL_ARGUMENT: 1;
  INVALID_UTF8: 2;
  INVALID_SEVERITY: 3;
  INVALID_DETAILS: 4;
  INVALID_CAPACITY: 5;
  INVALID_ARGUMENT: 6;
  TOO_LARGE: 7;
  INVALID_DOCUMENT: 8;
  IO: 9;
  NOT_FOUND: 10;
  PANIC: 11;
  TIMEOUT: 12;
  TOO_DEEP: 13;
}>;
export type StatusName = keyof typeof Status;

/** A failure reported by the library (or caught before the call with the library's code). */
export declare class AuditError extends Error {
  readonly name: 'AuditError';
  /**
   * The numeric AuditStatus (3 for INVALID_SEVERITY); for an I/O error with an
   * OS error behind it, the errno name ('ENOENT'), as in Node's fs errors.
   */
  readonly code: number | string;
  /** The numeric AuditStatus, always. */
  readonly statusCode: number;
  /** I/O errors with an OS error: the negative errno, as Node's fs errors have it (-2 for ENOENT). */
  readonly errno?: number;
  /** I/O errors: the file. */
  readonly path?: string;
  /** I/O errors: the C function that failed ('audit_export_json', 'audit_import_json_file'). */
  readonly syscall?: string;
  /** The status name ('INVALID_SEVERITY'), or 'UNKNOWN' for a code this binding does not know. */
  readonly status: StatusName | 'UNKNOWN';
  /** The library's message: which argument and why. */
  readonly detail: string;
  constructor(code: number, message?: string);
}

/** Any JSON value that may appear inside `details`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A recorded event, copied out of the library. */
export interface AuditEvent {
  /** Sequence number: from 1, strictly increasing per logger; gaps show eviction. */
  seq: number;
  /** Microseconds since the Unix epoch, UTC. */
  timestamp: number;
  /** `timestamp` as a Date (millisecond precision). */
  time: Date;
  actor: string;
  action: string;
  resource: string;
  outcome: string;
  severity: SeverityName;
  severityValue: SeverityValue;
  /** The details object, parsed. */
  details: { [key: string]: JsonValue };
  /** The details as the library holds them: compact JSON text, keys in logged order. */
  detailsJson: string;
  /** The library's compact JSON line for the event (audit_event_to_json): an element of the export. */
  json: string;
}

/** What log() records. Strings default to '', severity to INFO, details to {}. */
export interface LogEntry {
  actor?: string;
  action?: string;
  resource?: string;
  outcome?: string;
  severity?: SeverityLike;
  /** A plain object (serialised with JSON.stringify) or JSON object text (passed verbatim). */
  details?: { [key: string]: unknown } | string | null;
}

/** A query filter. undefined or null leaves a criterion unset; '' is a real criterion. */
export interface QueryFilter {
  actor?: string | null;
  action?: string | null;
  resource?: string | null;
  outcome?: string | null;
  minSeverity?: SeverityLike | null;
  maxSeverity?: SeverityLike | null;
  /** Inclusive; a Date or microseconds since the epoch. */
  since?: Date | number | bigint | null;
  /** Inclusive; a Date or microseconds since the epoch. */
  until?: Date | number | bigint | null;
  /** Only events with a greater seq (a cursor). */
  afterSeq?: number | bigint | null;
  /** Keep the newest N matches (still oldest first); 0 keeps none. */
  limit?: number | bigint | null;
}

/** Logger settings; unset values keep the library defaults. */
export interface AuditLoggerOptions {
  /** Most events kept (default 5000, > 0). */
  capacity?: number;
  /** Most bytes in each of actor, action, resource, outcome (default 8 KiB). */
  maxFieldBytes?: number;
  /** Most bytes of details JSON text (default 64 KiB). */
  maxDetailsBytes?: number;
  /** Deepest nesting of details, 1 to 128 (default 32). */
  maxDetailsDepth?: number;
  /** Most bytes held by the ring (default 1 GiB). */
  maxTotalBytes?: number;
  /** Most bytes of a document importJson/importJsonFile accept (default 1 GiB). */
  maxDocumentBytes?: number;
  /**
   * A directory for a durable, sealed journal (made if missing): opening one
   * restores the newest `capacity` events and continues the seq. One logger
   * per directory (another open throws AuditError IO). The other journal
   * options need it.
   */
  journal?: string;
  /** When the journal fsyncs (default 'batch'). */
  fsync?: FsyncPolicy;
  /** With 'batch': fsync once this many events wait (default 1000, > 0). */
  batchEvents?: number;
  /** With 'batch': or once the oldest has waited this long (default 50). */
  batchIntervalMs?: number;
  /** Fsync a CRITICAL event at once under any policy (default true). */
  syncCritical?: boolean;
  /** Seal a checkpoint after this many events (default 10,000, > 0)... */
  epochEvents?: number | bigint;
  /** ...or this long after the previous one (default 60,000, > 0). */
  epochIntervalMs?: number;
  /** Start a new segment at this many bytes (default 64 MiB; 0: no limit). */
  segmentBytes?: number | bigint;
  /** ...or at this age (default one day; 0: no limit). */
  segmentAgeSeconds?: number | bigint;
  /** Delete the oldest segments while the journal holds more bytes (0, the default: no limit). */
  retainBytes?: number | bigint;
  /** ...or more segments (0: no limit). */
  retainSegments?: number | bigint;
  /** ...or once they ended longer ago (0: no limit). */
  retainAgeSeconds?: number | bigint;
}

/** When the journal fsyncs what it writes: never, in batches, or before log() returns. */
export type FsyncPolicy = 'never' | 'batch' | 'always';

/** Where and how a forwarder sends events (AuditLogger.addForwarder). */
export interface ForwarderOptions {
  target: 'syslog' | 'otlp' | 'kafka' | 'jsonl';
  /** syslog host:port. */
  address?: string;
  /** OTLP/HTTP logs endpoint URL. */
  endpoint?: string;
  /** Kafka bootstrap servers and topic. */
  brokers?: string;
  topic?: string;
  /** JSON Lines file. */
  path?: string;
  /** TLS for syslog: CA file (default the system store), server name, client certificate and key. */
  tls?: { caFile?: string; serverName?: string; clientCert?: string; clientKey?: string };
  /** Payload of Kafka and JSON Lines forwarders. */
  format?: 'canonical' | 'json-line' | 'ocsf';
  backlog?: number;
  overflow?: 'drop-oldest' | 'drop-newest' | 'block';
  blockTimeoutMs?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  closeTimeoutMs?: number;
  /** OTLP HTTP headers or librdkafka properties. */
  properties?: Record<string, string>;
}

/** A forwarder's counters and state. */
export interface ForwarderStats {
  offered: number;
  delivered: number;
  resent: number;
  retries: number;
  dropped: number;
  rejected: number;
  lagEvents: number;
  lagSeconds: number;
  backlog: number;
  inFlight: number;
  connected: boolean;
  lastAckedSeq: number;
  lastError: string | null;
}

/** What closing a forwarder achieved. */
export interface ForwarderReport {
  delivered: number;
  left: number;
  timedOut: boolean;
  dropped: number;
  lastAckedSeq: number;
}

/** A journal's counters. */
export interface JournalStats {
  /** The newest seq handed to the operating system. */
  writtenSeq: number;
  /** The newest seq known to be on disk (fsynced). */
  durableSeq: number;
  /** Checkpoints sealed since the logger was made. */
  checkpoints: number;
  /** The current epoch (the key that signs the next checkpoint). */
  epoch: number;
  /** Bytes cut off as a torn tail when the journal was opened. */
  recoveredBytesDropped: number;
  /** True while the journal cannot write (log() then throws). */
  failing: boolean;
  /** fdatasync calls since the journal was opened (under fsync 'always', concurrent log() calls share one). */
  fsyncs: number;
}

/** The verdict of verifyJournal. */
export type JournalVerdict = 'valid' | 'unsealed-tail' | 'tampered';

export declare const Verdict: {
  readonly VALID: 'valid';
  readonly UNSEALED_TAIL: 'unsealed-tail';
  readonly TAMPERED: 'tampered';
};

/** One thing verifyJournal found. */
export interface JournalFinding {
  class:
    | 'modified' | 'deleted' | 'gap' | 'reordered' | 'unsealed-tail' | 'missing-checkpoint'
    | 'wrong-epoch-key' | 'resigned' | 'inconsistent-size' | 'malformed';
  seq: number | null;
  last_seq: number | null;
  epoch: number | null;
  segment: string | null;
  offset: number | null;
  detail: string;
}

/** The library's verification report. */
export interface JournalReport {
  verdict: JournalVerdict;
  /** The journal's id (absent in the report of verifyExport). */
  log_id?: string;
  segments?: number;
  events_verified: number;
  events_unsealed: number;
  checkpoints: number;
  epochs: number;
  findings: JournalFinding[];
}

export interface SubscriptionStats {
  /** Events handed to the callback, whatever it did. */
  delivered: number;
  /** Of those, calls that threw or returned false. */
  failed: number;
  /**
   * Events never handed to the callback: discarded by a queue's overflow
   * policy (always 0 for synchronous subscriptions). Those still queued when
   * the subscription ends are discarded too, but the final counters are read
   * just before that.
   */
  dropped: number;
}

/** A subscriber: throw or return false to count a failure. */
export type Subscriber = (event: AuditEvent) => unknown;

/** What a full queue does with a new event. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'block';

/**
 * A bounded queue between the loggers and a subscriber. 'drop-oldest' (the
 * default) and 'drop-newest' never make log() wait; 'block' waits up to
 * blockTimeoutMs for room, then drops the new event.
 */
export type QueueOptions =
  | { capacity: number; overflow?: 'drop-oldest' | 'drop-newest'; blockTimeoutMs?: never }
  | { capacity: number; overflow: 'block'; blockTimeoutMs: number };

export interface SubscribeOptions {
  /** Told about each error a subscriber throws (the error is never propagated). */
  onError?: (error: unknown, event: AuditEvent | undefined) => void;
  /** Deliver through a bounded queue, drained on the main thread when it is free, instead of inside log(). */
  queue?: QueueOptions;
}

/** Ends the subscription; true if it was still active. Safe inside any subscriber. */
export interface Unsubscribe {
  (): boolean;
  /** Live counters; once ended, those read when it ended. */
  stats(): SubscriptionStats;
  /** The library's subscription id. */
  readonly id: number;
  /** True if events come through a queue. */
  readonly queued: boolean;
  /** False once unsubscribed or the logger is closed. */
  readonly active: boolean;
}

/** An in-memory audit log keeping the newest events. */
export declare class AuditLogger {
  constructor(options?: number | AuditLoggerOptions);
  /** Records an event and returns its seq; subscribers run before it returns. */
  log(entry?: LogEntry): number;
  /** Records the entries in one call (consecutive seqs, one timestamp, all or nothing); returns the first seq (0 if none). */
  logBatch(entries: LogEntry[]): number;
  /** Matching events, oldest first. */
  query(filter?: QueryFilter): AuditEvent[];
  /** Like query(), as a JSON document in the export format. */
  queryJson(filter?: QueryFilter): string;
  /** The newest n events, oldest first (recent(0) is empty). */
  recent(n: number): AuditEvent[];
  /** The event with that seq, or undefined if evicted or not logged yet. */
  get(seq: number): AuditEvent | undefined;
  /** The export document (pretty JSON); with a path (not ''), also written there atomically. */
  exportJson(path?: string): string;
  /** Appends the events of an export document (text or parsed); all or nothing. */
  importJson(doc: string | readonly object[]): number;
  /** Like importJson, reading the document from a file. */
  importJsonFile(path: string): number;
  /** Events held now. */
  readonly count: number;
  /** Most events held. */
  readonly capacity: number;
  /** Events evicted so far. */
  readonly evicted: number;
  /** Events ever stored (count + evicted): the newest seq. */
  readonly appended: number;
  /** The journal's counters; throws AuditError NOT_FOUND when the logger has no journal. */
  journalStats(): JournalStats;
  /** Attaches a forwarder named `name`; returns its index (from 0). */
  addForwarder(name: string, options: ForwarderOptions): number;
  /** The counters of forwarder `index`. */
  forwarderStats(index: number): ForwarderStats;
  /** Closes forwarder `index`, delivering for up to `timeoutMs` (default 5000). */
  closeForwarder(index: number, timeoutMs?: number): ForwarderReport;
  /** Calls fn for every event logged from now on, on the main thread: inside log(), or later through a queue. */
  subscribe(fn: Subscriber, options?: SubscribeOptions): Unsubscribe;
  /**
   * Resolves once every queued subscription has delivered what it holds (or the
   * logger is closed); rejects with AuditError TIMEOUT after timeoutMs. Never
   * blocks the main thread, which the queued subscribers need.
   */
  flush(timeoutMs: number): Promise<void>;
  /** The `AuditLogger *` as a koffi pointer, for C code loaded with koffi. Valid until close(). */
  readonly nativeHandle: unknown;
  /** True once closed. */
  readonly closed: boolean;
  /** Frees the logger and ends every subscription; idempotent. */
  close(): void;
}

/** The severity number for a name in any ASCII case; throws AuditError INVALID_SEVERITY. */
export declare function severityFromName(name: string): SeverityValue;
/** The native library's version, "MAJOR.MINOR.PATCH". */
export declare function version(): string;
/**
 * Verifies the journal in `dir` against the trust anchor (the path of
 * anchor.pub, kept out of band, or the base64 key). Tampering is a verdict;
 * throws AuditError INVALID_ARGUMENT (anchor) or IO (not a readable journal).
 */
export declare function verifyJournal(dir: string, anchor: string): { verdict: JournalVerdict; report: JournalReport };
/**
 * Writes to `path` a proof bundle of the sealed events of the journal in
 * `dir` that `filter` selects ({} or omitted: every event); returns how many
 * selected events were left out as not yet sealed. Throws AuditError
 * INVALID_ARGUMENT (nothing sealed yet) or IO.
 */
export declare function exportJournalProofs(dir: string, filter: QueryFilter | undefined, path: string): number;
/**
 * Verifies a proof bundle offline against the trust anchor alone, as
 * verifyJournal does a journal. Throws AuditError INVALID_ARGUMENT (anchor,
 * not a bundle) or IO.
 */
export declare function verifyExport(path: string, anchor: string): { verdict: JournalVerdict; report: JournalReport };
/** The path the native library is (or would be) loaded from. */
export declare function libraryPath(): string;
