"""Forwarders: deliver a logger's events to a syslog relay (TCP or TLS), an
OpenTelemetry Collector (OTLP/HTTP), Kafka, or a JSON Lines file, with retry,
a bounded and counted backlog, and (with a journal) a cursor that survives
restarts. Attach one with :meth:`AuditLogger.add_forwarder`."""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple, Union

from . import _native
from .errors import Status, make_error
from .logger import Overflow, OverflowLike, PathLike, _check, _named, _path, _seconds_to_ms, _text


class Format(enum.Enum):
    """The payload of Kafka and JSON Lines forwarders (``AUDIT_FORMAT_*``)."""

    #: The canonical JSON line of the journal and exports.
    CANONICAL = 1
    #: The canonical line with ``"log_id"`` as its last member.
    JSON_LINE = 2
    #: An OCSF API Activity (class 6003) event.
    OCSF = 3


FormatLike = Union[Format, str]


@dataclass(frozen=True)
class Tls:
    """TLS for a syslog forwarder: the CA file (``None``: the system's trust
    store), the name the server's certificate must carry (``None``: the host of
    the address), and an optional client certificate and key (PEM files)."""

    ca_file: Optional[PathLike] = None
    server_name: Optional[str] = None
    client_cert: Optional[PathLike] = None
    client_key: Optional[PathLike] = None


