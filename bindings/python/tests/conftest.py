"""Shared fixtures: where the vectors, the reference and the producer fixture are.

Reads AUDIT_VECTORS_DIR and AUDIT_PRODUCER_LIB like test.sh; without the
latter, the producer fixture is compiled into a temporary directory.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BINDING = Path(__file__).resolve().parents[1]
REPO = BINDING.parents[1]
sys.path.insert(0, str(BINDING))  # the package, without installing it

VECTORS_DIR = Path(os.environ.get("AUDIT_VECTORS_DIR") or REPO / "tests" / "vectors")
REFERENCE = REPO.parent / "shared" / "reference" / "audit_logger.py"


@pytest.fixture(scope="session")
def producer_lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    """The foreign-thread producer fixture (tests/fixtures/producer.c) via ctypes."""
    path = os.environ.get("AUDIT_PRODUCER_LIB")
    if not path:
        cc = os.environ.get("CC") or shutil.which("cc")
        assert cc, "no C compiler to build the producer fixture; set AUDIT_PRODUCER_LIB"
        path = str(tmp_path_factory.mktemp("producer") / "libaudit_test_producer.so")
        subprocess.run(
            [cc, "-shared", "-fPIC", "-O2", f"-I{REPO / 'include'}",
             str(REPO / "tests" / "fixtures" / "producer.c"), "-o", path, "-lpthread"],
            check=True,
        )
    # The fixture's audit_log resolves against the already-loaded libaudit_logger
    # only if that was loaded with RTLD_GLOBAL; load the one the binding uses first.
    from audit_logger import _native

    ctypes.CDLL(_native.library().path, mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(path)
    lib.audit_producer_start.restype = ctypes.c_void_p
    lib.audit_producer_start.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
    lib.audit_producer_finished.restype = ctypes.c_int
    lib.audit_producer_finished.argtypes = [ctypes.c_void_p]
    lib.audit_producer_join.restype = ctypes.c_ulong
    lib.audit_producer_join.argtypes = [ctypes.c_void_p]
    return lib


def run_with_timeout(fn, seconds: float = 60.0):
    """Runs ``fn`` on a daemon thread and returns its result; fails the test if
    it has not finished after ``seconds`` (a deadlock fails fast, not never)."""
    import threading

    result: dict = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as e:  # re-raised on the test's thread
            result["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)} did not finish within {seconds} s (deadlock?)")
    if "error" in result:
        raise result["error"]
    return result.get("value")
