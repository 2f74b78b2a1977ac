#!/usr/bin/env python3
"""checkdmarc (pip, the peer) and `mailwhy auth` on the same DMARC records, side by side in one
run: (a) the verdict each gives per record family, (b) the time per domain, with the ratio.

Not run by CI (it needs `pip install checkdmarc`). No network: the records are one generated zone,
`bench.example`, served by a small dnspython UDP server on 127.0.0.1 (an ephemeral port) that both
tools ask: checkdmarc through a dnspython Resolver pointed at that port (its CLI `-n` takes no
port, so it runs in-process as a library), mailwhy as the release binary with
`--nameserver 127.0.0.1:PORT`, one process per domain. mailwhy's per-domain time therefore
includes a process start and the whole `auth` report (DKIM, provider rules); checkdmarc's does not.
The script prints mailwhy's bare process start (`--version`) too, so the ratio can be read both
ways.

  python3 bench/checkdmarc_compare.py [--binary target/release/mailwhy] [--per-family 20]
"""

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import warnings

warnings.filterwarnings("ignore")

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.resolver  # noqa: E402
import dns.rrset  # noqa: E402
import dns.zone  # noqa: E402
from checkdmarc import dmarc as cd  # noqa: E402

ORIGIN = "bench.example"

# family -> (records at _dmarc.<domain>, what RFC 9989 says, read from shared/formats/dmarc-rfc9989.md)
FAMILIES = {
    "reject": (["v=DMARC1; p=reject"], "policy reject"),
    "quarantine": (["v=DMARC1; p=quarantine; rua=mailto:d@{d}"], "policy quarantine"),
    "none": (["v=DMARC1; p=none"], "policy none"),
    "p-missing-rua": (["v=DMARC1; rua=mailto:d@{d}"], "policy none (§4.7)"),
    "p-missing": (["v=DMARC1;"], "no policy (§4.10.1 step 6) / none (§4.7): unresolved"),
    "p-not-first": (["v=DMARC1; sp=none; p=reject"], "policy reject (§4.8: order free)"),
    "testing": (["v=DMARC1; p=reject; t=y"], "published reject, applied quarantine (t=y)"),
    "pct-obsolete": (["v=DMARC1; p=reject; pct=50"], "policy reject, pct ignored (note)"),
    "np-invalid": (["v=DMARC1; p=reject; np=bogus"], "no policy (§4.10.1 step 6, no rua)"),
    "adkim-invalid": (["v=DMARC1; p=reject; adkim=x"], "syntax error"),
    "multiple": (["v=DMARC1; p=none", "v=DMARC1; p=reject"], "several records: discarded"),
    "version-case": (["v=dmarc1; p=reject"], "not a DMARC record: no policy"),
    "missing": ([], "no record"),
}


def zone_text(per_family):
    lines = [
        f"$ORIGIN {ORIGIN}.",
        "$TTL 3600",
        f"@ IN SOA ns1.{ORIGIN}. hostmaster.{ORIGIN}. ( 1 3600 900 604800 300 )",
        f"@ IN NS ns1.{ORIGIN}.",
        "ns1 IN A 192.0.2.53",
    ]
    domains = []
    for fam, (records, _) in FAMILIES.items():
        for i in range(per_family):
            label = f"{fam}-{i}"
            d = f"{label}.{ORIGIN}"
            domains.append((fam, d))
            lines.append(f"{label} IN A 192.0.2.1")
            for r in records:
                lines.append(f'_dmarc.{label} IN TXT "{r.format(d=d)}"')
    return "\n".join(lines) + "\n", domains


