#!/usr/bin/env python3
"""Writes N identified reports (CSV, the import format) to stdout for import benchmarks.

Deterministic (seed 1). Birth dates are random, so some minors end up under `consent` without a
guardian's consent: those rows are invalid on purpose and exercise reject mode.
"""
import csv
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
random.seed(1)
cols = ["reporter", "reporter_type", "external_id", "report_date", "identification", "lawful_basis",
        "given_names", "family_name", "birth_date", "sex", "nationality", "exploitation", "domestic", "municipality"]
reporters = [("POL-AMS", "police", "legal_obligation"), ("NLA", "labour_inspectorate", "legal_obligation"),
             ("KMAR", "border_police", "public_task"), ("FIER", "shelter", "consent")]
given = ["Anna", "Maria", "Ioana", "Fatima", "Sanne", "Noor", "Blessing", "Marta", "An", "Eva", "Lisa", "Daan"]
family = ["de Vries", "Jansen", "Popescu", "Okafor", "Kowalska", "Nguyen", "van der Berg", "Bakker", "Visser"]
forms = ["sexual:prostitution", "labour:hospitality", "criminal", "sexual", "labour:agriculture"]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(cols)
for i in range(n):
    rep, rtype, basis = reporters[i % len(reporters)]
    y = random.randint(1960, 2004)
    w.writerow([rep, rtype, f"X{i:07d}",
                f"20{random.randint(15, 22)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}",
                "identified", basis, random.choice(given), random.choice(family),
                f"{y}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}",
                random.choice(["female", "male"]), random.choice(["NL", "RO", "BG", "PL", "NG", "VN"]),
                random.choice(forms), random.choice(["true", "false"]), "GM0363"])
