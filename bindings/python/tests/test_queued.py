"""Queued subscriptions: strict seq order under several producer threads, each
overflow policy's accounting, flush, final stats, and the GIL rules (flush
releases it; callbacks arrive on the library's delivery thread)."""

from __future__ import annotations

import threading
import time
from typing import List

import pytest

from audit_logger import (
    AuditEvent,
    AuditLogger,
    AuditTimeoutError,
    InvalidArgumentError,
    InvalidCapacityError,
    NotFoundError,
    Overflow,
    SubscriptionStats,
)
from conftest import run_with_timeout


@pytest.fixture
def audit():
    with AuditLogger(capacity=100_000) as logger:
        yield logger


def test_order_under_four_producer_threads(audit) -> None:
    seqs: List[int] = []
    threads_seen = set()

    def sink(event: AuditEvent) -> None:
        seqs.append(event.seq)
        threads_seen.add(threading.get_ident())

    audit.subscribe(sink, queue=100_000)

    def work() -> None:
        producers = [threading.Thread(target=lambda n=n: [audit.log(actor=f"t{n}") for _ in range(2_000)])
                     for n in range(4)]
        for t in producers:
            t.start()
        for t in producers:
            t.join()
        audit.flush(30)

    run_with_timeout(work, 60)
    assert len(seqs) == 8_000
    assert all(a < b for a, b in zip(seqs, seqs[1:])), "a queued subscriber saw seqs out of order"
    assert seqs == list(range(1, 8_001))
    assert threading.get_ident() not in threads_seen and len(threads_seen) == 1  # its own thread
    assert audit.subscription_stats(sink) == SubscriptionStats(8_000, 0, 0)


def _held_queue(audit: AuditLogger, **policy) -> tuple:
    """A queue of 4 whose callback is held on its first event while 100 more
    are logged; returns (the seqs delivered, the callback)."""
    got: List[int] = []
    entered, release = threading.Event(), threading.Event()

    def slow(event: AuditEvent) -> None:
        if not got:
            entered.set()
            release.wait(30)
        got.append(event.seq)

    audit.subscribe(slow, queue=4, **policy)
    audit.log(actor="first")
    assert entered.wait(30)  # the delivery thread holds event 1
    for _ in range(100):
        audit.log(actor="more")
    release.set()
    audit.flush(30)
    return got, slow


def test_drop_oldest_keeps_the_newest(audit) -> None:
    got, cb = run_with_timeout(lambda: _held_queue(audit), 60)
    assert got == [1, 98, 99, 100, 101]
    assert audit.subscription_stats(cb) == SubscriptionStats(delivered=5, failed=0, dropped=96)


def test_drop_newest_keeps_the_oldest(audit) -> None:
    got, cb = run_with_timeout(lambda: _held_queue(audit, overflow="drop_newest"), 60)
    assert got == [1, 2, 3, 4, 5]
    assert audit.subscription_stats(cb) == SubscriptionStats(delivered=5, failed=0, dropped=96)


def test_block_waits_then_drops(audit) -> None:
    started = time.monotonic()
    got, cb = run_with_timeout(
        lambda: _held_queue(audit, overflow=Overflow.BLOCK, block_timeout=0.001), 60)
    assert time.monotonic() - started < 30
    assert got[:5] == [1, 2, 3, 4, 5]
    stats = audit.subscription_stats(cb)
    assert stats.delivered + stats.dropped == 101 and stats.delivered == len(got)
    assert audit.count == 101  # the log keeps every event whatever the queue drops


def test_block_delivers_everything_when_the_consumer_keeps_up(audit) -> None:
    got: List[int] = []
    audit.subscribe(got.append, queue=2, overflow="block", block_timeout=30)
    run_with_timeout(lambda: ([audit.log() for _ in range(500)], audit.flush(30)), 60)
    assert [e.seq for e in got] == list(range(1, 501))
    assert audit.subscription_stats(got.append) == SubscriptionStats(500, 0, 0)


def test_failures_are_counted(audit) -> None:
    def flaky(event: AuditEvent) -> None:
        if event.seq % 2:
            raise RuntimeError("SIEM down")

    audit.subscribe(flaky, queue=16)
    for _ in range(6):
        audit.log()
    audit.flush(30)
    assert audit.subscription_stats(flaky) == SubscriptionStats(6, 3, 0)


