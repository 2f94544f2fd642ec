"""The AuditLogger API beyond the vectors: events, filters in seconds,
export/import, counters, lifetime."""

from __future__ import annotations

import ctypes
import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from audit_logger import (
    AuditEvent,
    AuditLogger,
    LoggerClosedError,
    NotFoundError,
    Severity,
    library_version,
)


@pytest.fixture
def audit():
    with AuditLogger(capacity=100) as logger:
        yield logger


def test_log_returns_the_stored_event(audit) -> None:
    before = time.time()
    event = audit.log("alice", "login", "app", "success", Severity.ERROR, {"z": 1, "a": [True, None]})
    after = time.time()
    assert (event.actor, event.action, event.resource, event.outcome) == ("alice", "login", "app", "success")
    assert event.severity is Severity.ERROR
    assert list(event.details.items()) == [("z", 1), ("a", [True, None])]  # key order kept
    assert event.details_json == '{"z":1,"a":[true,null]}'
    assert event.seq == 1
    assert before - 1e-6 <= event.timestamp <= after + 1e-6
    assert event.timestamp_us == round(event.timestamp * 1_000_000)
    assert audit.get(1) == event


def test_details_forms(audit) -> None:
    assert audit.log(details=None).details == {}
    assert audit.log(details={}).details_json == "{}"
    assert audit.log(details=' { "k" : [1, 2] } ').details_json == '{"k":[1,2]}'
    assert audit.log(details=b'{"b":1}').details == {"b": 1}
    assert audit.log(details={"ü": "日本"}).details == {"ü": "日本"}


def test_recorded_event_cannot_be_rewritten(audit) -> None:
    details = {"role": "user"}
    event = audit.log(actor="mallory", details=details)
    details["role"] = "admin"
    event.details["role"] = "admin"
    with pytest.raises(AttributeError):
        event.actor = "alice"  # type: ignore[misc]
    assert audit.get(event.seq).details == {"role": "user"}


def test_severity_accepts_enum_int_and_name(audit) -> None:
    assert audit.log(severity=Severity.CRITICAL).severity is Severity.CRITICAL
    assert audit.log(severity=20).severity is Severity.WARNING
    assert audit.log(severity="error").severity is Severity.ERROR
    assert [e.seq for e in audit.query(min_severity="warning", max_severity=30)] == [2, 3]


