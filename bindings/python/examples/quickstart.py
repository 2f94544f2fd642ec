"""Quickstart: record, query, forward, export and re-import audit events.

Run from anywhere:  python3 bindings/python/examples/quickstart.py
(uses $AUDIT_LOGGER_LIB, else the repository's target/release build).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run without installing

from audit_logger import AuditError, AuditLogger, Severity  # noqa: E402


USAGE = """\
Usage: python3 quickstart.py
Records, queries, forwards, exports and re-imports a few audit events, printing
what happens. Takes no arguments.
"""


def main() -> int:
    args = sys.argv[1:]
    if args in (["--help"], ["-h"]):
        print(USAGE, end="")
        return 0
    if args:
        print(f"quickstart.py: unexpected argument {args[0]!r}\n{USAGE}", end="", file=sys.stderr)
        return 2
    with AuditLogger(capacity=1000) as audit:
        # Forward every new event, e.g. to a SIEM, as one JSON line.
        forwarded = []
        audit.subscribe(lambda event: forwarded.append(json.dumps(event.to_dict())))

        audit.log(actor="alice", action="login", resource="app", outcome="success")
        event = audit.log(
            actor="admin",
            action="user.delete",
            resource="user:42",
            outcome="success",
            severity=Severity.WARNING,
            details={"reason": "GDPR request"},
        )
        audit.log(actor="mallory", action="file.read", resource="file:/etc/shadow",
                  outcome="denied", severity=Severity.ERROR, details='{"path": "/etc/shadow"}')
        print(f"logged seq {event.seq} at {event.to_dict()['timestamp']}")

        # Bad input is refused with a precise error, and nothing is recorded.
        try:
            audit.log(actor="x", details='{"a": 1, "a": 2}')
        except AuditError as e:
            print(f"refused ({e.status.name}): {e}")

        for e in audit.query(min_severity=Severity.WARNING):
            print(f"  #{e.seq} {e.severity.name:8} {e.actor} {e.action} {e.resource} -> {e.outcome}")
        print(f"alice's events: {[e.seq for e in audit.query(actor='alice')]}")
        print(f"forwarded {len(forwarded)} events; first: {forwarded[0]}")

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "audit.json"
            audit.export_json(path)
            with AuditLogger() as archive:
                imported = archive.import_json_file(path)
                print(f"re-imported {imported} events; same timestamps: "
                      f"{[e.timestamp_us for e in archive.recent()] == [e.timestamp_us for e in audit.recent()]}")
        print(f"count={audit.count} capacity={audit.capacity} evicted={audit.evicted}")
        if len(forwarded) != 3 or audit.count != 3:
            print("unexpected result", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
