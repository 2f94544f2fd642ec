"""``AuditLogger``: the reference implementation's API over the C library.

Threading: every method may be called from any thread. Calls into the library
release the GIL (``ctypes.CDLL``), so subscriber callbacks arriving on other
threads, including threads Python did not create, can run meanwhile.
Subscribers run synchronously on the thread that logged, after the event is
stored and with no lock held; they may log and unsubscribe (themselves too),
but must not :meth:`~AuditLogger.close` the logger.
"""

from __future__ import annotations

import ctypes
import enum
import itertools
import json
import math
import os
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _native
from .errors import AuditError, EventEvictedError, LoggerClosedError, NotFoundError, Status, make_error
from .event import AuditEvent, Severity, event_from_native, to_micros

if TYPE_CHECKING:
    from .forward import ForwarderConfig, ForwarderReport, ForwarderStats

Callback = Callable[[AuditEvent], Any]
Moment = Union[float, int, datetime]
SeverityLike = Union[Severity, int, str]

_U32 = 0xFFFF_FFFF
_U64 = 0xFFFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class SubscriptionStats:
    """Counters of one subscription."""

    delivered: int  #: events handed to the callback, whatever it did
    failed: int  #: of those, calls that raised
    dropped: int  #: events never handed to it (by a queue's overflow policy; 0 when synchronous)


class Overflow(enum.Enum):
    """What a full queue of a queued subscription does with a new event
    (``AUDIT_OVERFLOW_*``)."""

    #: Discard the oldest queued event; producers never wait.
    DROP_OLDEST = 1
    #: Discard the new event; producers never wait.
    DROP_NEWEST = 2
    #: The producer waits up to ``block_timeout`` seconds for room, then the new event is discarded.
    BLOCK = 3


OverflowLike = Union[Overflow, str]


class Fsync(enum.Enum):
    """When the journal fsyncs what it writes (``AUDIT_FSYNC_*``)."""

    #: Written to the operating system, never fsynced by the library.
    NEVER = 1
    #: Fsynced once ``batch_events`` events wait or the oldest has waited ``batch_interval`` seconds.
    BATCH = 2
    #: :meth:`AuditLogger.log` returns only once the event is on disk.
    ALWAYS = 3


FsyncLike = Union[Fsync, str]


class Verdict(enum.IntEnum):
    """The verdict of :func:`verify_journal` (``AUDIT_VERIFY_*``)."""

    #: Every event is sealed and verifies.
    VALID = 0
    #: Everything sealed verifies, but events (or torn bytes) follow the last checkpoint.
    UNSEALED_TAIL = 1
    #: Tampering or damage was found (see the report's ``findings``).
    TAMPERED = 2


@dataclass(frozen=True)
class JournalStats:
    """Counters of a logger's journal."""

    written_seq: int  #: the newest seq handed to the operating system
    durable_seq: int  #: the newest seq known to be on disk (fsynced)
    checkpoints: int  #: checkpoints sealed since the logger was made
    epoch: int  #: the current epoch (the key that signs the next checkpoint)
    recovered_bytes_dropped: int  #: bytes cut off as a torn tail when the journal was opened
    failing: bool  #: True while the journal cannot write (:meth:`AuditLogger.log` then fails)
    fsyncs: int  #: fdatasync calls since the journal was opened (under ``always`` concurrent logs share one)


class JournalVerification(NamedTuple):
    """What :func:`verify_journal` found: the verdict and the parsed JSON report
    (``verdict``, ``log_id``, ``segments``, ``events_verified``,
    ``events_unsealed``, ``checkpoints``, ``epochs``, ``findings``)."""

    verdict: Verdict
    report: Dict[str, Any]

    @property
    def findings(self) -> List[Dict[str, Any]]:
        """The report's findings (``class``, ``seq``, ``segment``, ``detail``, ...)."""
        return list(self.report.get("findings", []))


PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def _path(value: Any, name: str) -> bytes:
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a path, not {type(value).__name__}")
    return _text(os.fsencode(value), name)


_E = TypeVar("_E", bound=enum.Enum)


def _named(kind: Type[_E], value: Union[_E, str], name: str) -> _E:
    """``value`` as a member of ``kind``: a member, or its name in any case
    (``-`` for ``_``)."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind[value.upper().replace("-", "_")]
        except KeyError:
            pass
        raise make_error(
            Status.INVALID_ARGUMENT,
            f"{name} {value!r} is not one of {', '.join(m.name.lower() for m in kind)}",
        )
    raise TypeError(f"{name} must be a {kind.__name__} member or its name, not {type(value).__name__}")


def _seconds(value: Any, name: str) -> int:
    """Seconds (int or float, >= 0; None: 0) as whole seconds for a ``uint64_t``, rounded up."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not 0 <= value < 2**63:  # also NaN
        raise make_error(Status.INVALID_ARGUMENT, f"{name} must be a number of seconds >= 0, not {value}")
    return math.ceil(value)


