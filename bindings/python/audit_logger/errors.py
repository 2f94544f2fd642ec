"""Errors: one ``AuditError`` subclass per ``AuditStatus`` code.

Each subclass also derives from the builtin exception a Python caller would
catch for that mistake (``ValueError`` for bad arguments, ``OSError`` for file
errors, ``LookupError`` for a missing event or subscription), so code written
against the reference implementation's ``ValueError`` keeps working.
"""

from __future__ import annotations

import enum
import os
from typing import Any, Dict, Optional, Type


class Status(enum.IntEnum):
    """The C library's ``AUDIT_OK`` / ``AUDIT_ERR_*`` codes."""

    OK = 0
    NULL_ARGUMENT = 1
    INVALID_UTF8 = 2
    INVALID_SEVERITY = 3
    INVALID_DETAILS = 4
    INVALID_CAPACITY = 5
    INVALID_ARGUMENT = 6
    TOO_LARGE = 7
    INVALID_DOCUMENT = 8
    IO = 9
    NOT_FOUND = 10
    PANIC = 11
    TIMEOUT = 12
    TOO_DEEP = 13

    @property
    def description(self) -> str:
        """The library's static text for this status (``audit_status_str``)."""
        from ._native import library

        return library().audit_status_str(self.value).decode("utf-8")


class AuditError(Exception):
    """A call into audit-logger failed.

    ``code`` is the numeric ``AuditStatus``; ``status`` is the matching
    :class:`Status` member (``None`` for a code this binding does not know).
    The message is the library's detail (which argument, which path, why).
    """

    code: int = -1
    status: Optional[Status] = None


class NullArgumentError(AuditError, ValueError):
    """A required argument was missing (``AUDIT_ERR_NULL_ARGUMENT``)."""


class LoggerClosedError(NullArgumentError):
    """The logger was used after :meth:`AuditLogger.close` (its handle is gone)."""


class InvalidUTF8Error(AuditError, ValueError):
    """A string was not valid UTF-8 (``AUDIT_ERR_INVALID_UTF8``)."""


class InvalidSeverityError(AuditError, ValueError):
    """A severity was not 10, 20, 30 or 40, or an unknown name (``AUDIT_ERR_INVALID_SEVERITY``)."""


class InvalidDetailsError(AuditError, ValueError):
    """``details`` was not a JSON object, was malformed or had a duplicate key."""


class InvalidCapacityError(AuditError, ValueError):
    """A capacity of 0, or another configuration value out of range."""


class InvalidArgumentError(AuditError, ValueError):
    """An argument was unusable in another way (for example a string holding NUL)."""


class TooLargeError(AuditError, ValueError):
    """A field, ``details`` or a document exceeded a configured limit."""


class InvalidDocumentError(AuditError, ValueError):
    """An imported document was malformed or did not describe audit events."""


class AuditIOError(AuditError, OSError):
    """Reading or writing a file failed; the message names the path and the OS error.

    An ``OSError`` like the ones ``open()`` raises: ``.errno`` is the OS error
    number (``None`` if the library gave none), ``.strerror`` the library's
    message, ``.filename`` the path. ``str(err)`` is the library's message.
    With an errno that Python maps to a builtin subclass of ``OSError``, the
    error raised is also an instance of it: a missing file or directory is
    :class:`AuditFileNotFoundError` (a ``FileNotFoundError``), ``EACCES`` and
    ``EPERM`` give :class:`AuditPermissionError` (a ``PermissionError``), and so
    on (see :func:`io_error_class`).
    """

    def __str__(self) -> str:
        return self.strerror if self.strerror is not None else OSError.__str__(self)

    def __reduce__(self) -> Any:
        return (_rebuild_io_error, (type(self).__name__, self.errno, self.strerror, self.filename))


class NotFoundError(AuditError, LookupError):
    """No event with that seq (evicted or not logged yet), or no such subscription."""


class InternalError(AuditError, RuntimeError):
    """A bug inside the library was caught at the C boundary; the logger is still usable."""


class AuditTimeoutError(AuditError, TimeoutError):
    """A wait (:meth:`AuditLogger.flush`) ended before its condition was met.

    Also the builtin ``TimeoutError`` (an ``OSError``); ``str(err)`` is the
    library's message."""

    def __str__(self) -> str:
        return self.args[0] if self.args else ""


class TooDeepError(AuditError, RecursionError):
    """``log`` from inside subscribers nested more than 16 levels deep
    (``AUDIT_ERR_TOO_DEEP``); nothing was recorded."""


class EventEvictedError(NotFoundError):
    """:meth:`AuditLogger.log` recorded the event (``.seq``), but it was evicted
    by logging on other threads before ``log()`` could read it back, so there is
    no stored event to return. Raised only when the capacity is smaller than
    the logging going on meanwhile; the event *was* recorded (and delivered to
    subscribers)."""

    seq: int = 0


