"""audit-logger for Python: an embeddable, thread-safe audit log.

A pure-Python ctypes binding to ``libaudit_logger`` with the public API of the
reference implementation, so switching is one import::

    from audit_logger import AuditLogger, Severity

    audit = AuditLogger(capacity=2000)
    event = audit.log(actor="admin", action="user.delete", resource="user:42",
                      outcome="success", severity=Severity.WARNING,
                      details={"reason": "GDPR request"})
    audit.query(min_severity=Severity.ERROR, limit=50)

The shared library is loaded on first use from ``$AUDIT_LOGGER_LIB`` if set;
else the copy inside the package (a wheel or ``pip install`` puts it there),
the repository build (``target/release/libaudit_logger.so``) when the package
is in a checkout, then the system loader (``libaudit_logger.so.0``).
"""

from ._native import library as _library
from .errors import (
    AuditError,
    AuditFileExistsError,
    AuditFileNotFoundError,
    AuditIOError,
    AuditIsADirectoryError,
    AuditNotADirectoryError,
    AuditPermissionError,
    AuditTimeoutError,
    EventEvictedError,
    InternalError,
    InvalidArgumentError,
    InvalidCapacityError,
    InvalidDetailsError,
    InvalidDocumentError,
    InvalidSeverityError,
    InvalidUTF8Error,
    LoggerClosedError,
    NotFoundError,
    NullArgumentError,
    Status,
    TooDeepError,
    TooLargeError,
    io_error_class,
)
from .event import AuditEvent, Severity
from .forward import Format, ForwarderConfig, ForwarderReport, ForwarderStats, Tls
from .logger import (
    AuditLogger,
    Fsync,
    JournalStats,
    JournalVerification,
    Overflow,
    SubscriptionStats,
    Verdict,
    verify_journal,
    export_journal_proofs,
    verify_export,
)

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the loaded ``libaudit_logger`` ("MAJOR.MINOR.PATCH")."""
    return _library().version


__all__ = [
    "AuditError",
    "AuditEvent",
    "AuditFileExistsError",
    "AuditFileNotFoundError",
    "AuditIOError",
    "AuditIsADirectoryError",
    "AuditNotADirectoryError",
    "AuditPermissionError",
    "AuditTimeoutError",
    "EventEvictedError",
    "AuditLogger",
    "Format",
    "ForwarderConfig",
    "ForwarderReport",
    "ForwarderStats",
    "Fsync",
    "JournalStats",
    "JournalVerification",
    "InternalError",
    "InvalidArgumentError",
    "InvalidCapacityError",
    "InvalidDetailsError",
    "InvalidDocumentError",
    "InvalidSeverityError",
    "InvalidUTF8Error",
    "LoggerClosedError",
    "NotFoundError",
    "NullArgumentError",
    "Overflow",
    "Severity",
    "Status",
    "SubscriptionStats",
    "TooDeepError",
    "Tls",
    "TooLargeError",
    "Verdict",
    "io_error_class",
    "library_version",
    "verify_journal",
    "export_journal_proofs",
    "verify_export",
]
