"""Errors: each status has its own exception, also a natural builtin, with
.code, .status and the library's message; bad input records nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from audit_logger import (
    AuditError,
    AuditIOError,
    AuditLogger,
    InvalidArgumentError,
    InvalidCapacityError,
    InvalidDetailsError,
    InvalidDocumentError,
    InvalidSeverityError,
    InvalidUTF8Error,
    NotFoundError,
    Severity,
    Status,
    TooLargeError,
)
from conftest import BINDING


@pytest.fixture
def audit():
    with AuditLogger(capacity=10) as logger:
        yield logger


def check(info: pytest.ExceptionInfo, cls: type, status: Status, builtin: type) -> None:
    err = info.value
    assert type(err) is cls
    assert isinstance(err, AuditError) and isinstance(err, builtin)
    assert err.status is status and err.code == status.value
    assert str(err)  # the library's detail


@pytest.mark.parametrize("capacity", [0, -1])
def test_invalid_capacity(capacity: int) -> None:
    with pytest.raises(InvalidCapacityError) as info:
        AuditLogger(capacity)
    check(info, InvalidCapacityError, Status.INVALID_CAPACITY, ValueError)
    assert "capacity" in str(info.value)


def test_invalid_configuration() -> None:
    with pytest.raises(InvalidCapacityError, match="depth"):
        AuditLogger(max_details_depth=0)


@pytest.mark.parametrize("severity", [0, 15, 99, -1, 2**32 + 10])
def test_invalid_severity(audit, severity: int) -> None:
    with pytest.raises(InvalidSeverityError) as info:
        audit.log(severity=severity)
    check(info, InvalidSeverityError, Status.INVALID_SEVERITY, ValueError)
    assert audit.count == 0


def test_severity_names() -> None:
    assert Severity.from_str("Warning") is Severity.WARNING
    for bad in ("WARN", "", "INFO\0", " INFO"):
        with pytest.raises(InvalidSeverityError) as info:
            Severity.from_str(bad)
        check(info, InvalidSeverityError, Status.INVALID_SEVERITY, ValueError)
        assert Severity.from_str(bad, lenient=True) is Severity.INFO
    with pytest.raises(TypeError):
        Severity.from_str(10)  # type: ignore[arg-type]


@pytest.mark.parametrize("details", ["[1]", '"x"', "{bad", "", "null", '{"a":1,"a":2}', "{\0}",
                                     [1, 2], {"nan": float("nan")}, {"obj": object()}])
def test_invalid_details(audit, details) -> None:
    with pytest.raises(InvalidDetailsError) as info:
        audit.log(actor="a", details=details)
    check(info, InvalidDetailsError, Status.INVALID_DETAILS, ValueError)
    assert audit.count == 0


def test_nul_in_a_field_is_refused_not_truncated(audit) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        audit.log(actor="alice\0admin")
    check(info, InvalidArgumentError, Status.INVALID_ARGUMENT, ValueError)
    with pytest.raises(InvalidArgumentError):
        audit.query(actor="alice\0")
    assert audit.count == 0


def test_invalid_utf8(audit) -> None:
    with pytest.raises(InvalidUTF8Error) as info:
        audit.log(actor=b"\xff\xfe")  # checked by the library
    check(info, InvalidUTF8Error, Status.INVALID_UTF8, ValueError)
    assert "actor" in str(info.value)
    with pytest.raises(InvalidUTF8Error):
        audit.log(action="\ud800")  # a lone surrogate cannot be encoded
    assert audit.count == 0


def test_wrong_types(audit) -> None:
    with pytest.raises(TypeError):
        audit.log(actor=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        audit.log(severity=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AuditLogger("10")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        audit.recent(-1)
    with pytest.raises(InvalidArgumentError):
        audit.query(limit=-1)


def test_too_large() -> None:
    with AuditLogger(max_field_bytes=8, max_details_bytes=32) as audit:
        audit.log(actor="12345678")
        for kwargs in ({"actor": "123456789"}, {"details": {"k": "x" * 40}}):
            with pytest.raises(TooLargeError) as info:
                audit.log(**kwargs)
            check(info, TooLargeError, Status.TOO_LARGE, ValueError)
        assert audit.count == 1


def test_io_errors_name_the_path(audit, tmp_path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "audit.json"
    with pytest.raises(AuditIOError) as info:
        audit.export_json(missing)
    check(info, AuditIOError, Status.IO, OSError)
    assert info.value.filename == str(missing)
    with pytest.raises(OSError) as info:
        audit.import_json_file(missing)
    assert info.value.filename == str(missing) and str(missing) in str(info.value)


def test_import_is_all_or_nothing(audit) -> None:
    audit.log()
    good = '{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"INFO","details":{},"timestamp":"2026-01-01T00:00:00Z"}'
    with pytest.raises(InvalidDocumentError) as info:
        audit.import_json(f'[{good},{{"actor":1}}]')
    check(info, InvalidDocumentError, Status.INVALID_DOCUMENT, ValueError)
    assert "1" in str(info.value)  # names the event index
    assert audit.count == 1
    assert audit.import_json(f"[{good}]") == 1


def test_not_found(audit) -> None:
    with pytest.raises(NotFoundError) as info:
        audit.get(1)
    check(info, NotFoundError, Status.NOT_FOUND, LookupError)
    with pytest.raises(NotFoundError):
        audit.subscription_stats(print)
    assert audit.unsubscribe(print) is False


def test_missing_library_names_the_path(tmp_path) -> None:
    missing = tmp_path / "libaudit_logger.so"
    script = "from audit_logger import AuditLogger\nAuditLogger()"
    env = dict(os.environ, AUDIT_LOGGER_LIB=str(missing), PYTHONPATH=str(BINDING))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert str(missing) in result.stderr and "OSError" in result.stderr
