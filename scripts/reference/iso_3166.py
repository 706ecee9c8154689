#!/usr/bin/env python3
"""Builds crates/model/data/iso_3166_1.tsv (alpha_2, alpha_3, English name) from Debian's iso-codes
(package iso-codes 4.15.0, /usr/share/iso-codes/json/iso_3166-1.json, the ISO 3166 Maintenance Agency
list), for the "did you mean" of nationality cells written as alpha-3 codes or English names.

    python3 scripts/reference/iso_3166.py > crates/model/data/iso_3166_1.tsv
"""
import csv
import json
import sys

rows = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8"))["3166-1"]
w = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
w.writerow(["alpha_2", "alpha_3", "name", "common_name"])
for r in sorted(rows, key=lambda r: r["alpha_2"]):
    w.writerow([r["alpha_2"], r["alpha_3"], r["name"], r.get("common_name", "")])
