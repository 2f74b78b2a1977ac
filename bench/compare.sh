#!/usr/bin/env bash
# Every side-by-side measurement of the README's performance table, in one run (not run by CI):
#   SPF check_host vs mail-auth 0.13.3 (bench/spf-peer), address syntax vs emval and
#   email-validator (bench/compare_address_validators.py, with the Python call floor), bounce
#   classification vs Sisimai (bench/sisimai-compare.sh), `mailwhy serve` requests/s
#   (bench/serve.sh), batch of 1 M users over 10 k domains (bench/batch.py), and the cold start
#   of `mailwhy address a@b.example` (hyperfine).
# The pairs run in alternating rounds (ours, then the peer's, ROUNDS times); each figure is
# given as min / median over the rounds. The load average is printed before and after, and the
# table header says whether the machine was idle. Prints a Markdown table; with --write-readme
# it also replaces the table between the `compare.sh` markers of README.md.
#
#   bash bench/compare.sh [--write-readme]
#   ROUNDS=3 SPF_SECS=2 SERVE_SECS=10 BATCH_USERS=1000000 BATCH_DOMAINS=10000 \
#     COLD_BEFORE=/path/to/older/mailwhy bash bench/compare.sh
#
# Needs: wrk (or ab), hyperfine, libsisimai-perl, valgrind (not used here), and the Python
# packages emval and email-validator (`pip install emval email-validator`).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
spf_secs="${SPF_SECS:-2}"
serve_secs="${SERVE_SECS:-10}"
batch_users="${BATCH_USERS:-1000000}"
batch_domains="${BATCH_DOMAINS:-10000}"
write_readme=false
[ "${1:-}" = "--write-readme" ] && write_readme=true

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
# min and median of the numbers on stdin (one per line).
minmed() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s\n", v[1], m }'; }
fmt_k() { awk -v x="$1" 'BEGIN { if (x >= 1e6) printf "%.2f M", x / 1e6; else if (x >= 1e3) printf "%.0f k", x / 1e3; else printf "%.0f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }

date_utc="$(date -u '+%Y-%m-%d %H:%M UTC')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
cores="$(nproc)"
load_start="$(load)"
echo "compare.sh: $date_utc, $cpu, $cores cores, load average $load_start, $rounds rounds" >&2

echo "building (release)..." >&2
cargo build -q --release -p mailwhy-cli
cargo build -q --release -p mailwhy --example address_throughput --example bounce_throughput
(cd bench/spf-peer && cargo build -q --release)

# SPF: each round runs mailwhy traced, mailwhy untraced and mail-auth in turn, per record.
for _ in $(seq "$rounds"); do
  SECS="$spf_secs" bench/spf-peer/target/release/spf-peer-bench | grep '^RESULT' >>"$out/spf"
done
spf_row() { # case label
  local case="$1" label="$2" t l p
  t=$(grep "RESULT $case " "$out/spf" | sed -E 's/.*traced=([0-9]+).*/\1/' | minmed)
  l=$(grep "RESULT $case " "$out/spf" | sed -E 's/.*lean=([0-9]+).*/\1/' | minmed)
  p=$(grep "RESULT $case " "$out/spf" | sed -E 's/.*peer=([0-9]+).*/\1/' | minmed)
  set -- $t $l $p
  echo "| SPF \`check_host\`, warm cache, $label (\`bench/spf-peer\`, evaluations per CPU-second) | $(fmt_k "$4")/s untraced, $(fmt_k "$2")/s traced | mail-auth 0.13.3: $(fmt_k "$6")/s | $(ratio "$4" "$6") untraced, $(ratio "$2" "$6") traced |"
}

# Address syntax: the Python script runs mailwhy, email-validator, emval and the call floor.
for _ in $(seq "$rounds"); do
  python3 bench/compare_address_validators.py >"$out/addr.round"
  mw=$(awk '$1 == "mailwhy" && $2 ~ /^[0-9,]+$/ { gsub(",", "", $2); print $2 }' "$out/addr.round")
  echo "$mw $(awk '$1 == "emval" { gsub(",", "", $2); print $2 }' "$out/addr.round") $(awk '$1 == "email-validator" { gsub(",", "", $2); print $2 }' "$out/addr.round") $(awk '$1 == "python-call-floor" { gsub(",", "", $2); print $2 }' "$out/addr.round") $(sed -nE 's/.*full Address\): ([0-9,]+).*/\1/p' "$out/addr.round" | tr -d ,)" >>"$out/addr"
done
col() { awk -v c="$1" '{ print $c }' "$2" | minmed; }
set -- $(col 1 "$out/addr") $(col 2 "$out/addr") $(col 3 "$out/addr") $(col 4 "$out/addr") $(col 5 "$out/addr")
addr_row="| address syntax, \`bench/address-set.txt\` (\`bench/compare_address_validators.py\`; \`address::normalize\`, \`address::parse\` builds the full address at $(fmt_k "${10}")/s) | $(fmt_k "$2")/s | emval: $(fmt_k "$4")/s, email-validator: $(fmt_k "$6")/s (the Python call floor alone: $(fmt_k "$8")/s) | $(ratio "$2" "$4") emval, $(ratio "$2" "$6") email-validator |"

# Bounces: mailwhy then Sisimai, per round.
for _ in $(seq "$rounds"); do
  bash bench/sisimai-compare.sh 3 >"$out/bounce.round" 2>/dev/null
  echo "$(sed -nE 's/^bounce.*: ([0-9]+) messages\/s.*/\1/p; s/^mailwhy.*: ([0-9]+) messages\/s.*/\1/p' "$out/bounce.round" | head -1) $(sed -nE 's/^sisimai.*: ([0-9]+) messages\/s.*/\1/p' "$out/bounce.round")" >>"$out/bounce"
done
set -- $(col 1 "$out/bounce") $(col 2 "$out/bounce")
bounce_row="| bounce classification, in process (\`bench/sisimai-compare.sh\`) | $(fmt_k "$2")/s | Sisimai $(perl -MSisimai -e 'print $Sisimai::VERSION'): $(fmt_k "$4")/s | $(ratio "$2" "$4") |"

# Serve: requests/s and p99 from wrk (64 clients on the same machine).
bash bench/serve.sh "$serve_secs" >"$out/serve" 2>&1 || true
rps=$(sed -nE 's/^Requests\/sec: *([0-9.]+).*/\1/p; s/^Requests per second: *([0-9.]+).*/\1/p' "$out/serve" | head -1)
p99=$(awk '$1 == "99%" { print $2 }' "$out/serve" | head -1)
serve_row="| \`POST /v1/diagnose\`, 64 clients, wrk on the same machine (\`bench/serve.sh $serve_secs\`) | ${rps:-failed} requests/s, p99 ${p99:-?} | — | — |"

# Batch: wall time and peak memory.
ls -d /tmp/mailwhy-batch-* 2>/dev/null | sort >"$out/batch.before" || true
python3 bench/batch.py "$batch_users" "$batch_domains" >"$out/batch" 2>&1 || true
# batch.py leaves its directory (input, zones, output); only the one it just made is removed.
ls -d /tmp/mailwhy-batch-* 2>/dev/null | sort | comm -13 "$out/batch.before" - | xargs -r rm -rf
wall=$(sed -nE 's/.*wall=([0-9.]+s).*/\1/p' "$out/batch")
rss=$(sed -nE 's/.*peak_rss=([0-9.]+MB).*/\1/p' "$out/batch")
batch_row="| \`mailwhy batch\`, $(fmt_k "$batch_users") users over $(fmt_k "$batch_domains") domains (\`bench/batch.py\`) | ${wall:-failed} wall, ${rss:-?} peak memory | — | — |"

# Cold start.
cold_cmds=("target/release/mailwhy address a@b.example")
[ -n "${COLD_BEFORE:-}" ] && cold_cmds+=("$COLD_BEFORE address a@b.example")
hyperfine -N -i --warmup 20 --runs 200 --export-json "$out/cold.json" "${cold_cmds[@]}" >&2
cold=$(python3 -c "
import json, statistics
r = json.load(open('$out/cold.json'))['results']
print(' | '.join(f\"{min(x['times'])*1e3:.2f} / {statistics.median(x['times'])*1e3:.2f} ms\" for x in r))")
cold_now="${cold%% | *}"
if [ -n "${COLD_BEFORE:-}" ]; then
  cold_row="| cold start, \`mailwhy address a@b.example\` (hyperfine, min / median) | $cold_now | the build before the change: ${cold#* | } | — |"
else
  cold_row="| cold start, \`mailwhy address a@b.example\` (hyperfine, min / median) | $cold_now | — | — |"
fi

load_end="$(load)"
idle=$(awk -v l="${load_start%% *}" -v e="${load_end%% *}" 'BEGIN { print (l < 0.5 && e < 0.5) ? "idle" : "NOT idle" }')
{
  echo "Measured by \`bench/compare.sh\` on $date_utc: $cpu, $cores cores; load average $load_start at the start, $load_end at the end (the machine was $idle: other work ran at the same time). Rates are min / median over $rounds alternating rounds; the one figure shown is the median."
  echo
  echo "| measure | mailwhy | peer, same run | ratio |"
  echo "|---|---|---|---|"
  spf_row fail "3 includes and 20 networks, every term walked"
  spf_row pass "pass in the second include"
  echo "$addr_row"
  echo "$bounce_row"
  echo "$serve_row"
  echo "$batch_row"
  echo "$cold_row"
} >"$out/table.md"
cat "$out/table.md"
{
  echo "raw rounds (SPF per CPU-second; address mailwhy, emval, email-validator, floor, parse; bounce mailwhy, sisimai):"
  cat "$out/spf" "$out/addr" "$out/bounce"
  cat "$out/serve" "$out/batch"
} >&2

if $write_readme; then
  python3 - "$out/table.md" <<'PY'
import re, sys
table = open(sys.argv[1], encoding="utf-8").read().rstrip("\n")
readme = open("README.md", encoding="utf-8").read()
begin, end = "<!-- compare.sh:begin -->", "<!-- compare.sh:end -->"
if begin not in readme or end not in readme:
    sys.exit("README.md has no compare.sh markers")
head, rest = readme.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w", encoding="utf-8").write(f"{head}{begin}\n{table}\n{end}{tail}")
print("README.md: performance table written", file=sys.stderr)
PY
fi
