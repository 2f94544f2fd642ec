#!/usr/bin/env bash
# Builds an OpenTelemetry Collector with the OTLP receiver and the file exporter
# (for the forwarding tests) with the collector builder, from Go modules, into
#   ${AUDIT_SERVER_CACHE:-~/.cache/audit-logger/servers}/otelcol-<version>/otelcol-audit
# and prints that path. A cached binary is reused (about 0.1 s); a cold build
# takes about 70 s on 2 cores and keeps its Go caches beside the binary.
set -euo pipefail
VERSION=0.161.0          # collector components and the builder
STABLE=1.67.0            # the stable modules released with $VERSION
CACHE=${AUDIT_SERVER_CACHE:-$HOME/.cache/audit-logger/servers}
DIR=$CACHE/otelcol-$VERSION
BIN=$DIR/otelcol-audit
if [ -x "$BIN" ] && "$BIN" components >/dev/null 2>&1; then
    echo "$BIN"
    exit 0
fi
for d in /usr/local/go/bin "$HOME/go/bin"; do
    if [ -d "$d" ]; then PATH=$d:$PATH; fi
done
command -v go >/dev/null || { echo "otelcol.sh: go is not installed" >&2; exit 1; }
mkdir -p "$DIR/build"
export GOPATH=$DIR/gopath GOMODCACHE=$DIR/gopath/pkg/mod GOCACHE=$DIR/gocache GOFLAGS=-mod=mod
go install "go.opentelemetry.io/collector/cmd/builder@v$VERSION" >&2
cat > "$DIR/build/builder-config.yaml" <<YAML
dist:
  module: audit-logger.test/otelcol-audit
  name: otelcol-audit
  description: Collector for the audit-logger forwarding tests (OTLP in, file out)
  version: $VERSION
  output_path: $DIR/build/dist
receivers:
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver v$VERSION
exporters:
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter v$VERSION
processors:
  - gomod: go.opentelemetry.io/collector/processor/batchprocessor v$VERSION
providers:
  - gomod: go.opentelemetry.io/collector/confmap/provider/envprovider v$STABLE
  - gomod: go.opentelemetry.io/collector/confmap/provider/fileprovider v$STABLE
  - gomod: go.opentelemetry.io/collector/confmap/provider/yamlprovider v$STABLE
YAML
(cd "$DIR/build" && "$GOPATH/bin/builder" --config builder-config.yaml >&2)
cp "$DIR/build/dist/otelcol-audit" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "$BIN"
