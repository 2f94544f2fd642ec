#!/usr/bin/env python3
"""Side-by-side comparison of audit-logger (through its C ABI) with spdlog's
ringbuffer sink and with the reference implementation, against the targets of
docs/PERFORMANCE.md.

    python3 bench/compare.py            full run: 5 repetitions, medians, about 4 minutes
    python3 bench/compare.py --quick    smoke run (BENCH_QUICK=1 too): tiny counts, one
                                        repetition; checks every program runs and prints
                                        parseable results; asserts no timing

It builds bench/c/bench_capi.c against the library (AUDIT_LOGGER_LIB, default
target/release/libaudit_logger.so, built with `cargo build --release` if missing)
and bench/spdlog/bench_spdlog.cpp against spdlog (pkg-config), runs every
benchmark R times, interleaving the repetitions so that load on a shared machine
hits all peers alike, and prints a Markdown table of medians with ratios and
met/missed per target. A peer that cannot be found (spdlog, or the reference at
../shared/reference/audit_logger.py or AUDIT_REFERENCE) is reported as skipped.

Where the Kafka and OpenTelemetry Collector caches exist (scripts/servers/),
it also builds and runs bench/forward.rs, forwarding to those servers (not
with --quick; --only-forward runs it alone).

The journal's benchmarks (the "Journal and seal" table; --only-journal runs
them alone) write their journals under --journal-dir (default: a new directory
under target/, on the disk that holds the repository) and name its filesystem.

A full run also writes bench/results/latest.json (every record), and the data
and plots of append throughput against capacity and against producer threads:
bench/results/append_vs_{capacity,threads}.csv, docs/append_vs_{capacity,threads}.png.
"""

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"

# Event counts. "big" stands for 1,000,000 in a full run: the large capacity, the
# number of events queried, exported and measured for memory.
FULL = {
    "reps": 5,
    "events": 1_000_000,
    "capacities": [1_000, 5_000, 1_000_000],  # 1 and 2 threads
    "sweep": [1_000, 10_000, 100_000, 1_000_000],  # 1 thread, for the plot
    "big": 1_000_000,
    # The reference copies its buffer on each append when full: fewer events at
    # large capacities, compared per event.
    "ref_append": {1_000: 20_000, 5_000: 10_000, 10_000: 2_000, 100_000: 200, 1_000_000: 20},
    "ref_query": 1_000_000,
    "ref_export": 100_000,
    "slow_queue": 64,
    # The journal: events appended with and without one; under `always` each
    # event waits for an fsync (about 1.5 ms here), so far fewer.
    "journal_events": 1_000_000,
    "always_events": 4_000,
    "verify_events": 1_000_000,
    "batch": 64,
    # bench/forward.rs: the Kafka and OTLP forwarders (each run starts its servers).
    "server_forward_events": 200_000,
    "timeout": 600,
}
QUICK = {
    "reps": 1,
    "events": 20_000,
    "capacities": [1_000, 5_000, 10_000],
    "sweep": [1_000, 10_000],
    "big": 10_000,
    "ref_append": {1_000: 2_000, 5_000: 1_000, 10_000: 200},
    "ref_query": 10_000,
    "ref_export": 2_000,
    "slow_queue": 64,
    "journal_events": 20_000,
    "always_events": 200,
    "verify_events": 10_000,
    "batch": 64,
    "server_forward_events": 20_000,
    "timeout": 60,
}


def say(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


# ---- building -------------------------------------------------------------------


def library_path():
    env = os.environ.get("AUDIT_LOGGER_LIB")
    lib = Path(env) if env else REPO / "target/release/libaudit_logger.so"
    if not lib.is_file() and not env:
        say(f"== {lib} is missing: cargo build --release")
        run(["cargo", "build", "--release"], cwd=REPO)
    if not lib.is_file():
        sys.exit(f"compare: library not found at {lib}; run `cargo build --release` first")
    return lib.resolve()


def build(build_dir, lib):
    """Compiles the peers' programs into build_dir; returns {peer: argv prefix}."""
    libdir = build_dir / "lib"
    libdir.mkdir(parents=True, exist_ok=True)
    # The library's SONAME is libaudit_logger.so.0: link and run through symlinks.
    for name in ("libaudit_logger.so", "libaudit_logger.so.0"):
        link = libdir / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(lib)
    cc = os.environ.get("CC", "cc")
    run([cc, "-O2", "-std=c11", "-Wall", "-Wextra", f"-I{REPO / 'include'}",
         str(BENCH / "c/bench_capi.c"), "-o", str(build_dir / "bench_capi"),
         f"-L{libdir}", f"-Wl,-rpath,{libdir}", "-laudit_logger", "-lpthread"])
    peers = {"ours": [str(build_dir / "bench_capi")]}

    try:
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "spdlog"], check=True,
                               capture_output=True, text=True).stdout.split()
        cxx = os.environ.get("CXX", "c++")
        run([cxx, "-O2", "-std=c++17", "-Wall", "-Wextra", str(BENCH / "spdlog/bench_spdlog.cpp"),
             "-o", str(build_dir / "bench_spdlog"), *flags])
        peers["spdlog"] = [str(build_dir / "bench_spdlog")]
    except (OSError, subprocess.CalledProcessError) as e:
        say(f"== spdlog peer skipped (install libspdlog-dev and pkg-config): {e}")

    reference = Path(os.environ.get("AUDIT_REFERENCE",
                                    REPO.parent / "shared/reference/audit_logger.py"))
    if reference.is_file():
        peers["reference"] = [sys.executable, str(BENCH / "reference/bench_reference.py")]
    else:
        say(f"== reference peer skipped: {reference} not found (set AUDIT_REFERENCE)")
    return peers


