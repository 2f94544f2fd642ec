#!/usr/bin/env bash
# Runs the Ruby binding's tests (minitest: vectors, API, subscribers, foreign
# threads) and then its example. Usage, from any directory:
#   bash bindings/ruby/test.sh
# Env: AUDIT_LOGGER_LIB, AUDIT_VECTORS_DIR, AUDIT_PRODUCER_LIB (built here when
# unset), RUBY (default ruby), CI (set: a missing runtime fails instead of skipping).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binding=ruby
source "$here/../../tests/bindings/prologue.sh"
need_library
ruby="${RUBY:-ruby}"
command -v "$ruby" >/dev/null 2>&1 || skip "$ruby not found (apt-get install ruby)"
"$ruby" -e 'require "ffi"' >/dev/null 2>&1 || skip "ruby-ffi (apt-get install ruby-ffi)"
"$ruby" -e 'require "minitest"' >/dev/null 2>&1 || skip "minitest (apt-get install ruby-minitest)"
need_producer

# Tests that could hang have their own Timeout; this also bounds a hang in
# native code, which a Ruby Timeout cannot interrupt.
guard=()
if command -v timeout >/dev/null 2>&1; then guard=(timeout -k 10 300); fi

cd "$here"
${guard[@]+"${guard[@]}"} "$ruby" -w -I lib -I test -e 'Dir["test/*_test.rb"].sort.each { |f| require_relative f }'
${guard[@]+"${guard[@]}"} "$ruby" -w examples/quickstart.rb
${guard[@]+"${guard[@]}"} bash "$repo/tests/packaging/check_help.sh" "$ruby" -w "$here/examples/quickstart.rb"
