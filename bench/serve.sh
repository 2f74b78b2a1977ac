#!/usr/bin/env bash
# Throughput of `mailwhy serve` on a warm cache: `POST /v1/diagnose` from 64 concurrent clients
# on loopback, bounded in time (wrk, Debian's `wrk`) or in count (ab, `apache2-utils`), release
# build. Not run by CI. Prints requests per second and the p50/p99 latency.
# Usage: bash bench/serve.sh [SECONDS]   (default 10; ab sends 2,000 requests per second asked)
# STORE=sqlite:PATH serves with that event store (`--store`), so each report reads its timeline.
# PROFILE=profiling builds the release code with symbols and line tables (Cargo.toml's
# [profile.profiling]), to attach `perf record -p PID` to the server while the load runs.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
profile="${PROFILE:-release}"
cargo build --profile "$profile" -q -p mailwhy-cli
port=18099
target/"$profile"/mailwhy --config fixtures/demo/mailwhy.toml -q serve --listen "127.0.0.1:$port" \
  --now 2026-11-23T12:00:00Z ${STORE:+--store "$STORE"} &
pid=$!
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/v1/diagnose"
body='{"email": "jane.doe@acme-builders.com"}'
# Warm the cache, and make sure the answer is a report.
curl -sf "$url" -H 'content-type: application/json' -d "$body" | grep -q '"schema_version":1'
if command -v wrk >/dev/null; then
  cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
  # Two client threads: the machine has two cores, shared with the server.
  wrk -t2 -c64 -d"${secs}s" --latency -s "$tmp/post.lua" "$url" |
    grep -E "Requests/sec|requests in|Non-2xx|Socket errors| 50%| 99%"
elif command -v ab >/dev/null; then
  printf '%s' "$body" >"$tmp/body.json"
  # ab counts bodies of a different length as "failed"; the report's duration_ms varies in width.
  ab -q -n "$((secs * 2000))" -c 64 -p "$tmp/body.json" -T application/json "$url" |
    grep -E "Complete requests|Non-2xx|Requests per second|  50%|  99%"
else
  echo "needs wrk (apt-get install wrk) or ab (apt-get install apache2-utils)" >&2
  exit 2
fi
curl -s "http://127.0.0.1:$port/metrics" | grep -E "^mailwhy_dns_(queries_sent|cache_hits)_total"
# The server's memory after the load (the size to give a replica): peak and current RSS.
grep -E "^Vm(HWM|RSS)" "/proc/$pid/status"
