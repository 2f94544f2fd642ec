'use strict';
// The ES module entry point offers exactly what the CommonJS one does.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

test('index.mjs exports every name of index.js, and the same objects', async () => {
  const cjs = require('..');
  const esm = await import(pathToFileURL(path.join(__dirname, '..', 'index.mjs')).href);
  const named = Object.keys(esm).filter((k) => k !== 'default').sort();
  assert.deepEqual(named, Object.keys(cjs).sort());
  for (const name of named) assert.equal(esm[name], cjs[name], name);
  assert.equal(esm.default, cjs);
});

test('package.json exports map import to index.mjs and require to index.js', () => {
  const pkg = require('../package.json');
  assert.equal(pkg.private, undefined);
  assert.equal(pkg.exports['.'].import, './index.mjs');
  assert.equal(pkg.exports['.'].require, './index.js');
  for (const file of ['index.js', 'index.mjs', 'index.d.ts', 'lib/', 'prebuilds/']) {
    assert.ok(pkg.files.includes(file), `files lists ${file}`);
  }
});