# Where bench/forward.rs is built: built in target/ with the kafka feature it would
# replace target/release/libaudit_logger.so, the library the other benchmarks load.
FORWARD_TARGET_DIR = REPO / "target/bench-forward"
# A forward run starts a broker or a collector and waits up to 10 minutes for delivery.
FORWARD_TIMEOUT = 900


def server_targets():
    """The targets of bench/forward.rs whose servers are on this machine, found as
    tests/forward/harness.rs finds them (kafka_libs, otelcol_binary); says why any
    other is skipped."""
    cache = Path(os.environ.get("AUDIT_SERVER_CACHE",
                                Path.home() / ".cache/audit-logger/servers"))
    targets = []
    kafka = os.environ.get("AUDIT_KAFKA_LIBS")
    if not (kafka or (cache / "kafka-4.1.1/libs/.complete").is_file()):
        say("== skipped: forwarding to Kafka: no Kafka jars (run scripts/servers/kafka.sh)")
    elif shutil.which("java") is None:
        say("== skipped: forwarding to Kafka: java is not installed")
    else:
        targets.append("kafka")
    otelcol = os.environ.get("AUDIT_OTELCOL")
    if otelcol or (cache / "otelcol-0.161.0/otelcol-audit").is_file():
        targets.append("otlp")
    else:
        say("== skipped: forwarding to OTLP: no OpenTelemetry Collector built "
            "(run scripts/servers/otelcol.sh)")
    return targets


def build_forward():
    """Builds bench/forward.rs (the bench profile, in FORWARD_TARGET_DIR); returns its path."""
    say(f"== cargo bench --no-run --bench forward (target dir {FORWARD_TARGET_DIR})")
    proc = run(["cargo", "bench", "--no-run", "--bench", "forward", "--features",
                "tls,otlp,kafka", "--message-format=json-render-diagnostics"],
               cwd=REPO, stdout=subprocess.PIPE, text=True,
               env=dict(os.environ, CARGO_TARGET_DIR=str(FORWARD_TARGET_DIR)))
    for line in proc.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") \
                and message["target"]["name"] == "forward":
            return message["executable"]
    sys.exit("compare: cargo bench --no-run named no executable for bench/forward.rs")


# ---- running --------------------------------------------------------------------


def capacities(cfg):
    """Every capacity measured, with the thread counts measured at it."""
    return [(cap, (1, 2) if cap in cfg["capacities"] else (1,))
            for cap in sorted(set(cfg["capacities"]) | set(cfg["sweep"]))]


ALWAYS_THREADS = (1, 2, 8)
# Producer threads of one logger at capacity 5000, for the threads plot (1
# and 2 are in every capacity's jobs already).
APPEND_THREADS = (1, 2, 4)


def journal_jobs(cfg, journal_dir):
    """The journal's benchmarks; each writes a new directory under journal_dir."""
    jobs = [("ours", ["journal", policy, 1, cfg["journal_events"]])
            for policy in ("none", "batch", "never")]
    jobs += [("ours", ["journal", "always", t, cfg["always_events"]]) for t in ALWAYS_THREADS]
    jobs.append(("ours", ["verify", cfg["verify_events"]]))
    return [(peer, [str(a) for a in args] + [str(journal_dir / "-".join(map(str, args)))])
            for peer, args in jobs]


def forward_jobs(cfg, servers):
    """bench/forward.rs once per target whose servers are here (peer "forward")."""
    return [("forward", [str(cfg["server_forward_events"]), target]) for target in servers]


def plan(cfg, peers, journal_dir, only=None, servers=()):
    """Every (peer, arguments) to run once per repetition; `only` is "journal" or
    "forward" for those alone."""
    if only == "journal":
        return journal_jobs(cfg, journal_dir)
    if only == "forward":
        return forward_jobs(cfg, servers)
    jobs = []
    for peer in ("ours", "spdlog"):
        for cap, threads in capacities(cfg):
            for t in threads:
                jobs.append((peer, ["append", cap, t, cfg["events"]]))
    jobs += [
        ("ours", ["format", cfg["events"]]),
        ("spdlog", ["format", cfg["events"]]),
        ("ours", ["query", cfg["big"]]),
        ("ours", ["document", cfg["big"]]),
        ("ours", ["memory", cfg["big"]]),
        ("spdlog", ["memory", cfg["big"]]),
        ("ours", ["dispatch", cfg["events"]]),
        ("ours", ["slow", cfg["events"], cfg["slow_queue"]]),
        ("ours", ["forward", cfg["events"], "jsonl"]),
        ("ours", ["forward", cfg["events"], "syslog"]),
    ]
    jobs += forward_jobs(cfg, servers)
    jobs += append_path_jobs(cfg)
    for cap, _ in capacities(cfg):
        if cap in cfg["ref_append"]:
            jobs.append(("reference", ["append", cap, cfg["ref_append"][cap]]))
    jobs += [("reference", ["query", cfg["ref_query"]]),
             ("reference", ["export", cfg["ref_export"]])]
    return ([(peer, [str(a) for a in args]) for peer, args in jobs if peer in peers]
            + journal_jobs(cfg, journal_dir))


