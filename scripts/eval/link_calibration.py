#!/usr/bin/env python3
"""How well `zicht link`'s match probabilities are calibrated on the simulator.

Usage: scripts/eval/link_calibration.py DEMO_DIR [ZICHT]   (after `zicht demo --out DEMO_DIR`)

Re-links a copy of DEMO_DIR's register with every scored pair of probability 0.05 or more written to
the review file (threshold 0.9999999, so the file holds nearly every scored pair; the model does not
depend on the threshold), then bins the pairs by probability and prints, per kind of pair (rr: two
reports, er: a report and a follow-up event), how many are true same-person pairs against the mean
probability. A calibrated model has the two close.
"""
import collections
import csv
import shutil
import sqlite3
import subprocess
import sys
import tempfile

demo = sys.argv[1]
zicht = sys.argv[2] if len(sys.argv) > 2 else 'target/release/zicht'
work = tempfile.mkdtemp(prefix='zicht-calibration-')
shutil.copy(f'{demo}/demo.db', f'{work}/zicht.db')
subprocess.run([zicht, 'link', '--db', f'sqlite://{work}/zicht.db', '--key-file', f'{demo}/demo.key',
                '--threshold', '0.9999999', '--review', f'{work}/pairs.csv', '--review-from', '0.05'],
               check=True, capture_output=True)
c = sqlite3.connect(f'{work}/zicht.db')
record = {}
for i, rep, ext in c.execute("select id, reporter, external_id from reports"):
    record[f'r{i}'] = ('r', rep, ext)
for i, src, ext in c.execute("select id, source, external_id from events"):
    record[f'e{i}'] = ('e', src, ext)
truth = {}
for r in csv.DictReader(open(f'{demo}/data/truth/report_persons.csv')):
    truth[('r', r['reporter'], r['external_id'])] = r['person_id']
for r in csv.DictReader(open(f'{demo}/data/truth/event_persons.csv')):
    truth[('e', r['source'], r['external_id'])] = r['person_id'] or None
bins = [0.05, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0]
agg = collections.defaultdict(lambda: [0, 0, 0.0])
for row in csv.DictReader(open(f'{work}/pairs.csv')):
    a, b, p = record[row['id_l']], record[row['id_r']], float(row['match_probability'])
    kind = ''.join(sorted(a[0] + b[0]))
    if kind == 'ee':  # events of never-reported people have no true person to compare
        continue
    same = truth.get(a) is not None and truth.get(a) == truth.get(b)
    k = max(i for i in range(len(bins) - 1) if bins[i] <= p)
    x = agg[(kind, k)]
    x[0] += 1
    x[1] += same
    x[2] += p
print(f"{'pairs':5} {'probability':12} {'n':>7} {'true share':>10} {'mean p':>7}")
for (kind, k), (n, same, ps) in sorted(agg.items()):
    print(f"{kind:5} {bins[k]:.2f}-{bins[k + 1]:.2f}    {n:7d} {same / n:10.3f} {ps / n:7.3f}")
shutil.rmtree(work)
