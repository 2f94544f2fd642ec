// Compiled with `tsc -p test/types` (npm run typecheck): index.d.ts must accept
// this typed use of the API, and reject the lines marked @ts-expect-error.
import {
  AuditLogger, AuditError, AuditEvent, Severity, WARNING, Status, SEVERITY_NAMES,
  severityFromName, version, Unsubscribe, SubscriptionStats, QueryFilter, QueueOptions,
  verifyJournal, Verdict, JournalStats, JournalVerdict, exportJournalProofs, verifyExport,
} from '../..';

const logger = new AuditLogger({ capacity: 100, maxFieldBytes: 1024 });
const small = new AuditLogger(10);

const seq: number = logger.log({
  actor: 'admin',
  action: 'user.delete',
  resource: 'user:42',
  outcome: 'success',
  severity: 'warning',
  details: { reason: 'GDPR request' },
});
logger.log({ severity: Severity.CRITICAL, details: '{"raw":true}' });
logger.log({ severity: WARNING });
logger.log({});

const filter: QueryFilter = { actor: '', minSeverity: 'ERROR', since: new Date(0), until: 1_800_000_000_000_000, afterSeq: seq, limit: 10 };
const events: AuditEvent[] = logger.query(filter);
for (const e of events) {
  const when: Date = e.time;
  const micros: number = e.timestamp;
  const name: 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL' = e.severity;
  const value: 10 | 20 | 30 | 40 = e.severityValue;
  const reason = e.details.reason;
  const line: string = e.json;
  void [when, micros, name, value, reason, e.detailsJson, e.seq, line];
}
const one: AuditEvent | undefined = logger.get(seq);
const recent: AuditEvent[] = logger.recent(5);
const doc: string = logger.exportJson();
const matches: string = logger.queryJson({ actor: 'alice' });
const limited = new AuditLogger({ maxDocumentBytes: 1 << 20 });
limited.close();
void matches;
const imported: number = small.importJson(doc) + small.importJson(JSON.parse(doc) as object[]);
const counters: number[] = [logger.count, logger.capacity, logger.evicted, logger.appended];

const failures: [unknown, number | undefined][] = [];
const unsubscribe: Unsubscribe = logger.subscribe((event) => {
  if (event.severity === 'CRITICAL') return false;
  return undefined;
}, { onError: (err, event) => { failures.push([err, event?.seq]); } });
const stats: SubscriptionStats = unsubscribe.stats();
const removed: boolean = unsubscribe();

const queue: QueueOptions = { capacity: 1024, overflow: 'block', blockTimeoutMs: 50 };
const queued: Unsubscribe = logger.subscribe(() => {}, { queue });
logger.subscribe(() => {}, { queue: { capacity: 16 }, onError: () => {} });
const isQueued: boolean = queued.queued;
const flushed: Promise<void> = logger.flush(1000);
void [isQueued, flushed];

try {
  logger.log({ severity: 'WARN' });
} catch (err) {
  if (err instanceof AuditError && err.status === 'INVALID_SEVERITY' && err.code === Status.INVALID_SEVERITY) {
    failures.push([err.detail, undefined]);
  }
  if (err instanceof AuditError && err.code === 'ENOENT') {
    const errno: number | undefined = err.errno;
    const where: [string | undefined, string | undefined, number] = [err.path, err.syscall, err.statusCode];
    void [errno, where, Status.TOO_DEEP];
  }
}

const twenty: number = severityFromName('warning');
const v: string = version();
const n: string = SEVERITY_NAMES[20];
void [one, recent, imported, counters, stats, removed, twenty, v, n];

// @ts-expect-error actor must be a string
logger.log({ actor: 42 });
// @ts-expect-error unknown filter key
logger.query({ min_severity: 30 });
// @ts-expect-error count is read-only
logger.count = 3;
// @ts-expect-error 'block' needs blockTimeoutMs
logger.subscribe(() => {}, { queue: { capacity: 8, overflow: 'block' } });
// @ts-expect-error blockTimeoutMs only with 'block'
logger.subscribe(() => {}, { queue: { capacity: 8, overflow: 'drop-newest', blockTimeoutMs: 5 } });
// @ts-expect-error unknown policy
logger.subscribe(() => {}, { queue: { capacity: 8, overflow: 'drop-all' } });

const journaled = new AuditLogger({ capacity: 10, journal: '/tmp/j', fsync: 'always', epochEvents: 100 });
const jstats: JournalStats = journaled.journalStats();
const durable: number = jstats.durableSeq;
const checked = verifyJournal('/tmp/j', '/tmp/j/anchor.pub');
const verdict: JournalVerdict = checked.verdict;
const tampered: boolean = verdict === Verdict.TAMPERED && checked.report.findings.length > 0 && durable > 0;
// @ts-expect-error unknown fsync policy
new AuditLogger({ journal: '/tmp/j', fsync: 'sometimes' });
void tampered;
const skipped: number = exportJournalProofs('/tmp/j', { actor: 'alice', limit: 50 }, '/tmp/j.proofs.json');
const offline: JournalVerdict = verifyExport('/tmp/j.proofs.json', '/tmp/j/anchor.pub').verdict;
void skipped;
void offline;
// @ts-expect-error the filter has no such key
exportJournalProofs('/tmp/j', { nope: 1 }, '/tmp/out.json');
journaled.close();

logger.close();
small.close();
