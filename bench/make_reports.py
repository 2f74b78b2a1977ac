#!/usr/bin/env python3
"""Writes N DMARC aggregate reports (default 10,000) for `mailwhy reports` and parsedmarc to read.

Usage: bench/make_reports.py OUT_DIR [N]

Reporters rotate through Google (.zip), Outlook.com (.xml.gz, version 1.0), Yahoo (.xml.gz) and
GMX (plain .xml, dmarc-2.0 namespace); each report has 20 records over 40 source IPs, a quarter
of them failing DKIM. Deterministic: the same N gives the same files, and the totals to expect
are printed (messages, records) so a reader's counts can be checked."""
import gzip, io, os, sys, zipfile

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000
os.makedirs(out, exist_ok=True)
B = 1795132800
ORGS = [("google.com", "noreply-dmarc-support@google.com", "zip", ""),
        ("Outlook.com", "dmarcreport@microsoft.com", "gz", "<version>1.0</version>"),
        ("Yahoo", "dmarchelp@yahooinc.com", "gz", ""),
        ("GMX", "noreply-dmarc@gmx.net", "xml", "<version>1.0</version>")]
messages = records = 0
for i in range(n):
    org, mail, comp, version = ORGS[i % 4]
    ns = ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' if org == "GMX" else ""
    begin = B + 86400 * (i // 4 % 30)
    recs = []
    for r in range(20):
        ip = f"167.89.{(i + r) % 40}.{r + 1}"
        count = 1 + (i * 7 + r * 13) % 50
        dkim = "fail" if r % 4 == 0 else "pass"
        disp = "quarantine" if dkim == "fail" else "none"
        messages += count
        records += 1
        recs.append(f"<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>"
                    f"<disposition>{disp}</disposition><dkim>{dkim}</dkim><spf>pass</spf></policy_evaluated></row>"
                    f"<identifiers><header_from>procore.com</header_from></identifiers><auth_results>"
                    f"<dkim><domain>procore.com</domain><selector>s1</selector><result>{dkim}</result></dkim>"
                    f"<spf><domain>em.procore.com</domain><scope>mfrom</scope><result>pass</result></spf></auth_results></record>\n")
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<feedback{ns}>{version}<report_metadata><org_name>{org}</org_name>'
           f"<email>{mail}</email><report_id>bench-{i}</report_id><date_range><begin>{begin}</begin>"
           f"<end>{begin + 86399}</end></date_range></report_metadata><policy_published><domain>procore.com</domain>"
           f"<adkim>r</adkim><aspf>r</aspf><p>quarantine</p><sp>quarantine</sp><pct>100</pct></policy_published>\n"
           + "".join(recs) + "</feedback>\n").encode()
    name = f"{org.lower()}!procore.com!{begin}!{begin + 86399}!{i}"
    if comp == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo(name + ".xml", (2026, 11, 21, 0, 0, 0)), xml, zipfile.ZIP_DEFLATED)
        open(os.path.join(out, name + ".zip"), "wb").write(buf.getvalue())
    elif comp == "gz":
        with open(os.path.join(out, name + ".xml.gz"), "wb") as f:
            with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
                g.write(xml)
    else:
        open(os.path.join(out, name + ".xml"), "wb").write(xml)
print(f"{n} reports, {records} records, {messages} messages")
