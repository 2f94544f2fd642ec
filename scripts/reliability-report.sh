#!/usr/bin/env bash
# reliability-report.sh: runs the reliability suites for real and writes
# docs/RELIABILITY.md, one row per figure with the command that reproduces it.
#
#   scripts/reliability-report.sh [--no-write]
#
# Suites: the Rust stress, fault, property and fuzz-replay tests (release
# build), and the C stress program plain (4 x 250,000 events), under valgrind
# (small mode, 4 x 5,000) and under AddressSanitizer + UndefinedBehaviorSanitizer
# (4 x 250,000); the reliability program (thread teardown, errno, ordering,
# 1,000 forks while logging) plainly and against the ASan-instrumented library
# (tests/sanitizer/run.sh); the journal crash loop (5,000 SIGKILLs under
# fsync always, 500 under batch) and the seal's tamper corpora. About 12
# minutes on 2 cores once the release build is cached.
# Exits non-zero if any suite failed; the report is written either way and
# says so. --no-write prints the report instead of writing it.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
write=1
[[ ${1:-} == --no-write ]] && write=0
work=$(mktemp -d "${TMPDIR:-/tmp}/audit-reliability-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=()

step() { printf '== %s\n' "$*" >&2; }
# run NAME CMD...: runs CMD with its output in $work/NAME.txt, noting a failure.
run() {
    local name=$1
    shift
    step "$name: $*"
    local start=$SECONDS
    if ! "$@" >"$work/$name.txt" 2>&1; then
        failed+=("$name")
        tail -n 30 "$work/$name.txt" >&2
    fi
    printf '%s\n' "$((SECONDS - start))" >"$work/$name.seconds"
}
# fig FILE PATTERN KEY: the value of KEY=value on the first line of FILE matching PATTERN.
fig() {
    grep -h -- "$2" "$1" 2>/dev/null | head -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p" | head -n 1
}
# sum FILE PATTERN KEY: the sum of KEY=value over the lines of FILE matching PATTERN.
sum() {
    grep -h -- "$2" "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$3=//p" | awk '{s += $1} END {print s + 0}'
}
# counts FILE: "P passed, F failed, I ignored" over every libtest summary in FILE.
counts() {
    awk '/^test result:/ {p += $4; f += $6; i += $8} END {printf "%d passed, %d failed, %d ignored", p, f, i}' "$1"
}
# c_summary FILE: the "N passed, M failed" line of a C program.
c_summary() { grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1; }
seconds() { cat "$work/$1.seconds" 2>/dev/null || echo '?'; }

lib=target/release/libaudit_logger.so
cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -I include tests/stress/stress.c
    -L target/release -laudit_logger -lpthread "-Wl,-rpath,$repo/target/release")

# ------------------------------------------------------------------ the suites

run build cargo build --release
# Programs linked against the library ask the loader for its SONAME; point that
# name at it, as the CMake build does.
ln -sf libaudit_logger.so target/release/libaudit_logger.so.0
run rust env PROPTEST_CASES=2048 cargo test --profile release-tests --no-fail-fast \
    --test stress --test faults --test properties --test fuzz_replay -- --nocapture

run c-build gcc -O2 "${cflags[@]}" -o "$work/stress"
run c-stress "$work/stress"

if command -v valgrind >/dev/null; then
    run c-valgrind valgrind --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect "$work/stress" 5000
else
    echo "valgrind not installed" >"$work/c-valgrind.txt"
    failed+=(c-valgrind)
fi

run c-asan-build gcc -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
    -fno-sanitize-recover=undefined "${cflags[@]}" -o "$work/stress-asan"
run c-asan env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$work/stress-asan"

run c-reliability-build gcc -O2 -std=c11 -Wall -Wextra -Werror -I include -I tests/c \
    tests/c/test_reliability.c -L target/release -laudit_logger -lpthread \
    "-Wl,-rpath,$repo/target/release" -o "$work/test_reliability"
run c-reliability "$work/test_reliability" 1000
run instrumented bash tests/sanitizer/run.sh "$work/instrumented"
run crash env AUDIT_CRASH_KILLS=5000 cargo test --profile release-tests --test journal_logger -- --nocapture \
    a_process_killed under_batch
