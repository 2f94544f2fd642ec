"""User code that mypy --strict accepts against the installed package: the
package's type hints (py.typed) are what it checks."""

from __future__ import annotations

from typing import List

from audit_logger import AuditEvent, AuditLogger, Severity


def failures(audit: AuditLogger) -> List[str]:
    events: List[AuditEvent] = audit.query(outcome="failure", min_severity=Severity.ERROR)
    return [f"{e.seq} {e.actor}" for e in events]


def record(audit: AuditLogger) -> int:
    event = audit.log(actor="admin", action="user.delete", resource="user:42",
                      outcome="success", severity=Severity.WARNING, details={"reason": "GDPR"})
    doc: str = audit.export_json()
    return event.seq + len(doc) + audit.count