class ZoneServer:
    """Answers from one zone over UDP: records, NODATA for names that exist, NXDOMAIN otherwise."""

    def __init__(self, text):
        self.zone = dns.zone.from_text(text, relativize=False)
        self.origin = self.zone.origin
        self.names = set(self.zone.nodes.keys())
        # Empty non-terminals (e.g. x.bench.example under _dmarc.x.bench.example) exist.
        for n in list(self.names):
            p = n.parent()
            while p.is_subdomain(self.origin) and p != self.origin:
                self.names.add(p)
                p = p.parent()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stop:
            wire, addr = self.sock.recvfrom(4096)
            try:
                q = dns.message.from_wire(wire)
            except Exception:
                continue
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            qn, qt = q.question[0].name, q.question[0].rdtype
            node = self.zone.get_node(qn) if qn.is_subdomain(self.origin) else None
            if node is not None:
                rds = node.get_rdataset(dns.rdataclass.IN, qt)
                if rds is not None:
                    r.answer.append(dns.rrset.from_rdata_list(qn, rds.ttl, list(rds)))
            elif qn not in self.names:
                r.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(r.to_wire(), addr)


def checkdmarc_verdict(domain, resolver):
    try:
        rec = cd.get_dmarc_record(domain, resolver=resolver)
    except cd.DMARCError as e:
        return f"error: {type(e).__name__}", None
    except Exception as e:  # noqa: BLE001 (any failure is a verdict here)
        return f"error: {type(e).__name__}", None
    try:
        parsed = cd.parse_dmarc_record(rec["record"], rec["location"], resolver=resolver)
    except Exception as e:  # noqa: BLE001
        return f"invalid: {type(e).__name__}", None
    tags = parsed["tags"]
    p = tags.get("p", {}).get("value")
    t = tags.get("t", {}).get("value")
    return f"p={p}" + (" t=y" if t in ("y", True) else ""), parsed.get("warnings")


def mailwhy_verdict(binary, port, domain):
    out = subprocess.run(
        [binary, "--nameserver", f"127.0.0.1:{port}", "auth", domain, "--format", "json", "-q"],
        capture_output=True,
        text=True,
    )
    try:
        d = json.loads(out.stdout)["data"]["dmarc"]
    except Exception:  # noqa: BLE001
        return f"exit {out.returncode}: {out.stderr.strip()[:80]}"
    st = d.get("state")
    if st == "found":
        r = d["record"]
        return f"p={r['p']}" + (" t=y" if r.get("t") else "")
    if st == "syntax-error":
        return f"invalid: {d['error'].get('tag')}"
    return st


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/mailwhy")
    ap.add_argument("--per-family", type=int, default=20)
    a = ap.parse_args()

    text, domains = zone_text(a.per_family)
    server = ZoneServer(text)
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = server.port
    res.cache = None

    per_family = {}
    t_cd, t_mw = [], []
    for fam, d in domains:
        t0 = time.perf_counter()
        v_cd, _ = checkdmarc_verdict(d, res)
        t1 = time.perf_counter()
        v_mw = mailwhy_verdict(a.binary, server.port, d)
        t2 = time.perf_counter()
        t_cd.append(t1 - t0)
        t_mw.append(t2 - t1)
        per_family.setdefault(fam, set()).add((v_cd, v_mw))

    start = []
    for _ in range(10):
        t0 = time.perf_counter()
        subprocess.run([a.binary, "--version"], capture_output=True)
        start.append(time.perf_counter() - t0)

    print(f"{'family':<15} {'RFC 9989':<52} {'checkdmarc':<28} mailwhy")
    for fam, (_, rfc) in FAMILIES.items():
        for v_cd, v_mw in sorted(per_family[fam]):
            print(f"{fam:<15} {rfc:<52} {v_cd:<28} {v_mw}")
    n = len(domains)
    med_cd, med_mw, med_start = (statistics.median(x) * 1e3 for x in (t_cd, t_mw, start))
    print(f"\n{n} domains, median ms per domain: checkdmarc (in-process) {med_cd:.2f}, "
          f"mailwhy auth (process per domain) {med_mw:.2f}, mailwhy --version {med_start:.2f}")
    print(f"ratio checkdmarc/mailwhy per domain: {med_cd / med_mw:.2f}x; "
          f"without mailwhy's process start: {med_cd / max(med_mw - med_start, 1e-3):.2f}x")
    server.stop = True


if __name__ == "__main__":
    sys.exit(main())
