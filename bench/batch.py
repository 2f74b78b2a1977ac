#!/usr/bin/env python3
"""Batch benchmark: N users over M domains, with matching zone files, through `mailwhy batch`
against the loopback zone server (--dns-zones). Prints wall time, queries vs distinct questions,
and the peak resident memory (from /usr/bin/time or resource).

usage: bench/batch.py [USERS] [DOMAINS] [--binary target/release/mailwhy]
"""
import os, resource, subprocess, sys, tempfile, time

users = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
domains = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
binary = "target/release/mailwhy"
if "--binary" in sys.argv:
    binary = sys.argv[sys.argv.index("--binary") + 1]

tmp = tempfile.mkdtemp(prefix="mailwhy-batch-")
zones = os.path.join(tmp, "zones")
os.makedirs(zones)
# One zone, "com", holding every generated domain: MX and the MX host's address.
with open(os.path.join(zones, "com.zone"), "w") as z:
    z.write("$TTL 3600\n@ IN SOA ns.com. hostmaster.com. ( 1 1h 15m 1w 5m )\n")
    for d in range(domains):
        a, b = divmod(d, 250)
        z.write(f"bench-d{d} IN MX 10 mx.bench-d{d}.com.\nmx.bench-d{d} IN A 34.{100 + a % 100}.{b}.{1 + d % 250}\n")
directory = os.path.join(tmp, "users.csv")
statuses = ["Active", "Active", "Active", "Inactive", "Invited", "Not invited"]
with open(directory, "w") as f:
    f.write("email,name,status,send_messages,invited_at,last_invited_at,last_login_at,relationship\n")
    for i in range(users):
        s = statuses[i % len(statuses)]
        f.write(f"user{i}@bench-d{i % domains}.com,User {i},{s},{'no' if i % 17 == 0 else 'yes'},2026-11-01,,,employee\n")

out = os.path.join(tmp, "out.jsonl")
t = time.time()
p = subprocess.run([binary, "--dns-zones", zones, "batch", directory, "--now", "2026-11-23T12:00:00Z",
                    "--output", out, "--jobs", "256", "-q"], capture_output=True, text=True)
wall = time.time() - t
rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
records = sum(1 for _ in open(out))
dns = [l.strip() for l in p.stdout.splitlines() if "queries sent" in l]
print(f"users={users} domains={domains} exit={p.returncode} records={records} wall={wall:.2f}s "
      f"per_user={wall / users * 1e6:.1f}us peak_rss={rss_kb / 1024:.1f}MB {dns[0] if dns else p.stderr[-300:]}")
