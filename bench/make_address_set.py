#!/usr/bin/env python3
"""Writes bench/address-set.txt: a fixed, mixed set of valid and invalid addresses used by the
criterion bench (crates/mailwhy/benches/address.rs) and by compare_address_validators.py, so
both measure the same inputs. Deterministic (fixed seed); rerun only to change the set."""
import random

rng = random.Random(20261123)
first = ["jane", "john", "marie", "pierre", "li.wei", "o'brien", "anne-sophie", "j.smith", "m_dupont",
         "contact", "info", "sales+promo", "user1984", "x", "very.long.first.and.last.name"]
domains = ["gmail.com", "outlook.com", "orange.fr", "laposte.net", "acme-corp.co.uk", "initech.fr",
           "mail.globex.de", "sub.domain.example.org", "yahoo.fr", "free.fr", "web.de", "icloud.com"]
idn = ["bücher.fr", "münchen.de", "xn--bcher-kva.fr", "société.fr"]
utf8_local = ["josé", "zoë", "françois", "иван"]
bad = [
    lambda: f"{rng.choice(first)}..doe@{rng.choice(domains)}",
    lambda: f".{rng.choice(first)}@{rng.choice(domains)}",
    lambda: f"{rng.choice(first)}.@{rng.choice(domains)}",
    lambda: f"{rng.choice(first)} doe@{rng.choice(domains)}",
    lambda: f"{rng.choice(first)}@{rng.choice(domains)}.",
    lambda: f"{rng.choice(first)}@@{rng.choice(domains)}",
    lambda: f"{rng.choice(first)}{rng.choice(domains)}",
    lambda: f"{rng.choice(first)}@",
    lambda: f"@{rng.choice(domains)}",
    lambda: f"{rng.choice(first)}@{rng.choice(domains).replace('.', ',', 1)}",
    lambda: f"{rng.choice(first)}@-{rng.choice(domains)}",
    lambda: f"{rng.choice(first)}@{rng.choice(domains).replace('.', '..', 1)}",
    lambda: f"{rng.choice(first)}@localhost",
    lambda: f"\"{rng.choice(first)}@{rng.choice(domains)}",
    lambda: f"{'a' * 70}@{rng.choice(domains)}",
    lambda: f"{rng.choice(first)}(comment)@{rng.choice(domains)}",
]
out = []
for i in range(2000):
    r = rng.random()
    if r < 0.60:
        out.append(f"{rng.choice(first)}@{rng.choice(domains)}")
    elif r < 0.65:
        out.append(f"{rng.choice(first + utf8_local)}@{rng.choice(idn)}")
    elif r < 0.70:
        out.append(rng.choice([f"\"{rng.choice(first)} doe\"@{rng.choice(domains)}",
                               f"{rng.choice(first)}@[185.42.12.{rng.randrange(256)}]"]))
    else:
        out.append(rng.choice(bad)())
with open("address-set.txt", "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
print(f"wrote {len(out)} addresses")