def test_unsubscribe_with_stats_counts_the_queued_as_dropped(audit) -> None:
    entered, release = threading.Event(), threading.Event()
    got: List[int] = []

    def held(event: AuditEvent) -> None:
        entered.set()
        release.wait(30)
        got.append(event.seq)

    audit.subscribe(held, queue=100)
    audit.log()
    assert entered.wait(30)
    for _ in range(9):
        audit.log()
    final = audit.unsubscribe_with_stats(held)
    release.set()
    # The 9 still queued are dropped. Event 1 was inside the callback: the
    # library counts a delivery when the call returns, so the final counters
    # may or may not include it yet.
    assert final is not None and final.dropped == 9 and final.failed == 0
    assert final.delivered in (0, 1)
    assert audit.unsubscribe_with_stats(held) is None
    assert audit.unsubscribe(held) is False
    with pytest.raises(NotFoundError):
        audit.subscription_stats(held)


def test_unsubscribe_with_stats_of_a_synchronous_subscription(audit) -> None:
    seen: List[AuditEvent] = []
    audit.subscribe(seen.append)
    audit.log()
    audit.log()
    assert audit.unsubscribe_with_stats(seen.append) == SubscriptionStats(2, 0, 0)
    audit.log()
    assert len(seen) == 2


def test_flush_times_out_with_a_timeout_error(audit) -> None:
    release = threading.Event()
    audit.subscribe(lambda e: release.wait(30), queue=10)
    audit.log()
    audit.log()
    with pytest.raises(TimeoutError) as info:
        audit.flush(0.05)
    assert isinstance(info.value, AuditTimeoutError) and str(info.value)
    release.set()
    audit.flush(30)


def test_flush_releases_the_gil(audit) -> None:
    # The callback needs the GIL; if flush kept it, this would time out.
    got: List[int] = []

    def slowish(event: AuditEvent) -> None:
        time.sleep(0.001)
        got.append(event.seq)

    audit.subscribe(slowish, queue=1_000)
    for _ in range(200):
        audit.log()
    run_with_timeout(lambda: audit.flush(30), 60)
    assert got == list(range(1, 201))


def test_flush_and_log_from_a_queued_callback(audit) -> None:
    outcomes: List[object] = []

    def inner(event: AuditEvent) -> None:
        if event.actor == "outer":
            try:
                audit.flush(1)
            except InvalidArgumentError as e:  # it would wait for itself
                outcomes.append(e)
            outcomes.append(audit.log(actor="inner").seq)

    audit.subscribe(inner, queue=10)
    audit.log(actor="outer")
    audit.flush(30)
    assert isinstance(outcomes[0], InvalidArgumentError) and outcomes[1] == 2
    assert [e.actor for e in audit.recent(2)] == ["outer", "inner"]


def test_queued_callback_may_close_its_logger() -> None:
    audit = AuditLogger()
    go, done = threading.Event(), threading.Event()

    def closer(event: AuditEvent) -> None:
        go.wait(30)  # close() must not race with this thread's own calls
        audit.close()
        done.set()

    audit.subscribe(closer, queue=4)
    audit.log()
    go.set()
    assert done.wait(30)
    assert repr(audit) == "<AuditLogger closed>"


def test_queue_arguments_are_checked(audit) -> None:
    with pytest.raises(InvalidCapacityError):
        audit.subscribe(print, queue=0)
    with pytest.raises(InvalidArgumentError):
        audit.subscribe(print, queue=4, overflow="sometimes")
    with pytest.raises(TypeError):
        audit.subscribe(print, queue=4, overflow="block")  # needs block_timeout
    with pytest.raises(TypeError):
        audit.subscribe(print, queue=4, block_timeout=1)  # drop_oldest never waits
    with pytest.raises(TypeError):
        audit.subscribe(print, overflow="block", block_timeout=1)  # not queued
    with pytest.raises(InvalidArgumentError):
        audit.flush(-1)
    assert audit.unsubscribe(print) is False


def test_close_discards_the_queue_and_releases_the_thunk() -> None:
    from audit_logger import logger as logger_module

    # Only this test's thunk counts: another test's queued subscription may
    # release its own meanwhile.
    before = set(logger_module._keepalive)
    audit = AuditLogger()
    release = threading.Event()
    audit.subscribe(lambda e: release.wait(30), queue=100)
    ours = set(logger_module._keepalive) - before
    assert len(ours) == 1
    for _ in range(10):
        audit.log()
    audit.close()
    release.set()
    deadline = time.monotonic() + 30
    while ours & set(logger_module._keepalive) and time.monotonic() < deadline:
        time.sleep(0.01)  # free_ctx runs on the delivery thread once its call returns
    assert not ours & set(logger_module._keepalive)