def _configure_journal(lib: "_native.Library", config: int, options: Dict[str, Any]) -> None:
    """Applies the journal keyword arguments of :class:`AuditLogger` to ``config``.
    Unset ones keep the library's defaults."""
    journal = options.pop("journal")
    if journal is None:
        given = sorted(k for k, v in options.items() if v is not None)
        if given:
            raise make_error(
                Status.INVALID_ARGUMENT, f"{', '.join(given)} need a journal (journal=<dir>)"
            )
        return
    _check(lib, lib.audit_config_set_journal(config, _path(journal, "journal")))
    fsync, events, interval, critical = (
        options["fsync"], options["batch_events"], options["batch_interval"], options["sync_critical"],
    )
    if any(v is not None for v in (fsync, events, interval, critical)):
        policy = _named(Fsync, fsync, "fsync") if fsync is not None else Fsync.BATCH
        _check(lib, lib.audit_config_set_journal_fsync(
            config,
            policy.value,
            _count(1000 if events is None else events, "batch_events", _U32),
            _seconds_to_ms(0.05 if interval is None else interval, "batch_interval"),
            0 if critical is False else 1,
        ))
    events, interval = options["epoch_events"], options["epoch_interval"]
    if events is not None or interval is not None:
        _check(lib, lib.audit_config_set_journal_epoch(
            config,
            _count(10_000 if events is None else events, "epoch_events"),
            _seconds_to_ms(60 if interval is None else interval, "epoch_interval"),
        ))
    size, age = options["segment_bytes"], options["segment_age"]
    if size is not None or age is not None:
        _check(lib, lib.audit_config_set_journal_segments(
            config,
            _count(64 << 20 if size is None else size, "segment_bytes"),
            _seconds(86_400 if age is None else age, "segment_age"),
        ))
    size, segments, age = options["retain_bytes"], options["retain_segments"], options["retain_age"]
    if any(v is not None for v in (size, segments, age)):
        _check(lib, lib.audit_config_set_journal_retention(
            config,
            _count(size or 0, "retain_bytes"),
            _count(segments or 0, "retain_segments"),
            _seconds(age, "retain_age"),
        ))


def verify_journal(dir: PathLike, anchor: PathLike) -> JournalVerification:
    """Verifies the journal in ``dir`` against the trust ``anchor``: the path of
    an ``anchor.pub`` file (keep a copy out of band) or the base64 public key.
    It reads without locking, so a live logger may keep writing.

    Returns the verdict with the parsed report, also when tampering was found.
    Raises :class:`InvalidArgumentError` for an unusable anchor and
    :class:`AuditIOError` when ``dir`` is not a readable journal.
    """
    return _verify(_native.library().audit_journal_verify, dir, "dir", anchor)


_CRITERIA = ("actor", "action", "resource", "outcome", "min_severity", "max_severity",
             "since", "until", "limit", "after_seq")


def _with_filter(lib: _native.Library, criteria: Dict[str, Any], use: Any) -> None:
    """Calls ``use`` with an AuditFilter made from the keyword criteria of
    :meth:`AuditLogger.query` (unknown ones raise ``TypeError``), then frees it."""
    unknown = set(criteria) - set(_CRITERIA)
    if unknown:
        raise TypeError(f"unknown query criterion {sorted(unknown)[0]!r}")
    actor, action, resource, outcome = (criteria.get(k) for k in ("actor", "action", "resource", "outcome"))
    min_severity, max_severity = criteria.get("min_severity"), criteria.get("max_severity")
    since, until = criteria.get("since"), criteria.get("until")
    limit, after_seq = criteria.get("limit"), criteria.get("after_seq")
    setters: List[Tuple[Any, Any]] = []
    for name, value in (("actor", actor), ("action", action),
                        ("resource", resource), ("outcome", outcome)):
        if value is not None:
            setters.append((getattr(lib, f"audit_filter_set_{name}"), _text(value, name)))
    if min_severity is not None:
        setters.append((lib.audit_filter_set_min_severity, _severity(min_severity, "min_severity")))
    if max_severity is not None:
        setters.append((lib.audit_filter_set_max_severity, _severity(max_severity, "max_severity")))
    for setter, value, name in ((lib.audit_filter_set_since, since, "since"),
                                (lib.audit_filter_set_until, until, "until")):
        if value is not None:
            micros = to_micros(value, name)
            if not -(2**63) <= micros < 2**63:
                raise make_error(Status.INVALID_ARGUMENT, f"{name} is out of range")
            setters.append((setter, micros))
    if limit is not None:
        setters.append((lib.audit_filter_set_limit, _count(limit, "limit", 2**63 - 1)))
    if after_seq is not None:
        setters.append((lib.audit_filter_set_after_seq, _count(after_seq, "after_seq")))


    query_filter = lib.audit_filter_new()
    try:
        for setter, value in setters:
            _check(lib, setter(query_filter, value))
        use(query_filter)
    finally:
        lib.audit_filter_free(query_filter)


