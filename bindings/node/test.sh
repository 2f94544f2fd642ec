#!/usr/bin/env bash
# Tests of the Node.js binding: unit tests (all vectors, errors, subscribers,
# foreign threads), the type declarations, then the quick-start example.
# Run by ctest from the repository root as `bash bindings/node/test.sh`;
# works from any directory. Exit 77 = skipped (runtime or koffi missing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binding=node
source "$here/../../tests/bindings/prologue.sh"
need_library
command -v node >/dev/null 2>&1 || skip "node is not installed"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  skip "node $(node --version) is older than 20"
(cd "$here" && node -e 'require.resolve("koffi")' >/dev/null 2>&1) ||
  skip "the koffi package is not installed (run \`npm ci\` in bindings/node)"
need_producer

cd "$here"
# --test-timeout is enforced by the runner process, which ends a test file
# whose main thread is stuck (a deadlock); `timeout` bounds the whole run.
timeout --kill-after=10 300 node --test --test-timeout=120000 test/*.test.js

if [ -x node_modules/.bin/tsc ]; then
  timeout 120 node_modules/.bin/tsc -p test/types
  echo "index.d.ts: type check passed"
else
  echo "index.d.ts: type check not run (typescript is not installed: npm ci installs it)"
fi

timeout 60 node examples/quickstart.js
timeout 60 bash "$repo/tests/packaging/check_help.sh" node "$here/examples/quickstart.js"
