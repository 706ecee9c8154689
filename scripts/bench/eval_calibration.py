#!/usr/bin/env python3
"""Precision, recall and F1 at a threshold, the best F1 over thresholds, and calibration of scored
pairs against the `person_id` truth (issue 15).

    python3 eval_calibration.py DATA.csv PAIRS.csv [--id record_id] [--threshold 0.9]
        [--prob-col match_probability] [--left-col id_l --right-col id_r] [--diagram]

PAIRS.csv should hold every scored pair down to a low probability (e.g. `zicht match --threshold
0.01`, Splink's `predict(threshold_match_probability=0.01)`). Calibration: the pairs are put into ten
bands of predicted probability (0-0.1, ..., 0.9-1); the expected calibration error (Naeini, Cooper
& Hauskrecht 2015) is the pair-weighted mean over bands of |share of true pairs − mean probability|.
Because nearly all pairs sit in the lowest band, the ECE over pairs of probability ≥ 0.5 (the ones
that decide links) is printed too. Prints one JSON object; --diagram adds the bands.
"""
import argparse
import csv
import json
from collections import Counter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("pairs")
    ap.add_argument("--id", default="record_id")
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--prob-col", default="match_probability")
    ap.add_argument("--left-col", default="id_l")
    ap.add_argument("--right-col", default="id_r")
    ap.add_argument("--diagram", action="store_true")
    a = ap.parse_args()
    person = {}
    with open(a.data, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            person[r[a.id]] = r["person_id"]
    truth = sum(c * (c - 1) // 2 for c in Counter(person.values()).values())
    best = {}
    with open(a.pairs, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            x, y = r[a.left_col], r[a.right_col]
            key = (x, y) if x < y else (y, x)
            p = float(r[a.prob_col])
            if p > best.get(key, -1.0):
                best[key] = p
    scored = sorted(((p, person[x] == person[y]) for (x, y), p in best.items()), reverse=True)

    def at(t):
        tp = sum(1 for p, m in scored if p >= t and m)
        fp = sum(1 for p, m in scored if p >= t and not m)
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / truth if truth else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4)}

    # Best F1 over every distinct threshold, in one pass down the sorted scores.
    tp = fp = 0
    best_f1, best_t = 0.0, 1.0
    for i, (p, m) in enumerate(scored):
        tp += m
        fp += not m
        if i + 1 < len(scored) and scored[i + 1][0] == p:
            continue
        prec, rec = tp / (tp + fp), tp / truth if truth else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f1 > best_f1:
            best_f1, best_t = f1, p

    def bands(lo):
        out = []
        for b in range(10):
            l, h = b / 10, (b + 1) / 10
            if h <= lo:
                continue
            inb = [(p, m) for p, m in scored if max(l, lo) <= p < h or (b == 9 and p == 1.0)]
            if inb:
                mean = sum(p for p, _ in inb) / len(inb)
                share = sum(m for _, m in inb) / len(inb)
                out.append({"band": f"{l:.1f}-{h:.1f}", "pairs": len(inb), "mean_probability": round(mean, 4),
                            "share_true": round(share, 4)})
        n = sum(x["pairs"] for x in out)
        ece = sum(x["pairs"] * abs(x["share_true"] - x["mean_probability"]) for x in out) / n if n else 0.0
        return out, ece

    diagram, ece = bands(0.0)
    high, ece_high = bands(0.5)
    res = {"true_pairs": truth, "scored_pairs": len(scored), "threshold": a.threshold, **at(a.threshold),
           "best_f1": round(best_f1, 4), "best_threshold": round(best_t, 6), "ece": round(ece, 4),
           "ece_above_0_5": round(ece_high, 4)}
    if a.diagram:
        res["bands"] = diagram
    print(json.dumps(res))


if __name__ == "__main__":
    main()