def export_journal_proofs(dir: PathLike, path: PathLike, **criteria: Any) -> int:
    """Writes to ``path`` (atomically) a proof bundle of the sealed events of
    the journal in ``dir`` that the keyword criteria of :meth:`AuditLogger.query`
    select (none: every event): the signed checkpoint chain and each event
    with its inclusion proof, which :func:`verify_export` (or anyone holding
    the trust anchor) checks offline, without the journal.

    Returns how many selected events were left out because no checkpoint
    seals them yet. Raises :class:`InvalidArgumentError` when nothing is
    sealed yet (or retention deleted the first segments) and
    :class:`AuditIOError` when ``dir`` is not a readable journal or ``path``
    cannot be written.
    """
    lib = _native.library()
    d, p = _path(dir, "dir"), _path(path, "path")
    skipped = ctypes.c_uint64()
    _with_filter(lib, criteria, lambda f: _check(
        lib, lib.audit_journal_export_proofs(d, f, p, None, ctypes.byref(skipped)),
        filename=os.fsdecode(dir)))
    return skipped.value


def verify_export(path: PathLike, anchor: PathLike) -> JournalVerification:
    """Verifies the proof bundle at ``path`` (from :func:`export_journal_proofs`
    or ``audit-logger export --proofs``) against the trust ``anchor`` alone, as
    :func:`verify_journal` does a journal (the report has no ``log_id`` or
    ``segments``). Raises :class:`InvalidArgumentError` for an unusable anchor
    or a file that is not a proof bundle, :class:`AuditIOError` if unreadable.
    """
    return _verify(_native.library().audit_export_verify, path, "path", anchor)


def _verify(verify: Any, path: PathLike, name: str, anchor: PathLike) -> JournalVerification:
    """Runs ``audit_journal_verify`` or ``audit_export_verify`` on ``path``
    (the argument ``name``)."""
    lib = _native.library()
    verdict = ctypes.c_uint32()
    report = ctypes.c_void_p()
    _check(lib, verify(_path(path, name), _path(anchor, "anchor"), ctypes.byref(verdict),
                       ctypes.byref(report)), filename=os.fsdecode(path))
    text = _take_string(lib, report) if report.value else "{}"
    return JournalVerification(Verdict(verdict.value), json.loads(text))


# The C library holds each subscription's CFUNCTYPE thunk until the
# subscription's free_ctx runs; until then it must stay alive here, keyed by
# the ctx the library passes back. _release is module-level and never freed,
# so it is not torn down while it runs.
_keepalive: Dict[int, Any] = {}
_keys = itertools.count(1)


@_native.FREE_CTX
def _release(ctx: Optional[int]) -> None:
    _keepalive.pop(ctx, None)  # type: ignore[arg-type]


def _check(lib: _native.Library, code: int, filename: Any = None) -> None:
    """Raises the library's error for ``code`` (read on this thread, right after
    the failing call: the message and errno are thread-local)."""
    if code != Status.OK:
        message = lib.audit_last_error_message().decode("utf-8", "replace")
        errno = lib.audit_last_error_errno() if code == Status.IO else 0
        raise make_error(code, message, errno=errno, filename=filename)


