#!/usr/bin/env bash
# Delivery-evidence reading benchmark (issue #19): generates a SendGrid JSON Lines file and a
# Postfix log of SIZE_MB (default 1024) and of SMALL_MB (default 100, to show that memory does
# not grow with the file) in a temporary directory
# (removed at the end; never committed), then measures with the release build, one thread:
#   - reading and normalizing every record (examples/events_throughput): events/s, MiB/s,
#     peak RSS (/usr/bin/time -v "Maximum resident set size");
#   - the per-address timeline in one pass: `mailwhy events FILE --email ADDR` (seconds, RSS).
# Usage: bench/events.sh [SIZE_MB] [KEEP_DIR]   (KEEP_DIR: generate there and keep the files)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
small=${SMALL_MB:-100}
if [[ -n "${2:-}" ]]; then dir=$2; mkdir -p "$dir"; else dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi
cargo build --release -q -p mailwhy-cli
cargo build --release -q -p mailwhy --example events_throughput
bin=target/release/mailwhy
thr=target/release/examples/events_throughput
for kind in sendgrid postfix; do
  for mb in "$size" "$small"; do
    f=$dir/$kind-$mb.$kind
    [[ -s $f ]] || python3 bench/gen_events.py "$kind" "$mb" "$f"
  done
done
rss() { grep -o 'Maximum resident set size (kbytes): [0-9]*' "$1" | grep -o '[0-9]*$'; }
# CPU seconds (user + system): on a shared machine wall time also counts other processes.
cpu() { awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$1"; }
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
for kind in sendgrid postfix; do
  for mb in "$size" "$small"; do
    f=$dir/$kind-$mb.$kind
    /usr/bin/time -v "$thr" "$f" >"$dir/out" 2>"$dir/time"
    events=$(grep -o '[0-9]* events' "$dir/out" | head -1 | grep -o '[0-9]*')
    echo "read+normalize $(sed "s|$dir/||" "$dir/out")"
    echo "  cpu $(cpu "$dir/time")s: $(echo "$events / $(cpu "$dir/time")" | bc) events per CPU second; peak RSS $(rss "$dir/time") KiB"
    start=$(date +%s.%N)
    set +e
    /usr/bin/time -v "$bin" events "$f" --email pat@acme-builders.com --year 2025 --format json >"$dir/report.json" 2>"$dir/time"
    code=$?
    set -e
    end=$(date +%s.%N)
    state=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["findings"][0]["id"])' "$dir/report.json" 2>/dev/null || echo "?")
    printf 'timeline %s-%s: %.2fs wall, %ss cpu, exit %s, first finding %s; peak RSS %s KiB\n' "$kind" "$mb" "$(echo "$end - $start" | bc)" "$(cpu "$dir/time")" "$code" "$state" "$(rss "$dir/time")"
  done
done
