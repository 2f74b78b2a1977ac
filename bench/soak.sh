#!/usr/bin/env bash
# Soak test of `mailwhy serve` (not run by CI): the release build serves the demo (its zones on
# the loopback zone server, every TTL cut to 5 s so answers keep expiring) under a bounded mixed
# load (GET /v1/diagnose, POST /v1/message, GET /v1/address) for N minutes, while the directory
# and allowlist files are rewritten every 30 s (serve reloads them: a new diagnoser, a fresh DNS
# cache). Prints, per minute: requests, errors, p50/p99 latency, the server's RSS and open file
# descriptors, and the inconclusive checks: all of them, and those the server caused itself (a
# DNS timeout or deadline: the zone server is on loopback and never slow, so any is ours).
# Then minute 1 against the last minute.
# Usage: bash bench/soak.sh [MINUTES] [RATE]   (default 10 minutes, 40 requests a second)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
rate="${2:-40}"
bin="${MAILWHY_BIN:-target/release/mailwhy}"
if [ -z "${MAILWHY_BIN:-}" ]; then cargo build --release -q -p mailwhy-cli; fi
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
# The demo with 5 s TTLs, and absolute paths.
cp -r fixtures/demo/. "$tmp/"
cp fixtures/senders/procore.toml "$tmp/sender.toml"
sed -i -E 's/^\$TTL +[0-9]+/$TTL 5/' "$tmp"/zones/*.zone
cat >"$tmp/soak.toml" <<TOML
dns_zones = "$tmp/zones"
timeout = 2
directory = "$tmp/users.csv"
sender = "$tmp/sender.toml"
allowlist = "$tmp/gateway.txt"
TOML
port=$((20000 + RANDOM % 20000))
"$bin" --config "$tmp/soak.toml" serve --listen "127.0.0.1:$port" --now 2026-11-23T12:00:00Z \
  2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "soak: pid $pid on 127.0.0.1:$port, $minutes min at $rate req/s; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$port" "$pid" "$minutes" "$rate" "$tmp" <<'PY'
import http.client, json, os, random, sys, threading, time, urllib.parse

port, pid, minutes, rate, tmp = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
users = [l.split(",")[0] for l in open(f"{tmp}/users.csv").read().splitlines()[1:] if "@" in l]
eml = open("fixtures/message/bounce.user-unknown.eml", "rb").read()
start = time.monotonic()
end = start + minutes * 60
lock = threading.Lock()
per_min = {}  # minute -> dict

def bucket(m):
    return per_min.setdefault(m, {"lat": [], "err": 0, "inc": 0, "own": 0, "own_why": set(), "rss": [], "fds": []})

def request(conn):
    kind = random.random()
    email = random.choice(users)
    if kind < 0.5:
        conn.request("GET", "/v1/diagnose?" + urllib.parse.urlencode({"email": email}))
    elif kind < 0.75:
        conn.request("POST", "/v1/message?" + urllib.parse.urlencode({"ticket_address": email}), body=eml,
                     headers={"content-type": "message/rfc822"})
    else:
        conn.request("GET", "/v1/address?" + urllib.parse.urlencode({"email": email}))
    r = conn.getresponse()
    return r.status, r.read()

def worker(n_workers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    interval = n_workers / rate
    nxt = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= end:
            return
        if now < nxt:
            time.sleep(nxt - now)
        nxt += interval
        t0 = time.monotonic()
        try:
            status, body = request(conn)
        except Exception:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, body = 0, b""
        dt = time.monotonic() - t0
        m = int((t0 - start) // 60) + 1
        inc = own = 0
        whys = set()
        if status == 200:
            try:
                doc = json.loads(body)
                reports = doc if isinstance(doc, list) else [doc]
                for rep in reports:
                    for c in rep.get("checks", []):
                        if c.get("status") == "inconclusive":
                            inc += 1
                            d = c.get("detail", "")
                            if "deadline" in d or "timeout" in d or "no answer in time" in d:
                                own += 1
                                whys.add(d[:160])
            except ValueError:
                status = -1
        with lock:
            b = bucket(m)
            b["lat"].append(dt)
            b["err"] += status != 200
            b["inc"] += inc
            b["own"] += own
            b["own_why"] |= whys

def sampler():
    while time.monotonic() < end:
        m = int((time.monotonic() - start) // 60) + 1
        try:
            rss = int([l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")][0].split()[1])
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            rss = fds = -1
        with lock:
            b = bucket(m)
            b["rss"].append(rss)
            b["fds"].append(fds)
        time.sleep(5)

def toucher():
    # Rewrites the directory and the allowlist (same rows, one comment line more or less), so
    # serve sees them change and reloads.
    i = 0
    while time.monotonic() < end - 5:
        time.sleep(30)
        i += 1
        for name in ("users.csv", "gateway.txt"):
            p = f"{tmp}/{name}"
            text = open(p).read()
            if name == "gateway.txt":
                text = text + "# soak\n" if i % 2 else text.replace("# soak\n", "")
            open(p + ".tmp", "w").write(text)
            os.replace(p + ".tmp", p)
            os.utime(p)

workers = 8
threads = [threading.Thread(target=worker, args=(workers,)) for _ in range(workers)]
threads += [threading.Thread(target=sampler), threading.Thread(target=toucher)]
for t in threads:
    t.start()
for t in threads:
    t.join()

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")

print(f"{'min':>3} {'reqs':>6} {'err':>4} {'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>7} {'fds':>4} {'inconcl':>7} {'server-caused':>13}")
rows = {}
for m in sorted(per_min):
    b = per_min[m]
    if m > minutes:
        continue
    rss = max(b["rss"]) / 1024 if b["rss"] else float("nan")
    fds = max(b["fds"]) if b["fds"] else -1
    rows[m] = (len(b["lat"]), b["err"], pct(b["lat"], .5), pct(b["lat"], .99), rss, fds, b["inc"], b["own"])
    print(f"{m:>3} {rows[m][0]:>6} {rows[m][1]:>4} {rows[m][2]:>7.1f} {rows[m][3]:>7.1f} {rss:>7.1f} {fds:>4} {b['inc']:>7} {b['own']:>13}")
own_total = sum(b["own"] for b in per_min.values())
first, last = rows[min(rows)], rows[max(rows)]
print(f"minute 1 vs {max(rows)}: RSS {first[4]:.1f} -> {last[4]:.1f} MB, fds {first[5]} -> {last[5]}, "
      f"p99 {first[3]:.1f} -> {last[3]:.1f} ms; server-caused inconclusive checks in the run: {own_total}; "
      f"errors: {sum(b['err'] for b in per_min.values())}")
for b in per_min.values():
    for w in sorted(b["own_why"])[:5]:
        print("  server-caused:", w)
PY
echo "soak: reloads seen: $(grep -c 'reloaded the input files' "$tmp/serve.log" || true) (one every 30 s expected); load after: $(cut -d' ' -f1-3 /proc/loadavg)"
