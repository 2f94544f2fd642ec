#!/usr/bin/env python3
"""Every package carries the version and the licence of Cargo.toml.

Usage: check_versions.py REPO [CMAKE_PROJECT_VERSION]
       check_versions.py --self-test REPO

Cargo.toml's [package] version and license are the truth. This reads the
version (and, where a package states one, the licence) of: Cargo.lock, the
CMake project (passed in by ctest), the C header, the npm package and its
lockfile, the Python project and its ``__version__``, the gem, the Go binding,
and CHANGELOG.md (a section for the version and an Unreleased section). Exits 1
naming every disagreement. ``--self-test`` checks that a changed copy of the
repository's metadata is caught.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

# Every file the check reads, relative to the repository root.
FILES = [
    "Cargo.toml",
    "Cargo.lock",
    "CHANGELOG.md",
    "include/audit_logger.h",
    "bindings/node/package.json",
    "bindings/node/package-lock.json",
    "bindings/python/pyproject.toml",
    "bindings/python/audit_logger/__init__.py",
    "bindings/ruby/audit_logger.gemspec",
    "bindings/ruby/lib/audit_logger/version.rb",
    "bindings/go/version.go",
]


def grep(path: Path, pattern: str) -> str | None:
    """The first group of the first line of PATH matching PATTERN, or None."""
    match = re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1) if match else None


def check(repo: Path, cmake_version: str | None) -> list[str]:
    cargo = tomllib.loads((repo / "Cargo.toml").read_text(encoding="utf-8"))["package"]
    version, licence = cargo["version"], cargo["license"]
    problems: list[str] = []

    def expect(what: str, found: str | None, wanted: str = version) -> None:
        if found != wanted:
            problems.append(f"{what}: {found!r}, Cargo.toml says {wanted!r}")

    lock = tomllib.loads((repo / "Cargo.lock").read_text(encoding="utf-8"))
    locked = [p["version"] for p in lock["package"] if p["name"] == cargo["name"]]
    expect("Cargo.lock", locked[0] if locked else None)
    if cmake_version is not None:
        expect("CMake project(VERSION)", cmake_version)
    expect("include/audit_logger.h AUDIT_LOGGER_VERSION",
           grep(repo / "include/audit_logger.h", r'^#define AUDIT_LOGGER_VERSION "([^"]*)"'))

    node = json.loads((repo / "bindings/node/package.json").read_text(encoding="utf-8"))
    expect("bindings/node/package.json version", node.get("version"))
    expect("bindings/node/package.json license", node.get("license"), licence)
    node_lock = json.loads((repo / "bindings/node/package-lock.json").read_text(encoding="utf-8"))
    expect("bindings/node/package-lock.json version", node_lock.get("version"))
    expect('bindings/node/package-lock.json packages[""].version',
           node_lock.get("packages", {}).get("", {}).get("version"))

    py = tomllib.loads((repo / "bindings/python/pyproject.toml").read_text(encoding="utf-8"))
    project = py["project"]
    expect("bindings/python/pyproject.toml version", project.get("version"))
    py_licence = project.get("license")
    expect("bindings/python/pyproject.toml license",
           py_licence if isinstance(py_licence, str) else json.dumps(py_licence), licence)
    expect("bindings/python/audit_logger/__init__.py __version__",
           grep(repo / "bindings/python/audit_logger/__init__.py",
                r'^__version__ = "([^"]*)"'))

    expect("bindings/ruby/lib/audit_logger/version.rb VERSION",
           grep(repo / "bindings/ruby/lib/audit_logger/version.rb", r"VERSION = '([^']*)'"))
    gem_licences = grep(repo / "bindings/ruby/audit_logger.gemspec", r"spec\.licenses = \[(.*)\]")
    expect("bindings/ruby/audit_logger.gemspec licenses",
           " OR ".join(re.findall(r"'([^']*)'", gem_licences or "")), licence)

    expect("bindings/go/version.go BindingVersion",
           grep(repo / "bindings/go/version.go", r'^const BindingVersion = "([^"]*)"'))

    changelog = repo / "CHANGELOG.md"
    if grep(changelog, r"^## \[(Unreleased)\]") is None:
        problems.append("CHANGELOG.md has no '## [Unreleased]' section")
    expect("CHANGELOG.md newest release section",
           grep(changelog, r"^## \[(\d+\.\d+\.\d+)\]"))
    return problems


def self_test(repo: Path) -> int:
    """A copy with one changed version, or a changed licence, must fail."""
    edits = [
        ("bindings/node/package.json", '"version": "', '"version": "9'),
        ("bindings/python/pyproject.toml", 'version = "', 'version = "9'),
        ("bindings/ruby/lib/audit_logger/version.rb", "VERSION = '", "VERSION = '9"),
        ("bindings/go/version.go", 'BindingVersion = "', 'BindingVersion = "9'),
        ("bindings/node/package.json", '"license": "MIT OR ', '"license": "'),
    ]
    failures = 0
    for rel, old, new in edits:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp)
            for f in FILES:
                (copy / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(repo / f, copy / f)
            text = (copy / rel).read_text(encoding="utf-8")
            assert old in text, f"{rel} has no {old!r}"
            (copy / rel).write_text(text.replace(old, new, 1), encoding="utf-8")
            result = subprocess.run([sys.executable, __file__, str(copy)],
                                    capture_output=True, text=True, check=False)
            caught = result.returncode == 1 and rel in result.stdout
            print(f"self-test: {rel} with {new!r} -> {'caught' if caught else 'NOT caught'}")
            failures += not caught
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "--self-test":
        return self_test(Path(argv[1]))
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    repo = Path(argv[0])
    missing = [f for f in FILES if not (repo / f).is_file()]
    if missing:
        print(f"FAIL: missing {', '.join(missing)}")
        return 1
    problems = check(repo, argv[1] if len(argv) == 2 else None)
    for p in problems:
        print(f"FAIL: {p}")
    if problems:
        return 1
    print(f"package_versions: every package says {tomllib.loads((repo / 'Cargo.toml').read_text())['package']['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
