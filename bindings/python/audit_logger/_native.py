"""Loading ``libaudit_logger.so`` and declaring the C functions for ctypes.

The library is loaded twice over the same handle:

* ``cdll`` (``ctypes.CDLL``) releases the GIL during each call. Every function
  that takes a library lock, does I/O or may run subscriber callbacks goes
  through it, so callbacks arriving on other threads (including threads Python
  did not create) can take the GIL while the caller waits in C.
* ``pydll`` (``ctypes.PyDLL``) keeps the GIL. It is used only for calls that
  never block and never call back: event and list accessors, the thread-local
  error message, severity names, freeing strings. Inside a callback this saves
  a GIL hand-off per field, which matters when several threads log at once.
"""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_double,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import TYPE_CHECKING, Any

#: Environment variable naming the shared library to load.
LIBRARY_ENV = "AUDIT_LOGGER_LIB"

#: ``int32_t (*AuditCallback)(void *ctx, const AuditEvent *event)``
CALLBACK = CFUNCTYPE(c_int32, c_void_p, c_void_p)
#: ``void (*AuditFreeCtx)(void *ctx)``
FREE_CTX = CFUNCTYPE(None, c_void_p)


class SubscriptionStatsStruct(Structure):
    """``AuditSubscriptionStats`` (size-tagged: set ``struct_size`` first)."""

    _fields_ = [
        ("struct_size", c_uint64),
        ("delivered", c_uint64),
        ("failed", c_uint64),
        ("dropped", c_uint64),
    ]


class NewEventStruct(Structure):
    """``AuditNewEvent``: one event of ``audit_log_batch``."""

    _fields_ = [
        ("actor", c_char_p),
        ("action", c_char_p),
        ("resource", c_char_p),
        ("outcome", c_char_p),
        ("severity", c_uint32),
        ("details_json", c_char_p),
    ]


class JournalStatsStruct(Structure):
    """``AuditJournalStats`` (size-tagged: set ``struct_size`` first)."""

    _fields_ = [
        ("struct_size", c_uint64),
        ("written_seq", c_uint64),
        ("durable_seq", c_uint64),
        ("checkpoints", c_uint64),
        ("epoch", c_uint64),
        ("recovered_bytes_dropped", c_uint64),
        ("failing", c_uint64),
        ("fsyncs", c_uint64),
    ]


class ForwarderStatsStruct(Structure):
    """``AuditForwarderStats`` (size-tagged: set ``struct_size`` first)."""

    _fields_ = [
        ("struct_size", c_uint64),
        ("offered", c_uint64),
        ("delivered", c_uint64),
        ("resent", c_uint64),
        ("retries", c_uint64),
        ("dropped", c_uint64),
        ("rejected", c_uint64),
        ("lag_events", c_uint64),
        ("lag_seconds", c_double),
        ("backlog", c_uint64),
        ("in_flight", c_uint64),
        ("connected", c_uint64),
        ("last_acked_seq", c_uint64),
        ("has_error", c_uint64),
    ]


class ForwarderReportStruct(Structure):
    """``AuditForwarderReport``."""

    _fields_ = [
        ("delivered", c_uint64),
        ("left", c_uint64),
        ("timed_out", c_uint64),
        ("dropped", c_uint64),
        ("last_acked_seq", c_uint64),
    ]


_STATUS = c_uint32
_P = c_void_p
_PP = POINTER(c_void_p)

