'use strict';
// Forwarders: a logger's events to a syslog relay (TCP or TLS), an
// OpenTelemetry Collector (OTLP/HTTP), Kafka, or a JSON Lines file.

const { koffi } = require('./native');
const { AuditError, check, Status } = require('./errors');
const { text, count, onlyKeys } = require('./args');
const { OVERFLOW } = require('./subscriptions');

/** Payload formats of Kafka and JSON Lines forwarders (AUDIT_FORMAT_*). */
const FORMAT = Object.freeze({ canonical: 1, 'json-line': 2, ocsf: 3 });
const TARGETS = ['syslog', 'otlp', 'kafka', 'jsonl'];
const FORWARDER_KEYS = [
  'target',
  'address',
  'endpoint',
  'brokers',
  'topic',
  'path',
  'tls',
  'format',
  'backlog',
  'overflow',
  'blockTimeoutMs',
  'retryInitialMs',
  'retryMaxMs',
  'closeTimeoutMs',
  'properties',
];
const TLS_KEYS = ['caFile', 'serverName', 'clientCert', 'clientKey'];

function optText(name, value) {
  return value === undefined || value === null ? null : text(name, value);
}

/** Makes the C configuration of `options`; the caller frees it. */
function build(lib, options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('forwarder options must be an object { target, ... }');
  }
  onlyKeys('forwarder options', options, FORWARDER_KEYS);
  const out = [null];
  switch (options.target) {
    case 'syslog':
      check(lib, lib.audit_forwarder_config_new_syslog(text('address', options.address), out));
      break;
    case 'otlp':
      check(lib, lib.audit_forwarder_config_new_otlp(text('endpoint', options.endpoint), out));
      break;
    case 'kafka':
      check(lib, lib.audit_forwarder_config_new_kafka(text('brokers', options.brokers), text('topic', options.topic), out));
      break;
    case 'jsonl':
      check(lib, lib.audit_forwarder_config_new_jsonl(text('path', options.path), out));
      break;
    default:
      throw new AuditError(
        Status.INVALID_ARGUMENT,
        `forwarder target ${JSON.stringify(options.target)} is not one of ${TARGETS.join(', ')}`,
      );
  }
  const config = out[0];
  try {
    apply(lib, config, options);
  } catch (err) {
    lib.audit_forwarder_config_free(config);
    throw err;
  }
  return config;
}

function apply(lib, config, o) {
  if (o.tls !== undefined) {
    onlyKeys('tls', o.tls, TLS_KEYS);
    check(
      lib,
      lib.audit_forwarder_config_set_tls(
        config,
        optText('tls.caFile', o.tls.caFile),
        optText('tls.serverName', o.tls.serverName),
        optText('tls.clientCert', o.tls.clientCert),
        optText('tls.clientKey', o.tls.clientKey),
      ),
    );
  }
  if (o.format !== undefined) {
    const format = FORMAT[o.format];
    if (format === undefined) {
      throw new AuditError(
        Status.INVALID_ARGUMENT,
        `format ${JSON.stringify(o.format)} is not one of ${Object.keys(FORMAT).join(', ')}`,
      );
    }
    check(lib, lib.audit_forwarder_config_set_format(config, format));
  }
  if (o.backlog !== undefined || o.overflow !== undefined || o.blockTimeoutMs !== undefined) {
    const policy = OVERFLOW[o.overflow ?? 'drop-oldest'];
    if (policy === undefined) {
      throw new AuditError(
        Status.INVALID_ARGUMENT,
        `overflow ${JSON.stringify(o.overflow)} is not one of ${Object.keys(OVERFLOW).join(', ')}`,
      );
    }
    check(
      lib,
      lib.audit_forwarder_config_set_backlog(
        config,
        count('backlog', o.backlog ?? 10000),
        policy,
        count('blockTimeoutMs', o.blockTimeoutMs ?? 0),
      ),
    );
  }
  if (o.retryInitialMs !== undefined || o.retryMaxMs !== undefined) {
    check(
      lib,
      lib.audit_forwarder_config_set_retry(
        config,
        count('retryInitialMs', o.retryInitialMs ?? 100),
        count('retryMaxMs', o.retryMaxMs ?? 30000),
      ),
    );
  }
  if (o.closeTimeoutMs !== undefined) {
    check(lib, lib.audit_forwarder_config_set_close_timeout(config, count('closeTimeoutMs', o.closeTimeoutMs)));
  }
  for (const [key, value] of Object.entries(o.properties ?? {})) {
    check(lib, lib.audit_forwarder_config_set_property(config, text('properties key', key), text(`properties.${key}`, value)));
  }
}

/** Attaches a forwarder named `name` to the logger `handle`; returns its index. */
function addForwarder(lib, handle, name, options) {
  const n = text('name', name);
  const config = build(lib, options);
  try {
    const index = [0];
    check(lib, lib.audit_logger_add_forwarder(handle, n, config, index));
    return index[0];
  } finally {
    lib.audit_forwarder_config_free(config);
  }
}

/** The counters of forwarder `index` of the logger `handle`. */
function forwarderStats(lib, handle, index) {
  const s = {
    struct_size: koffi.sizeof('AuditForwarderStats'),
    offered: 0,
    delivered: 0,
    resent: 0,
    retries: 0,
    dropped: 0,
    rejected: 0,
    lag_events: 0,
    lag_seconds: 0,
    backlog: 0,
    in_flight: 0,
    connected: 0,
    last_acked_seq: 0,
    has_error: 0,
  };
  check(lib, lib.audit_forwarder_stats(handle, count('index', index), s));
  const message = [null];
  check(lib, lib.audit_forwarder_last_error(handle, index, message));
  let lastError = null;
  if (message[0]) {
    try {
      lastError = koffi.decode(message[0], 'char', -1);
    } finally {
      lib.audit_string_free(message[0]);
    }
  }
  return {
    offered: Number(s.offered),
    delivered: Number(s.delivered),
    resent: Number(s.resent),
    retries: Number(s.retries),
    dropped: Number(s.dropped),
    rejected: Number(s.rejected),
    lagEvents: Number(s.lag_events),
    lagSeconds: s.lag_seconds,
    backlog: Number(s.backlog),
    inFlight: Number(s.in_flight),
    connected: Number(s.connected) !== 0,
    lastAckedSeq: Number(s.last_acked_seq),
    lastError,
  };
}

/** Closes forwarder `index`, delivering for up to `timeoutMs`; returns the report. */
function closeForwarder(lib, handle, index, timeoutMs) {
  const report = {};
  check(lib, lib.audit_forwarder_close(handle, count('index', index), count('timeoutMs', timeoutMs), report));
  return {
    delivered: Number(report.delivered),
    left: Number(report.left),
    timedOut: Number(report.timed_out) !== 0,
    dropped: Number(report.dropped),
    lastAckedSeq: Number(report.last_acked_seq),
  };
}

module.exports = { FORMAT, addForwarder, forwarderStats, closeForwarder };