run tamper cargo test --profile release-tests --test seal --test journal_verify -- --nocapture

# ------------------------------------------------------------------ the figures

R=$work/rust.txt C=$work/c-stress.txt V=$work/c-valgrind.txt A=$work/c-asan.txt
rs() { fig "$R" 'RELIABILITY rust_stress' "$1"; }
cs() { fig "$1" '^stress:' "$2"; }
vg() { grep -h "$1" "$V" 2>/dev/null | head -n 1 | sed -E 's/^==[0-9]+== +//'; }
asan_reports=$(grep -cE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$A" 2>/dev/null)
fuzz_inputs=$(sum "$R" 'RELIABILITY fuzz_replay' inputs)
fuzz_refused=$(sum "$R" 'RELIABILITY fuzz_replay' refused)
faults_rust=$(sum "$R" 'RELIABILITY faults' injected)
# Summed over the four stress runs; "not measured" if any of them did not report.
lost_total=0
for v in "$(rs events_lost)" "$(cs "$C" events_lost)" "$(cs "$V" events_lost)" "$(cs "$A" events_lost)"; do
    if [[ -z $v ]]; then
        lost_total="not measured"
        break
    fi
    lost_total=$((lost_total + v))
done
ignored=$(grep -hE '^test bug_.* \.\.\. ignored' "$R" | sed -E 's/^test ([a-z0-9_]+) .*/\1/' | sort -u)

if ((${#failed[@]} == 0)); then
    verdict="Every suite passed."
else
    verdict="**Failed:** ${failed[*]} (see the command of each row to reproduce)."
fi

t_rust='`cargo test --profile release-tests --test stress -- --nocapture`'
t_cstress='`gcc -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror -I include tests/stress/stress.c -L target/release -laudit_logger -lpthread -Wl,-rpath,$PWD/target/release -o stress && ./stress`'
t_valgrind='`valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect ./stress 5000`'
t_asan='`gcc -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined ... -o stress-asan && ./stress-asan`'
t_faults='`cargo test --profile release-tests --test faults -- --nocapture`'
t_props='`PROPTEST_CASES=2048 cargo test --profile release-tests --test properties -- --nocapture`'
t_fuzz='`cargo test --profile release-tests --test fuzz_replay -- --nocapture`'
t_all='`scripts/reliability-report.sh`'

# describe TEST: a list item explaining a known-bug test.
describe() {
    case $1 in
    bug_timestamps_moved_out_of_range_by_an_offset_round_trip_or_are_refused)
        printf -- '- `%s` (faults): an imported timestamp such as `9999-12-31T23:30:00-01:00` is\n' "$1"
        printf '  accepted, but its UTC instant lies in the year 10000, which export cannot write: it\n'
        printf '  writes `0000-01-01T00:00:00.000000Z` instead, silently changing the record;\n'
        printf '  `0000-01-01T00:30:00+01:00` is exported as `-0001-12-31T23:30:00.000000Z`, which\n'
        printf '  import refuses.\n' ;;
    bug_an_export_imports_into_a_logger_with_the_same_limits)
        printf -- '- `%s` (faults): import checks `max_details_bytes`\n' "$1"
        printf '  against the indented details of the export, so a document exported by a logger\n'
        printf '  may not import into a logger with the same limits.\n' ;;
    *) printf -- '- `%s`: see the test.\n' "$1" ;;
    esac
}

# The library revision measured: the commit, flagged if src/ differs from it;
# AUDIT_REPORT_REVISION overrides (for a tree exported from git).
if [[ -n ${AUDIT_REPORT_REVISION:-} ]]; then
    revision="commit \`$AUDIT_REPORT_REVISION\`"
elif rev=$(git rev-parse --short HEAD 2>/dev/null); then
    revision="commit \`$rev\`"
    git diff --quiet HEAD -- src include Cargo.toml || revision+=" with uncommitted library changes"
else
    revision="an unknown revision"
fi

report() {
    cat <<EOF
# Reliability

Generated by \`scripts/reliability-report.sh\`, which runs every suite below for
real and writes this file; rerun it to refresh the figures. $verdict

Run on $(date -u +%Y-%m-%d) at $revision,
$(nproc) cores, $(rustc --version | cut -d' ' -f1-2), $(gcc --version | head -n 1 | sed 's/ (.*)//'), $(valgrind --version 2>/dev/null || echo 'no valgrind').

## What is checked

- **Stress** (\`tests/stress.rs\`, \`tests/stress/stress.c\`): producer threads log
  while racer threads query with random filters, read recent events, get by seq,
  export to strings and files (re-importing some), import, flush, and subscribe
  and unsubscribe synchronous and queued subscribers with every overflow policy.
  Subscribers of both kinds run for the whole run. Afterwards: seqs are unique
  and per-producer increasing; appended = count + evicted; the ring holds the
  newest events, contiguous; the synchronous ledger saw every event exactly once
  with the content logged under its seq; each queued subscriber delivered +
  dropped exactly what was logged; churned subscriptions stayed within the
  events logged while they existed and released their context exactly once.
- **Faults** (\`tests/faults.rs\`, and the start of the C program): exports to a
  read-only mount, a directory, a missing directory, \`/dev/full\` (refused: not a
  regular file), \`/proc\` and \`/sys\`, a full 16 KiB tmpfs and past
  \`RLIMIT_FSIZE\`: each is an I/O error naming the path, the previous file is
  intact, no temporary file is left, the log is unchanged. Imports cut at every
  byte, malformed, wrong-typed, with missing, unknown or duplicate keys,
  oversized, with impossible timestamps: refused, log unchanged. Callbacks that
  fail, panic on a delivery thread, log re-entrantly from every thread,
  unsubscribe or subscribe others mid-dispatch, call back in from their cleanup,
  or are stuck while producers log under each overflow policy. From C only:
  UTF-8 that Rust strings cannot hold (encoded surrogates, overlong forms, code
  points past U+10FFFF) in every string argument.
- **Injection**: every C0 control, DEL, U+0085, U+2028, U+2029, quotes,
  backslashes and more, in all four fields and in details: the export and
  \`audit_event_to_json\` hold no raw control or line-separator character and parse
  back to exactly the original strings; lone surrogates are refused.
- **Properties** (\`tests/properties.rs\`): the ring against a \`Vec\` model with the
  same capacity and byte budget under random log/query/recent/get/import
  sequences; export→import round trips of arbitrary Unicode strings, details
  objects and timestamps over the years 0000–9999; details compaction is
  idempotent.
- **Fuzz replay** (\`tests/fuzz_replay.rs\`, corpus in \`tests/fuzz/corpus/\`): the
  corpus and a deterministic mutation loop over the details validator and the
  importer, through both the Rust API and the C ABI, which must agree.

## Figures

| Figure | Value | Reproduce |
| --- | --- | --- |
| Events logged, Rust stress | $(rs events_logged) ($(rs producers) producers × $(rs events_per_producer)), plus $(rs events_imported) imported | $t_rust |
| Threads, Rust stress | $(rs threads) (producers and racers) plus 3 queued delivery threads and the churned ones | $t_rust |
| Operations raced, Rust stress | $(rs operations_raced), including $(rs churned_subscriptions) churned subscriptions | $t_rust |
| Events dropped by queue policies, Rust stress | $(rs queued_dropped) (drop-oldest, drop-newest, block with timeout; all counted) | $t_rust |
| Events logged, C stress | $(cs "$C" events_logged) ($(cs "$C" producers) producers × $(cs "$C" events_per_producer)), plus $(cs "$C" events_imported) imported | $t_cstress |
| Threads, C stress | $(cs "$C" threads) (producers and racers) plus the delivery threads | $t_cstress |
| Operations raced, C stress | $(cs "$C" operations_raced), including $(cs "$C" churned_subscriptions) churned subscriptions | $t_cstress |
| Events dropped by queue policies, C stress | $(cs "$C" queued_dropped) (all counted) | $t_cstress |
| C stress checks | $(c_summary "$C") | $t_cstress |
| **Events lost outside eviction and drop policies** | **$lost_total** (Rust stress $(rs events_lost); C stress $(cs "$C" events_lost), under valgrind $(cs "$V" events_lost), under sanitizers $(cs "$A" events_lost)) | $t_all |
| Faults injected, Rust | $faults_rust across $(grep -c 'RELIABILITY faults' "$R") fault tests | $t_faults |
| Faults injected, C | $(cs "$C" faults_injected) | $t_cstress |
| Fault tests | $(counts <(sed -n '/Running tests\/faults.rs/,/^test result/p' "$R")) | $t_faults |
| Property cases | $(grep -c 'RELIABILITY properties property=' "$R") properties × $(fig "$R" 'RELIABILITY properties property=' cases) cases; $(fig "$R" 'RELIABILITY properties model_operations' model_operations) operations checked against the model; $(fig "$R" 'RELIABILITY properties round_trip' round_trip_events) events round-tripped | $t_props |
| Bad inputs tried, fuzz replay | $fuzz_inputs inputs ($fuzz_refused refused, the rest accepted and checked): details $(fig "$R" 'target=details' inputs), import $(fig "$R" 'target=import' inputs), corpus $(sum "$R" 'RELIABILITY fuzz_replay' corpus) files | $t_fuzz |
| Panics or crashes found by fuzz replay | $(grep -c 'input saved to' "$R") | $t_fuzz |
| Rust suites | $(counts "$R") | $t_all |
| valgrind (C stress, 4 × 5,000) | $(vg 'ERROR SUMMARY'); $(vg 'definitely lost'); $(vg 'indirectly lost'); checks: $(c_summary "$V") | $t_valgrind |
| AddressSanitizer + UBSan (C stress, 4 × 250,000) | ${asan_reports:-?} sanitizer reports (leak checking on); checks: $(c_summary "$A") | $t_asan |
| Forks while 2 threads log and 2 queued subscriptions deliver | $(fig "$work/c-reliability.txt" 'RELIABILITY fork' forks) forks, $(fig "$work/c-reliability.txt" 'RELIABILITY fork' hung) hung, $(fig "$work/c-reliability.txt" 'RELIABILITY fork' failed) failed; checks: $(c_summary "$work/c-reliability.txt") | \`tests/c/test_reliability.c\` |
| C harness, stress and reliability against the ASan-instrumented library | $(grep -cE '^[0-9]+ passed, 0 failed$' "$work/instrumented.txt") of 4 programs clean; $(grep -cE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work/instrumented.txt") sanitizer reports | \`tests/sanitizer/run.sh build\` |
| Journal crash loop, fsync always | $(fig "$work/crash.txt" 'policy=Always' kills) SIGKILLs at random moments, $(fig "$work/crash.txt" 'policy=Always' acknowledged) events acknowledged, **$(fig "$work/crash.txt" 'policy=Always' lost) lost**, chain verifies ($(fig "$work/crash.txt" 'policy=Always' verified) sealed events) | \`AUDIT_CRASH_KILLS=5000 cargo test --profile release-tests --test journal_logger\` |
| Journal crash loop, fsync batch (100 events / 20 ms) | $(fig "$work/crash.txt" 'policy=Batch' kills) kills, $(fig "$work/crash.txt" 'policy=Batch' lost) of $(fig "$work/crash.txt" 'policy=Batch' acknowledged) acknowledged events lost, at most $(fig "$work/crash.txt" 'policy=Batch' worst_kill) in one kill (the bound: 2 batches) | same |
| Seal and journal verification tests | $(counts "$work/tamper.txt") | \`cargo test --profile release-tests --test seal --test journal_verify\` |
| Wall time | Rust suites $(seconds rust) s, C stress $(seconds c-stress) s, valgrind $(seconds c-valgrind) s, sanitizers $(seconds c-asan) s | $t_all |

## Known library bugs

$(if [ -n "$ignored" ]; then
    echo 'Each has a test marked `#[ignore = "library bug: ..."]` that asserts the correct'
    echo 'behaviour; `cargo test --test faults --test properties -- --ignored` runs them.'
    echo
    for t in $ignored; do describe "$t"; done
else
    echo 'None known: no test is ignored.'
fi)
EOF
}

if ((write)); then
    mkdir -p docs
    report >docs/RELIABILITY.md
    step "wrote docs/RELIABILITY.md"
else
    report
fi
if ((${#failed[@]})); then
    step "FAILED: ${failed[*]}"
    exit 1
fi
step "all suites passed"
