#!/usr/bin/env bash
# Sharded batch at scale (issue #23): ROWS directory rows (default 1,000,000) over DOMAINS
# recipient domains (default 10,000) whose MX and A records are in the zone files of the
# loopback zone server (--dns-zones, as bench/batch.py), run once unsharded and as 4 shards
# (`batch --shard I/4`, one after the other: on 4 machines they would run side by side).
#
# Checks, and exits 1 when either fails:
# - the records: the sorted JSON Lines of the 4 shards are byte-for-byte the sorted JSON Lines
#   of the one run, after removing from each record what depends on the process and not on the
#   row: `duration_ms` (timings) and `stats` (the report's DNS queries, which depend on what
#   that process's cache already held, and the zone server's loopback port);
# - the summaries: `batch merge` of the 4 shard summaries against the one run's summary, every
#   field exactly, except `duration_ms`, the DNS counters (per process: each shard asks its own
#   questions) and `shard`/`merged_shards`, which say which run it is.
#
# Prints wall time, CPU time and peak RSS (GNU time) of each run. Records are kept compressed
# (zstd): 1 M records are about 1.6 GB of JSON. Files go to a temporary directory.
# Usage: bench/shards.sh [ROWS] [DOMAINS] [KEEP_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
domains=${2:-10000}
if [[ -n "${3:-}" ]]; then dir=$3; mkdir -p "$dir"; else dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi
bin=target/release/mailwhy
cargo build --release -q -p mailwhy-cli

python3 - "$rows" "$domains" "$dir" <<'EOF'
import os, sys
rows, domains, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(f"{d}/zones", exist_ok=True)
# One zone, "com", holding every generated domain. Most have an MX and its address; every 50th
# has a null MX (RFC 7505), every 50th (offset 25) no record at all (NXDOMAIN), so that the
# records carry several verdicts and findings.
with open(f"{d}/zones/com.zone", "w") as z:
    z.write("$TTL 3600\n@ IN SOA ns.com. hostmaster.com. ( 1 1h 15m 1w 5m )\n")
    for i in range(domains):
        if i % 50 == 0:
            z.write(f"bench-d{i} IN MX 0 .\n")
        elif i % 50 == 25:
            continue
        else:
            a, b = divmod(i, 250)
            z.write(f"bench-d{i} IN MX 10 mx.bench-d{i}.com.\n"
                    f"mx.bench-d{i} IN A 34.{100 + a % 100}.{b}.{1 + i % 250}\n")
statuses = ["Active", "Active", "Active", "Inactive", "Invited", "Not invited"]
with open(f"{d}/users.csv", "w") as f:
    f.write("email,name,status,send_messages,invited_at,last_invited_at,last_login_at,relationship\n")
    for i in range(rows):
        if i % 10007 == 0:
            # A malformed row (its status does not parse): counted, never diagnosed.
            f.write(f"user{i}@bench-d{i % domains}.com,User {i},Sleeping,yes,2026-11-01,,,employee\n")
            continue
        # Every 997th row repeats an earlier address (a duplicate account), in another case.
        n = i - 1 if i % 997 == 0 else i
        email = f"user{n}@bench-d{n % domains}.com"
        if n != i:
            email = email.upper()
        s = statuses[i % len(statuses)]
        f.write(f"{email},User {i},{s},{'no' if i % 17 == 0 else 'yes'},2026-11-01,,,employee\n")
EOF
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $rows rows ($(du -m "$dir/users.csv" | cut -f1) MiB), $domains domains"

# One run: records to stdout, compressed; the summary to NAME.json; GNU time's figures.
run() {
  local name=$1; shift
  /usr/bin/time -v -o "$dir/$name.time" "$bin" -q --dns-zones "$dir/zones" batch "$dir/users.csv" \
    --now 2026-11-23T12:00:00Z --jobs 256 --summary "$dir/$name.json" "$@" 2> "$dir/$name.err" \
    | zstd -q -1 -o "$dir/$name.jsonl.zst" || true
  local code
  code=$(awk -F': ' '/Exit status/ { print $2 }' "$dir/$name.time")
  [[ $code == 0 || $code == 1 ]] || { echo "$name: exit $code: $(tail -5 "$dir/$name.err")"; exit 2; }
  awk -F': ' -v name="$name" '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
    /User time|System time/ { c += $2 }
    /Maximum resident set size/ { r = $2 }
    END { printf "%-6s wall %7.1f s  cpu %7.1f s  peak RSS %6.1f MiB", name, w, c, r / 1024 }' "$dir/$name.time"
  python3 -c 'import json,sys; print("  records {records}  malformed {malformed}  dns sent {dns_queries}  own-cache hits {dns_cache_hits}".format(**json.load(open(sys.argv[1]))))' "$dir/$name.json"
}

run whole
for i in 0 1 2 3; do run "s$i" --shard "$i/4"; done

# Normalize (drop "stats":{...} and every "duration_ms":N), sort bytewise, keep compressed.
normalized() {
  zstd -q -dc "$@" \
    | sed -E 's/,"stats":\{[^{}]*\}//; s/"duration_ms":[0-9]+,?//g; s/,\}/}/g' \
    | LC_ALL=C sort -S 1G -T "$dir" --compress-program=zstd
}
normalized "$dir/whole.jsonl.zst" | zstd -q -1 -o "$dir/whole.sorted.zst"
normalized "$dir"/s{0,1,2,3}.jsonl.zst | zstd -q -1 -o "$dir/shards.sorted.zst"
lines_whole=$(zstd -q -dc "$dir/whole.sorted.zst" | wc -l)
lines_shards=$(zstd -q -dc "$dir/shards.sorted.zst" | wc -l)
status=0
if cmp <(zstd -q -dc "$dir/whole.sorted.zst") <(zstd -q -dc "$dir/shards.sorted.zst"); then
  echo "records: the 4 shards' $lines_shards sorted lines are byte-for-byte the one run's $lines_whole"
else
  echo "records: DIFFER ($lines_shards lines from the shards, $lines_whole from the one run)"; status=1
fi

"$bin" --format json batch merge "$dir"/s{0,1,2,3}.json --summary "$dir/merged.json" > /dev/null || true
python3 - "$dir/whole.json" "$dir/merged.json" <<'EOF' || status=1
import json, sys
whole, merged = (json.load(open(p)) for p in sys.argv[1:3])
per_process = {"duration_ms", "dns_queries", "dns_distinct_questions", "dns_cache_hits", "shard", "merged_shards"}
assert merged.get("merged_shards") == 4, merged.get("merged_shards")
keys = (set(whole) | set(merged)) - per_process
bad = [k for k in sorted(keys) if whole.get(k) != merged.get(k)]
if bad:
    for k in bad:
        print(f"summary: {k} differs: one run {json.dumps(whole.get(k))[:300]} / merged {json.dumps(merged.get(k))[:300]}")
    sys.exit(1)
print(f"summary: the merged summary equals the one run's on all {len(keys)} fields ({', '.join(sorted(keys))}); "
      f"rows {whole['rows']}, records {whole['records']}, malformed {whole['malformed']}, verdicts {json.dumps(whole['verdicts'])}")
EOF
exit $status
