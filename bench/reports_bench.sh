#!/usr/bin/env bash
# mailwhy reports against parsedmarc on the same generated DMARC aggregate reports: reports per
# second and peak RSS of each, side by side in one run, and their ratio.
#
# Usage: bench/reports_bench.sh [N] [PARSEDMARC_N] [PARSEDMARC]
#   N             reports to generate for mailwhy (default 10000)
#   PARSEDMARC_N  the first PARSEDMARC_N of them for parsedmarc (default 1000: parsedmarc 11
#                 takes minutes for 10,000; its rate is per report, so the ratio stands)
#   PARSEDMARC    the parsedmarc command (default: parsedmarc on PATH)
# Needs a release build (cargo build --release -p mailwhy-cli) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}; PN=${2:-1000}; PD=${3:-parsedmarc}
BIN=target/release/mailwhy
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 bench/make_reports.py "$work/all" "$N" >/dev/null
mkdir "$work/sub"
# The first PN reports by number (every reporter's format in turn), linked, not copied.
python3 - "$work" "$PN" <<'PY'
import os, sys
w, n = sys.argv[1], int(sys.argv[2])
for f in sorted(os.listdir(f"{w}/all"), key=lambda f: int(f.split("!")[4].split(".")[0]))[:n]:
    os.symlink(f"{w}/all/{f}", f"{w}/sub/{f}")
PY

measure() { # label reports command...
  local label=$1 n=$2; shift 2
  /usr/bin/time -f '%e %M %U %S' -o "$work/t" "$@" >"$work/out" 2>"$work/err" || true
  read -r secs kb u sy < <(tail -n 1 "$work/t")
  awk -v l="$label" -v n="$n" -v s="$secs" -v k="$kb" -v u="$u" -v sy="$sy" \
    'BEGIN { c = u + sy; printf "%-16s %6d reports %7.2f s wall %9.0f reports/s %7.2f s CPU %9.0f reports/CPU-s %7.1f MB peak RSS\n", l, n, s, n / (s > 0 ? s : 0.01), c, n / (c > 0 ? c : 0.01), k / 1024 }'
  echo "$n $secs $kb $(awk -v u="$u" -v sy="$sy" 'BEGIN { print u + sy }')" >"$work/$label.m"
}
measure mailwhy-all "$N" "$BIN" reports --format json "$work"/all/*
grep -o "\"aggregate_reports\": *[0-9]*" "$work/out" | head -n 1 || true
measure mailwhy-sub "$PN" "$BIN" reports --format json "$work"/sub/*
measure parsedmarc-sub "$PN" "$PD" --offline -s -o "$work/pd" "$work"/sub/*
read -r n1 s1 k1 c1 <"$work/mailwhy-all.m"; read -r n2 s2 k2 c2 <"$work/parsedmarc-sub.m"
uptime
awk -v n1="$n1" -v s1="$s1" -v k1="$k1" -v c1="$c1" -v n2="$n2" -v s2="$s2" -v k2="$k2" -v c2="$c2" 'BEGIN {
  r1 = n1 / (s1 > 0 ? s1 : 0.01); r2 = n2 / (s2 > 0 ? s2 : 0.01)
  printf "speed (wall): mailwhy %.0f reports/s (%d reports), parsedmarc %.0f reports/s (%d reports): %.0fx\n", r1, n1, r2, n2, r1 / r2
  q1 = n1 / (c1 > 0 ? c1 : 0.01); q2 = n2 / (c2 > 0 ? c2 : 0.01)
  printf "speed (CPU time, user+sys): mailwhy %.0f reports/CPU-s, parsedmarc %.0f: %.0fx\n", q1, q2, q1 / q2
  printf "peak RSS: mailwhy %.1f MB for %d reports, parsedmarc %.1f MB for %d: %.0fx less\n", k1/1024, n1, k2/1024, n2, k2 / k1 }'