# ---- the append path: library cost, preformatted, threads, batch --------------


def append_path_jobs(cfg):
    """The jobs behind append_path_rows (the 1- and 2-thread appends at 5000
    are in plan already)."""
    return [
        *((peer, ["append", 5000, t, cfg["events"]])
          for peer in ("ours", "spdlog") for t in APPEND_THREADS if t > 2),
        ("ours", ["preformatted", 5000, cfg["events"]]),
        ("spdlog", ["preformatted", 5000, cfg["events"]]),
        ("ours", ["batch", cfg["batch"], cfg["events"]]),
    ]


def append_path_rows(res, cfg, quick):
    """(target, ours, peer, ratio, goal, status) for the append path at capacity
    5000: the library's own cost, the preformatted variant, 2 and 4 producer
    threads (pinned to cores where allowed; CPU time per event shown, which
    does not hide contention) and audit_log_batch."""
    rows = []

    def append(peer, field, threads=1):
        return res.median(peer, "append", field, capacity=5000, threads=threads)

    def row(target, ours, peer, r, goal, test):
        rows.append((target, ours, peer, fmt_ratio(r), goal,
                     status(None if r is None else test(r), quick)))

    def cost(peer):
        total, caller = append(peer, "cpu_ns_per_event"), res.median(peer, "format", "cpu_ns_per_event")
        return None if total is None or caller is None else total - caller

    r = ratio(cost("ours"), cost("spdlog"))
    row("library cost per event, 1 thread (append CPU ns minus the caller's formatting, "
        "same run): ours / spdlog", fmt(cost("ours"), "ns"), fmt(cost("spdlog"), "ns"), r,
        "<= 1x", lambda x: x <= 1)

    def pre(peer, field):
        return res.median(peer, "preformatted", field, capacity=5000)

    r = ratio(pre("ours", "events_per_s"), pre("spdlog", "events_per_s"))
    row("append, fields preformatted (no snprintf in the loop), 1 thread: ours / spdlog",
        f"{fmt(pre('ours', 'events_per_s'), 'ev/s')} (CPU {fmt(pre('ours', 'cpu_ns_per_event'))} ns)",
        f"{fmt(pre('spdlog', 'events_per_s'), 'ev/s')} (CPU {fmt(pre('spdlog', 'cpu_ns_per_event'))} ns)",
        r, ">= 1x", lambda x: x >= 1)

    def threads(peer, t):
        return (f"{fmt(append(peer, 'events_per_s', t), 'ev/s')} "
                f"(CPU {fmt(append(peer, 'cpu_ns_per_event', t))} ns/ev)")

    r = ratio(append("ours", "events_per_s", 2), append("ours", "events_per_s", 1))
    row("append, 2 producer threads aggregate / 1 thread (ours)", threads("ours", 2),
        threads("ours", 1), r, ">= 1.8x", lambda x: x >= 1.8)
    r = ratio(append("ours", "events_per_s", 2), append("spdlog", "events_per_s", 2))
    row("append, 2 producer threads: ours / spdlog", threads("ours", 2), threads("spdlog", 2),
        r, ">= 2x", lambda x: x >= 2)
    r = ratio(append("ours", "events_per_s", 4), append("ours", "events_per_s", 2))
    row("append, 4 producer threads / 2 threads (ours; spdlog 4 threads in the peer column)",
        threads("ours", 4), threads("spdlog", 4), r, ">= 1x", lambda x: x >= 1)

    b = cfg["batch"]
    per_call = res.median("ours", "batch", "per_call_events_per_s", batch=b)
    batched = res.median("ours", "batch", "batch_events_per_s", batch=b)
    cpu_call = res.median("ours", "batch", "cpu_per_call_ns", batch=b)
    cpu_batch = res.median("ours", "batch", "cpu_batch_ns", batch=b)
    row(f"audit_log_batch of {b} / audit_log per event (typical events, formatting included)",
        f"{fmt(batched, 'ev/s')} (CPU {fmt(cpu_batch)} ns/ev)",
        f"{fmt(per_call, 'ev/s')} (CPU {fmt(cpu_call)} ns/ev)", ratio(batched, per_call),
        ">= 2x", lambda x: x >= 2)
    return rows


