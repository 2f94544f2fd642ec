'use strict';
// Runs every conformance scenario in the vectors directory (see its README),
// found at run time, through the public API of the binding.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { AuditLogger, AuditError, severityFromName } = require('..');
const { vectorsDir } = require('./helpers');

const dir = vectorsDir();
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('the vectors directory holds scenarios', () => {
  assert.ok(files.length > 0, `no *.json in ${dir}`);
});

/** snake_case filter keys of the vectors → the binding's camelCase keys. */
function camel(filter) {
  return Object.fromEntries(
    Object.entries(filter).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), v]),
  );
}

const seqs = (events) => events.map((e) => e.seq);

/** Runs one step; returns what it produced, in the vocabulary of `expect`. */
function run(logger, subscribers, step) {
  switch (step.op) {
    case 'create':
      new AuditLogger(step.capacity).close();
      return {};
    case 'log':
      return {
        seq: logger.log({
          actor: step.actor,
          action: step.action,
          resource: step.resource,
          outcome: step.outcome,
          severity: step.severity,
          details: step.details === null ? undefined : step.details,
        }),
      };
    case 'query':
      return { seqs: seqs(logger.query(camel(step.filter))) };
    case 'recent':
      return { seqs: seqs(logger.recent(step.n)) };
    case 'event': {
      const e = logger.get(step.seq);
      assert.ok(e, `event ${step.seq} not found`);
      const got = {
        actor: e.actor,
        action: e.action,
        resource: e.resource,
        outcome: e.outcome,
        severity: e.severityValue,
        details: e.detailsJson,
      };
      if ('timestamp' in step.expect) got.timestamp = e.timestamp;
      return got;
    }
    case 'counters':
      return { count: logger.count, capacity: logger.capacity, evicted: logger.evicted, appended: logger.appended };
    case 'import':
      return { imported: logger.importJson(step.json) };
    case 'export':
      return { json: logger.exportJson() };
    case 'severity_from_name':
      return { severity: severityFromName(step.name) };
    case 'subscribe': {
      const received = [];
      const unsubscribe = logger.subscribe((e) => {
        received.push(e.seq);
      });
      subscribers.set(step.name, { received, unsubscribe });
      return {};
    }
    case 'unsubscribe':
      return { removed: subscribers.get(step.name).unsubscribe() };
    case 'received':
      return { seqs: [...subscribers.get(step.name).received] };
    default:
      throw new Error(`unknown op '${step.op}'`);
  }
}

for (const file of files) {
  const scenario = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  test(`vector ${file}: ${scenario.description || scenario.name}`, () => {
    const logger = new AuditLogger(scenario.capacity);
    const subscribers = new Map();
    try {
      scenario.steps.forEach((step, i) => {
        const where = `${file} step ${i} (${step.op})`;
        if (step.expect && 'error' in step.expect) {
          assert.throws(
            () => run(logger, subscribers, step),
            (err) => err instanceof AuditError && err.status === step.expect.error,
            `${where}: expected AuditError ${step.expect.error}`,
          );
        } else {
          const got = run(logger, subscribers, step);
          assert.deepEqual(got, step.expect || {}, where);
        }
      });
    } finally {
      logger.close();
    }
  });
}
