#!/usr/bin/env python3
"""Syntax-only address validation, side by side on bench/address-set.txt (not run by CI):

  * mailwhy   (`cargo run --release --example address_throughput`)
  * email-validator (Python), validate_email(..., check_deliverability=False)
  * emval (Rust core with Python bindings), EmailValidator(deliverable_address=False)

Every validator runs on one core, over the same 2,000 addresses, for about two seconds. Options
are set so that all three accept the same forms: UTF-8 (SMTPUTF8), quoted local parts and
address literals. Prints addresses per second, the ratio to mailwhy, and how many addresses each
accepted (they disagree on a few rules, listed with --diff).

  pip install email-validator emval
  python3 bench/compare_address_validators.py [--diff]
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SET = os.path.join(HERE, "address-set.txt")


def timed(name, fn, addresses, seconds=2.0):
    valid = sum(1 for a in addresses if fn(a))
    rounds = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in addresses:
            fn(a)
        rounds += 1
    elapsed = time.perf_counter() - start
    return {"validator": name, "addresses": len(addresses), "valid": valid,
            "per_second": rounds * len(addresses) / elapsed}


def main():
    with open(SET, encoding="utf-8") as f:
        addresses = f.read().splitlines()

    import email_validator
    from emval import EmailValidator

    def ev(a):
        try:
            email_validator.validate_email(a, check_deliverability=False, allow_smtputf8=True,
                                           allow_quoted_local=True, allow_domain_literal=True)
            return True
        except email_validator.EmailNotValidError:
            return False

    emv = EmailValidator(allow_smtputf8=True, allow_quoted_local=True, allow_domain_literal=True,
                         deliverable_address=False)

    def em(a):
        try:
            emv.validate_email(a)
            return True
        except Exception:  # emval raises SyntaxError / ValueError subclasses
            return False

    out = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "mailwhy", "--example", "address_throughput", "--", SET],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    mw = json.loads(out.strip().splitlines()[-1])
    # The Python call floor: a function that does nothing, called the same way. No validator
    # called from Python can go faster than this, however fast its core is.
    def noop(a):
        try:
            return True
        except Exception:
            return False

    rows = [mw, timed("email-validator", ev, addresses), timed("emval", em, addresses),
            timed("python-call-floor", noop, addresses)]
    print(f"mailwhy address::parse (full Address): {mw.get('parse_per_second', 0):,.0f}/s")
    print(f"{'validator':<16} {'addresses/s':>14} {'mailwhy is x faster':>20} {'accepted':>9}")
    for r in rows:
        ratio = mw["per_second"] / r["per_second"]
        print(f"{r['validator']:<16} {r['per_second']:>14,.0f} {ratio:>20.1f} {r['valid']:>5}/{r['addresses']}")

    if "--diff" in sys.argv:
        res = subprocess.run(
            ["cargo", "run", "-q", "--release", "-p", "mailwhy", "--example", "address_throughput",
             "--", SET, "--verdicts"],
            cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
        print("\naddresses on which the validators disagree (mailwhy, email-validator, emval):")
        seen = set()
        for a, m in zip(addresses, res):
            k = (m == "1", ev(a), em(a))
            if len(set(k)) > 1 and a not in seen:
                seen.add(a)
                print("  ", "".join("+" if x else "-" for x in k), repr(a))


if __name__ == "__main__":
    main()
