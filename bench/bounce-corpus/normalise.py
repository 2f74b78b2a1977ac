#!/usr/bin/env python3
"""Normalises one generated bounce (stdin to stdout) so that a regeneration gives the same bytes.

What varies from run to run is replaced by fixed values: dates (by one fixed date), the MTAs'
queue and message ids (Postfix's hex queue ids, Exim's `xxxxxx-xxxxxx-xx` ids: numbered in order
of appearance, same length), the time and random parts of MIME boundaries and Message-Ids, and
loopback ports (the generator's free ports and the clients' ephemeral ones). Everything a reader
of the bounce decides on (status, diagnostic text, structure) is left alone.

Usage: normalise.py MTA < raw.eml > fixture.eml
"""
import re
import sys

DATE = re.compile(rb"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), +\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")
POSTFIX_ID = re.compile(rb"\b[0-9A-F]{10,12}\b")
# Exim 4.96 ids (`1xZrML-0006FY-2W`), also behind the `E` of its Message-Ids.
EXIM_ID = re.compile(rb"(?:(?<=<E)|\b)[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
OPENSMTPD_ID = re.compile(rb"\b[0-9a-f]{16}\b|\b[0-9a-f]{8}\b")
PORT = re.compile(rb"(\[127\.0\.0\.1\]):\d+")


def numbered(pattern, data, make):
    seen = {}

    def sub(m):
        tok = m.group(0)
        if tok not in seen:
            seen[tok] = make(len(seen) + 1, len(tok))
        return seen[tok]

    return pattern.sub(sub, data)


def main():
    mta = sys.argv[1]
    data = sys.stdin.buffer.read()
    data = DATE.sub(b"Sat, 05 Dec 2026 10:00:00 +0000", data)
    if mta == "postfix":
        data = numbered(POSTFIX_ID, data, lambda n, w: b"%0*X" % (w, n))
        # Message-Id <YYYYMMDDhhmmss.QUEUEID@host>, boundary QUEUEID.SECONDS/host
        data = re.sub(rb"<\d{14}\.", b"<20261205100000.", data)
        data = re.sub(rb"\.\d{9,10}/mta-postfix\.test", b".1796464800/mta-postfix.test", data)
    elif mta == "exim":
        data = numbered(EXIM_ID, data, lambda n, w: (b"1xZr00-%06d-00" % n)[:w])
        data = re.sub(rb"\d+-eximdsn-\d+", b"1796464800-eximdsn-1", data)
    elif mta == "opensmtpd":
        # message ids (8 hex digits) and envelope ids (16); boundary DIGITS/host
        data = numbered(OPENSMTPD_ID, data, lambda n, w: b"%0*x" % (w, n))
        data = re.sub(rb"\b\d{15,20}/mta-opensmtpd\.test", b"11467063967539359354/mta-opensmtpd.test", data)
    data = PORT.sub(rb"\1:20025", data)
    sys.stdout.buffer.write(data)


if __name__ == "__main__":
    main()
