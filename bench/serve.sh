#!/usr/bin/env bash
# Throughput of `mailwhy serve` on a warm cache: 64 concurrent clients on loopback, a bounded
# number of requests (ab from Debian's apache2-utils). Not run by CI.
# Usage: bash bench/serve.sh [REQUESTS]   (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20000}"
command -v ab >/dev/null || { echo "needs ab: apt-get install apache2-utils" >&2; exit 2; }
cargo build --release -q -p mailwhy-cli
port=18099
target/release/mailwhy --config fixtures/demo/mailwhy.toml -q serve --listen "127.0.0.1:$port" \
  --now 2026-11-23T12:00:00Z &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/v1/diagnose?email=jane.doe@acme-builders.com"
curl -sf -o /dev/null "$url" # warm the cache
# ab counts bodies of a different length as "failed"; the report's duration_ms varies in width.
ab -q -n "$n" -c 64 "$url" | grep -E "Complete requests|Non-2xx|Requests per second|  50%|  99%"