def run_job(peers, peer, args, timeout):
    cmd = peers[peer] + args
    journal = Path(args[-1]) if args[0] in ("journal", "verify") else None
    if journal is not None:
        shutil.rmtree(journal, ignore_errors=True)  # each run starts a new journal
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if journal is not None:
        shutil.rmtree(journal, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit(f"compare: {' '.join(cmd)} exited {proc.returncode}\n{proc.stderr}")
    records = []
    for line in proc.stdout.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            sys.exit(f"compare: {' '.join(cmd)} printed a line that is not JSON: {line!r}")
        if not isinstance(record, dict) or "case" not in record:
            sys.exit(f"compare: {' '.join(cmd)} printed a record without a case: {line!r}")
        records.append(dict(record, peer=peer))
    if not records:
        sys.exit(f"compare: {' '.join(cmd)} printed no results")
    return records


class Results:
    def __init__(self, records):
        self.records = records

    def median(self, peer, case, field, **match):
        values = [r[field] for r in self.records
                  if r["peer"] == peer and r["case"] == case
                  and all(r.get(k) == v for k, v in match.items())]
        return statistics.median(values) if values else None


# ---- reporting ------------------------------------------------------------------


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if abs(v) >= 1e6:
        text = f"{v / 1e6:.2f} M"
    elif abs(v) >= 100:
        text = f"{v:,.0f}"
    elif abs(v) >= 1:
        text = f"{v:.2f}"
    else:
        text = f"{v:.4f}"
    return f"{text} {unit}".strip().replace("M ", "M")


def ratio(a, b):
    return a / b if a is not None and b else None


def status(ok, quick):
    """A goal's status: its test passed (met) or not (missed); n/a when not
    measured, (quick) in a quick run."""
    if ok is None:
        return "n/a"
    return "(quick)" if quick else ("met" if ok else "missed")


def fmt_ratio(r):
    if r is None:
        return "n/a"
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.2g}x"  # 0.0047x, not 0.00x


def target_rows(res, cfg, quick):
    """(target, ours, peer, ratio, goal, met) per target; ratio > 1 means we are faster
    except where the goal says otherwise."""
    big = cfg["big"]
    rows = []

    def eps(peer, cap, threads=1):
        return res.median(peer, "append", "events_per_s", capacity=cap, threads=threads)

    def ns(cap):
        return res.median("ours", "append", "ns_per_event", capacity=cap, threads=1)

    def row(target, ours, peer, r, goal, ok):
        rows.append((target, ours, peer, fmt_ratio(r), goal, status(ok, quick)))

    def check(value, test):
        return None if value is None else test(value)

    r = ratio(eps("ours", 5000), eps("spdlog", 5000))
    row("append, 1 thread, capacity 5000: ours / spdlog ringbuffer_sink_mt",
        fmt(eps("ours", 5000), "ev/s"), fmt(eps("spdlog", 5000), "ev/s"), r,
        ">= 1x (aim 1.5x)", check(r, lambda x: x >= 1))
    r = ratio(eps("ours", 5000), eps("reference", 5000))
    row("append, 1 thread, capacity 5000: ours / reference",
        fmt(eps("ours", 5000), "ev/s"), fmt(eps("reference", 5000), "ev/s"), r,
        ">= 50x", check(r, lambda x: x >= 50))
    small = min(cfg["capacities"])
    r = ratio(ns(big), ns(small))
    row(f"append cost at capacity {big:,} / at {small:,} (ns per event)",
        fmt(ns(big), "ns"), fmt(ns(small), "ns"), r, "<= 1.3x", check(r, lambda x: x <= 1.3))
    r = ratio(eps("ours", 5000, 2), eps("ours", 5000))
    row("append, capacity 5000: 2 threads aggregate / 1 thread",
        fmt(eps("ours", 5000, 2), "ev/s"), fmt(eps("ours", 5000), "ev/s"), r,
        ">= 1x", check(r, lambda x: x >= 1))
    r = ratio(eps("ours", 5000, 2), eps("spdlog", 5000, 2))
    row("append, capacity 5000, 2 threads: ours / spdlog",
        fmt(eps("ours", 5000, 2), "ev/s"), fmt(eps("spdlog", 5000, 2), "ev/s"), r,
        ">= 1.5x", check(r, lambda x: x >= 1.5))

    def with_cpu(case, field, unit, **match):
        wall = res.median("ours", case, field, **match)
        cpu = res.median("ours", case, "cpu_" + field, **match)
        return wall, f"{fmt(wall, unit)} (CPU {fmt(cpu)})"

    q, text = with_cpu("query_actor", "ms", "ms", stored=big)
    qr = res.median("reference", "query_actor", "ms", stored=cfg["ref_query"])
    row(f"query actor (1% match) over {big:,} events",
        text, fmt(qr, "ms") + f" ({cfg['ref_query']:,} ev)", ratio(qr, q),
        "<= 2 ms", check(q, lambda x: x <= 2))
    q, text = with_cpu("query_actor_limit50", "ms", "ms", stored=big)
    qr = res.median("reference", "query_actor_limit50", "ms", stored=cfg["ref_query"])
    row(f"query actor, 50 newest matches, over {big:,} events",
        text, fmt(qr, "ms"), ratio(qr, q), "<= 0.1 ms", check(q, lambda x: x <= 0.1))
    ex, text = with_cpu("export", "mb_per_s", "MB/s", events=big)
    exr = res.median("reference", "export", "mb_per_s", events=cfg["ref_export"])
    row(f"export {big:,} events as pretty JSON",
        text, fmt(exr, "MB/s") + f" ({cfg['ref_export']:,} ev)", ratio(ex, exr),
        ">= 250 MB/s", check(ex, lambda x: x >= 250))
    im, text = with_cpu("import", "mb_per_s", "MB/s", events=big)
    row(f"import that document", text, "n/a (no import)", None, ">= 150 MB/s",
        check(im, lambda x: x >= 150))
    mem = res.median("ours", "memory", "bytes_per_event", events=big)
    compact = res.median("ours", "memory", "compact_json_bytes", events=big)
    mem_spd = res.median("spdlog", "memory", "bytes_per_event", events=big)
    r = ratio(mem, compact)
    rows.append((f"resident bytes per stored event ({big:,} events) / compact JSON "
                 f"({fmt(compact, 'B')})", fmt(mem, "B"), fmt(mem_spd, "B") + " (spdlog)",
                 fmt_ratio(r), "<= 2x", status(check(r, lambda x: x <= 2), quick)))
    d = res.median("ours", "dispatch", "first_subscriber_ns")
    d4 = res.median("ours", "dispatch", "per_subscriber_of_4_ns")
    row("dispatch cost per event, 1 synchronous no-op subscriber (CPU time)",
        fmt(d, "ns"), f"with 4: {fmt(d4, 'ns')} each", None, "<= 100 ns",
        check(d, lambda x: x <= 100))
    s = res.median("ours", "slow_subscriber", "ratio")
    sw = res.median("ours", "slow_subscriber", "seconds_with")
    so = res.median("ours", "slow_subscriber", "seconds_without")
    rows.append((f"{cfg['events']:,} audit_log calls with a 1 s/event queued subscriber "
                 "(drop-oldest) / without", fmt(sw, "s"), fmt(so, "s") + " (without)",
                 fmt_ratio(s), "<= 2x", status(check(s, lambda x: x <= 2), quick)))
    rows += forward_rows(res, cfg, quick)
    return rows


