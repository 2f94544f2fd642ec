"""Forwarders: a JSON Lines file receiving every event, stats, the close
report, an unwritable file in the stats, and bad configuration refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from audit_logger import (
    AuditLogger,
    Format,
    ForwarderConfig,
    InvalidArgumentError,
    NotFoundError,
    Tls,
)


def test_jsonl_receives_every_event(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    with AuditLogger(50) as audit:
        index = audit.add_forwarder("file", ForwarderConfig.jsonl(out, format=Format.OCSF))
        assert index == 0
        for i in range(120):
            audit.log("alice", "doc.read", f"doc:{i}", "ok", details={"i": i})
        report = audit.close_forwarder(index, timeout=20)
        assert (report.delivered, report.left, report.timed_out) == (120, 0, False)
        assert report.last_acked_seq == 120
        stats = audit.forwarder_stats(index)
        assert (stats.offered, stats.delivered, stats.dropped, stats.lag_events) == (120, 120, 0, 0)
        assert stats.last_error is None
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 120
    assert all(line["class_uid"] == 6003 for line in lines)


def test_unwritable_file_shows_in_stats(tmp_path: Path) -> None:
    bad = tmp_path / "missing-dir" / "x.jsonl"
    with AuditLogger(10) as audit:
        audit.add_forwarder("bad", ForwarderConfig.jsonl(bad, retry=(0.01, 0.05), close_timeout=0.1))
        for _ in range(3):
            audit.log("a", "b", "c", "d")
        deadline = time.monotonic() + 10
        while audit.forwarder_stats(0).last_error is None and time.monotonic() < deadline:
            time.sleep(0.02)
        stats = audit.forwarder_stats(0)
        assert str(bad) in (stats.last_error or "")
        assert not stats.connected and stats.lag_events == 3
        report = audit.close_forwarder(0, timeout=0.1)
        assert report.left == 3 and report.timed_out


def test_bad_configuration_is_refused(tmp_path: Path) -> None:
    with AuditLogger(10) as audit:
        cfg = ForwarderConfig.jsonl(tmp_path / "f.jsonl")
        with pytest.raises(InvalidArgumentError):
            audit.add_forwarder("a/b", cfg)
        audit.add_forwarder("f", cfg)
        with pytest.raises(InvalidArgumentError, match="already"):
            audit.add_forwarder("f", cfg)
        with pytest.raises(InvalidArgumentError):
            audit.add_forwarder("g", ForwarderConfig.jsonl(tmp_path / "g", backlog=0))
        with pytest.raises(InvalidArgumentError):
            audit.add_forwarder("h", ForwarderConfig.jsonl(tmp_path / "h", tls=Tls()))
        with pytest.raises(InvalidArgumentError):
            audit.add_forwarder("i", ForwarderConfig.syslog("127.0.0.1:1", format=Format.OCSF))
        with pytest.raises(InvalidArgumentError, match="format 'xml' is not one of canonical, json_line, ocsf"):
            audit.add_forwarder("j", ForwarderConfig.jsonl(tmp_path / "j", format="xml"))
        with pytest.raises(InvalidArgumentError, match="overflow 'later' is not one of"):
            audit.add_forwarder("k", ForwarderConfig.jsonl(tmp_path / "k", backlog=5, overflow="later"))
        with pytest.raises(TypeError, match="format must be a Format member or its name, not int"):
            audit.add_forwarder("l", ForwarderConfig.jsonl(tmp_path / "l", format=3))  # type: ignore[arg-type]
        # Names work as the members do.
        named = ForwarderConfig.jsonl(tmp_path / "m", format="OCSF", backlog=5, overflow="drop-newest")
        assert audit.add_forwarder("m", named) == 1
        with pytest.raises(NotFoundError):
            audit.forwarder_stats(7)
        with pytest.raises(NotFoundError):
            audit.close_forwarder(7)
