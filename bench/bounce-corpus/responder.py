#!/usr/bin/env python3
"""A small SMTP responder for the bounce corpus (bench/bounce-corpus/generate.sh).

It plays the receiving side of the major providers: each recipient's local part names a row of
REPLIES (`<provider>-<cause>`), and the responder refuses it at that row's SMTP phase with that
provider's reply text, written from the providers' published error-code pages (Gmail "SMTP error
reference", Microsoft "NDRs in Exchange Online", Yahoo "SMTP error codes", Apple iCloud mail
server messages, GMX/Web.de, Orange postmaster, Mimecast "SMTP error codes", Proofpoint, Barracuda).
A message with the null sender (MAIL FROM:<>) is a bounce coming back: it is accepted and saved
to OUTDIR. It never offers STARTTLS, so a sender that requires TLS gives up.

Usage: responder.py [ADDR:]PORT[,[ADDR:]PORT...] OUTDIR
"""
import os
import socket
import sys
import threading
import time

# (provider, cause) -> (phase, reply, label). phase: "rcpt" or "data" (after the message), or
# "rcpt-temp" (a 4xx at RCPT every time, until the sender's queue lifetime runs out).
# label: the Sisimai reason the bounce must be read as, known by construction.
REPLIES = {
    ("gmail", "userunknown"): ("rcpt", "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address for typos or\r\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser", "userunknown"),
    ("microsoft", "userunknown"): ("rcpt", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "userunknown"),
    ("yahoo", "userunknown"): ("rcpt", "554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1001.mail.ne1.yahoo.com", "userunknown"),
    ("icloud", "userunknown"): ("rcpt", "550 5.1.1 <x@icloud.com>: user does not exist", "userunknown"),
    ("gmx", "userunknown"): ("rcpt", "550 Requested action not taken: mailbox unavailable", "userunknown"),
    ("gmail", "mailboxfull"): ("rcpt", "552-5.2.2 The recipient's inbox is out of storage space. Please direct the\r\n552 5.2.2 recipient to https://support.google.com/mail/?p=OverQuotaPerm", "mailboxfull"),
    ("orange", "mailboxfull"): ("rcpt", "552 5.2.2 Boite du destinataire pleine. Recipient overquota", "mailboxfull"),
    ("icloud", "mailboxfull"): ("rcpt", "552 5.2.2 <x@icloud.com>: user is over quota", "mailboxfull"),
    ("gmail", "mesgtoobig"): ("data", "552-5.3.4 Your message exceeded Google's message size limits. To view our\r\n552 5.3.4 size guidelines, go to https://support.google.com/mail/?p=MaxSizeError", "mesgtoobig"),
    ("microsoft", "mesgtoobig"): ("data", "552 5.3.4 Message size exceeds fixed maximum message size", "mesgtoobig"),
    ("gmail", "spamdetected"): ("data", "550-5.7.1 Our system has detected that this message is likely unsolicited\r\n550-5.7.1 mail. To reduce the amount of spam sent to Gmail, this message has\r\n550 5.7.1 been blocked. https://support.google.com/mail/?p=UnsolicitedMessageError", "spamdetected"),
    ("proofpoint", "spamdetected"): ("data", "554 5.7.1 Message rejected as spam by Content Filtering", "spamdetected"),
    ("barracuda", "spamdetected"): ("data", "550 permanent failure for one or more recipients (x@barracuda.test:blocked by spam filter)", "spamdetected"),
    ("mimecast", "virusdetected"): ("data", "554 Message contains a virus - https://community.mimecast.com/docs/DOC-1369#554", "virusdetected"),
    ("gmx", "norelaying"): ("rcpt", "550 5.7.1 <x@elsewhere.test>: Relay access denied", "norelaying"),
    ("microsoft", "norelaying"): ("rcpt", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "norelaying"),
    ("orange", "greylisting"): ("rcpt-temp", "450 4.2.0 <x@orange.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/orange.test.html", "expired"),
    ("yahoo", "badreputation"): ("rcpt-temp", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1", "badreputation"),
    ("gmail", "deferred"): ("rcpt-temp", "421-4.7.0 Try again later, closing connection. (EHLO)\r\n421 4.7.0 https://support.google.com/mail/answer/188131", "expired"),
}


def reply(conn, text):
    conn.sendall(text.encode() + b"\r\n")


def lines(f):
    while True:
        line = f.readline()
        if not line:
            return
        yield line


def serve(conn, outdir):
    f = conn.makefile("rb")
    reply(conn, "220 responder.test ESMTP")
    sender, rows, accepted = None, [], []
    for raw in lines(f):
        cmd = raw.decode("latin-1").strip()
        verb = cmd[:4].upper()
        if verb in ("EHLO", "HELO"):
            reply(conn, "250-responder.test\r\n250-SIZE 100000000\r\n250 8BITMIME")
        elif verb == "MAIL":
            sender = cmd.split(":", 1)[1].strip().split()[0]
            rows, accepted = [], []
            reply(conn, "250 2.1.0 OK")
        elif verb == "RCPT":
            rcpt = cmd.split(":", 1)[1].strip().strip("<>").split(">")[0]
            local = rcpt.split("@")[0].split("+")[0].lower()
            provider, _, cause = local.partition("-")
            row = REPLIES.get((provider, cause))
            if sender == "<>" or row is None:
                accepted.append(rcpt)
                reply(conn, "250 2.1.5 OK")
            elif row[0] == "rcpt" or row[0] == "rcpt-temp":
                reply(conn, row[1])
            else:
                rows.append(row)
                accepted.append(rcpt)
                reply(conn, "250 2.1.5 OK")
        elif verb == "DATA":
            if not accepted:
                reply(conn, "554 5.5.1 No valid recipients")
                continue
            reply(conn, "354 go ahead")
            body = []
            for l in lines(f):
                if l in (b".\r\n", b".\n"):
                    break
                body.append(l[1:] if l.startswith(b"..") else l)
            if sender == "<>":
                name = "%d-%d.eml" % (time.time_ns(), threading.get_ident())
                with open(os.path.join(outdir, name), "wb") as out:
                    out.writelines(body)
                reply(conn, "250 2.0.0 saved")
            elif rows:
                reply(conn, rows[0][1])
            else:
                reply(conn, "250 2.0.0 OK")
        elif verb == "RSET":
            sender, rows, accepted = None, [], []
            reply(conn, "250 OK")
        elif verb == "QUIT":
            reply(conn, "221 bye")
            break
        elif verb == "NOOP":
            reply(conn, "250 OK")
        else:
            reply(conn, "502 5.5.2 command not implemented")
    conn.close()


def listen(addr, outdir):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    s.listen(32)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, outdir), daemon=True).start()


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--labels":
        for (p, c), (_, _, label) in sorted(REPLIES.items()):
            print(f"{p}-{c}\t{label}")
        sys.exit(0)
    # PORT or ADDR:PORT (another loopback address, so that an MTA that marks a failing address
    # as down, as OpenSMTPD does, still reaches the first one with its bounces).
    addrs = [(a.rpartition(":")[0] or "127.0.0.1", int(a.rpartition(":")[2])) for a in sys.argv[1].split(",")]
    outdir = sys.argv[2]
    for a in addrs[1:]:
        threading.Thread(target=listen, args=(a, outdir), daemon=True).start()
    listen(addrs[0], outdir)