# The forwarders' targets: (peer, target, what, the calls logged, events config key).
FORWARD_TARGETS = (
    ("ours", "jsonl", "a JSON Lines file", "audit_log", "events"),
    ("ours", "syslog", "syslog over loopback TCP", "audit_log", "events"),
    ("forward", "kafka", "Kafka (a local broker, acks=all)", "Rust `log`",
     "server_forward_events"),
    ("forward", "otlp", "OTLP/HTTP (a local OpenTelemetry Collector)", "Rust `log`",
     "server_forward_events"),
)


def forward_rows(res, cfg, quick):
    """Per forwarder target measured: the producer's cost with the forwarder attached
    (wall clock and its own CPU time) and the throughput to the target; a target
    without results (its servers missing) has no rows."""
    rows = []

    for peer, target, what, calls, events in FORWARD_TARGETS:
        def med(field):
            return res.median(peer, "forward", field, target=target)

        p = med("producer_ratio")
        if p is None:
            continue
        rows.append((f"{cfg[events]:,} {calls} calls with a forwarder to {what} / without",
                     fmt(med("seconds_with"), "s"), fmt(med("seconds_without"), "s") + " (without)",
                     fmt_ratio(p), "<= 1.2x", status(p <= 1.2, quick)))
        c = med("producer_cpu_ratio")
        rows.append(("the same in the producing thread's own CPU time, with / without",
                     "(ratio only)", "", fmt_ratio(c), "<= 1.2x",
                     status(None if c is None else c <= 1.2, quick)))
        d, lg = med("delivered_events_per_s"), med("logged_events_per_s")
        rows.append((f"forwarding throughput to {what} (acknowledged) / logging without a forwarder",
                     fmt(d, "ev/s"), fmt(lg, "ev/s"), fmt_ratio(ratio(d, lg)), "(measured)", "n/a"))
    return rows


