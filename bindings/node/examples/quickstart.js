'use strict';
// Quick start: log, query, subscribe, export and import.
// Run from anywhere: node bindings/node/examples/quickstart.js
// (in an installed project: require('audit-logger')).

const USAGE = `Usage: node quickstart.js
Logs, queries, subscribes, exports and imports a few audit events, printing
what happens. Takes no arguments.
`;
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`quickstart.js: unexpected argument '${args[0]}'\n${USAGE}`);
  process.exit(2);
}

const { AuditLogger, AuditError } = require('..');

const audit = new AuditLogger({ capacity: 2000 });

// Forward every event as it is logged (to a SIEM, say); the event is a plain object.
const forwarded = [];
const unsubscribe = audit.subscribe((event) => {
  forwarded.push(`${event.time.toISOString()} ${event.severity} ${event.actor} ${event.action} ${event.outcome}`);
});

audit.log({ actor: 'alice', action: 'login', resource: 'app', outcome: 'success' });
const seq = audit.log({
  actor: 'admin',
  action: 'user.delete',
  resource: 'user:42',
  outcome: 'success',
  severity: 'WARNING',
  details: { reason: 'GDPR request' },
});
audit.log({ actor: 'mallory', action: 'file.read', resource: 'file:/etc/shadow', outcome: 'denied', severity: 'ERROR' });

console.log(`logged ${audit.count} events; the GDPR deletion is seq ${seq}:`, audit.get(seq).details);

// Query: exact fields, severities, time range (Date or microseconds), cursor, limit.
const problems = audit.query({ minSeverity: 'WARNING', since: new Date(Date.now() - 60_000) });
console.log('warnings and worse:', problems.map((e) => `${e.seq} ${e.actor} ${e.action}`));

// Bad input is refused with a precise error, and nothing is recorded.
try {
  audit.log({ actor: 'bob', severity: 'WARN' });
} catch (err) {
  if (!(err instanceof AuditError)) throw err;
  console.log(`refused: ${err.status} (${err.code}): ${err.detail}`);
}

console.log('forwarded:', forwarded);
console.log('subscription stats:', unsubscribe.stats());
unsubscribe();

// Export is a pretty JSON array that imports back with the same timestamps.
const doc = audit.exportJson();
const copy = new AuditLogger(100);
console.log(`exported ${doc.length} bytes, imported ${copy.importJson(doc)} events into a new logger`);

copy.close();
audit.close();