def test_query_time_window_in_seconds_and_datetimes(audit) -> None:
    audit.import_json(json.dumps([
        {"actor": f"u{i}", "action": "a", "resource": "r", "outcome": "o", "severity": "INFO",
         "details": {}, "timestamp": f"2026-01-01T00:00:0{i}.000001Z"}
        for i in range(4)
    ]))
    t1 = datetime(2026, 1, 1, 0, 0, 1, 1, tzinfo=timezone.utc)
    secs = t1.timestamp()
    assert [e.actor for e in audit.query(since=secs)] == ["u1", "u2", "u3"]
    assert [e.actor for e in audit.query(until=secs)] == ["u0", "u1"]
    assert [e.actor for e in audit.query(since=t1, until=t1 + timedelta(seconds=1))] == ["u1", "u2"]
    assert [e.actor for e in audit.query(since=t1.replace(tzinfo=None))] == ["u1", "u2", "u3"]
    assert [e.actor for e in audit.query(since=secs + 1e-6)] == ["u2", "u3"]
    assert audit.get(2).timestamp_us == (t1 - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


def test_limit_cursor_and_recent(audit) -> None:
    for i in range(6):
        audit.log(actor="x" if i % 2 else "y")
    assert [e.seq for e in audit.query(actor="x", limit=2)] == [4, 6]
    assert audit.query(limit=0) == []
    assert [e.seq for e in audit.query(after_seq=4)] == [5, 6]
    assert [e.seq for e in audit.recent()] == [1, 2, 3, 4, 5, 6]
    assert [e.seq for e in audit.recent(2)] == [5, 6]
    assert audit.recent(0) == []


def test_export_to_file_and_import_round_trip(audit, tmp_path) -> None:
    audit.log("alice", "login", "app", "success", Severity.INFO, {"ip": "10.0.0.1"})
    audit.log("bob", "key.rotate", "kms:1", "failure", Severity.CRITICAL, '{"line":"a\\nb"}')
    path = tmp_path / "audit.json"
    text = audit.export_json(path)
    assert path.read_text(encoding="utf-8") == text
    assert json.loads(text) == [e.to_dict() for e in audit.recent(2)]

    with AuditLogger() as copy:
        assert copy.import_json_file(path) == 2
        assert copy.import_json(json.loads(text)) == 2  # the parsed list works too
        originals = audit.recent(2)
        for got, want in zip(copy.recent(4), originals + originals):
            assert (got.actor, got.details, got.severity, got.timestamp_us) == (
                want.actor, want.details, want.severity, want.timestamp_us)
        assert [e.seq for e in copy.recent(4)] == [1, 2, 3, 4]  # fresh seqs


def test_from_dict_reads_exports(audit) -> None:
    event = audit.log(actor="alice", severity=Severity.WARNING, details={"k": 1})
    again = AuditEvent.from_dict(event.to_dict())
    assert again == event
    legacy = AuditEvent.from_dict({"actor": "root", "severity": "INFO", "timestamp": "2024-02-29T23:59:59"})
    assert legacy.timestamp_us == 1709251199000000


def test_counters_and_eviction() -> None:
    with AuditLogger(capacity=2) as audit:
        assert (audit.count, audit.capacity, audit.evicted, audit.appended) == (0, 2, 0, 0)
        for _ in range(5):
            audit.log()
        assert (audit.count, audit.capacity, audit.evicted, audit.appended) == (2, 2, 3, 5)
        with pytest.raises(NotFoundError):
            audit.get(1)
        with pytest.raises(LookupError):
            audit.get(6)


def test_log_survives_its_own_eviction() -> None:
    # A subscriber evicts the event before log() reads it back.
    with AuditLogger(capacity=1) as audit:
        def flood(event: AuditEvent) -> None:
            if event.actor == "first":
                audit.log(actor="second")
        audit.subscribe(flood)
        event = audit.log(actor="first", details='{"k": 1}')
        assert (event.seq, event.actor, event.details) == (1, "first", {"k": 1})
        assert [e.actor for e in audit.recent(5)] == ["second"]


def test_close_and_context_manager() -> None:
    with AuditLogger() as audit:
        audit.log()
        assert "count=1" in repr(audit)
    audit.close()  # idempotent
    assert repr(audit) == "<AuditLogger closed>"
    for use in (lambda: audit.log(), lambda: audit.count, lambda: audit.query(), lambda: audit.recent()):
        with pytest.raises(LoggerClosedError, match="closed"):
            use()


def test_passes_to_ctypes_as_a_handle(audit) -> None:
    from audit_logger import _native

    lib = ctypes.CDLL(_native.library().path)
    lib.audit_logger_count.restype = ctypes.c_uint64
    lib.audit_logger_count.argtypes = [ctypes.c_void_p]
    audit.log()
    assert lib.audit_logger_count(audit) == 1


def test_library_version_matches_header() -> None:
    from conftest import REPO

    header = (REPO / "include" / "audit_logger.h").read_text(encoding="utf-8")
    assert f'#define AUDIT_LOGGER_VERSION "{library_version()}"' in header


def test_events_and_dicts_come_from_the_library(audit) -> None:
    from audit_logger import _native

    event = audit.log(actor="ünï", details='{"b": 1, "a": [1.50, "\\u2028"]}')
    # The JSON line is the library's (audit_event_to_json), byte for byte.
    lib = _native.library()
    export = json.loads(audit.export_json())
    assert json.loads(event.json_line) == export[-1]
    assert event.to_dict() == export[-1]
    assert list(event.to_dict()) == ["actor", "action", "resource", "outcome", "severity", "details",
                                     "timestamp", "seq"]
    assert event.to_dict()["timestamp"].endswith("Z")
    assert lib.audit_event_to_json is not None


def test_hand_built_events_go_through_the_library() -> None:
    built = AuditEvent(actor="x", severity=Severity.ERROR, details={"k": [1, 2]}, timestamp=1.25)
    assert built.details_json == '{"k":[1,2]}'
    assert built.to_dict() == {"actor": "x", "action": "", "resource": "", "outcome": "",
                               "severity": "ERROR", "details": {"k": [1, 2]},
                               "timestamp": "1970-01-01T00:00:01.250000Z", "seq": 0}
    again = AuditEvent.from_dict(built.to_dict())
    assert again == built
    odd = AuditEvent(details={"obj": object()})  # the reference allows any details
    assert odd.details_json is None
    with pytest.raises(ValueError):
        odd.to_dict()
    with pytest.raises(ValueError):
        AuditEvent.from_dict({"timestamp": "yesterday"})


def test_query_json_is_the_export_format(audit) -> None:
    audit.log(actor="alice")
    audit.log(actor="bob", severity=Severity.ERROR)
    text = audit.query_json(min_severity=Severity.ERROR)
    assert json.loads(text) == [e.to_dict() for e in audit.query(min_severity=Severity.ERROR)]
    assert text.startswith("[\n  {")
    with pytest.raises(TypeError):
        audit.query_json(actr="alice")


def test_log_does_not_make_up_an_event_it_cannot_read_back(monkeypatch) -> None:
    # No synchronous subscriber read it, and other logging evicted it before
    # audit_get: simulated by an audit_get that finds nothing.
    from audit_logger import EventEvictedError

    with AuditLogger(capacity=1) as audit:
        monkeypatch.setattr(AuditLogger, "get", lambda self, seq: (_ for _ in ()).throw(
            NotFoundError("evicted")))
        with pytest.raises(EventEvictedError) as info:
            audit.log(actor="lost")
        assert info.value.seq == 1 and isinstance(info.value, LookupError)
        assert "recorded" in str(info.value)
        monkeypatch.undo()
        assert audit.get(1).actor == "lost"  # it was recorded


def test_log_batch_records_consecutive_seqs_with_one_timestamp(audit) -> None:
    audit.log("before")
    seqs = audit.log_batch(
        [
            {"actor": "a", "action": "login", "details": {"z": 1, "a": 2}},
            {"actor": "b", "severity": Severity.CRITICAL},
            {"actor": "c", "outcome": "denied", "details": '{"k": [1]}'},
        ]
    )
    assert seqs == range(2, 5)
    events = [audit.get(s) for s in seqs]
    assert [e.actor for e in events] == ["a", "b", "c"]
    assert events[0].details_json == '{"z":1,"a":2}'
    assert events[1].severity is Severity.CRITICAL
    assert events[2].details_json == '{"k":[1]}'
    assert len({e.timestamp_us for e in events}) == 1
    assert audit.log("after").seq == 5
    assert audit.log_batch([]) == range(0)
    assert audit.appended == 5


def test_log_batch_is_all_or_nothing(audit) -> None:
    from audit_logger import InvalidDetailsError, InvalidSeverityError

    good = {"actor": "ok"}
    with pytest.raises(InvalidDetailsError, match=r"^event 2: "):
        audit.log_batch([good, good, {"details": "[1]"}, good])
    with pytest.raises(InvalidSeverityError, match=r"^event 1: "):
        audit.log_batch([good, {"severity": 11}])
    with pytest.raises(TypeError, match=r"event 0: unknown key"):
        audit.log_batch([{"actr": "typo"}])
    assert audit.appended == 0
    assert audit.log_batch([good] * 3) == range(1, 4)