def journal_rows(res, cfg, quick):
    """The journal's targets: (target, ours, baseline, ratio, goal, status)."""
    rows = []

    def med(field, policy, threads=1):
        return res.median("ours", "journal", field, policy=policy, threads=threads)

    n = cfg["journal_events"]
    none, batch, never = (med("events_per_s", p) for p in ("none", "batch", "never"))
    r = ratio(batch, none)
    rows.append((f"append {n:,} events, 1 thread, capacity 5000: journal under batch / "
                 "no journal", f"{fmt(batch, 'ev/s')} (CPU {fmt(med('cpu_ns_per_event', 'batch'))} "
                 f"ns/ev)", f"{fmt(none, 'ev/s')} (CPU {fmt(med('cpu_ns_per_event', 'none'))} ns/ev)",
                 fmt_ratio(r), ">= 0.8x", status(None if r is None else r >= 0.8, quick)))
    pb, pn = med("producer_cpu_ns_per_event", "batch"), med("producer_cpu_ns_per_event", "none")
    r = ratio(pb, pn)
    rows.append(("the producing thread's own CPU per event (what it pays): journal under batch / "
                 "no journal", fmt(pb, "ns"), fmt(pn, "ns"), fmt_ratio(r), "<= 1.25x (1 / 0.8)",
                 status(None if r is None else r <= 1.25, quick)))
    r = ratio(never, none)
    rows.append(("the same under never (no fsync: the journal thread's own cost) / no journal",
                 f"{fmt(never, 'ev/s')} (CPU {fmt(med('cpu_ns_per_event', 'never'))} ns/ev)",
                 fmt(none, "ev/s"), fmt_ratio(r), "(for the diagnosis)", "n/a"))
    one = med("events_per_s", "always", 1)
    for t in ALWAYS_THREADS:
        eps, per = med("events_per_s", "always", t), med("fsyncs_per_event", "always", t)
        text = f"{fmt(eps, 'ev/s')}, {fmt(per)} fsyncs/ev"
        if t == 1:
            rows.append(("append under always (each call waits for its fsync), 1 thread",
                         text, "n/a", "n/a", "fsyncs/ev <= 1",
                         status(None if per is None else per <= 1, quick)))
        else:
            goal = 1.5 if t == 2 else 4
            r = ratio(eps, one)
            rows.append((f"append under always, {t} threads aggregate / 1 thread (group commit)",
                         text, fmt(one, "ev/s"), fmt_ratio(r), f">= {goal}x",
                         status(None if r is None else r >= goal, quick)))
    v = cfg["verify_events"]
    mb = res.median("ours", "verify", "mb_per_s", events=v)
    cpu = res.median("ours", "verify", "cpu_mb_per_s", events=v)
    disk = res.median("ours", "verify", "disk_read_mb_per_s", events=v)
    disk = disk if disk is not None and disk > 0 else None
    r = ratio(mb, disk)
    rows.append((f"audit_journal_verify over {v:,} events / reading the files with O_DIRECT",
                 f"{fmt(mb, 'MB/s')} (CPU {fmt(cpu)})", fmt(disk, "MB/s"), fmt_ratio(r),
                 ">= 1x (disk speed)", status(None if r is None else r >= 1, quick)))
    per, compact = med("disk_bytes_per_event", "batch"), med("compact_json_bytes", "batch")
    r = ratio(per, compact)
    rows.append(("bytes on disk per event (segments, checkpoints, keys) / its compact JSON line",
                 fmt(per, "B"), fmt(compact, "B"), fmt_ratio(r), "<= 1.2x",
                 status(None if r is None else r <= 1.2, quick)))
    return rows


def filesystem(path):
    """The filesystem type holding path (from /proc/mounts), e.g. ext4."""
    best, kind = "", "?"
    try:
        real = str(path.resolve())
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype = line.split()[:3]
            if (real == mount or real.startswith(mount.rstrip("/") + "/")) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return f"{kind} (mounted on {best})" if best else kind


def append_rows(res, cfg):
    """Per capacity and thread count: events/s and CPU ns per event of each peer."""
    rows = []
    for cap, threads in capacities(cfg):
        for t in threads:
            def med(peer, field):
                if peer == "reference":  # single-threaded only
                    return res.median(peer, "append", field, capacity=cap) if t == 1 else None
                return res.median(peer, "append", field, capacity=cap, threads=t)

            o, s, r = (med(p, "events_per_s") for p in ("ours", "spdlog", "reference"))
            oc, sc, rc = (med(p, "cpu_ns_per_event") for p in ("ours", "spdlog", "reference"))
            rows.append((f"{cap:,}", str(t), fmt(o), fmt(s), fmt_ratio(ratio(o, s)), fmt(r),
                         fmt_ratio(ratio(o, r)), fmt(oc), fmt(sc), fmt_ratio(ratio(sc, oc)),
                         fmt(rc)))
    return rows


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def plot_data(res, cfg):
    """(capacity, ours, spdlog, reference) append events/s, 1 thread."""
    return [(cap,
             res.median("ours", "append", "events_per_s", capacity=cap, threads=1),
             res.median("spdlog", "append", "events_per_s", capacity=cap, threads=1),
             res.median("reference", "append", "events_per_s", capacity=cap))
            for cap, _ in capacities(cfg)]


def threads_data(res):
    """(threads, ours, spdlog) aggregate append events/s at capacity 5000."""
    return [(t,
             res.median("ours", "append", "events_per_s", capacity=5000, threads=t),
             res.median("spdlog", "append", "events_per_s", capacity=5000, threads=t))
            for t in APPEND_THREADS]


