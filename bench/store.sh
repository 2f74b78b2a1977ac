#!/usr/bin/env bash
# Event store benchmark (issue #23): generates SendGrid event-webhook JSON Lines of SIZE_MB
# (bench/gen_events.py; opens and clicks are read and not stored), imports them into a fresh
# SQLite store with the release build (events/s, CPU seconds, store size), imports them again
# (idempotence: nothing added), then the timeline of 1,000 random stored recipients
# (examples/store_lookup: p50/p99 ms). Files go to a temporary directory, never committed.
# Usage: bench/store.sh [SIZE_MB] [KEEP_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-300}
if [[ -n "${2:-}" ]]; then dir=$2; mkdir -p "$dir"; else dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi
cargo build --release -q -p mailwhy-cli
cargo build --release -q -p mailwhy --features store --example store_lookup
f=$dir/sg-$size.jsonl
[[ -s $f ]] || python3 bench/gen_events.py sendgrid "$size" "$f"
db=$dir/store.db
rm -f "$db" "$db-wal" "$db-shm"
cpu() { awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1"; }
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "input: $(du -m "$f" | cut -f1) MiB, $(wc -l < "$f") lines"
for run in first again; do
  /usr/bin/time -v target/release/mailwhy --format json events import --store "sqlite:$db" "$f" > "$dir/import-$run.json" 2> "$dir/time-$run.txt"
  added=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['events_read'], d['events_added'], d['stored_events'])" "$dir/import-$run.json")
  read -r readn addedn stored <<< "$added"
  echo "import ($run): $readn events read, $addedn added, $stored stored; wall $(wall "$dir/time-$run.txt") s, cpu $(cpu "$dir/time-$run.txt") s; $(python3 -c "print(round($readn / max($(cpu "$dir/time-$run.txt"), 0.01)))") events/s per CPU second"
done
echo "store size: $(du -cm "$db"* | tail -1 | cut -f1) MiB"
target/release/examples/store_lookup "$db" 1000
