"""Builds libaudit_logger with cargo and puts it inside the package.

setuptools-rust runs ``cargo rustc --release --crate-type cdylib`` on the crate
at the repository root (two directories up from this file) and copies the
library to ``audit_logger/libaudit_logger.abi3.so``, where ``_native.py`` looks
first. The library does not use Python's C API (it is loaded with ctypes), so
one wheel serves every CPython 3.8+: it is tagged abi3 for this platform.

Environment:
  AUDIT_LOGGER_CRATE_DIR  the crate's directory, when this project is not
                          inside a checkout (an unpacked sdist, say)
  CARGO_TARGET_DIR        cargo's target directory (cargo's own variable);
                          default build/cargo-target beside this file
  CARGO_PROFILE_RELEASE_STRIP  default "debuginfo" here: the wheel's library
                          has no debug information
"""

import os
from pathlib import Path

from setuptools import setup
from setuptools_rust import Binding, RustExtension

here = Path(__file__).resolve().parent

# A wheel carries no debug information (the CMake build keeps it, for profiling).
os.environ.setdefault("CARGO_PROFILE_RELEASE_STRIP", "debuginfo")
# cargo's own target directory unless told otherwise: the repository's target/
# holds the CMake build's library, which a build with other flags would relink.
os.environ.setdefault("CARGO_TARGET_DIR", str(here / "build" / "cargo-target"))
crate = Path(os.environ.get("AUDIT_LOGGER_CRATE_DIR") or here.parent.parent)
manifest = crate / "Cargo.toml"
if not manifest.is_file() or 'name = "audit_logger"' not in manifest.read_text(encoding="utf-8"):
    raise SystemExit(
        f"audit-logger: the Rust crate is not at {crate} (no Cargo.toml of audit_logger there). "
        "Build from a checkout of the repository (pip install ./bindings/python), or set "
        "AUDIT_LOGGER_CRATE_DIR to the directory holding its Cargo.toml."
    )

setup(
    rust_extensions=[
        RustExtension(
            "audit_logger.libaudit_logger",
            path=str(manifest),
            binding=Binding.NoBinding,
            py_limited_api=True,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp38"}},
    zip_safe=False,
)
