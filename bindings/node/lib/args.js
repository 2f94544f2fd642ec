'use strict';
// Checks of JS arguments before they cross into C, so nothing is silently
// changed on the way: koffi would cut a string at a NUL byte, replace a lone
// surrogate with U+FFFD and truncate a fractional number.

const { AuditError, Status } = require('./errors');

/** `value` as a C string argument: a well-formed string with no NUL. */
function text(name, value) {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  }
  if (value.includes('\0')) {
    throw new AuditError(Status.INVALID_ARGUMENT, `${name} contains a NUL character`);
  }
  if (!value.isWellFormed()) {
    throw new AuditError(Status.INVALID_UTF8, `${name} contains a lone surrogate (not valid UTF-8)`);
  }
  return value;
}

/** `value` as a non-negative integer (a Number that is a safe integer, or a BigInt). */
function count(name, value) {
  if (typeof value === 'bigint' ? value < 0n : !(Number.isSafeInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/** `value` as microseconds since the epoch: a Date, or an integer Number or BigInt. */
function micros(name, value) {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`${name} is an invalid Date`);
    return ms * 1000;
  }
  if (typeof value === 'bigint' || Number.isSafeInteger(value)) return value;
  throw new TypeError(`${name} must be a Date or integer microseconds, got ${describe(value)}`);
}

/** Rejects keys of `options` that are not in `known`, so a typo never widens a query. */
function onlyKeys(what, options, known) {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`unknown ${what} option '${key}' (known: ${known.join(', ')})`);
    }
  }
}

function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return typeof value;
}

module.exports = { text, count, micros, onlyKeys };