# name: (restype, argtypes, keeps_gil)
_SIGNATURES = {
    "audit_last_error_message": (c_char_p, [], True),
    "audit_last_error_errno": (c_int32, [], True),
    "audit_status_str": (c_char_p, [_STATUS], True),
    "audit_version": (c_char_p, [], True),
    "audit_string_free": (None, [c_void_p], True),
    "audit_severity_name": (c_char_p, [c_uint32], True),
    "audit_severity_from_name": (_STATUS, [c_char_p, POINTER(c_uint32)], True),
    # configuration
    "audit_config_new": (_P, [], True),
    "audit_config_free": (None, [_P], True),
    "audit_config_set_capacity": (_STATUS, [_P, c_size_t], True),
    "audit_config_set_max_field_bytes": (_STATUS, [_P, c_size_t], True),
    "audit_config_set_max_details_bytes": (_STATUS, [_P, c_size_t], True),
    "audit_config_set_max_details_depth": (_STATUS, [_P, c_size_t], True),
    "audit_config_set_max_total_bytes": (_STATUS, [_P, c_size_t], True),
    "audit_config_set_max_document_bytes": (_STATUS, [_P, c_size_t], True),
    "audit_config_set_journal": (_STATUS, [_P, c_char_p], True),
    "audit_config_set_journal_fsync": (_STATUS, [_P, c_uint32, c_uint32, c_uint32, c_int32], True),
    "audit_config_set_journal_epoch": (_STATUS, [_P, c_uint64, c_uint32], True),
    "audit_config_set_journal_segments": (_STATUS, [_P, c_uint64, c_uint64], True),
    "audit_config_set_journal_retention": (_STATUS, [_P, c_uint64, c_uint64, c_uint64], True),
    # journal (file I/O: release the GIL)
    "audit_journal_stats": (_STATUS, [_P, POINTER(JournalStatsStruct)], False),
    "audit_journal_verify": (_STATUS, [c_char_p, c_char_p, POINTER(c_uint32), _PP], False),
    # forwarders (attaching, stats and closing take locks or wait: release the GIL)
    "audit_forwarder_config_new_syslog": (_STATUS, [c_char_p, _PP], True),
    "audit_forwarder_config_new_otlp": (_STATUS, [c_char_p, _PP], True),
    "audit_forwarder_config_new_kafka": (_STATUS, [c_char_p, c_char_p, _PP], True),
    "audit_forwarder_config_new_jsonl": (_STATUS, [c_char_p, _PP], True),
    "audit_forwarder_config_free": (None, [_P], True),
    "audit_forwarder_config_set_tls": (_STATUS, [_P, c_char_p, c_char_p, c_char_p, c_char_p], True),
    "audit_forwarder_config_set_format": (_STATUS, [_P, c_uint32], True),
    "audit_forwarder_config_set_backlog": (_STATUS, [_P, c_size_t, c_uint32, c_uint32], True),
    "audit_forwarder_config_set_retry": (_STATUS, [_P, c_uint32, c_uint32], True),
    "audit_forwarder_config_set_close_timeout": (_STATUS, [_P, c_uint32], True),
    "audit_forwarder_config_set_property": (_STATUS, [_P, c_char_p, c_char_p], True),
    "audit_logger_add_forwarder": (_STATUS, [_P, c_char_p, _P, POINTER(c_uint32)], False),
    "audit_forwarder_stats": (_STATUS, [_P, c_uint32, POINTER(ForwarderStatsStruct)], False),
    "audit_forwarder_last_error": (_STATUS, [_P, c_uint32, _PP], False),
    "audit_forwarder_close": (_STATUS, [_P, c_uint32, c_uint32, POINTER(ForwarderReportStruct)], False),
    "audit_journal_export_proofs": (_STATUS, [c_char_p, _P, c_char_p, _PP, POINTER(c_uint64)], False),
    "audit_export_verify": (_STATUS, [c_char_p, c_char_p, POINTER(c_uint32), _PP], False),
    # logger
    "audit_logger_new": (_STATUS, [c_size_t, _PP], False),
    "audit_logger_new_with_config": (_STATUS, [_P, _PP], False),
    "audit_logger_free": (None, [_P], False),
    "audit_log": (
        _STATUS,
        [_P, c_char_p, c_char_p, c_char_p, c_char_p, c_uint32, c_char_p, POINTER(c_uint64)],
        False,
    ),
    "audit_log_batch": (_STATUS, [_P, POINTER(NewEventStruct), c_size_t, POINTER(c_uint64)], False),
    "audit_query": (_STATUS, [_P, _P, _PP], False),
    "audit_query_json": (_STATUS, [_P, _P, _PP], False),
    "audit_get": (_STATUS, [_P, c_uint64, _PP], False),
    "audit_recent": (_STATUS, [_P, c_size_t, _PP], False),
    "audit_export_json": (_STATUS, [_P, c_char_p, _PP], False),
    "audit_import_json": (_STATUS, [_P, c_char_p, POINTER(c_size_t)], False),
    "audit_import_json_file": (_STATUS, [_P, c_char_p, POINTER(c_size_t)], False),
    "audit_logger_count": (c_uint64, [_P], False),
    "audit_logger_capacity": (c_uint64, [_P], False),
    "audit_logger_evicted": (c_uint64, [_P], False),
    "audit_logger_appended": (c_uint64, [_P], False),
    "audit_subscribe": (_STATUS, [_P, CALLBACK, c_void_p, FREE_CTX, POINTER(c_uint64)], False),
    "audit_subscribe_queued": (
        _STATUS,
        [_P, CALLBACK, c_void_p, FREE_CTX, c_size_t, c_uint32, c_uint32, POINTER(c_uint64)],
        False,
    ),
    "audit_flush": (_STATUS, [_P, c_uint32], False),
    "audit_unsubscribe": (_STATUS, [_P, c_uint64], False),
    "audit_unsubscribe_with_stats": (
        _STATUS,
        [_P, c_uint64, POINTER(SubscriptionStatsStruct)],
        False,
    ),
    "audit_subscription_stats": (
        _STATUS,
        [_P, c_uint64, POINTER(SubscriptionStatsStruct)],
        False,
    ),
    # filter builder (owned by one thread at a time, no locks)
    "audit_filter_new": (_P, [], True),
    "audit_filter_free": (None, [_P], True),
    "audit_filter_set_actor": (_STATUS, [_P, c_char_p], True),
    "audit_filter_set_action": (_STATUS, [_P, c_char_p], True),
    "audit_filter_set_resource": (_STATUS, [_P, c_char_p], True),
    "audit_filter_set_outcome": (_STATUS, [_P, c_char_p], True),
    "audit_filter_set_min_severity": (_STATUS, [_P, c_uint32], True),
    "audit_filter_set_max_severity": (_STATUS, [_P, c_uint32], True),
    "audit_filter_set_since": (_STATUS, [_P, c_int64], True),
    "audit_filter_set_until": (_STATUS, [_P, c_int64], True),
    "audit_filter_set_after_seq": (_STATUS, [_P, c_uint64], True),
    "audit_filter_set_limit": (_STATUS, [_P, c_size_t], True),
    # events and lists (immutable or caller-owned: no locks, no callbacks)
    "audit_event_list_len": (c_size_t, [_P], True),
    "audit_event_list_get": (_P, [_P, c_size_t], True),
    "audit_event_list_free": (None, [_P], True),
    "audit_event_seq": (c_uint64, [_P], True),
    "audit_event_timestamp": (c_int64, [_P], True),
    "audit_event_severity": (c_uint32, [_P], True),
    "audit_event_actor": (c_char_p, [_P], True),
    "audit_event_action": (c_char_p, [_P], True),
    "audit_event_resource": (c_char_p, [_P], True),
    "audit_event_outcome": (c_char_p, [_P], True),
    "audit_event_details": (c_char_p, [_P], True),
    "audit_event_to_json": (_STATUS, [_P, _PP], True),
}


