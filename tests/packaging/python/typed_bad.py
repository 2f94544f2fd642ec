"""User code with type errors that mypy must report when it sees the installed
package's hints: a str capacity, an int actor, and a list used as a str."""

from __future__ import annotations

from audit_logger import AuditLogger

audit = AuditLogger(capacity="many")
audit.log(actor=42)
doc: str = audit.query()
