'use strict';
// The packaging scenario (tests/packaging/README.md) through the installed npm
// package; consumer.cjs runs it with require(), consumer.mjs with import.
const fs = require('node:fs');
const path = require('node:path');

function line(e, withTime) {
  const time = withTime ? `${e.timestamp} ` : '';
  return `${e.seq} ${time}${e.severity} ${e.actor} ${e.action} ${e.resource} ${e.outcome} ${e.detailsJson}\n`;
}

async function run({ AuditLogger }, [fixture, outdir, name]) {
  const out = [];
  const section = (title, events, withTime = true) => {
    out.push(`${title}\n`, ...events.map((e) => line(e, withTime)));
  };

  const fixed = new AuditLogger({ capacity: 100 });
  out.push(`imported ${fixed.importJson(fs.readFileSync(fixture, 'utf8'))}\n`);
  section('query actor=alice', fixed.query({ actor: 'alice' }));
  section('query min_severity=ERROR', fixed.query({ minSeverity: 'ERROR' }));
  section('query since=1767225602000000 until=1767225605000000',
    fixed.query({ since: 1767225602000000, until: 1767225605000000 }));
  section('query outcome=failure limit=1', fixed.query({ outcome: 'failure', limit: 1 }));
  section('recent 2', fixed.recent(2));
  fs.writeFileSync(path.join(outdir, `${name}.json`), fixed.exportJson(), 'utf8');
  fixed.close();

  const live = new AuditLogger({ capacity: 100 });
  out.push('live\n');
  const queued = ['queued\n'];
  const unsubscribe = live.subscribe((e) => { out.push(line(e, false)); });
  const unsubscribeQueued = live.subscribe((e) => { queued.push(line(e, false)); },
    { queue: { capacity: 16, overflow: 'drop-oldest' } });
  live.log({ actor: 'alice', action: 'login', resource: 'app', outcome: 'success', severity: 'INFO',
    details: '{"b":1,"a":[true,null]}' });
  live.log({ actor: 'bob', action: 'user.update', resource: 'user:7', outcome: 'success', severity: 'WARNING',
    details: '{"field":"email"}' });
  live.log({ actor: 'mallory', action: 'login', resource: 'app', outcome: 'failure', severity: 'ERROR',
    details: '{}' });
  live.log({ actor: 'svc', action: 'key.rotate', resource: 'kms:1', outcome: 'failure', severity: 'CRITICAL',
    details: '{"n":1.50}' });
  out.push(`unsubscribe ${unsubscribe()}\n`);
  const last = live.log({ actor: 'alice', action: 'logout', resource: 'app', outcome: 'success',
    severity: 'INFO', details: '{}' });
  out.push(`logged ${last}\n`);
  section('query outcome=failure', live.query({ outcome: 'failure' }), false);
  out.push(`count ${live.count}\n`);

  await live.flush(10000);
  const stats = unsubscribeQueued.stats();
  queued.push(`delivered ${stats.delivered} failed ${stats.failed} dropped ${stats.dropped}\n`);
  queued.push(`unsubscribe ${unsubscribeQueued()}\n`);
  live.close();

  fs.writeFileSync(path.join(outdir, `${name}.txt`), out.join(''), 'utf8');
  fs.writeFileSync(path.join(outdir, `${name}.queued.txt`), queued.join(''), 'utf8');
}

function main(lib, args) {
  if (args.length !== 3) {
    console.error('Usage: consumer FIXTURE OUTDIR NAME');
    process.exit(2);
  }
  run(lib, args).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { main };
