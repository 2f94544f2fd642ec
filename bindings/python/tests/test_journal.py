"""The durable, sealed journal: options, stats, reopening, the lock, verification."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from audit_logger import (
    AuditIOError,
    AuditLogger,
    Fsync,
    InvalidArgumentError,
    JournalStats,
    NotFoundError,
    Verdict,
    export_journal_proofs,
    verify_export,
    verify_journal,
)

SEGMENT = "00000000000000000001.seg"


def tamper(journal: Path, old: bytes, new: bytes) -> None:
    """Replaces the first ``old`` inside an event line of the first segment."""
    assert len(old) == len(new)
    seg = journal / SEGMENT
    data = seg.read_bytes()
    at = data.find(old)
    assert at >= 0, f"{old!r} is not in {seg}"
    seg.write_bytes(data[:at] + new + data[at + len(old):])


def test_durable_reopen_lock_and_verify(tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    with AuditLogger(10, journal=str(journal), fsync="always") as audit:
        seqs = [audit.log("alice", "login", f"host:{i}", "success").seq for i in range(3)]
        assert seqs == [1, 2, 3]
        stats = audit.journal_stats()
        assert isinstance(stats, JournalStats)
        assert stats.written_seq >= seqs[-1]
        assert stats.durable_seq >= seqs[-1]
        assert 1 <= stats.fsyncs <= len(seqs)
        assert stats.failing is False
        assert stats.recovered_bytes_dropped == 0

        # One writer per directory: a second open fails while this one is open.
        with pytest.raises(AuditIOError, match="lock"):
            AuditLogger(10, journal=journal)
        assert (journal / "anchor.pub").is_file()

    with AuditLogger(10, journal=journal, fsync=Fsync.ALWAYS) as audit:
        assert audit.count == 3
        assert audit.appended == 3
        assert [e.resource for e in audit.recent(3)] == ["host:0", "host:1", "host:2"]
        assert audit.log("bob", "logout").seq == 4

    verdict, report = verify_journal(journal, journal / "anchor.pub")
    assert verdict is Verdict.VALID
    assert report["verdict"] == "valid"
    assert report["events_verified"] == 4
    assert report["findings"] == []


def test_restores_only_the_newest_capacity_events(tmp_path: Path) -> None:
    with AuditLogger(10, journal=tmp_path, fsync="never") as audit:
        for i in range(5):
            audit.log("alice", "write", f"doc:{i}")
    with AuditLogger(2, journal=tmp_path) as audit:
        assert audit.count == 2
        assert audit.appended == 5
        assert [e.resource for e in audit.recent(5)] == ["doc:3", "doc:4"]


def test_one_flipped_byte_is_tampering(tmp_path: Path) -> None:
    with AuditLogger(10, journal=tmp_path, fsync="batch", batch_events=2, batch_interval=0.01) as audit:
        audit.log("alice", "login")
        audit.log("mallory", "login")
        audit.log("carol", "login")
    result = verify_journal(tmp_path, tmp_path / "anchor.pub")
    assert result.verdict is Verdict.VALID

    tamper(tmp_path, b"mallory", b"malloqy")
    result = verify_journal(str(tmp_path), str(tmp_path / "anchor.pub"))
    assert result.verdict is Verdict.TAMPERED
    assert result.findings, result.report
    assert result.report["verdict"] == "tampered"
    assert any(f["class"] == "modified" and f["seq"] == 2 for f in result.findings), result.findings


def test_all_settings_are_accepted(tmp_path: Path) -> None:
    with AuditLogger(
        100,
        journal=tmp_path,
        fsync="batch",
        batch_events=10,
        batch_interval=0.02,
        sync_critical=False,
        epoch_events=2,
        epoch_interval=600,
        segment_bytes=1 << 20,
        segment_age=3600,
        retain_bytes=1 << 30,
        retain_segments=10,
        retain_age=86_400 * 365,
    ) as audit:
        for _ in range(5):
            audit.log("alice", "tick")
        # A checkpoint after 2 events (not 10,000, nor 10 minutes): the journal's thread seals one soon.
        deadline = time.monotonic() + 10
        while audit.journal_stats().checkpoints < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert audit.journal_stats().checkpoints >= 1
    assert verify_journal(tmp_path, tmp_path / "anchor.pub").verdict is Verdict.VALID


def test_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="fsync"):
        AuditLogger(10, journal=tmp_path, fsync="sometimes")
    with pytest.raises(InvalidArgumentError):
        AuditLogger(10, journal=tmp_path, fsync="batch", batch_events=0)
    with pytest.raises(InvalidArgumentError):
        AuditLogger(10, journal=tmp_path, epoch_events=0)
    with pytest.raises(InvalidArgumentError, match="journal"):
        AuditLogger(10, fsync="always")  # no journal to apply it to
    with pytest.raises(TypeError):
        AuditLogger(10, journal=42)  # type: ignore[arg-type]
    # None of those opened (and so locked) the directory.
    with AuditLogger(10, journal=tmp_path) as audit:
        assert audit.journal_stats().written_seq == 0


def test_stats_without_a_journal() -> None:
    with AuditLogger(10) as audit, pytest.raises(NotFoundError):
        audit.journal_stats()


def test_verify_errors(tmp_path: Path) -> None:
    with AuditLogger(10, journal=tmp_path / "j") as audit:
        audit.log("alice", "login")
    with pytest.raises(InvalidArgumentError):
        verify_journal(tmp_path / "j", "not a key!")
    with pytest.raises(AuditIOError):
        verify_journal(tmp_path / "missing", tmp_path / "j" / "anchor.pub")


def test_export_with_proofs_verifies_offline_and_shows_a_change(tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    bob_seq = 0
    with AuditLogger(capacity=10, journal=journal, fsync="never") as log:
        for i in range(12):
            seq = log.log("bob" if i % 3 == 0 else "alice", "login", f"doc:{i:02d}", "ok").seq
            if i == 6:
                bob_seq = seq
    anchor = journal / "anchor.pub"
    bundle = tmp_path / "bob.json"
    assert export_journal_proofs(journal, bundle, actor="bob") == 0
    ok = verify_export(bundle, anchor)
    assert ok.verdict is Verdict.VALID
    assert ok.report["events_verified"] == 4 and ok.findings == []

    bundle.write_text(bundle.read_text().replace("doc:06", "doc:07", 1))
    bad = verify_export(bundle, anchor)
    assert bad.verdict is Verdict.TAMPERED
    assert bad.findings[0]["class"] == "modified" and bad.findings[0]["seq"] == bob_seq

    with pytest.raises(AuditIOError):
        export_journal_proofs(tmp_path / "missing", bundle)
    with pytest.raises(TypeError):
        export_journal_proofs(journal, bundle, nope=1)
    with pytest.raises(InvalidArgumentError):
        verify_export(bundle, "not a key")
