#!/usr/bin/env python3
"""checkdmarc (pip, the peer) and mailwhy side by side on the same MTA-STS and TLS-RPT texts:
every verdict compared, each difference printed with the RFC rule behind it.

Not run by CI (it needs `pip install checkdmarc`; checked with 6.0.4). No network. checkdmarc's
`check_mta_sts`/`check_smtp_tls_reporting` take nameservers without a port and fetch the policy
from https://mta-sts.DOMAIN on port 443 with the system's roots, so they cannot be pointed at the
loopback zone server and the test's HTTPS server; the comparison is therefore on the texts, through
checkdmarc's own parsing functions (`parse_mta_sts_record`, `parse_mta_sts_policy`,
`parse_smtp_tls_reporting_record`, `mx_in_mta_sts_patterns`) and mailwhy's (the parsers the
`transport` checks call, through `crates/mailwhy/examples/transport_parse.rs`).

The texts: every `_mta-sts` and `_smtp._tls` record in fixtures/transport/zones, every policy
served in fixtures/transport/https*/ as text/plain, the MX hosts of those zones against those
policies' patterns, and the edge cases listed in EXTRA below (RFC 8461 and 8460 rules).

  python3 bench/checkdmarc_transport.py [--example target/debug/examples/transport_parse]
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import warnings

warnings.filterwarnings("ignore")

from checkdmarc import mta_sts as cm  # noqa: E402
from checkdmarc import smtp_tls_reporting as ct  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

# (kind, text, the RFC's answer) beyond the fixtures.
EXTRA = [
    ("sts-record", "v=STSv1; id=20261201T000000", "valid: the last ; is optional (§3.1)"),
    ("sts-record", "v=STSv1; id=abc; ext=1", "valid: extension tags allowed (§3.1 sts-extension)"),
    ("sts-record", "v=STSv1;", "invalid: id is required"),
    ("sts-record", "v=STSv1; id=" + "a" * 33, "invalid: id is 1*32 alphanumerics"),
    ("sts-record", "v=STSv1; id=2026-12-01", "invalid: '-' is not alphanumeric"),
    ("sts-record", "id=1; v=STSv1", "invalid: v must come first"),
    ("sts-record", "v=STSv1; id=1; id=2", "invalid? RFC 8461 does not say; duplicate tags"),
    ("sts-record", "v=STSv1 ; id=1", "valid: *WSP around ';' (§3.1 field-delim)"),
    ("tlsrpt-record", "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x", "valid: two URIs"),
    ("tlsrpt-record", "v=TLSRPTv1;rua=mailto:a@example.com", "valid: no space needed"),
    ("tlsrpt-record", "v=TLSRPTv1;", "invalid: rua required"),
    ("tlsrpt-record", "v=TLSRPTv1; rua=http://r.example.com/", "invalid: only mailto: and https: (§3)"),
    ("tlsrpt-record", "v=TLSRPTv1; rua=mailto:a@example.com; ext=x", "valid: extensions allowed"),
    ("tlsrpt-record", "rua=mailto:a@example.com; v=TLSRPTv1", "invalid: v must come first"),
    ("policy", "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n", "valid: CRLF lines"),
    ("policy", "version: STSv1\nmode: none\nmax_age: 86400\n", "valid: mx not needed with mode none (§3.2)"),
    ("policy", "version: STSv1\nmode: enforce\nmax_age: 86400\n", "invalid: mx required unless mode none"),
    ("policy", "version: STSv1\nmode: enforced\nmx: a.example\nmax_age: 86400\n", "invalid: mode"),
    ("policy", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", "valid syntax, max_age above the 31557600 limit"),
    ("policy", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 86400\nfoo: bar\n", "valid: unknown keys ignored"),
    ("policy", "version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 86400\n", "invalid: mode twice"),
    ("policy", "mode: enforce\nmx: a.example\nmax_age: 86400\n", "invalid: version missing"),
    ("policy", "version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 86400\n", "invalid: one wildcard label only"),
    ("policy", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 99999999999\n", "invalid: max_age is 1*10DIGIT"),
    ("mx", ("mx1.example.com", ["*.example.com"]), "covered: * is one label"),
    ("mx", ("a.b.example.com", ["*.example.com"]), "not covered: * is exactly one label"),
    ("mx", ("example.com", ["*.example.com"]), "not covered"),
    ("mx", ("MX1.Example.COM.", ["mx1.example.com"]), "covered: case and trailing dot"),
]


def txt(zone_text, owner):
    for line in zone_text.splitlines():
        if line.split() and line.split()[0] == owner and " TXT " in line:
            yield "".join(re.findall(r'"([^"]*)"', line))


def cases():
    out = []
    mx_by_domain = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "fixtures/transport/zones/*.zone"))):
        domain = os.path.basename(path)[: -len(".zone")]
        text = open(path).read()
        for r in txt(text, "_mta-sts"):
            out.append(("sts-record", r, f"fixture {domain}"))
        for r in txt(text, "_smtp._tls"):
            out.append(("tlsrpt-record", r, f"fixture {domain}"))
        # As a resolver hands them to both tools: without the zone file's trailing dot.
        mx_by_domain[domain] = [
            l.split()[-1].rstrip(".") for l in text.splitlines() if " MX " in l and not l.startswith(";")
        ]
    for path in sorted(glob.glob(os.path.join(ROOT, "fixtures/transport/https*/mta-sts.*.txt"))):
        body = open(path).read()
        where = os.path.relpath(path, ROOT)
        out.append(("policy", body, f"fixture {where}"))
        domain = os.path.basename(path)[len("mta-sts."): -len(".txt")]
        patterns = [l.split(":", 1)[1].strip() for l in body.splitlines() if l.startswith("mx:")]
        for host in mx_by_domain.get(domain, []):
            out.append(("mx", (host, patterns), f"fixture {where} against the MX of {domain}"))
    return out + EXTRA


def checkdmarc_verdict(kind, text):
    try:
        if kind == "sts-record":
            r = cm.parse_mta_sts_record(text)
            return True, "warnings: " + "; ".join(r.get("warnings", [])) if r.get("warnings") else ""
        if kind == "tlsrpt-record":
            r = ct.parse_smtp_tls_reporting_record(text)
            return True, "warnings: " + "; ".join(r.get("warnings", [])) if r.get("warnings") else ""
        if kind == "policy":
            r = cm.parse_mta_sts_policy(text)
            return True, "warnings: " + "; ".join(r.get("warnings", [])) if r.get("warnings") else ""
        host, patterns = text
        return cm.mx_in_mta_sts_patterns(host, patterns), ""
    except Exception as e:  # checkdmarc reports every syntax problem as an exception
        return False, f"{type(e).__name__}: {e}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", default=os.path.join(ROOT, "target/debug/examples/transport_parse"))
    args = ap.parse_args()
    all_cases = cases()
    lines = []
    for kind, text, _ in all_cases:
        if kind == "mx":
            lines.append(json.dumps({"kind": "mx", "host": text[0], "patterns": text[1]}))
        else:
            lines.append(json.dumps({"kind": kind, "text": text}))
    p = subprocess.run([args.example], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    answers = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(answers) == len(all_cases), p.stderr
    same = differ = 0
    for (kind, text, why), mw in zip(all_cases, answers):
        cd_ok, cd_note = checkdmarc_verdict(kind, text)
        shown = json.dumps(text if kind != "mx" else {"host": text[0], "patterns": text[1]})
        if len(shown) > 110:
            shown = shown[:107] + "..."
        mark = "same" if cd_ok == mw["ok"] else "DIFF"
        same += cd_ok == mw["ok"]
        differ += cd_ok != mw["ok"]
        print(f"{mark:4}  {kind:13}  checkdmarc={'ok' if cd_ok else 'error':5}  mailwhy={'ok' if mw['ok'] else 'error':5}  {shown}")
        print(f"      ({why})")
        if cd_note:
            print(f"      checkdmarc: {cd_note[:200]}")
        if mw.get("error"):
            print(f"      mailwhy:    {mw['error'][:200]}")
    print(f"\n{len(all_cases)} texts: {same} same verdict, {differ} different")


if __name__ == "__main__":
    sys.exit(main())