@dataclass(frozen=True)
class ForwarderConfig:
    """Where a forwarder sends events and how. Make one with :meth:`syslog`,
    :meth:`otlp`, :meth:`kafka` or :meth:`jsonl`; ``None`` keeps the library's
    default (a backlog of 10,000 dropping the oldest, retries from 0.1 s up to
    30 s, 5 s to flush when the logger closes)."""

    target: str
    args: Tuple[str, ...]
    tls: Optional[Tls] = None
    format: Optional[FormatLike] = None  #: a Format or its name (``"ocsf"``)
    backlog: Optional[int] = None
    overflow: OverflowLike = "drop_oldest"
    block_timeout: float = 0.0
    retry: Optional[Tuple[float, float]] = None  #: (first delay, longest delay) in seconds
    close_timeout: Optional[float] = None
    properties: Dict[str, str] = field(default_factory=dict)  #: OTLP headers or Kafka properties

    @classmethod
    def syslog(cls, address: str, **options: object) -> "ForwarderConfig":
        """RFC 5424 syslog to ``host:port`` over TCP, or TLS with ``tls=Tls(...)``."""
        return cls("syslog", (address,), **options)  # type: ignore[arg-type]

    @classmethod
    def otlp(cls, endpoint: str, **options: object) -> "ForwarderConfig":
        """OTLP/HTTP logs to ``endpoint`` (e.g. ``http://127.0.0.1:4318/v1/logs``)."""
        return cls("otlp", (endpoint,), **options)  # type: ignore[arg-type]

    @classmethod
    def kafka(cls, brokers: str, topic: str, **options: object) -> "ForwarderConfig":
        """The Kafka topic ``topic`` through ``brokers`` (``host:port,...``)."""
        return cls("kafka", (brokers, topic), **options)  # type: ignore[arg-type]

    @classmethod
    def jsonl(cls, path: PathLike, **options: object) -> "ForwarderConfig":
        """One event per line appended to the file ``path``."""
        return cls("jsonl", (path,), **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ForwarderStats:
    """A forwarder's counters and state."""

    offered: int  #: events handed to it
    delivered: int  #: events the target acknowledged, each once
    resent: int  #: events sent again after a lost connection
    retries: int  #: failed attempts, each followed by a backoff
    dropped: int  #: events discarded by the overflow policy
    rejected: int  #: events the target refused for good
    lag_events: int  #: events not yet acknowledged
    lag_seconds: float  #: age of the oldest event not yet acknowledged
    backlog: int  #: events waiting now
    in_flight: int  #: events sent and not yet acknowledged now
    connected: bool  #: whether it holds a working connection
    last_acked_seq: int  #: the seq of the last acknowledged event, 0 if none
    last_error: Optional[str]  #: the last failure, for people


@dataclass(frozen=True)
class ForwarderReport:
    """What closing a forwarder achieved."""

    delivered: int  #: events acknowledged over its life
    left: int  #: events not acknowledged when it stopped
    timed_out: bool  #: whether the timeout ended the flush
    dropped: int  #: events discarded by the overflow policy
    last_acked_seq: int  #: the seq of the last acknowledged event, 0 if none


def _opt_path(value: Optional[PathLike], name: str) -> Optional[bytes]:
    return None if value is None else _path(value, name)


def _make(lib: _native.Library, config: ForwarderConfig) -> ctypes.c_void_p:
    """A C ``AuditForwarderConfig`` for ``config``; the caller frees it."""
    handle = ctypes.c_void_p()
    out = ctypes.byref(handle)
    if config.target == "syslog":
        code = lib.audit_forwarder_config_new_syslog(_text(config.args[0], "address"), out)
    elif config.target == "otlp":
        code = lib.audit_forwarder_config_new_otlp(_text(config.args[0], "endpoint"), out)
    elif config.target == "kafka":
        brokers, topic = config.args
        code = lib.audit_forwarder_config_new_kafka(
            _text(brokers, "brokers"), _text(topic, "topic"), out
        )
    elif config.target == "jsonl":
        code = lib.audit_forwarder_config_new_jsonl(_path(config.args[0], "path"), out)
    else:
        raise make_error(Status.INVALID_ARGUMENT, f"unknown forwarder target {config.target!r}")
    _check(lib, code)
    try:
        _apply(lib, handle, config)
    except BaseException:
        lib.audit_forwarder_config_free(handle)
        raise
    return handle


def _apply(lib: _native.Library, h: ctypes.c_void_p, config: ForwarderConfig) -> None:
    if config.tls is not None:
        t = config.tls
        _check(
            lib,
            lib.audit_forwarder_config_set_tls(
                h,
                _opt_path(t.ca_file, "ca_file"),
                None if t.server_name is None else _text(t.server_name, "server_name"),
                _opt_path(t.client_cert, "client_cert"),
                _opt_path(t.client_key, "client_key"),
            ),
        )
    if config.format is not None:
        _check(lib, lib.audit_forwarder_config_set_format(h, _named(Format, config.format, "format").value))
    if config.backlog is not None:
        _check(
            lib,
            lib.audit_forwarder_config_set_backlog(
                h,
                config.backlog,
                _named(Overflow, config.overflow, "overflow").value,
                _seconds_to_ms(config.block_timeout, "block_timeout"),
            ),
        )
    if config.retry is not None:
        first, longest = config.retry
        _check(
            lib,
            lib.audit_forwarder_config_set_retry(
                h, _seconds_to_ms(first, "retry"), _seconds_to_ms(longest, "retry")
            ),
        )
    if config.close_timeout is not None:
        _check(
            lib,
            lib.audit_forwarder_config_set_close_timeout(
                h, _seconds_to_ms(config.close_timeout, "close_timeout")
            ),
        )
    for key, value in config.properties.items():
        _check(lib, lib.audit_forwarder_config_set_property(h, _text(key, "key"), _text(value, "value")))


def add(lib: _native.Library, logger: int, name: str, config: ForwarderConfig) -> int:
    """Attaches ``config`` as ``name``; returns its index."""
    handle = _make(lib, config)
    try:
        index = ctypes.c_uint32()
        _check(lib, lib.audit_logger_add_forwarder(logger, _text(name, "name"), handle, ctypes.byref(index)))
        return index.value
    finally:
        lib.audit_forwarder_config_free(handle)


def stats(lib: _native.Library, logger: int, index: int) -> ForwarderStats:
    """The stats of forwarder ``index``."""
    s = _native.ForwarderStatsStruct(struct_size=ctypes.sizeof(_native.ForwarderStatsStruct))
    _check(lib, lib.audit_forwarder_stats(logger, index, ctypes.byref(s)))
    message = ctypes.c_void_p()
    _check(lib, lib.audit_forwarder_last_error(logger, index, ctypes.byref(message)))
    error = None
    if message.value:
        try:
            error = ctypes.string_at(message).decode("utf-8", "replace")
        finally:
            lib.audit_string_free(message)
    return ForwarderStats(
        offered=s.offered,
        delivered=s.delivered,
        resent=s.resent,
        retries=s.retries,
        dropped=s.dropped,
        rejected=s.rejected,
        lag_events=s.lag_events,
        lag_seconds=s.lag_seconds,
        backlog=s.backlog,
        in_flight=s.in_flight,
        connected=bool(s.connected),
        last_acked_seq=s.last_acked_seq,
        last_error=error,
    )


def close(lib: _native.Library, logger: int, index: int, timeout: float) -> ForwarderReport:
    """Closes forwarder ``index``, delivering for up to ``timeout`` seconds."""
    r = _native.ForwarderReportStruct()
    _check(lib, lib.audit_forwarder_close(logger, index, _seconds_to_ms(timeout, "timeout"), ctypes.byref(r)))
    return ForwarderReport(
        delivered=r.delivered,
        left=r.left,
        timed_out=bool(r.timed_out),
        dropped=r.dropped,
        last_acked_seq=r.last_acked_seq,
    )



__all__ = ["Format", "ForwarderConfig", "ForwarderReport", "ForwarderStats", "Tls"]
