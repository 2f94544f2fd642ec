"""The reference implementation's own usage example, and a scenario written
against its API, run unchanged on this binding (and on the reference, to
compare)."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
import textwrap
import types
from typing import Any, Callable, Dict, List

import pytest

import audit_logger
from conftest import REFERENCE

pytestmark = pytest.mark.skipif(not REFERENCE.is_file(), reason=f"{REFERENCE} not found")


def reference_module() -> types.ModuleType:
    name = "reference_audit_logger"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REFERENCE)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


def usage_example() -> str:
    """The code block after "Usage:" in the reference AuditLogger docstring."""
    tree = ast.parse(REFERENCE.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "AuditLogger")
    doc = ast.get_docstring(cls, clean=False)
    assert doc and "Usage:" in doc
    return textwrap.dedent(doc.split("Usage:", 1)[1])


def run_example(module: Any, workdir) -> Dict[str, Any]:
    forwarded: List[Any] = []
    namespace: Dict[str, Any] = {
        "AuditLogger": module.AuditLogger,
        "Severity": module.Severity,
        "forward_to_siem": forwarded.append,
    }
    exec(compile(usage_example(), "<reference usage example>", "exec"), namespace)
    audit = namespace["audit"]
    # Then continue the story: the subscriber forwards, the query finds failures.
    audit.log(actor="svc", action="db.drop", resource="db:prod", outcome="failure",
              severity=module.Severity.ERROR, details={"rows": 10})
    return {
        "audit": audit,
        "forwarded": forwarded,
        "recent_failures": namespace["recent_failures"],
        "failures_now": audit.query(min_severity=module.Severity.ERROR, limit=50),
        "exported": json.loads((workdir / "audit_2026.json").read_text(encoding="utf-8")),
    }


def comparable(event: Any) -> Dict[str, Any]:
    fields = {k: getattr(event, k) for k in ("actor", "action", "resource", "outcome", "details")}
    return {**fields, "severity": event.severity.name}


def test_usage_example_runs_on_binding(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    got = run_example(audit_logger, tmp_path)
    assert got["recent_failures"] == []
    assert [comparable(e) for e in got["forwarded"]] == [comparable(e) for e in got["failures_now"]]
    assert [e.actor for e in got["failures_now"]] == ["svc"]
    [exported] = got["exported"]
    assert exported["actor"] == "admin" and exported["severity"] == "WARNING"
    assert exported["details"] == {"reason": "GDPR request"}
    assert exported == got["audit"].get(1).to_dict()
    got["audit"].close()


def test_usage_example_matches_reference(tmp_path, monkeypatch) -> None:
    (tmp_path / "ours").mkdir()
    (tmp_path / "ref").mkdir()
    monkeypatch.chdir(tmp_path / "ours")
    ours = run_example(audit_logger, tmp_path / "ours")
    monkeypatch.chdir(tmp_path / "ref")
    ref = run_example(reference_module(), tmp_path / "ref")
    for key in ("forwarded", "recent_failures", "failures_now"):
        assert [comparable(e) for e in ours[key]] == [comparable(e) for e in ref[key]], key
    # Same export keys (ours adds seq), same values but the timestamp's precision.
    drop = lambda d: {k: v for k, v in d.items() if k not in ("timestamp", "seq")}  # noqa: E731
    assert [drop(d) for d in ours["exported"]] == [drop(d) for d in ref["exported"]]
    assert list(ours["exported"][0])[:7] == list(ref["exported"][0])
    ours["audit"].close()


def scenario(module: Any) -> Dict[str, Any]:
    """A session written against the reference API, touching every method."""
    audit = module.AuditLogger(capacity=3)
    seen: List[str] = []
    callback: Callable[[Any], None] = lambda e: seen.append(e.actor)  # noqa: E731
    audit.subscribe(callback)
    first = audit.log("alice", "login", "app", "success")
    for actor in ("bob", "carol", "dave"):
        audit.log(actor=actor, action="read", resource="doc", outcome="success",
                  severity=module.Severity.WARNING, details={"n": len(actor)})
    removed = (audit.unsubscribe(callback), audit.unsubscribe(callback))
    audit.log(actor="erin")
    since = audit.recent(2)[0].timestamp
    return {
        "first": comparable(first),
        "count": audit.count,
        "capacity": audit.capacity,
        "recent": [e.actor for e in audit.recent(2)],
        "query": [e.actor for e in audit.query(min_severity=module.Severity.WARNING, limit=2)],
        "since": [e.actor for e in audit.query(since=since)],
        "actor": [e.actor for e in audit.query(actor="carol")],
        "seen": seen,
        "removed": removed,
        "severity": module.Severity.from_str("critical").name,
        "export": [d["actor"] for d in json.loads(audit.export_json())],
    }


def test_reference_api_scenario_matches() -> None:
    assert scenario(audit_logger) == scenario(reference_module())


def test_differences_from_reference_are_deliberate() -> None:
    ref = reference_module()
    for module in (ref, audit_logger):
        audit = module.AuditLogger(capacity=5)
        audit.log(actor="a")
        audit.log(actor="")
        if module is ref:
            assert len(audit.recent(0)) == 2  # reference: recent(0) is everything
            assert len(audit.query(actor="")) == 2  # "" is ignored
            assert len(audit.query(limit=0)) == 2
            assert module.Severity.from_str("bogus") is module.Severity.INFO
        else:
            assert audit.recent(0) == []
            assert [e.seq for e in audit.query(actor="")] == [2]
            assert audit.query(limit=0) == []
            with pytest.raises(ValueError):
                module.Severity.from_str("bogus")
            assert module.Severity.from_str("bogus", lenient=True) is module.Severity.INFO
