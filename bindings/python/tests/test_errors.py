"""Errors: each status has its own exception, also a natural builtin, with
.code, .status and the library's message; bad input records nothing."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from typing import List

import pytest

from audit_logger import (
    AuditError,
    AuditEvent,
    AuditFileNotFoundError,
    AuditIOError,
    AuditNotADirectoryError,
    AuditPermissionError,
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
    TooDeepError,
    TooLargeError,
    io_error_class,
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
    check(info, AuditFileNotFoundError, Status.IO, OSError)
    assert info.value.filename == str(missing)
    with pytest.raises(OSError) as info:
        audit.import_json_file(missing)
    assert info.value.filename == str(missing) and str(missing) in str(info.value)


def test_io_errors_are_the_builtin_oserrors(audit, tmp_path) -> None:
    missing = tmp_path / "missing.json"
    # Code written for the reference (open(), Path.write_text()) keeps working.
    with pytest.raises(FileNotFoundError) as info:
        audit.import_json_file(missing)
    err = info.value
    assert isinstance(err, AuditIOError) and isinstance(err, AuditError)
    assert err.errno == errno.ENOENT and err.code == Status.IO.value
    assert err.strerror == str(err)  # the library's message, not "[Errno 2] ..."
    assert not str(err).startswith("[Errno") and str(missing) in str(err)
    assert err.filename == str(missing)

    plain = tmp_path / "plain"
    plain.write_text("x")
    with pytest.raises(NotADirectoryError) as info:
        audit.export_json(plain / "audit.json")
    assert isinstance(info.value, AuditNotADirectoryError) and info.value.errno == errno.ENOTDIR
    assert not (plain / "audit.json").exists()

    try:
        audit.import_json_file(missing)
    except OSError as e:  # the reference's idiom
        assert e.errno == errno.ENOENT
        assert os.strerror(e.errno) in e.strerror
    # Errors that are not I/O carry no errno, and pickling keeps the class.
    import pickle

    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err) and again.errno == err.errno and str(again) == str(err)


@pytest.mark.parametrize("number, builtin", [
    (errno.ENOENT, FileNotFoundError), (errno.EACCES, PermissionError), (errno.EPERM, PermissionError),
    (errno.EEXIST, FileExistsError), (errno.EISDIR, IsADirectoryError), (errno.ENOTDIR, NotADirectoryError),
])
def test_errno_picks_the_builtin_subclass(number: int, builtin: type) -> None:
    cls = io_error_class(number)
    assert issubclass(cls, AuditIOError) and issubclass(cls, builtin)
    assert cls.__name__ == "Audit" + builtin.__name__
    assert io_error_class(0) is AuditIOError and io_error_class(errno.EINVAL) is AuditIOError


def test_permission_denied_is_a_permission_error(audit, tmp_path) -> None:
    locked = tmp_path / "locked.json"
    locked.write_text("[]")
    locked.chmod(0)
    target = locked if os.geteuid() != 0 else "/proc/1/mem"  # root reads any mode-0 file
    try:
        with pytest.raises(PermissionError) as info:
            audit.import_json_file(target)
    except pytest.fail.Exception:
        if os.geteuid() == 0:
            pytest.skip("running as root, and /proc/1/mem is readable here")
        raise
    assert isinstance(info.value, AuditPermissionError) and info.value.errno == errno.EACCES


def test_export_to_an_empty_path_writes_no_file(audit, tmp_path, monkeypatch) -> None:
    # The reference writes a file only `if path:`; so does this binding.
    audit.log(actor="a")
    monkeypatch.chdir(tmp_path)
    assert json.loads(audit.export_json(""))[0]["actor"] == "a"
    assert json.loads(audit.export_json(b""))[0]["actor"] == "a"
    assert list(tmp_path.iterdir()) == []


def test_status_table_matches_the_header() -> None:
    from conftest import REPO

    header = (REPO / "include" / "audit_logger.h").read_text(encoding="utf-8")
    codes = {m[1]: int(m[2]) for m in re.finditer(r"^#define AUDIT_(OK|ERR_[A-Z0-9_]+) (\d+)$", header, re.M)}
    assert len(codes) >= 14, "the header's status codes were not found"
    ours = {("OK" if s.name == "OK" else "ERR_" + s.name): s.value for s in Status}
    assert ours == codes
    # Every failure status has its own exception class.
    from audit_logger.errors import _BY_STATUS

    assert set(_BY_STATUS) == set(Status) - {Status.OK}
    assert Status.OK.description == "ok" and Status.IO.description == "I/O error"
    assert Status.TOO_DEEP.description != Status.TIMEOUT.description


def test_severity_names_match_the_library() -> None:
    from audit_logger import _native

    lib = _native.library()
    for severity in Severity:
        assert lib.audit_severity_name(severity.value).decode() == severity.name
    assert lib.audit_severity_name(15) is None


def test_too_deep() -> None:
    with AuditLogger(capacity=100) as audit:
        errors: List[BaseException] = []

        def deeper(event: AuditEvent) -> None:
            try:
                audit.log(actor=str(int(event.actor) + 1))
            except TooDeepError as e:
                errors.append(e)

        audit.subscribe(deeper)
        audit.log(actor="0")
        assert len(errors) == 1
        check_err = errors[0]
        assert isinstance(check_err, RecursionError) and check_err.status is Status.TOO_DEEP
        assert audit.count == 16  # 16 levels of log() in all, the outermost included


def test_document_size_limit(tmp_path) -> None:
    with AuditLogger(max_document_bytes=64) as audit:
        doc = '[{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"INFO","details":{},"timestamp":"2026-01-01T00:00:00Z"}]'
        with pytest.raises(TooLargeError):
            audit.import_json(doc)
        path = tmp_path / "doc.json"
        path.write_text(doc)
        with pytest.raises(TooLargeError):
            audit.import_json_file(path)
        assert audit.count == 0
    with AuditLogger(max_document_bytes=len(doc)) as audit:
        assert audit.import_json(doc) == 1


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
