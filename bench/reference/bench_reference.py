#!/usr/bin/env python3
"""Benchmarks of the reference implementation (../shared/reference/audit_logger.py
from the repository root, or the file AUDIT_REFERENCE names) under CPython, in
the same shape as bench/c/bench_capi.c: one JSON object per line on stdout.

    bench_reference.py append CAPACITY EVENTS   fill the ring, then log EVENTS more
    bench_reference.py query STORED             actor equal (1% match), with limit 50, recent(50)
    bench_reference.py export EVENTS            export EVENTS as pretty JSON (MB/s)

The typical event number n is the one the C benchmark logs, with details as a
dict (the reference's own form). The reference copies its whole buffer on every
append once full, so per-event cost grows with capacity: the driver passes fewer
EVENTS at large capacities and compares per-event figures.
"""

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def load_reference():
    path = Path(os.environ.get("AUDIT_REFERENCE", REPO.parent / "shared/reference/audit_logger.py"))
    if not path.is_file():
        sys.exit(f"bench_reference: reference implementation not found at {path}")
    spec = importlib.util.spec_from_file_location("audit_logger_reference", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


ref = load_reference()
WARNING = ref.Severity.WARNING


def log_range(audit, first, count):
    """Logs typical events first .. first+count-1; returns the seconds it took."""
    log = audit.log
    t0 = time.perf_counter()
    for n in range(first, first + count):
        log(actor=f"user{n % 100}", action="user.delete", resource=f"user:{n}",
            outcome="success", severity=WARNING, details={"reason": "GDPR request", "i": n})
    return time.perf_counter() - t0


def emit(**fields):
    print(json.dumps(fields), flush=True)


def median_ms(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2]


def bench_append(capacity, events):
    audit = ref.AuditLogger(capacity=capacity)
    fill = log_range(audit, 0, capacity)
    emit(case="fill", capacity=capacity, events=capacity, seconds=fill,
         events_per_s=capacity / fill)
    cpu0 = time.process_time()
    secs = log_range(audit, capacity, events)
    cpu = time.process_time() - cpu0
    assert audit.count == capacity
    emit(case="append", capacity=capacity, threads=1, events=events, seconds=secs,
         events_per_s=events / secs, ns_per_event=secs * 1e9 / events, cpu_seconds=cpu,
         cpu_ns_per_event=cpu * 1e9 / events)


def bench_query(stored):
    audit = ref.AuditLogger(capacity=stored)
    log_range(audit, 0, stored)
    matches = stored // 100 + (stored % 100 > 7)
    assert len(audit.query(actor="user7")) == matches
    assert len(audit.query(actor="user7", limit=50)) == min(50, matches)
    emit(case="query_actor", stored=stored, matches=matches,
         ms=median_ms(lambda: audit.query(actor="user7"), 5))
    emit(case="query_actor_limit50", stored=stored,
         ms=median_ms(lambda: audit.query(actor="user7", limit=50), 5))
    emit(case="recent50", stored=stored, ms=median_ms(lambda: audit.recent(50), 101))


def bench_export(events):
    audit = ref.AuditLogger(capacity=events)
    log_range(audit, 0, events)
    t0 = time.perf_counter()
    doc = audit.export_json()
    secs = time.perf_counter() - t0
    size = len(doc.encode("utf-8"))
    emit(case="export", events=events, bytes=size, seconds=secs, mb_per_s=size / secs / 1e6)


def main(argv):
    modes = {"append": (bench_append, 2), "query": (bench_query, 1), "export": (bench_export, 1)}
    if len(argv) < 2 or argv[1] not in modes or len(argv) != modes[argv[1]][1] + 2:
        sys.exit(__doc__)
    fn, _ = modes[argv[1]]
    fn(*(int(float(a)) for a in argv[2:]))


if __name__ == "__main__":
    main(sys.argv)