# What each plot shows: its file, axes and title, the series (label, column
# of its data rows, line style) and whether its axes are logarithmic.
CAPACITY_PLOT = {
    "name": "append_vs_capacity",
    "xlabel": "capacity (events kept)",
    "ylabel": "append throughput, 1 thread (events/s)",
    "title": "Append throughput vs ring capacity (full ring, typical event)",
    "series": [("audit-logger (C ABI)", 1, "o-"), ("spdlog ringbuffer_sink_mt", 2, "s--"),
               ("reference (CPython)", 3, "^-")],
    "log": True,
}
THREADS_PLOT = {
    "name": "append_vs_threads",
    "xlabel": "producer threads (one logger, capacity 5000)",
    "ylabel": "aggregate append throughput (events/s)",
    "title": "Append throughput vs producer threads (full ring, typical event)",
    "series": [("audit-logger (C ABI)", 1, "o-"), ("spdlog ringbuffer_sink_mt", 2, "s--")],
    "log": False,
}


def write_plot(data, png, plot):
    """Draws `plot` (see CAPACITY_PLOT) of `data`, with matplotlib or else gnuplot."""
    series = plot["series"]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
    if plt is not None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for label, col, style in series:
            pts = [(d[0], d[col]) for d in data if d[col]]
            if pts:
                ax.plot(*zip(*pts), style, label=label)
        if plot["log"]:
            ax.set_xscale("log")
            ax.set_yscale("log")
        else:
            ax.set_xticks([d[0] for d in data])
            ax.set_ylim(bottom=0)
        ax.set_xlabel(plot["xlabel"])
        ax.set_ylabel(plot["ylabel"])
        ax.set_title(plot["title"])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(png, dpi=110)
        return True
    if shutil.which("gnuplot"):
        with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as f:
            for d in data:
                f.write(" ".join(str(v if v else "NaN") for v in d) + "\n")
        plots = ", ".join(f"'{f.name}' using 1:{col + 1} with linespoints title '{label}'"
                          for label, col, _ in series)
        script = (f"set terminal png size 770,500; set output '{png}'; "
                  + ("set logscale xy; " if plot["log"] else "set yrange [0:*]; ")
                  + f"set xlabel '{plot['xlabel']}'; set ylabel '{plot['ylabel']}'; "
                  f"set grid; plot {plots}")
        run(["gnuplot", "-e", script])
        os.unlink(f.name)
        return True
    say("== no plotter (pip install matplotlib, or apt-get install gnuplot): plot not drawn")
    return False


