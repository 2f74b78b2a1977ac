#!/usr/bin/env python3
"""Compares `mailwhy reports --format json` with parsedmarc on the same DMARC aggregate reports.

Usage: bench/parsedmarc_compare.py [--mailwhy BIN] [--parsedmarc BIN] FILE...
Default files: the aggregate reports in fixtures/reports/ (Google .zip, Outlook.com .xml.gz,
Yahoo .xml.gz, Mail.ru .xml.gz, GMX .xml with the dmarc-2.0 namespace, and the mbox of report
emails). parsedmarc (pip install parsedmarc, 11.x) runs with --offline so that neither side
touches the network.

Both sides' message counts are summed per reporting organisation, per source IP, per
disposition, per aligned DKIM result and per aligned SPF result, and per whole row
(org, IP, From domain, disposition, DKIM, SPF); every key where they differ is printed.
Exit 0 when every count agrees, 1 otherwise."""
import argparse, collections, glob, json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--mailwhy", default=os.path.join(ROOT, "target/debug/mailwhy"))
ap.add_argument("--parsedmarc", default="parsedmarc")
ap.add_argument("files", nargs="*")
a = ap.parse_args()
files = a.files or sorted(
    f for f in glob.glob(os.path.join(ROOT, "fixtures/reports/*"))
    if os.path.isfile(f) and "broken" not in f and ".json" not in f and "failure" not in f)

def norm(s):
    return (s or "").strip().lower()

def tally(rows):
    t = {k: collections.Counter() for k in ("org", "source_ip", "disposition", "dkim", "spf", "row")}
    for org, ip, hf, disp, dkim, spf, n in rows:
        t["org"][org] += n
        t["source_ip"][ip] += n
        t["disposition"][disp] += n
        t["dkim"][dkim] += n
        t["spf"][spf] += n
        t["row"][(org, ip, hf, disp, dkim, spf)] += n
    return t

# mailwhy
out = subprocess.run([a.mailwhy, "reports", "--format", "json", *files], capture_output=True)
m = json.loads(out.stdout)
data = m["data"] if "data" in m else m[0]["data"]
mw_rows = [(norm(r["org"]), r["source_ip"], norm(r["header_from"]), norm(r["disposition"]),
            norm(r["dkim"]), norm(r["spf"]), r["count"]) for r in data["rows"]]

# parsedmarc, one file at a time: it gives up on a whole run when one report in an mbox is
# broken (the mbox fixture holds a truncated .xml.gz on purpose), where mailwhy lists it and goes on.
def run_parsedmarc(fs):
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([a.parsedmarc, "--offline", "-s", "-o", d, *fs], capture_output=True, text=True)
        path = os.path.join(d, "aggregate.json")
        if os.path.exists(path):
            return json.load(open(path)), None
        return None, (p.stderr.strip().splitlines() or ["no output"])[-1][:160]

reports, pd_failed = run_parsedmarc(files)[0], []
if reports is None:  # one run for all files when it can; else file by file
    reports = []
    for f in files:
        got, why = run_parsedmarc([f])
        if got is None:
            pd_failed.append((os.path.basename(f), why))
        else:
            reports += got
pd_rows = []
for rep in reports:
    org = norm(rep["report_metadata"]["org_name"])
    for r in rep["records"]:
        pe = r["policy_evaluated"]
        pd_rows.append((org, r["source"]["ip_address"], norm(r["identifiers"]["header_from"]),
                        norm(pe["disposition"]), norm(pe["dkim"]), norm(pe["spf"]), r["count"]))

mw, pd = tally(mw_rows), tally(pd_rows)
print(f"files: {len(files)}; reports: mailwhy {data['aggregate_reports']}, parsedmarc {len(reports)}; "
      f"messages: mailwhy {sum(r[-1] for r in mw_rows)}, parsedmarc {sum(r[-1] for r in pd_rows)}")
bad = 0
for k in mw:
    keys = set(mw[k]) | set(pd[k])
    diff = sorted((str(x), mw[k][x], pd[k][x]) for x in keys if mw[k][x] != pd[k][x])
    print(f"{k:12} {len(keys):4} keys, {'all agree' if not diff else str(len(diff)) + ' differ'}")
    for x, a_, b_ in diff:
        print(f"    {x}: mailwhy {a_}, parsedmarc {b_}")
    bad += len(diff)
for f, why in pd_failed:
    print(f"parsedmarc could not read {f} (parsedmarc stopped at it; mailwhy read the rest of it): {why}")
if data["unreadable"]:
    print("mailwhy could not read:", [(u["file"], u["inner"], u["reason"]) for u in data["unreadable"]])
sys.exit(1 if bad else 0)
