"""Subscribers: failures are counted, re-entrant logging and self-unsubscribe
work, callback thunks live exactly as long as their subscription."""

from __future__ import annotations

import gc
import threading
from typing import List

import pytest

from audit_logger import AuditEvent, AuditLogger, SubscriptionStats
from audit_logger import logger as logger_module
from conftest import run_with_timeout


@pytest.fixture
def audit():
    with AuditLogger(capacity=1000) as logger:
        yield logger


def test_raising_subscriber_is_counted_not_propagated(audit, capfd) -> None:
    good: List[int] = []

    def flaky(event: AuditEvent) -> None:
        if event.seq % 2:
            raise RuntimeError("SIEM down")

    audit.subscribe(flaky)
    audit.subscribe(good.append)
    for _ in range(5):
        audit.log(actor="a")
    assert audit.subscription_stats(flaky) == SubscriptionStats(delivered=5, failed=3, dropped=0)
    assert audit.subscription_stats(good.append) == SubscriptionStats(5, 0, 0)
    assert [e.seq for e in good] == [1, 2, 3, 4, 5]
    assert audit.count == 5
    assert capfd.readouterr().err == ""  # nothing printed by ctypes


def test_base_exceptions_do_not_cross_the_boundary(audit) -> None:
    def interrupt(event: AuditEvent) -> None:
        raise KeyboardInterrupt

    audit.subscribe(interrupt)
    assert audit.log().seq == 1
    assert audit.subscription_stats(interrupt).failed == 1


def test_reentrant_log_from_subscriber(audit) -> None:
    seen: List[str] = []

    def echo(event: AuditEvent) -> None:
        seen.append(event.action)
        if event.action != "echo":
            reply = audit.log(actor="echo", action="echo", details={"of": event.seq})
            assert reply.details == {"of": event.seq}

    audit.subscribe(echo)

    def work() -> None:
        for i in range(3):
            audit.log(action=f"op{i}")

    run_with_timeout(work, 30)
    assert seen == ["op0", "echo", "op1", "echo", "op2", "echo"]
    assert [(e.action, e.details.get("of")) for e in audit.recent(6)] == [
        ("op0", None), ("echo", 1), ("op1", None), ("echo", 3), ("op2", None), ("echo", 5)]
    assert audit.subscription_stats(echo).failed == 0


def test_subscriber_unsubscribes_itself(audit) -> None:
    calls: List[int] = []
    answers: List[bool] = []

    def once(event: AuditEvent) -> None:
        calls.append(event.seq)
        answers.append(audit.unsubscribe(once))

    audit.subscribe(once)
    run_with_timeout(lambda: [audit.log() for _ in range(3)], 30)
    assert calls == [1] and answers == [True]
    assert audit.unsubscribe(once) is False


def test_subscriber_unsubscribes_another(audit) -> None:
    later: List[int] = []

    def first(event: AuditEvent) -> None:
        audit.unsubscribe(later.append)

    audit.subscribe(first)
    audit.subscribe(later.append)
    audit.log()
    audit.log()
    assert later == []  # removed before its turn on the first event


def test_callbacks_compare_like_the_reference(audit) -> None:
    class Sink:
        def __init__(self) -> None:
            self.events: List[int] = []

        def receive(self, event: AuditEvent) -> None:
            self.events.append(event.seq)

    sink = Sink()
    audit.subscribe(sink.receive)
    audit.subscribe(sink.receive)  # twice: delivered twice, removed one at a time
    audit.log()
    assert audit.unsubscribe(sink.receive) is True  # a fresh bound method matches
    audit.log()
    assert audit.unsubscribe(sink.receive) is True
    assert audit.unsubscribe(sink.receive) is False
    audit.log()
    assert sink.events == [1, 1, 2]


def test_thunks_are_released_when_subscriptions_end() -> None:
    baseline = len(logger_module._keepalive)
    audit = AuditLogger()
    callbacks = [lambda e: None for _ in range(3)]
    for cb in callbacks:
        audit.subscribe(cb)
    assert len(logger_module._keepalive) == baseline + 3
    audit.unsubscribe(callbacks[0])
    assert len(logger_module._keepalive) == baseline + 2
    audit.close()  # free_ctx runs for the others
    assert len(logger_module._keepalive) == baseline


def test_garbage_collected_logger_ends_its_subscriptions() -> None:
    baseline = len(logger_module._keepalive)
    audit = AuditLogger()
    audit.subscribe(lambda e: None)
    del audit
    gc.collect()
    assert len(logger_module._keepalive) == baseline


def test_close_from_a_subscriber_is_refused(audit) -> None:
    errors: List[BaseException] = []

    def closer(event: AuditEvent) -> None:
        try:
            audit.close()
        except RuntimeError as e:
            errors.append(e)
            raise

    audit.subscribe(closer)
    audit.log()
    assert len(errors) == 1 and audit.subscription_stats(closer).failed == 1
    assert audit.log().seq == 2  # still open


def test_python_threads_log_concurrently(audit) -> None:
    lock = threading.Lock()
    per_actor: dict = {}

    def count(event: AuditEvent) -> None:
        with lock:
            per_actor[event.actor] = per_actor.get(event.actor, 0) + 1

    audit.subscribe(count)

    def work() -> None:
        threads = [threading.Thread(target=lambda n=n: [audit.log(actor=f"t{n}") for _ in range(500)])
                   for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    run_with_timeout(work, 60)
    assert per_actor == {f"t{n}": 500 for n in range(4)}
    assert audit.appended == 2000
    assert audit.subscription_stats(count) == SubscriptionStats(2000, 0, 0)
