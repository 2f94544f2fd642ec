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
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path

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
    # logger
    "audit_logger_new": (_STATUS, [c_size_t, _PP], False),
    "audit_logger_new_with_config": (_STATUS, [_P, _PP], False),
    "audit_logger_free": (None, [_P], False),
    "audit_log": (
        _STATUS,
        [_P, c_char_p, c_char_p, c_char_p, c_char_p, c_uint32, c_char_p, POINTER(c_uint64)],
        False,
    ),
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


def default_path() -> Path:
    """The repository build next to this package: ``<repo>/target/release``."""
    return Path(__file__).resolve().parents[3] / "target" / "release" / "libaudit_logger.so"


_lock = threading.Lock()
_library: Library | None = None


def library() -> Library:
    """The loaded library; loads it on first use from ``$AUDIT_LOGGER_LIB``,
    else from the repository build. Raises ``OSError`` naming the path tried."""
    global _library
    if _library is None:
        with _lock:
            if _library is None:
                _library = _load()
    return _library


def _load() -> Library:
    from_env = os.environ.get(LIBRARY_ENV)
    path = Path(from_env) if from_env else default_path()
    if not path.is_file():
        how = (
            f"${LIBRARY_ENV} names {path}, which does not exist"
            if from_env
            else f"{path} does not exist (set ${LIBRARY_ENV}, or build it with "
            "`cargo build --release` in the repository)"
        )
        raise OSError(f"cannot load libaudit_logger: {how}")
    return Library(str(path))
