"""Callbacks from threads Python did not create: 100,000 events logged by 4
pthreads of the C producer fixture reach a Python subscriber."""

from __future__ import annotations

import threading
import time
from collections import Counter

from audit_logger import AuditEvent, AuditLogger, SubscriptionStats
from conftest import run_with_timeout

THREADS = 4
PER_THREAD = 25_000
TOTAL = THREADS * PER_THREAD


def test_foreign_threads_deliver_every_event(producer_lib) -> None:
    lock = threading.Lock()
    per_actor: Counter = Counter()
    python_threads = set()

    def subscriber(event: AuditEvent) -> None:
        with lock:
            per_actor[event.actor] += 1
            python_threads.add(threading.get_ident())

    audit = AuditLogger(capacity=1000)
    audit.subscribe(subscriber)

    def produce() -> int:
        producer = producer_lib.audit_producer_start(audit, THREADS, PER_THREAD)
        assert producer, "audit_producer_start failed"
        # Poll with sleeps: the GIL stays free for the callbacks.
        while not producer_lib.audit_producer_finished(producer):
            time.sleep(0.01)
        while sum(per_actor.values()) < TOTAL:  # every audit_log has returned by now
            time.sleep(0.01)
        return producer_lib.audit_producer_join(producer)

    try:
        failures = run_with_timeout(produce, 60)
    except BaseException:
        audit._free.detach()  # producer threads may still use it: never free it
        raise
    assert failures == 0
    assert sum(per_actor.values()) == TOTAL
    assert per_actor == {f"thread-{n}": PER_THREAD for n in range(THREADS)}
    assert python_threads and threading.get_ident() not in python_threads
    assert audit.subscription_stats(subscriber) == SubscriptionStats(TOTAL, 0, 0)
    assert (audit.appended, audit.count, audit.evicted) == (TOTAL, 1000, TOTAL - 1000)
    audit.close()
