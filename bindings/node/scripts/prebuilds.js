'use strict';
// Puts the files `npm pack` ships but the repository keeps elsewhere into the
// package directory, and removes them again afterwards (package.json runs
// `copy` as prepack and `clean` as postpack), so a checkout never keeps a stale
// copy that would be found before the repository build.
//
//   copy   prebuilds/<platform>-<arch>/libaudit_logger.so from
//          $AUDIT_LOGGER_PREBUILT_LIB, else <repo>/target/release (cargo build
//          --release), without its debug information; LICENSE-MIT and LICENSE-APACHE from the repository root
//   clean  removes them

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const pkg = path.resolve(__dirname, '..');
const repo = path.resolve(pkg, '..', '..');
const platformDir = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
const licences = ['LICENSE-MIT', 'LICENSE-APACHE'];

function copy() {
  const lib = process.env.AUDIT_LOGGER_PREBUILT_LIB || path.join(repo, 'target', 'release', 'libaudit_logger.so');
  if (!fs.existsSync(lib)) {
    console.error(`prebuilds: ${lib} does not exist; run \`cargo build --release\` in ${repo} ` +
      'or set AUDIT_LOGGER_PREBUILT_LIB to the built library');
    process.exit(1);
  }
  fs.mkdirSync(platformDir, { recursive: true });
  const dest = path.join(platformDir, 'libaudit_logger.so');
  fs.copyFileSync(lib, dest);
  // The release build keeps debug information for profiling; the package need not.
  try {
    execFileSync('strip', ['--strip-debug', dest], { stdio: 'inherit' });
  } catch (err) {
    console.error(`prebuilds: not stripped (${err.message}); the package carries the debug information`);
  }
  for (const name of licences) fs.copyFileSync(path.join(repo, name), path.join(pkg, name));
  console.error(`prebuilds: ${lib} -> ${path.relative(pkg, platformDir)}/libaudit_logger.so`);
}

function clean() {
  fs.rmSync(path.join(pkg, 'prebuilds'), { recursive: true, force: true });
  for (const name of licences) fs.rmSync(path.join(pkg, name), { force: true });
}

const actions = { copy, clean };
const action = actions[process.argv[2]];
if (!action) {
  console.error('usage: node scripts/prebuilds.js copy|clean');
  process.exit(2);
}
action();
