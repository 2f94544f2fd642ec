"""The packaging scenario (tests/packaging/README.md) through the installed
Python package (a wheel in a fresh venv).

    python consumer.py FIXTURE OUTDIR NAME
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, List

from audit_logger import AuditEvent, AuditLogger, Severity


def line(e: AuditEvent, with_time: bool) -> str:
    time = f"{e.timestamp_us} " if with_time else ""
    return (f"{e.seq} {time}{e.severity.name} {e.actor} {e.action} {e.resource} "
            f"{e.outcome} {e.details_json}\n")


def main(fixture: str, outdir: str, name: str) -> int:
    out: List[str] = []

    def section(title: str, events: Iterable[AuditEvent], with_time: bool = True) -> None:
        out.append(f"{title}\n")
        out.extend(line(e, with_time) for e in events)

    fixed = AuditLogger(capacity=100)
    out.append(f"imported {fixed.import_json(Path(fixture).read_text(encoding='utf-8'))}\n")
    section("query actor=alice", fixed.query(actor="alice"))
    section("query min_severity=ERROR", fixed.query(min_severity=Severity.ERROR))
    section("query since=1767225602000000 until=1767225605000000",
            fixed.query(since=datetime(2026, 1, 1, 0, 0, 2, tzinfo=timezone.utc),
                        until=datetime(2026, 1, 1, 0, 0, 5, tzinfo=timezone.utc)))
    section("query outcome=failure limit=1", fixed.query(outcome="failure", limit=1))
    section("recent 2", fixed.recent(2))
    Path(outdir, f"{name}.json").write_bytes(fixed.export_json().encode("utf-8"))
    fixed.close()

    live = AuditLogger(capacity=100)
    out.append("live\n")

    def subscriber(e: AuditEvent) -> None:
        out.append(line(e, False))

    live.subscribe(subscriber)
    live.log(actor="alice", action="login", resource="app", outcome="success",
             severity=Severity.INFO, details='{"b":1,"a":[true,null]}')
    live.log(actor="bob", action="user.update", resource="user:7", outcome="success",
             severity=Severity.WARNING, details='{"field":"email"}')
    live.log(actor="mallory", action="login", resource="app", outcome="failure",
             severity=Severity.ERROR, details="{}")
    live.log(actor="svc", action="key.rotate", resource="kms:1", outcome="failure",
             severity=Severity.CRITICAL, details='{"n":1.50}')
    out.append(f"unsubscribe {'true' if live.unsubscribe(subscriber) else 'false'}\n")
    last = live.log(actor="alice", action="logout", resource="app", outcome="success",
                    severity=Severity.INFO, details="{}")
    out.append(f"logged {last.seq}\n")
    section("query outcome=failure", live.query(outcome="failure"), with_time=False)
    out.append(f"count {live.count}\n")
    live.close()

    Path(outdir, f"{name}.txt").write_bytes("".join(out).encode("utf-8"))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("Usage: consumer.py FIXTURE OUTDIR NAME", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
