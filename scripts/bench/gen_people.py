#!/usr/bin/env python3
"""Seeded generator of noisy person records for the linkage benchmark (stand-in until
zicht-sim exists). Standard library only.

Writes a CSV `id,person_id,first_name,surname,dob,postcode,city`: persons with 1–5 records
each (mean ~1.9), every record independently corrupted: one-character typos (substitution,
deletion, insertion, transposition), missing values, day/month swaps and digit typos in the
date of birth, moves (new postcode and city), surname changes. `person_id` is the truth.

    python3 gen_people.py --n 100000 --seed 1 --out people.csv
"""
import argparse
import csv
import random
import string

ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kl", "l", "m", "n",
          "p", "pr", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ae", "ei", "oo", "ie", "y"]
CODAS = ["", "", "n", "r", "s", "l", "m", "t", "nd", "rt", "ck", "ns"]


def word(rng, syllables):
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))


def pool(rng, n, lo, hi):
    seen, out = set(), []
    while len(out) < n:
        w = word(rng, rng.randint(lo, hi))
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def zipf_cum_weights(n, s):
    out, acc = [], 0.0
    for r in range(n):
        acc += 1.0 / (r + 1) ** s
        out.append(acc)
    return out


def typo(rng, s):
    if not s:
        return s
    i = rng.randrange(len(s))
    op = rng.randrange(4)
    letters = string.ascii_lowercase if s.isalpha() else string.digits
    if op == 0:
        return s[:i] + rng.choice(letters) + s[i + 1:]
    if op == 1 and len(s) > 2:
        return s[:i] + s[i + 1:]
    if op == 2:
        return s[:i] + rng.choice(letters) + s[i:]
    if i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:-1] + rng.choice(letters)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    first = pool(rng, 3000, 1, 3)
    last = pool(rng, max(5000, a.n // 5), 2, 3)
    cities = pool(rng, 800, 2, 3)
    n_post = max(2000, a.n // 5)
    postcodes = []
    seen = set()
    while len(postcodes) < n_post:
        p = f"{rng.randint(1000, 9999)}{rng.choice(string.ascii_lowercase)}{rng.choice(string.ascii_lowercase)}"
        if p not in seen:
            seen.add(p)
            postcodes.append(p)
    city_of = {p: cities[int(p[:4]) * len(cities) // 10000] for p in postcodes}
    fw, lw = zipf_cum_weights(len(first), 1.0), zipf_cum_weights(len(last), 0.8)
    sizes, size_w = [1, 2, 3, 4, 5], [0.5, 0.25, 0.15, 0.07, 0.03]

    rows = []
    person = 0
    while len(rows) < a.n:
        person += 1
        fn = rng.choices(first, cum_weights=fw)[0]
        sn = rng.choices(last, cum_weights=lw)[0]
        y, m, d = rng.randint(1930, 2010), rng.randint(1, 12), rng.randint(1, 28)
        pc = rng.choice(postcodes)
        for _ in range(rng.choices(sizes, size_w)[0]):
            if len(rows) >= a.n:
                break
            f, s, yy, mm, dd, p = fn, sn, y, m, d, pc
            if rng.random() < 0.10:
                f = typo(rng, f)
            if rng.random() < 0.03:
                s = rng.choices(last, cum_weights=lw)[0]
            elif rng.random() < 0.10:
                s = typo(rng, s)
            dob = f"{yy:04d}-{mm:02d}-{dd:02d}"
            r = rng.random()
            if r < 0.03 and dd <= 12:
                dob = f"{yy:04d}-{dd:02d}-{mm:02d}"
            elif r < 0.08:
                digits = typo(rng, dob.replace("-", ""))
                digits = (digits + "0")[:8] if len(digits) < 8 else digits[:8]
                dob = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
            elif r < 0.10:
                dob = f"{yy + rng.choice([-1, 1]):04d}-{mm:02d}-{dd:02d}"
            if rng.random() < 0.10:
                p = rng.choice(postcodes)
            c = city_of[p]
            if rng.random() < 0.05:
                p = typo(rng, p)
            if rng.random() < 0.05:
                c = typo(rng, c)
            rec = [f, s, dob, p, c]
            for k in range(5):
                if rng.random() < 0.05:
                    rec[k] = ""
            rows.append([person] + rec)
    rng.shuffle(rows)
    with open(a.out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "person_id", "first_name", "surname", "dob", "postcode", "city"])
        for i, r in enumerate(rows):
            w.writerow([f"r{i}"] + r)


if __name__ == "__main__":
    main()