def _seconds_to_ms(value: Any, name: str) -> int:
    """Seconds (int or float, >= 0) as whole milliseconds for a ``uint32_t``, rounded up."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not value >= 0:  # also NaN
        raise make_error(Status.INVALID_ARGUMENT, f"{name} must be a number of seconds >= 0, not {value}")
    millis = math.ceil(value * 1000)
    if millis > _U32:
        raise make_error(Status.INVALID_ARGUMENT, f"{name} is too long ({value} s)")
    return millis


# Per thread: the events log() is waiting for, innermost last, as [logger
# handle, event or None]. A synchronous subscriber's trampoline runs on the
# logging thread before audit_log returns, so it fills the innermost empty
# slot of its logger with the event it read from the library: log() then has
# the stored event even if it is evicted before audit_get could read it.
_pending = threading.local()

#: The keys an event of log_batch() may have: log()'s keyword arguments.
_EVENT_KEYS = frozenset(("actor", "action", "resource", "outcome", "severity", "details"))


def _text(value: Union[str, bytes], name: str) -> bytes:
    """``value`` as the NUL-terminated UTF-8 the library takes. A NUL inside
    would silently cut the string in C, so it is refused here."""
    if isinstance(value, str):
        try:
            raw = value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise make_error(Status.INVALID_UTF8, f"{name} is not valid UTF-8: {e.reason}") from None
    elif isinstance(value, (bytes, bytearray)):
        raw = bytes(value)  # passed as is: the library checks the UTF-8
    else:
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if b"\0" in raw:
        raise make_error(
            Status.INVALID_ARGUMENT, f"{name} contains a NUL character at byte {raw.index(0)}"
        )
    return raw


def _details_text(details: Any) -> Optional[bytes]:
    """``details`` as JSON text: a dict is serialised (key order kept), a str or
    bytes is passed verbatim for the library to validate, None means ``{}``."""
    if details is None:
        return None
    if isinstance(details, (str, bytes, bytearray)):
        if ("\0" if isinstance(details, str) else b"\0") in details:
            raise make_error(Status.INVALID_DETAILS, "details contains a raw NUL character")
        return _text(details, "details")
    if not isinstance(details, dict):
        raise make_error(
            Status.INVALID_DETAILS,
            f"details must be a dict or JSON text, not {type(details).__name__}",
        )
    try:
        text = json.dumps(details, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise make_error(Status.INVALID_DETAILS, f"details is not JSON-serialisable: {e}") from e
    return _text(text, "details")


def _severity(value: SeverityLike, name: str = "severity") -> int:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):
        return Severity.from_str(value).value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a Severity, not {type(value).__name__}")
    if not 0 <= value <= _U32:
        raise make_error(Status.INVALID_SEVERITY, f"{name} {value} is not 10, 20, 30 or 40")
    return value


def _count(value: int, name: str, limit: int = _U64) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= limit:
        raise make_error(Status.INVALID_ARGUMENT, f"{name} must be between 0 and {limit}, not {value}")
    return value


_event = event_from_native


def _take_list(lib: _native.Library, handle: ctypes.c_void_p) -> List[AuditEvent]:
    """Copies the events of an ``AuditEventList`` and frees it."""
    try:
        return [
            _event(lib, lib.audit_event_list_get(handle, i))
            for i in range(lib.audit_event_list_len(handle))
        ]
    finally:
        lib.audit_event_list_free(handle)


def _take_string(lib: _native.Library, ptr: ctypes.c_void_p) -> str:
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        lib.audit_string_free(ptr)


class AuditLogger:
    """A thread-safe audit log keeping the newest ``capacity`` events.

    The keyword-only limits are the library's configuration (bytes per string
    field, bytes and nesting depth of ``details``, bytes held by the whole
    ring, bytes of a document to import); unset ones keep the library's defaults.

    ``journal=<dir>`` keeps a durable, sealed journal there: opening it restores
    the newest ``capacity`` events and continues the seq; one logger per
    directory (another open raises :class:`AuditIOError`). Its settings:
    ``fsync`` ("never", "batch" or "always"; with ``batch_events`` and
    ``batch_interval`` seconds for "batch", and ``sync_critical``), a checkpoint
    every ``epoch_events`` events or ``epoch_interval`` seconds, a new segment
    at ``segment_bytes`` or ``segment_age`` seconds, and retention
    (``retain_bytes``, ``retain_segments``, ``retain_age`` seconds; 0 or unset:
    no limit). :meth:`close` seals a final checkpoint.
    """

    def __init__(
        self,
        capacity: int = 5000,
        *,
        max_field_bytes: Optional[int] = None,
        max_details_bytes: Optional[int] = None,
        max_details_depth: Optional[int] = None,
        max_total_bytes: Optional[int] = None,
        max_document_bytes: Optional[int] = None,
        journal: Optional[PathLike] = None,
        fsync: Optional[FsyncLike] = None,
        batch_events: Optional[int] = None,
        batch_interval: Optional[float] = None,
        sync_critical: Optional[bool] = None,
        epoch_events: Optional[int] = None,
        epoch_interval: Optional[float] = None,
        segment_bytes: Optional[int] = None,
        segment_age: Optional[float] = None,
        retain_bytes: Optional[int] = None,
        retain_segments: Optional[int] = None,
        retain_age: Optional[float] = None,
    ) -> None:
        lib = _native.library()
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity < 0 or capacity > _U64:
            raise make_error(Status.INVALID_CAPACITY, f"capacity must be greater than 0, not {capacity}")
        limits = {
            "audit_config_set_max_field_bytes": max_field_bytes,
            "audit_config_set_max_details_bytes": max_details_bytes,
            "audit_config_set_max_details_depth": max_details_depth,
            "audit_config_set_max_total_bytes": max_total_bytes,
            "audit_config_set_max_document_bytes": max_document_bytes,
        }
        journal_options: Dict[str, Any] = {
            "journal": journal, "fsync": fsync, "batch_events": batch_events,
            "batch_interval": batch_interval, "sync_critical": sync_critical,
            "epoch_events": epoch_events, "epoch_interval": epoch_interval,
            "segment_bytes": segment_bytes, "segment_age": segment_age,
            "retain_bytes": retain_bytes, "retain_segments": retain_segments,
            "retain_age": retain_age,
        }
        handle = ctypes.c_void_p()
        if all(v is None for v in limits.values()) and all(v is None for v in journal_options.values()):
            _check(lib, lib.audit_logger_new(capacity, ctypes.byref(handle)))
        else:
            config = lib.audit_config_new()
            try:
                _check(lib, lib.audit_config_set_capacity(config, capacity))
                for setter, value in limits.items():
                    if value is not None:
                        name = setter[len("audit_config_set_"):]
                        _check(lib, getattr(lib, setter)(config, _count(value, name)))
                _configure_journal(lib, config, journal_options)
                _check(lib, lib.audit_logger_new_with_config(config, ctypes.byref(handle)),
                       filename=None if journal is None else os.fsdecode(journal))
            finally:
                lib.audit_config_free(config)
        self._lib = lib
        self._handle: Optional[int] = handle.value
        self._lock = threading.Lock()
        self._subscriptions: List[Tuple[Callback, int]] = []  # (callback, id), oldest first
        self._in_callback = threading.local()
        self._free = weakref.finalize(self, lib.audit_logger_free, handle.value)

    # -- lifetime ---------------------------------------------------------

    def _h(self) -> int:
        handle = self._handle
        if handle is None:
            raise make_error(Status.NULL_ARGUMENT, "the logger is closed", LoggerClosedError)
        return handle

    @property
    def _as_parameter_(self) -> ctypes.c_void_p:
        """Lets an ``AuditLogger`` be passed to ctypes functions taking ``AuditLogger *``."""
        return ctypes.c_void_p(self._h())

    def close(self) -> None:
        """Frees the logger; every subscription ends. Idempotent. No other
        thread may be using the logger, and a subscriber may not call it."""
        if getattr(self._in_callback, "depth", 0):
            raise RuntimeError("close() called from a subscriber of this logger")
        self._handle = None
        with self._lock:
            self._subscriptions.clear()
        self._free()

    def __enter__(self) -> "AuditLogger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._handle is None:
            return "<AuditLogger closed>"
        return f"<AuditLogger count={self.count} capacity={self.capacity}>"

    # -- recording and reading --------------------------------------------

    def log_batch(self, events: Iterable[Mapping[str, Any]]) -> range:
        """Records ``events`` in one call and returns the range of their seqs.

        Each event is a mapping with the keyword arguments of :meth:`log`
        (``actor``, ``action``, ``resource``, ``outcome``, ``severity``,
        ``details``; missing ones take their defaults). The events get
        consecutive seqs in order and one timestamp, and no other event comes
        between them. All or nothing: one bad event raises the error
        :meth:`log` would raise for it, its message starting with
        ``event <index>: ``, and none is recorded. An empty batch records
        nothing and returns an empty range.
        """
        items = list(events)
        array = (_native.NewEventStruct * len(items))()
        for i, item in enumerate(items):
            unknown = set(item) - _EVENT_KEYS
            if unknown:
                raise TypeError(f"event {i}: unknown key(s) {', '.join(sorted(unknown))}")
            try:
                array[i] = _native.NewEventStruct(
                    _text(item.get("actor", ""), "actor"),
                    _text(item.get("action", ""), "action"),
                    _text(item.get("resource", ""), "resource"),
                    _text(item.get("outcome", ""), "outcome"),
                    _severity(item.get("severity", Severity.INFO)),
                    _details_text(item.get("details")),
                )
            except AuditError as e:
                raise make_error(e.code, f"event {i}: {e}", type(e)) from None
        first = ctypes.c_uint64()
        lib = self._lib
        handle = self._h()
        # A slot of its own, so that a synchronous subscriber's trampoline does
        # not hand a batch event to a log() waiting further out on this thread.
        stack = getattr(_pending, "stack", None)
        if stack is None:
            stack = _pending.stack = []
        stack.append([handle, None])
        try:
            _check(lib, lib.audit_log_batch(handle, array, len(items), ctypes.byref(first)))
        finally:
            stack.pop()
        return range(first.value, first.value + len(items)) if items else range(0)

    def log(
        self,
        actor: str = "",
        action: str = "",
        resource: str = "",
        outcome: str = "",
        severity: SeverityLike = Severity.INFO,
        details: Union[Dict[str, Any], str, None] = None,
    ) -> AuditEvent:
        """Records an event and returns it as stored (with its seq and timestamp).

        ``details`` is a dict (serialised with its key order) or JSON object
        text passed verbatim. Subscribers have run when this returns. Raises
        an :class:`AuditError` subclass (a ``ValueError``) for bad input, and
        then records nothing.
        """
        fields = [
            _text(actor, "actor"),
            _text(action, "action"),
            _text(resource, "resource"),
            _text(outcome, "outcome"),
        ]
        level = _severity(severity)
        text = _details_text(details)
        seq = ctypes.c_uint64()
        lib = self._lib
        handle = self._h()
        stack = getattr(_pending, "stack", None)
        if stack is None:
            stack = _pending.stack = []
        slot: List[Any] = [handle, None]
        stack.append(slot)
        try:
            _check(lib, lib.audit_log(handle, *fields, level, text, ctypes.byref(seq)))
        finally:
            stack.pop()
        if slot[1] is not None:  # read by a synchronous subscriber's trampoline
            return slot[1]
        try:
            return self.get(seq.value)
        except NotFoundError:
            # Logging on other threads evicted it first: it was recorded, but
            # there is no stored event to return, and none is made up here.
            err = make_error(
                Status.NOT_FOUND,
                f"event {seq.value} was recorded, but evicted by other logging before log() "
                f"could read it back (capacity {self.capacity})",
                EventEvictedError,
            )
            err.seq = seq.value  # type: ignore[attr-defined]
            raise err from None

    def get(self, seq: int) -> AuditEvent:
        """The event with sequence number ``seq``; :class:`NotFoundError` (a
        ``LookupError``) if it was evicted or not logged yet."""
        handle = ctypes.c_void_p()
        lib = self._lib
        _check(lib, lib.audit_get(self._h(), _count(seq, "seq"), ctypes.byref(handle)))
        return _take_list(lib, handle)[0]

    def query(
        self,
        actor: Optional[str] = None,
        action: Optional[str] = None,
        resource: Optional[str] = None,
        outcome: Optional[str] = None,
        min_severity: Optional[SeverityLike] = None,
        max_severity: Optional[SeverityLike] = None,
        since: Optional[Moment] = None,
        until: Optional[Moment] = None,
        limit: Optional[int] = None,
        after_seq: Optional[int] = None,
    ) -> List[AuditEvent]:
        """The matching events, oldest first.

        ``None`` leaves a criterion unset; ``""`` matches only empty fields.
        ``since``/``until`` are inclusive, in seconds (or datetimes).
        ``limit`` keeps the newest N matches (0 keeps none); ``after_seq``
        returns only events logged after that sequence number.
        """
        return self._query(  # type: ignore[return-value]
            dict(actor=actor, action=action, resource=resource, outcome=outcome,
                 min_severity=min_severity, max_severity=max_severity, since=since,
                 until=until, limit=limit, after_seq=after_seq),
            json_out=False,
        )

    def _query(self, criteria: Dict[str, Any], json_out: bool) -> Union[List[AuditEvent], str]:
        lib = self._lib
        run = lib.audit_query_json if json_out else lib.audit_query
        handle = ctypes.c_void_p()
        _with_filter(lib, criteria, lambda f: _check(lib, run(self._h(), f, ctypes.byref(handle))))
        return _take_string(lib, handle) if json_out else _take_list(lib, handle)

    def recent(self, count: int = 20) -> List[AuditEvent]:
        """The newest ``count`` events, oldest first (``recent(0)`` is empty)."""
        handle = ctypes.c_void_p()
        lib = self._lib
        _check(lib, lib.audit_recent(self._h(), _count(count, "count", 2**63 - 1), ctypes.byref(handle)))
        return _take_list(lib, handle)

    def query_json(self, **criteria: Any) -> str:
        """Like :meth:`query` (same keyword criteria), as a JSON document in the
        export format, written by the library (``audit_query_json``)."""
        return self._query(criteria, json_out=True)  # type: ignore[return-value]

    # -- export and import ------------------------------------------------

    def export_json(self, path: Union[str, bytes, "os.PathLike[str]", None] = None) -> str:
        """Every stored event as a pretty-printed JSON array (returned), also
        written atomically to ``path`` if given: on failure the old file stays.
        As in the reference, an empty ``path`` (``""``) writes no file."""
        if isinstance(path, (str, bytes)) and not path:
            path = None  # the reference's `if path:`
        raw_path = os.fsencode(path) if path is not None else None
        if raw_path is not None and b"\0" in raw_path:
            raise make_error(Status.INVALID_ARGUMENT, "path contains a NUL character")
        out = ctypes.c_void_p()
        lib = self._lib
        _check(lib, lib.audit_export_json(self._h(), raw_path, ctypes.byref(out)), raw_path)
        return _take_string(lib, out)

    def import_json(self, doc: Union[str, bytes, List[Dict[str, Any]]]) -> int:
        """Appends the events of an exported document (text, or the parsed list);
        returns how many. All or nothing; imported events keep their
        timestamps, get new seqs and are not passed to subscribers."""
        if isinstance(doc, list):
            doc = json.dumps(doc, ensure_ascii=False)
        raw = _text(doc, "document")
        count = ctypes.c_size_t()
        lib = self._lib
        _check(lib, lib.audit_import_json(self._h(), raw, ctypes.byref(count)))
        return count.value

    def import_json_file(self, path: Union[str, "os.PathLike[str]"]) -> int:
        """Like :meth:`import_json`, reading the document from ``path``."""
        raw_path = os.fsencode(path)
        if b"\0" in raw_path:
            raise make_error(Status.INVALID_ARGUMENT, "path contains a NUL character")
        count = ctypes.c_size_t()
        lib = self._lib
        _check(lib, lib.audit_import_json_file(self._h(), raw_path, ctypes.byref(count)), raw_path)
        return count.value

    # -- subscribers --------------------------------------------------------

    def subscribe(
        self,
        callback: Callback,
        *,
        queue: Optional[int] = None,
        overflow: OverflowLike = Overflow.DROP_OLDEST,
        block_timeout: Optional[float] = None,
    ) -> None:
        """Calls ``callback(event)`` for every event logged from now on. An
        exception it raises is counted as a failure of the subscription (see
        :meth:`subscription_stats`) and goes no further.

        Synchronous (the default): on the logging thread, after the event is
        stored, before :meth:`log` returns.

        Queued (``queue=N``, the most events waiting): events reach ``callback``
        through a bounded queue, one at a time and in strictly increasing seq
        order, on a thread the library starts for this subscription, so a slow
        callback never holds up the threads that log. When the queue is full,
        ``overflow`` decides: :attr:`Overflow.DROP_OLDEST` (default),
        :attr:`Overflow.DROP_NEWEST`, or :attr:`Overflow.BLOCK` (the producer
        waits up to ``block_timeout`` seconds for room, then the new event is
        discarded). Discarded events are counted as ``dropped``. Names work
        too (``overflow="block"``).
        """
        if not callable(callback):
            raise TypeError("callback must be callable")
        queued: Optional[Tuple[int, int, int]] = None
        if queue is not None:
            policy = _named(Overflow, overflow, "overflow")
            if isinstance(queue, bool) or not isinstance(queue, int):
                raise TypeError(f"queue must be an int, not {type(queue).__name__}")
            if queue < 0:
                raise make_error(Status.INVALID_CAPACITY, f"queue must be greater than 0, not {queue}")
            if policy is Overflow.BLOCK:
                if block_timeout is None:
                    raise TypeError("overflow=BLOCK needs block_timeout (seconds a producer may wait)")
                millis = _seconds_to_ms(block_timeout, "block_timeout")
            elif block_timeout is not None:
                raise TypeError(f"block_timeout applies only to overflow=BLOCK ({policy.name} never waits)")
            else:
                millis = 0
            queued = (_count(queue, "queue"), policy.value, millis)
        elif block_timeout is not None or overflow is not Overflow.DROP_OLDEST:
            raise TypeError("overflow and block_timeout apply only to queued subscriptions (give queue=)")

        lib, active, handle = self._lib, self._in_callback, self._h()

        if queued is None:
            def trampoline(_ctx: Optional[int], event: int) -> int:
                active.depth = getattr(active, "depth", 0) + 1
                try:
                    copy = _event(lib, event)
                    for slot in reversed(getattr(_pending, "stack", ())):
                        if slot[0] == handle:
                            if slot[1] is None:
                                slot[1] = copy  # the event log() on this thread is waiting for
                            break
                    callback(copy)
                    return 0
                except BaseException:  # noqa: B902 - nothing may unwind into C
                    return 1
                finally:
                    active.depth -= 1
        else:
            # On the subscription's delivery thread (ctypes takes the GIL for
            # it). Not counted as "inside a subscriber": a queued callback may
            # close its own logger, as the C API allows.
            def trampoline(_ctx: Optional[int], event: int) -> int:
                try:
                    callback(_event(lib, event))
                    return 0
                except BaseException:  # noqa: B902 - nothing may unwind into C
                    return 1

        thunk = _native.CALLBACK(trampoline)
        key = next(_keys)
        _keepalive[key] = thunk
        sub_id = ctypes.c_uint64()
        with self._lock:
            if queued is None:
                code = lib.audit_subscribe(handle, thunk, key, _release, ctypes.byref(sub_id))
            else:
                code = lib.audit_subscribe_queued(handle, thunk, key, _release, *queued, ctypes.byref(sub_id))
            if code != Status.OK:
                del _keepalive[key]  # nothing registered: free_ctx will not run
                _check(lib, code)
            self._subscriptions.append((callback, sub_id.value))

    def flush(self, timeout: float) -> None:
        """Waits up to ``timeout`` seconds until every queued subscription has
        handed all it holds to its callback and the callback has returned;
        raises :class:`AuditTimeoutError` (a ``TimeoutError``) if they are still
        busy then. The GIL is released meanwhile, so the callbacks (which need
        it) run. Call it before :meth:`unsubscribe` or :meth:`close`, which
        discard what is still queued. From inside a queued callback it raises
        :class:`InvalidArgumentError` (it would wait for itself)."""
        millis = _seconds_to_ms(timeout, "timeout")
        lib = self._lib
        _check(lib, lib.audit_flush(self._h(), millis))

    def unsubscribe(self, callback: Callback) -> bool:
        """Ends the oldest subscription of ``callback`` (compared with ``==``,
        as the reference does, so a bound method matches a fresh
        ``obj.method``). Returns whether one was removed. May be called from
        inside a callback, including the one being removed. A queued
        subscription discards what it still holds (counted as dropped)."""
        return self._end(callback, with_stats=False) is not None

    def unsubscribe_with_stats(self, callback: Callback) -> Optional[SubscriptionStats]:
        """Like :meth:`unsubscribe`, returning the subscription's final counters
        (events still queued counted as dropped), or ``None`` if ``callback``
        was not subscribed."""
        stats = self._end(callback, with_stats=True)
        return stats if isinstance(stats, SubscriptionStats) else None

    def _end(self, callback: Callback, with_stats: bool) -> Union[None, bool, SubscriptionStats]:
        with self._lock:
            sub_id = self._find(callback)
            if sub_id is None:
                return None
            self._subscriptions = [s for s in self._subscriptions if s[1] != sub_id]
        lib = self._lib
        if with_stats:
            stats = _new_stats()
            code = lib.audit_unsubscribe_with_stats(self._h(), sub_id, ctypes.byref(stats))
        else:
            code = lib.audit_unsubscribe(self._h(), sub_id)
        if code == Status.NOT_FOUND:
            return None
        _check(lib, code)
        return SubscriptionStats(stats.delivered, stats.failed, stats.dropped) if with_stats else True

    def subscription_stats(self, callback: Callback) -> SubscriptionStats:
        """Counters of ``callback``'s (oldest) subscription; :class:`NotFoundError`
        if it is not subscribed."""
        with self._lock:
            sub_id = self._find(callback)
        if sub_id is None:
            raise make_error(Status.NOT_FOUND, f"{callback!r} is not subscribed")
        stats = _new_stats()
        lib = self._lib
        _check(lib, lib.audit_subscription_stats(self._h(), sub_id, ctypes.byref(stats)))
        return SubscriptionStats(stats.delivered, stats.failed, stats.dropped)

    def _find(self, callback: Callback) -> Optional[int]:
        return next((sid for cb, sid in self._subscriptions if cb == callback), None)

    # -- counters -----------------------------------------------------------

    @property
    def count(self) -> int:
        """Events held now (at most ``capacity``)."""
        return self._lib.audit_logger_count(self._h())

    @property
    def capacity(self) -> int:
        """The most events the logger holds."""
        return self._lib.audit_logger_capacity(self._h())

    @property
    def evicted(self) -> int:
        """Events evicted so far, oldest first, to respect the capacity."""
        return self._lib.audit_logger_evicted(self._h())

    @property
    def appended(self) -> int:
        """Events ever stored (logged or imported): ``count + evicted``, and the
        seq of the newest event."""
        return self._lib.audit_logger_appended(self._h())

    # -- forwarders ---------------------------------------------------------

    def add_forwarder(self, name: str, config: "ForwarderConfig") -> int:
        """Attaches a forwarder named ``name`` (1 to 64 of ``A-Z a-z 0-9 - _ .``)
        and returns its index (from 0). Without a journal it forwards what is
        logged from now on; with one, everything the journal holds after its
        cursor (kept beside the journal, resumed after a restart)."""
        from . import forward

        return forward.add(self._lib, self._h(), name, config)

    def forwarder_stats(self, index: int) -> "ForwarderStats":
        """The counters of forwarder ``index`` (its final ones once closed)."""
        from . import forward

        return forward.stats(self._lib, self._h(), index)

    def close_forwarder(self, index: int, timeout: float = 5.0) -> "ForwarderReport":
        """Closes forwarder ``index``, delivering what is left for up to
        ``timeout`` seconds, and says what was left. Closing the logger closes
        every forwarder with its own close timeout."""
        from . import forward

        return forward.close(self._lib, self._h(), index, timeout)

    def journal_stats(self) -> JournalStats:
        """The journal's counters. Raises :class:`NotFoundError` when the logger
        has no journal."""
        stats = _native.JournalStatsStruct(struct_size=ctypes.sizeof(_native.JournalStatsStruct))
        _check(self._lib, self._lib.audit_journal_stats(self._h(), ctypes.byref(stats)))
        return JournalStats(
            written_seq=stats.written_seq,
            durable_seq=stats.durable_seq,
            checkpoints=stats.checkpoints,
            epoch=stats.epoch,
            recovered_bytes_dropped=stats.recovered_bytes_dropped,
            failing=bool(stats.failing),
            fsyncs=stats.fsyncs,
        )


def _new_stats() -> "_native.SubscriptionStatsStruct":
    return _native.SubscriptionStatsStruct(struct_size=ctypes.sizeof(_native.SubscriptionStatsStruct))


__all__ = [
    "AuditLogger",
    "Fsync",
    "JournalStats",
    "JournalVerification",
    "Overflow",
    "SubscriptionStats",
    "Verdict",
    "verify_journal",
]
