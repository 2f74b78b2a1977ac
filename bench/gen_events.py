#!/usr/bin/env python3
"""Generates large, realistic delivery-evidence files for bench/events.sh.

    gen_events.py sendgrid|postfix SIZE_MB OUT [--seed N]

sendgrid: SendGrid event-webhook JSON Lines (processed, delivered, deferred, bounce (type bounce or blocked),
dropped, spamreport, unsubscribe, group_unsubscribe, open, click), 200 000 distinct recipients
over 60 domains, fields as the webhook sends them (sg_event_id, sg_message_id, smtp-id, category,
tls, ip, response/reason/status, attempt, useragent/url for engagement events).

postfix: a traditional-syslog Postfix log: per message smtpd connect, cleanup message-id, qmgr
from/size, one to three smtp/local to= lines (sent, deferred then sent, bounced, deferred then
expired), qmgr removed, smtpd disconnect, plus NOQUEUE rejects and unrelated daemon lines;
several queue ids interleaved, as on a busy relay.

The address pat@acme-builders.com (the timeline bench's target) appears a few times in each
file, spread over it. Deterministic for a given seed; nothing here is committed output.
"""

import random
import sys

RECIPIENTS = 200_000
TARGET = "pat@acme-builders.com"


def domains(rng):
    base = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "gmx.de", "web.de", "proton.me"]
    return base + [f"corp{i}-{rng.choice(['bau', 'tech', 'logistik', 'health'])}.example" for i in range(53)]


def addresses(rng):
    ds = domains(rng)
    first = ["anna", "ben", "chris", "dana", "eli", "fatima", "georg", "hana", "ivan", "jo", "kim", "lea"]
    out = []
    for i in range(RECIPIENTS):
        out.append(f"{rng.choice(first)}.{i}@{rng.choice(ds)}")
    return out