class Library:
    """The declared functions of one loaded ``libaudit_logger``, as attributes."""

    def __init__(self, path: str) -> None:
        self.path = path
        cdll = ctypes.CDLL(path)
        pydll = ctypes.PyDLL(path)
        for name, (restype, argtypes, keeps_gil) in _SIGNATURES.items():
            try:
                fn = getattr(pydll if keeps_gil else cdll, name)
            except AttributeError:
                raise OSError(
                    f"{path} has no function {name}: it is older than this binding; "
                    "rebuild it with `cargo build --release`"
                ) from None
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)
        self.version = self.audit_version().decode()

    if TYPE_CHECKING:
        # The C functions are set as attributes above; to a type checker they are Any.
        def __getattr__(self, name: str) -> Any: ...


#: The name the system loader knows the library by (its SONAME).
SYSTEM_NAME = "libaudit_logger.so.0"

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_paths() -> list[Path]:
    """The library inside this package, as a wheel or ``pip install`` puts it
    (``libaudit_logger.abi3.so``; another ``libaudit_logger*.so`` also counts)."""
    preferred = _PACKAGE_DIR / "libaudit_logger.abi3.so"
    others = sorted(p for p in _PACKAGE_DIR.glob("libaudit_logger*.so") if p != preferred)
    return [preferred, *others]


def default_path() -> Path:
    """The repository build next to this package: ``<repo>/target/release``."""
    return _PACKAGE_DIR.parents[2] / "target" / "release" / "libaudit_logger.so"


def _in_checkout() -> bool:
    return (_PACKAGE_DIR.parents[2] / "Cargo.toml").is_file()


_lock = threading.Lock()
_library: Library | None = None


def library() -> Library:
    """The loaded library; loads it on first use (see :func:`_load` for where
    it is looked for). Raises ``OSError`` naming every place tried."""
    global _library
    if _library is None:
        with _lock:
            if _library is None:
                _library = _load()
    return _library


def _load() -> Library:
    """Loads the first of: ``$AUDIT_LOGGER_LIB`` (alone, when it is set); the
    library inside the package; the repository build, when the package is in a
    checkout; the system loader (``libaudit_logger.so.0``, or what
    ``ctypes.util.find_library('audit_logger')`` finds)."""
    from_env = os.environ.get(LIBRARY_ENV)
    if from_env:
        path = Path(from_env)
        if not path.is_file():
            raise OSError(
                f"cannot load libaudit_logger: ${LIBRARY_ENV} names {path}, which does not exist"
            )
        return Library(str(path))

    tried: list[str] = []
    candidates = [(str(p), "inside the package") for p in bundled_paths()]
    if _in_checkout():
        candidates.append((str(default_path()), "the repository build"))
    for path, what in candidates:
        if Path(path).is_file():
            return Library(path)
        tried.append(f"{path} ({what}): does not exist")

    import ctypes.util

    names = [SYSTEM_NAME]
    found = ctypes.util.find_library("audit_logger")
    if found and found not in names:
        names.append(found)
    for name in names:
        try:
            return Library(name)
        except OSError as e:
            tried.append(f"{name} (the system loader): {e}")
    raise OSError(
        "cannot load libaudit_logger; tried " + "; ".join(tried) + ". Install the package from "
        f"a wheel or with pip (it carries the library), set ${LIBRARY_ENV} to the library's path, "
        "or build it with `cargo build --release` in the repository"
    )