def machine():
    info = {"python": platform.python_version(), "nproc": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split()
        info["mem_gib"] = round(int(mem[1]) / 2**20, 1)
    except OSError:
        pass
    return info


def git_describe():
    try:
        out = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return f"commit {out}"
    except (OSError, subprocess.CalledProcessError):
        return "an unversioned tree"


def loadavg():
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


# ---- main -----------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", default=bool(os.environ.get("BENCH_QUICK")),
                    help="smoke run: tiny counts, one repetition (also BENCH_QUICK=1)")
    ap.add_argument("--reps", type=int, help="repetitions (default 5; 1 with --quick)")
    ap.add_argument("--build-dir", type=Path, help="where to compile (default: a temporary dir)")
    ap.add_argument("--out", type=Path, help="results dir (default bench/results; none with --quick)")
    ap.add_argument("--journal-dir", type=Path,
                    help="where the journal benchmarks write (default: a new directory under "
                         "target/, on the disk that holds the repository; not a tmpfs)")
    ap.add_argument("--only-journal", action="store_true",
                    help="run only the journal and seal benchmarks")
    ap.add_argument("--only-forward", action="store_true",
                    help="run only bench/forward.rs: forwarding to Kafka and OTLP (their servers)")
    args = ap.parse_args()
    if args.only_journal and args.only_forward:
        ap.error("--only-journal and --only-forward exclude each other")
    only = "journal" if args.only_journal else "forward" if args.only_forward else None

    cfg = dict(QUICK if args.quick else FULL)
    if args.reps is not None:
        if args.reps < 1:
            ap.error("--reps must be at least 1")
        cfg["reps"] = args.reps
    out = args.out or (None if args.quick else BENCH / "results")
    tmp = None
    build_dir = args.build_dir
    if build_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="audit-bench-")
        build_dir = Path(tmp.name)
    build_dir.mkdir(parents=True, exist_ok=True)

    lib = library_path()
    say(f"== building into {build_dir} (library {lib})")
    peers = build(build_dir, lib)
    journal_parent = args.journal_dir or REPO / "target"
    journal_parent.mkdir(parents=True, exist_ok=True)
    journal_tmp = tempfile.TemporaryDirectory(prefix="bench-journal-", dir=journal_parent)
    journal_dir = Path(journal_tmp.name)
    servers = []
    if only == "journal":
        pass
    elif args.quick and only != "forward":
        say("== skipped: forwarding to Kafka and OTLP in a quick run (their build compiles "
            "librdkafka; --only-forward runs them)")
    else:
        servers = server_targets()
        if servers:
            peers["forward"] = [build_forward()]
        elif only == "forward":
            sys.exit("compare: --only-forward: no server to forward to (skipped above)")
    jobs = plan(cfg, peers, journal_dir, only, servers)
    say(f"== {len(jobs)} benchmarks x {cfg['reps']} repetitions"
        f"{' (quick: counts too small to mean anything)' if args.quick else ''}")

    started, load_before = time.time(), loadavg()
    records = []
    for rep in range(cfg["reps"]):
        for peer, job in jobs:
            say(f"   [{rep + 1}/{cfg['reps']}] {peer} {' '.join(job)}")
            timeout = FORWARD_TIMEOUT if peer == "forward" else cfg["timeout"]
            for record in run_job(peers, peer, job, timeout):
                records.append(dict(record, rep=rep))
    elapsed, load_after = time.time() - started, loadavg()
    res = Results(records)

    info = machine()
    print(f"# audit-logger comparison: medians of {cfg['reps']} run(s)"
          f"{' -- QUICK smoke run, not a measurement' if args.quick else ''}\n")
    print(f"Machine: {info.get('cpu', '?')}, {info['nproc']} CPUs, {info.get('mem_gib', '?')} GiB; "
          f"load average {load_before} before, {load_after} after; {elapsed:.0f} s.")
    print(f"Library: {lib} (built {time.strftime('%Y-%m-%d %H:%M', time.gmtime(lib.stat().st_mtime))} "
          f"UTC); benchmarks from {git_describe()}.")
    print(f"Peers: {', '.join(peers)}. Ratios: ours / peer for throughput "
          "(> 1 = we are faster); peer / ours for times. Status by wall-clock medians; "
          "(CPU ...) is the same figure in process CPU time.\n")
    header = ["target", "ours", "peer / baseline", "ratio", "goal", "status"]
    if servers:
        print(f"bench/forward.rs ({', '.join(servers)}) links its own build of the library: "
              f"the bench profile with features tls,otlp,kafka, in {FORWARD_TARGET_DIR}; "
              "each forwarder at its defaults (ForwarderConfig::new) but for the backlog.\n")
    if only == "forward":
        print("## Forwarding to Kafka and OTLP\n")
        print(markdown(header, forward_rows(res, cfg, args.quick)))
        journal_tmp.cleanup()
        if tmp is not None:
            tmp.cleanup()
        return
    if only is None:
        print("## Targets\n")
        print(markdown(header, target_rows(res, cfg, args.quick)))
        print("\n## The append path (capacity 5000)\n")
        print(markdown(header, append_path_rows(res, cfg, args.quick)))
    print("\n## Journal and seal\n")
    print(f"Journal directories under {journal_dir.parent}, filesystem "
          f"{filesystem(journal_dir.parent)}; default journal settings (batch: 1,000 events "
          "or 50 ms; a checkpoint every 10,000 events or 60 s).\n")
    print(markdown(header, journal_rows(res, cfg, args.quick)))
    journal_tmp.cleanup()
    if only == "journal":
        if tmp is not None:
            tmp.cleanup()
        return
    print("\n## Append throughput (events/s, full ring, typical event)\n")
    print(markdown(["capacity", "threads", "ours", "spdlog", "ours/spdlog", "reference",
                    "ours/reference", "ours CPU ns/ev", "spdlog CPU ns/ev", "by CPU: ours/spdlog",
                    "reference CPU ns/ev"], append_rows(res, cfg)))
    print("\nCPU ns/ev: process CPU time (all threads) per event; unlike the wall clock it "
          "leaves out time spent waiting for a CPU on a shared machine.")
    print("Formatting the typical event with snprintf alone, part of every append figure "
          "above (ns per event, wall / CPU): ours (3 fields) "
          + " / ".join(fmt(res.median("ours", "format", f)) for f in ("ns_per_event", "cpu_ns_per_event"))
          + ", spdlog (1 message) "
          + " / ".join(fmt(res.median("spdlog", "format", f)) for f in ("ns_per_event", "cpu_ns_per_event"))
          + ".")

    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        plots = [(CAPACITY_PLOT, plot_data(res, cfg),
                  ["capacity", "ours_events_per_s", "spdlog_events_per_s",
                   "reference_events_per_s"]),
                 (THREADS_PLOT, threads_data(res),
                  ["threads", "ours_events_per_s", "spdlog_events_per_s"])]
        for plot, data, columns in plots:
            with open(out / f"{plot['name']}.csv", "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(columns)
                w.writerows(data)
        (out / "latest.json").write_text(json.dumps(
            {"config": {k: v for k, v in cfg.items() if k != "ref_append"},
             "machine": info, "library": str(lib), "benchmarks": git_describe(),
             "load_before": load_before, "load_after": load_after,
             "records": records}, indent=1))
        say(f"== results in {out}")
        if not args.quick:
            for plot, data, _ in plots:
                png = REPO / f"docs/{plot['name']}.png"
                png.parent.mkdir(exist_ok=True)
                if write_plot(data, png, plot):
                    say(f"== plot in {png}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