def sendgrid(rng, size, out):
    addrs = addresses(rng)
    t = 1742198533
    n = 0
    written = 0
    buf = []
    cats = ['["invite"]', '["password-reset"]', '["digest","weekly"]', '"receipt"']
    replies_def = [
        ("451 4.7.1 Greylisted, please try again later", "4.7.1"),
        ("421 4.7.28 Our system has detected an unusual rate of unsolicited mail", "4.7.28"),
        ("452 4.2.2 The email account that you tried to reach is over quota", "4.2.2"),
    ]
    bounces = [
        ("bounce", "550 5.1.1 <{a}>: Recipient address rejected: User unknown in virtual mailbox table", "5.1.1", "Invalid Address"),
        ("bounce-blocked", "554 5.7.1 Service unavailable; Client host [167.89.0.1] blocked using zen.spamhaus.org", "5.7.1", "Reputation"),
        ("bounce", "552 5.2.2 Mailbox full", "5.2.2", "Mailbox Unavailable"),
    ]
    while written < size:
        n += 1
        t += rng.randint(0, 2)
        a = TARGET if n % 1_000_003 == 0 else rng.choice(addrs)
        msg = f"{rng.getrandbits(48):012x}.filterdrecv-{rng.randint(1, 99)}-{n:x}"
        sid = f"<inv-{n}@app.example>"
        ev = f'"sg_event_id":"{rng.getrandbits(64):016x}","sg_message_id":"{msg}.0","smtp-id":"{sid}","category":{rng.choice(cats)}'
        lines = [f'{{"email":"{a}","timestamp":{t},"event":"processed",{ev},"send_at":0}}']
        r = rng.random()
        if r < 0.70:
            lines.append(f'{{"email":"{a}","timestamp":{t + 2},"event":"delivered",{ev},"ip":"167.89.0.{n % 250}","tls":1,"response":"250 2.0.0 OK  {t} q{n % 97}si{n % 1000}.{n}-v6 - gsmtp"}}')
            if rng.random() < 0.4:
                lines.append(f'{{"email":"{a}","timestamp":{t + 600},"event":"open",{ev},"useragent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","ip":"203.0.113.{n % 250}","sg_machine_open":false}}')
            if rng.random() < 0.15:
                lines.append(f'{{"email":"{a}","timestamp":{t + 700},"event":"click",{ev},"url":"https://app.example/invite/{n:x}","url_offset":{{"index":0,"type":"html"}},"useragent":"Mozilla/5.0","ip":"203.0.113.{n % 250}"}}')
        elif r < 0.82:
            text, st = rng.choice(replies_def)
            for k in range(1, rng.randint(2, 4)):
                lines.append(f'{{"email":"{a}","timestamp":{t + 300 * k},"event":"deferred",{ev},"response":"{text}","attempt":"{k}","tls":1}}')
            lines.append(f'{{"email":"{a}","timestamp":{t + 3600},"event":"delivered",{ev},"response":"250 2.0.0 Ok: queued as {n:X}","tls":1}}')
        elif r < 0.92:
            kind, text, st, cls = rng.choice(bounces)
            text = text.format(a=a)
            lines.append(f'{{"email":"{a}","timestamp":{t + 3},"event":"bounce","type":"{"blocked" if kind == "bounce-blocked" else "bounce"}",{ev},"reason":"{text}","status":"{st}","bounce_classification":"{cls}","tls":1}}')
        elif r < 0.97:
            why = rng.choice(["Bounced Address", "Spam Reporting Address", "Unsubscribed Address", "Invalid"])
            lines.append(f'{{"email":"{a}","timestamp":{t + 1},"event":"dropped",{ev},"reason":"{why}","status":"5.0.0"}}')
        elif r < 0.99:
            lines.append(f'{{"email":"{a}","timestamp":{t + 2},"event":"delivered",{ev},"response":"250 OK"}}')
            lines.append(f'{{"email":"{a}","timestamp":{t + 9000},"event":"spamreport",{ev}}}')
        else:
            lines.append(f'{{"email":"{a}","timestamp":{t + 2},"event":"delivered",{ev},"response":"250 OK"}}')
            lines.append(f'{{"email":"{a}","timestamp":{t + 9000},"event":"{rng.choice(["unsubscribe", "group_unsubscribe"])}",{ev},"asm_group_id":{n % 5}}}')
        s = "\n".join(lines) + "\n"
        buf.append(s)
        written += len(s)
        if len(buf) >= 4096:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def stamp(t):
    # t: seconds since 1 Mar 00:00 (no wrap past the month, which the bench sizes keep).
    d, rem = divmod(t, 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    day = 1 + d
    mon = MONTHS[2 + (day - 1) // 31]
    day = (day - 1) % 31 + 1
    return f"{mon} {day:2d} {h:02d}:{m:02d}:{s:02d}"


def postfix(rng, size, out):
    addrs = addresses(rng)
    alphabet = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
    t = 0
    n = 0
    written = 0
    pending = []  # lines of earlier messages, interleaved with the current one
    buf = []
    pid = 3000
    while written < size:
        n += 1
        t += rng.randint(0, 1)
        pid = 3000 + n % 20000
        qid = "4YQ" + "".join(rng.choice(alphabet) for _ in range(9))
        host = f"mta{1 + n % 3}"
        ip = f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"
        lines = [
            (t, f"{host} postfix/smtpd[{pid}]: connect from app{n % 40}.internal[{ip}]"),
            (t, f"{host} postfix/smtpd[{pid}]: {qid}: client=app{n % 40}.internal[{ip}]"),
            (t, f"{host} postfix/cleanup[{pid + 1}]: {qid}: message-id=<inv-{n}@app.example>"),
            (t, f"{host} postfix/qmgr[1100]: {qid}: from=<no-reply@app.example>, size={rng.randint(2000, 90000)}, nrcpt={1}, (queue active)"),
            (t, f"{host} postfix/smtpd[{pid}]: disconnect from app{n % 40}.internal[{ip}] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7"),
        ]
        for _ in range(1 if rng.random() < 0.8 else rng.randint(2, 3)):
            a = TARGET if n % 700_001 == 0 else rng.choice(addrs)
            dom = a.split("@")[1]
            mx = f"mx{rng.randint(1, 2)}.{dom}[198.51.{n % 250}.{n % 200}]:25"
            r = rng.random()
            d = rng.randint(1, 4)
            if r < 0.75:
                lines.append((t + d, f"{host} postfix/smtp[{pid + 2}]: {qid}: to=<{a}>, relay={mx}, delay={d}.2, delays=0.05/0.01/0.4/0.7, dsn=2.0.0, status=sent (250 2.0.0 OK  1742{n} x{n % 999}si.{n} - gsmtp)"))
            elif r < 0.87:
                lines.append((t + d, f"{host} postfix/smtp[{pid + 2}]: {qid}: to=<{a}>, relay={mx}, delay={d}.2, delays=0.05/0.01/0.4/0.7, dsn=4.7.1, status=deferred (host {mx[:-3]} said: 451 4.7.1 Greylisted, please try again later (in reply to RCPT TO command))"))
                lines.append((t + d + 300, f"{host} postfix/smtp[{pid + 3}]: {qid}: to=<{a}>, relay={mx}, delay=301, delays=300/0.01/0.4/0.7, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {n:X})"))
            elif r < 0.95:
                lines.append((t + d, f"{host} postfix/smtp[{pid + 2}]: {qid}: to=<{a}>, relay={mx}, delay={d}.5, delays=0.05/0.01/0.4/1, dsn=5.1.1, status=bounced (host {mx[:-3]} said: 550 5.1.1 <{a}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))"))
                lines.append((t + d, f"{host} postfix/bounce[{pid + 4}]: {qid}: sender non-delivery notification: 4YR{n:09X}"))
            elif r < 0.98:
                lines.append((t + d, f"{host} postfix/local[{pid + 5}]: {qid}: to=<{a}>, orig_to=<{a.split('@')[0]}@localhost>, relay=local, delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (delivered to mailbox)"))
            else:
                lines.append((t + d, f"{host} postfix/smtp[{pid + 2}]: {qid}: to=<{a}>, relay=none, delay=3601, delays=3600/0.01/30/0, dsn=4.4.1, status=deferred (connect to {mx}: Connection timed out)"))
                lines.append((t + d + 5, f"{host} postfix/qmgr[1100]: {qid}: from=<no-reply@app.example>, status=expired, returned to sender"))
        # `removed` comes last: after every retry and after the expiry of this queue id.
        lines.append((max(pt for pt, _ in lines) + 1, f"{host} postfix/qmgr[1100]: {qid}: removed"))
        if rng.random() < 0.05:
            a = rng.choice(addrs)
            lines.append((t, f"{host} postfix/smtpd[{pid + 6}]: NOQUEUE: reject: RCPT from unknown[192.0.2.{n % 250}]: 554 5.7.1 <{a}>: Relay access denied; from=<spam@bad.example> to=<{a}> proto=ESMTP helo=<x>"))
        # Interleave: this message's lines join those of the few before it.
        pending.extend(lines)
        if len(pending) > 40:
            pending.sort(key=lambda p: p[0])
            half = pending[:20]
            del pending[:20]
            s = "".join(f"{stamp(pt)} {text}\n" for pt, text in half)
            buf.append(s)
            written += len(s)
            if len(buf) >= 512:
                out.write("".join(buf))
                buf.clear()
    pending.sort(key=lambda p: p[0])
    buf.append("".join(f"{stamp(pt)} {text}\n" for pt, text in pending))
    out.write("".join(buf))


def main():
    args = sys.argv[1:]
    seed = 19
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i : i + 2]
    if len(args) != 3 or args[0] not in ("sendgrid", "postfix"):
        sys.exit(__doc__)
    kind, mb, path = args[0], float(args[1]), args[2]
    rng = random.Random(seed)
    with open(path, "w", buffering=1 << 20) as out:
        (sendgrid if kind == "sendgrid" else postfix)(rng, int(mb * (1 << 20)), out)


if __name__ == "__main__":
    main()
