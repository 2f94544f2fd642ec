"""Runs every conformance scenario in tests/vectors (found at run time)
through the Python API."""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List

import pytest

from audit_logger import AuditError, AuditLogger, Severity, Status
from conftest import VECTORS_DIR

VECTORS = sorted(VECTORS_DIR.glob("*.json"))


def test_vectors_found() -> None:
    assert VECTORS, f"no vectors in {VECTORS_DIR}"


@contextmanager
def outcome(expect: Dict[str, Any]) -> Iterator[None]:
    """Fails unless the block raises the expected error, or succeeds when none is expected."""
    if "error" in expect:
        with pytest.raises(AuditError) as info:
            yield
        assert info.value.status is Status[expect["error"]], info.value
        assert info.value.code == Status[expect["error"]].value
    else:
        yield


def query_args(spec: Dict[str, Any]) -> Dict[str, Any]:
    args = dict(spec)
    for key in ("since", "until"):  # vectors use microseconds; the API takes seconds
        if key in args:
            args[key] = args[key] / 1_000_000
    return args


def run_step(logger: AuditLogger, step: Dict[str, Any], received: Dict[str, List[int]],
             callbacks: Dict[str, Any]) -> None:
    op, expect = step["op"], step.get("expect", {})
    if op == "create":
        with outcome(expect):
            AuditLogger(step["capacity"]).close()
    elif op == "log":
        with outcome(expect):
            event = logger.log(step["actor"], step["action"], step["resource"], step["outcome"],
                               step["severity"], step["details"])
            assert event.seq == expect["seq"]
            assert (event.actor, event.severity.value) == (step["actor"], step["severity"])
    elif op == "query":
        with outcome(expect):
            assert [e.seq for e in logger.query(**query_args(step["filter"]))] == expect["seqs"]
    elif op == "recent":
        with outcome(expect):
            assert [e.seq for e in logger.recent(step["n"])] == expect["seqs"]
    elif op == "event":
        with outcome(expect):
            event = logger.get(step["seq"])
            assert event.seq == step["seq"]
            for key in ("actor", "action", "resource", "outcome"):
                assert getattr(event, key) == expect[key], key
            assert event.severity.value == expect["severity"]
            assert event.details_json == expect["details"]
            assert event.details == json.loads(expect["details"])
            if "timestamp" in expect:
                assert event.timestamp_us == expect["timestamp"]
                assert event.timestamp == expect["timestamp"] / 1_000_000
    elif op == "counters":
        assert (logger.count, logger.capacity, logger.evicted, logger.appended) == (
            expect["count"], expect["capacity"], expect["evicted"], expect["appended"])
    elif op == "import":
        with outcome(expect):
            assert logger.import_json(step["json"]) == expect["imported"]
    elif op == "export":
        with outcome(expect):
            text = logger.export_json()
            assert text == expect["json"]
            # to_dict() is the export format, element for element
            assert [e.to_dict() for e in logger.recent(logger.count)] == json.loads(text)
    elif op == "severity_from_name":
        with outcome(expect):
            assert Severity.from_str(step["name"]).value == expect["severity"]
    elif op == "subscribe":
        name = step["name"]
        received[name] = []
        callbacks[name] = lambda event, seqs=received[name]: seqs.append(event.seq)
        logger.subscribe(callbacks[name])
    elif op == "unsubscribe":
        assert logger.unsubscribe(callbacks[step["name"]]) is expect["removed"]
    elif op == "received":
        assert received[step["name"]] == expect["seqs"]
    else:
        pytest.fail(f"unknown vector op {op!r}: teach this runner about it")


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    received: Dict[str, List[int]] = {}
    callbacks: Dict[str, Any] = {}
    with AuditLogger(scenario["capacity"]) as logger:
        for index, step in enumerate(scenario["steps"]):
            try:
                run_step(logger, step, received, callbacks)
            except AssertionError as e:
                raise AssertionError(f"{path.name} step {index} ({step['op']}): {e}") from e