def _io_subclass(builtin: Type[OSError]) -> Type[AuditIOError]:
    name = "Audit" + builtin.__name__
    cls = type(
        name,
        (AuditIOError, builtin),
        {
            "__module__": __name__,
            "__doc__": f"An :class:`AuditIOError` that is also a ``{builtin.__name__}``.",
        },
    )
    return cls  # type: ignore[return-value]


# The builtin OSError subclasses Python itself picks by errno (PEP 3151), each
# paired with an AuditIOError subclass: OSError(ENOENT, ...) is a
# FileNotFoundError, so AuditFileNotFoundError is one too.
_IO_BY_BUILTIN: Dict[Type[OSError], Type[AuditIOError]] = {}
for _builtin in (
    # (TimeoutError is left out: AuditTimeoutError is the status TIMEOUT.)
    BlockingIOError, ChildProcessError, ConnectionError, BrokenPipeError,
    ConnectionAbortedError, ConnectionRefusedError, ConnectionResetError,
    FileExistsError, FileNotFoundError, InterruptedError, IsADirectoryError,
    NotADirectoryError, PermissionError, ProcessLookupError,
):
    _IO_BY_BUILTIN[_builtin] = _io_subclass(_builtin)
    globals()["Audit" + _builtin.__name__] = _IO_BY_BUILTIN[_builtin]
del _builtin

AuditFileNotFoundError: Type[AuditIOError] = _IO_BY_BUILTIN[FileNotFoundError]
AuditFileExistsError: Type[AuditIOError] = _IO_BY_BUILTIN[FileExistsError]
AuditPermissionError: Type[AuditIOError] = _IO_BY_BUILTIN[PermissionError]
AuditIsADirectoryError: Type[AuditIOError] = _IO_BY_BUILTIN[IsADirectoryError]
AuditNotADirectoryError: Type[AuditIOError] = _IO_BY_BUILTIN[NotADirectoryError]


def io_error_class(errno: Optional[int]) -> Type[AuditIOError]:
    """The :class:`AuditIOError` subclass for an OS error number: the one that is
    also the builtin Python picks for that errno (``ENOENT`` ->
    :class:`AuditFileNotFoundError`, ``EACCES``/``EPERM`` ->
    :class:`AuditPermissionError`, ...), else :class:`AuditIOError` itself."""
    if not errno:
        return AuditIOError
    builtin = type(OSError(errno, ""))
    if builtin is TimeoutError:
        return AuditIOError
    return _IO_BY_BUILTIN.get(builtin, AuditIOError)  # type: ignore[arg-type]


def _rebuild_io_error(name: str, errno: Optional[int], message: Optional[str], filename: Any) -> AuditIOError:
    err = make_io_error(message or "", errno, filename)
    return err


_BY_STATUS: Dict[Status, Type[AuditError]] = {
    Status.NULL_ARGUMENT: NullArgumentError,
    Status.INVALID_UTF8: InvalidUTF8Error,
    Status.INVALID_SEVERITY: InvalidSeverityError,
    Status.INVALID_DETAILS: InvalidDetailsError,
    Status.INVALID_CAPACITY: InvalidCapacityError,
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.TOO_LARGE: TooLargeError,
    Status.INVALID_DOCUMENT: InvalidDocumentError,
    Status.IO: AuditIOError,
    Status.NOT_FOUND: NotFoundError,
    Status.PANIC: InternalError,
    Status.TIMEOUT: AuditTimeoutError,
    Status.TOO_DEEP: TooDeepError,
}


def make_io_error(message: str, errno: Optional[int], filename: Any = None) -> AuditIOError:
    """An :class:`AuditIOError` (or the subclass for ``errno``) with ``.errno``,
    ``.strerror`` (``message``) and ``.filename`` set, and ``str()`` = ``message``."""
    cls = io_error_class(errno)
    if filename is not None and not isinstance(filename, str):
        filename = os.fsdecode(filename)
    err = cls(errno or None, message, filename) if filename is not None else cls(errno or None, message)
    err.code = int(Status.IO)
    err.status = Status.IO
    return err


def make_error(
    code: int,
    message: str,
    cls: Optional[Type[AuditError]] = None,
    *,
    errno: Optional[int] = None,
    filename: Any = None,
) -> AuditError:
    """An exception for status ``code``: the subclass for it (or ``cls``) with
    ``.code``, ``.status`` and ``message`` set. For ``IO``, ``errno`` (the
    library's ``audit_last_error_errno``) picks the ``OSError`` subclass and
    ``filename`` is set."""
    if code == Status.IO and cls is None:
        return make_io_error(message, errno, filename)
    try:
        status: Optional[Status] = Status(code)
    except ValueError:
        status = None
    cls = cls or _BY_STATUS.get(status, AuditError)  # type: ignore[arg-type]
    err = cls(message)
    err.code = int(code)
    err.status = status
    return err
