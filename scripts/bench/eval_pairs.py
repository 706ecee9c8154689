#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of predicted pairs against the `person_id` truth.

    python3 eval_pairs.py people.csv pairs.csv [--left-col id_l --right-col id_r]
Prints one JSON line.
"""
import argparse
import csv
import json
from collections import Counter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("pairs")
    ap.add_argument("--left-col", default="id_l")
    ap.add_argument("--right-col", default="id_r")
    a = ap.parse_args()
    person = {}
    with open(a.data, newline="") as fh:
        for r in csv.DictReader(fh):
            person[r["id"]] = r["person_id"]
    truth = sum(c * (c - 1) // 2 for c in Counter(person.values()).values())
    seen = set()
    tp = fp = 0
    with open(a.pairs, newline="") as fh:
        for r in csv.DictReader(fh):
            x, y = r[a.left_col], r[a.right_col]
            key = (x, y) if x < y else (y, x)
            if key in seen:
                continue
            seen.add(key)
            if person[x] == person[y]:
                tp += 1
            else:
                fp += 1
    p = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / truth if truth else 1.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    print(json.dumps({"tp": tp, "fp": fp, "fn": truth - tp, "precision": p, "recall": rc, "f1": f1}))


if __name__ == "__main__":
    main()
