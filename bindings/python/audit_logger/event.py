"""``Severity`` and ``AuditEvent``: the values the logger hands back."""

from __future__ import annotations

import ctypes
import dataclasses
import json
import threading
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

    Every event read from a logger also carries the library's own JSON line for
    it (``audit_event_to_json``), which :meth:`to_dict` parses: the export
    format is written by the library only. An event built by hand goes through
    the library the first time its JSON is needed (a one-event import into a
    private scratch logger), so it gets exactly the same treatment.
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
    #: The library's compact JSON line for this event (``None`` until known).
    json_line: Optional[str] = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Events read from the library arrive complete; these fill in the
        # derived fields of an event built by hand, through the library.
        if self.timestamp_us is None:
            object.__setattr__(self, "timestamp_us", to_micros(self.timestamp))
        if self.json_line is None:
            try:
                stored = _through_library(self._record())
            except (ValueError, TypeError):
                stored = None  # details that are not a JSON object: left unset
            if stored is not None:
                if self.details_json is None:
                    object.__setattr__(self, "details_json", stored.details_json)
                object.__setattr__(self, "json_line", stored.json_line)

    def _record(self) -> Dict[str, Any]:
        """This event as one record of an import document (timestamp in
        RFC 3339, as ``datetime.isoformat`` writes it)."""
        severity = self.severity.name if isinstance(self.severity, Severity) else self.severity
        moment = _EPOCH + timedelta(microseconds=self.timestamp_us)  # type: ignore[arg-type]
        return {
            "actor": self.actor,
            "action": self.action,
            "resource": self.resource,
            "outcome": self.outcome,
            "severity": severity,
            "details": self.details,
            "timestamp": moment.isoformat(),
        }

    def to_dict(self) -> Dict[str, Any]:
        """The event as one element of :meth:`AuditLogger.export_json`: keys
        actor, action, resource, outcome, severity (name), details, timestamp
        (RFC 3339 UTC with microseconds) and seq, as the library writes them.
        Raises :class:`InvalidDetailsError` (a ``ValueError``) for an event built
        by hand whose details are not a JSON object."""
        line = self.json_line
        if line is None:  # built by hand with details the library refused
            line = _through_library(self._record()).json_line  # raises the library's error
        d = json.loads(line)
        d["seq"] = self.seq
        return d

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "AuditEvent":
        """An event from a dict in the export format (or the reference's),
        read by the library as :meth:`AuditLogger.import_json` reads it.
        ``timestamp`` may be an RFC 3339 string (zone-less means UTC) or float
        seconds; an unknown severity name raises ``ValueError``. Missing keys
        take the reference's defaults (empty strings, INFO, no details, now)."""
        severity = d.get("severity", "INFO")
        if isinstance(severity, Severity):
            severity = severity.name
        elif isinstance(severity, str):
            severity = Severity.from_str(severity).name
        else:
            severity = Severity(severity).name
        stamp = d["timestamp"] if "timestamp" in d else time.time()
        if not isinstance(stamp, str):
            stamp = (_EPOCH + timedelta(microseconds=to_micros(stamp))).isoformat()
        record = {
            "actor": d.get("actor", ""),
            "action": d.get("action", ""),
            "resource": d.get("resource", ""),
            "outcome": d.get("outcome", ""),
            "severity": severity,
            "details": d.get("details", {}),
            "timestamp": stamp,
        }
        stored = _through_library(record)
        return dataclasses.replace(stored, seq=d.get("seq", 0), json_line=stored.json_line)


def event_from_native(lib: Any, ptr: int) -> AuditEvent:
    """A Python copy of the borrowed ``AuditEvent *`` at ``ptr``: every field
    through the library's accessors, and its JSON line (``audit_event_to_json``)."""
    micros = lib.audit_event_timestamp(ptr)
    details = lib.audit_event_details(ptr).decode("utf-8")
    out = ctypes.c_void_p()
    if lib.audit_event_to_json(ptr, ctypes.byref(out)) != Status.OK:
        raise make_error(Status.PANIC, "audit_event_to_json failed on a live event")
    try:
        line = ctypes.string_at(out.value).decode("utf-8")
    finally:
        lib.audit_string_free(out)
    return AuditEvent(
        actor=lib.audit_event_actor(ptr).decode("utf-8"),
        action=lib.audit_event_action(ptr).decode("utf-8"),
        resource=lib.audit_event_resource(ptr).decode("utf-8"),
        outcome=lib.audit_event_outcome(ptr).decode("utf-8"),
        severity=Severity(lib.audit_event_severity(ptr)),
        details=json.loads(details),
        timestamp=micros / 1_000_000,
        seq=lib.audit_event_seq(ptr),
        timestamp_us=micros,
        details_json=details,
        json_line=line,
    )


# A one-event logger private to this module, through which events built by hand
# get their stored form (import, then read back): one at a time.
_scratch_lock = threading.Lock()
_scratch: Optional[int] = None


def _through_library(record: Dict[str, Any]) -> AuditEvent:
    """``record`` imported into the scratch logger and read back (seq 0 is
    not meaningful: callers set their own). Raises the library's error."""
    global _scratch
    lib = _native.library()
    try:
        doc = json.dumps([record], ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise make_error(Status.INVALID_DETAILS, f"details is not JSON-serialisable: {e}") from e
    raw = doc.encode("utf-8", "surrogatepass")
    with _scratch_lock:
        if _scratch is None:
            handle = ctypes.c_void_p()
            _raise(lib, lib.audit_logger_new(1, ctypes.byref(handle)))
            _scratch = handle.value
        count = ctypes.c_size_t()
        _raise(lib, lib.audit_import_json(_scratch, raw, ctypes.byref(count)))
        lst = ctypes.c_void_p()
        _raise(lib, lib.audit_recent(_scratch, 1, ctypes.byref(lst)))
        try:
            event = event_from_native(lib, lib.audit_event_list_get(lst, 0))
        finally:
            lib.audit_event_list_free(lst)
    return dataclasses.replace(event, seq=0, json_line=event.json_line)


def _raise(lib: Any, code: int) -> None:
    if code != Status.OK:
        raise make_error(code, lib.audit_last_error_message().decode("utf-8", "replace"))
