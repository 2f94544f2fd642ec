"""``Severity`` and ``AuditEvent``: the values the logger hands back."""

from __future__ import annotations

import copy
import ctypes
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Dict, Optional

from . import _native
from .errors import InvalidSeverityError, Status, make_error

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


class Severity(Enum):
    """How serious an event is; the numbers are the C library's."""

    INFO = 10
    WARNING = 20
    ERROR = 30
    CRITICAL = 40

    @classmethod
    def from_str(cls, s: str, *, lenient: bool = False) -> "Severity":
        """The severity called ``s`` (INFO, WARNING, ERROR, CRITICAL; ASCII case
        ignored). An unknown name raises :class:`InvalidSeverityError` (a
        ``ValueError``); with ``lenient=True`` it gives ``INFO`` instead, as the
        reference implementation always does."""
        if not isinstance(s, str):
            raise TypeError(f"severity name must be str, not {type(s).__name__}")
        try:
            raw = s.encode("utf-8")
        except UnicodeEncodeError:
            raw = b"\0"  # unencodable: certainly not a severity name
        if b"\0" in raw:
            err = make_error(Status.INVALID_SEVERITY, f"unknown severity name {s!r}")
        else:
            lib = _native.library()
            value = ctypes.c_uint32()
            code = lib.audit_severity_from_name(raw, ctypes.byref(value))
            if code == Status.OK:
                return cls(value.value)
            err = make_error(code, lib.audit_last_error_message().decode("utf-8", "replace"))
        if lenient and isinstance(err, InvalidSeverityError):
            return cls.INFO
        raise err


def format_timestamp(micros: int) -> str:
    """``micros`` since the epoch as the export writes it: RFC 3339, UTC,
    microseconds, ``Z`` (for example ``2026-11-27T01:20:36.123456Z``)."""
    d = _EPOCH + timedelta(microseconds=micros)
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d}T"
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}.{d.microsecond:06d}Z"
    )


def to_micros(moment: Any, name: str = "timestamp") -> int:
    """Microseconds since the epoch from float/int seconds, a ``datetime``
    (naive means UTC, as in imported documents) or an RFC 3339 string."""
    if isinstance(moment, str):
        text = moment[:-1] + "+00:00" if moment.endswith(("Z", "z")) else moment
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{name} {moment!r} is not an RFC 3339 timestamp") from None
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return (moment - _EPOCH) // _MICROSECOND
    if isinstance(moment, bool) or not isinstance(moment, (int, float)):
        raise TypeError(f"{name} must be seconds (int or float) or a datetime")
    if isinstance(moment, int):
        return moment * 1_000_000
    return round(moment * 1_000_000)


@dataclass(frozen=True)
class AuditEvent:
    """One recorded audit event; immutable.

    Fields as in the reference implementation (``timestamp`` is float seconds
    since the epoch), plus ``seq`` (the logger's sequence number, 0 for an
    event built by hand), ``timestamp_us`` (the exact microseconds) and
    ``details_json`` (``details`` as the compact JSON text the library stores).
    """

    actor: str = ""
    action: str = ""
    resource: str = ""
    outcome: str = ""
    severity: Severity = Severity.INFO
    details: Dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)
    seq: int = 0
    timestamp_us: Optional[int] = None
    details_json: Optional[str] = None

    def __post_init__(self) -> None:
        # Events read from the library arrive complete; these fill in the
        # derived fields of an event built by hand.
        if self.timestamp_us is None:
            object.__setattr__(self, "timestamp_us", to_micros(self.timestamp))
        if self.details_json is None:
            try:
                text = json.dumps(self.details, ensure_ascii=False, separators=(",", ":"))
            except (TypeError, ValueError):
                text = None  # not JSON: left unset
            object.__setattr__(self, "details_json", text)

    def to_dict(self) -> Dict[str, Any]:
        """The event as one element of :meth:`AuditLogger.export_json`: keys
        actor, action, resource, outcome, severity (name), details, timestamp
        (RFC 3339 UTC with microseconds) and seq."""
        return {
            "actor": self.actor,
            "action": self.action,
            "resource": self.resource,
            "outcome": self.outcome,
            "severity": self.severity.name,
            "details": copy.deepcopy(self.details),
            "timestamp": format_timestamp(self.timestamp_us),  # type: ignore[arg-type]
            "seq": self.seq,
        }

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "AuditEvent":
        """An event from a dict in the export format (or the reference's).
        ``timestamp`` may be an RFC 3339 string (zone-less means UTC) or float
        seconds; an unknown severity name raises ``ValueError``."""
        severity = d.get("severity", "INFO")
        if not isinstance(severity, Severity):
            severity = Severity.from_str(severity) if isinstance(severity, str) else Severity(severity)
        micros = to_micros(d["timestamp"]) if "timestamp" in d else to_micros(time.time())
        return cls(
            actor=d.get("actor", ""),
            action=d.get("action", ""),
            resource=d.get("resource", ""),
            outcome=d.get("outcome", ""),
            severity=severity,
            details=copy.deepcopy(d.get("details", {})),
            timestamp=micros / 1_000_000,
            seq=d.get("seq", 0),
            timestamp_us=micros,
        )
