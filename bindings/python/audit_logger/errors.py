"""Errors: one ``AuditError`` subclass per ``AuditStatus`` code.

Each subclass also derives from the builtin exception a Python caller would
catch for that mistake (``ValueError`` for bad arguments, ``OSError`` for file
errors, ``LookupError`` for a missing event or subscription), so code written
against the reference implementation's ``ValueError`` keeps working.
"""

from __future__ import annotations

import enum
from typing import Dict, Optional, Type


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
    """Reading or writing a file failed; the message names the path and the OS error."""


class NotFoundError(AuditError, LookupError):
    """No event with that seq (evicted or not logged yet), or no such subscription."""


class InternalError(AuditError, RuntimeError):
    """A bug inside the library was caught at the C boundary; the logger is still usable."""


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
}


def make_error(code: int, message: str, cls: Optional[Type[AuditError]] = None) -> AuditError:
    """An exception for status ``code``: the subclass for it (or ``cls``) with
    ``.code``, ``.status`` and ``message`` set."""
    try:
        status: Optional[Status] = Status(code)
    except ValueError:
        status = None
    cls = cls or _BY_STATUS.get(status, AuditError)  # type: ignore[arg-type]
    err = cls(message)
    err.code = int(code)
    err.status = status
    return err
