#!/usr/bin/env python3
"""Pair precision and recall of `zicht demo`'s persons against the simulator's truth.

Usage: scripts/eval/link_on_sim.py DEMO_DIR   (after `zicht demo --out DEMO_DIR`)

Pairs are same-person pairs among reports, and among reports and the follow-up events of reported
persons. Report pairs are also split by what the records allow any linkage to decide:

- "pseudonym differs": one record is a statistical report (zicht keeps only its keyed pseudonym,
  birth year, sex and nationality) and its normalised identity differs from the other's, so no
  linkage can see that they are the same person except by those few attributes;
- "name only, shared": one identified record has no birth date or year, no citizen number and no
  document number, and its name and sex are also those of another reported person;
- "decidable": the rest. Recall on these is what the linkage can be held to.

All pairs (reports and follow-up events) are also split by whether the two records share more than a
name: both have a birth date or year, or both a citizen number, or both a document number. A pair that
shares only the name (a follow-up record without a birth date, against a register where many people
have that name) is decided by the name's rarity alone.
"""
import collections
import csv
import itertools
import os
import re
import sqlite3
import sys
import unicodedata

d = sys.argv[1]
# `zicht demo` writes demo.db (earlier demos: zicht.db).
c = sqlite3.connect(d + '/demo.db' if os.path.exists(d + '/demo.db') else d + '/zicht.db')
pred = {}
for rep, ext, pid in c.execute("select reporter, external_id, person_id from reports"):
    pred[('r', rep, ext)] = pid
for src, ext, pid in c.execute("select source, external_id, person_id from events"):
    pred[('e', src, ext)] = pid
truth = {}
for r in csv.DictReader(open(d + '/data/truth/report_persons.csv')):
    truth[('r', r['reporter'], r['external_id'])] = r['person_id']
reported = set(truth.values())
for r in csv.DictReader(open(d + '/data/truth/event_persons.csv')):
    if r['person_id'] in reported:
        truth[('e', r['source'], r['external_id'])] = r['person_id']


def pairs(m, keys):
    g = collections.defaultdict(list)
    for k in keys:
        if m.get(k):
            g[m[k]].append(k)
    return {p for v in g.values() for p in itertools.combinations(sorted(v), 2)}


for name, keys in [('reports', [k for k in pred if k[0] == 'r']), ('reports+events', list(pred))]:
    P = pairs(pred, keys)
    T = pairs(truth, keys)
    tp = len(P & T)
    print(f"{name}: predicted pairs {len(P)}, true pairs {len(T)}, precision {tp/len(P):.4f}, recall {tp/len(T):.4f}")

# Recall by what the report records allow.
rows = {('r', r['reporter'], r['external_id']): r for r in csv.DictReader(open(d + '/data/reports.csv'))}
PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "t", "von", "zu", "vom", "zum", "le",
             "la", "les", "du", "des", "di", "da", "dos", "das", "del", "della", "y", "al", "el", "bin", "ibn",
             "bint", "abu"}


def tokens(s):
    s = unicodedata.normalize('NFKD', s).encode('ascii', 'ignore').decode().lower()
    return [w for w in re.split(r"[\s\-'.,]+", s) if w]


def identity(r):  # docs/formats.md: the normalised identity of the pseudonym
    return ' '.join(sorted(tokens(r['given_names']) + tokens(r['family_name']))) + '|' + r['birth_date']


def name_key(r):
    return (' '.join(sorted(t for t in tokens(r['given_names']) + tokens(r['family_name']) if t not in PARTICLES)),
            r['sex'])


persons_with_name = collections.defaultdict(set)
for k, r in rows.items():
    if r['identification'] == 'identified':
        persons_with_name[name_key(r)].add(truth[k])


def category(a, b):
    ra, rb = rows[a], rows[b]
    if 'statistical' in (ra['identification'], rb['identification']) and identity(ra) != identity(rb):
        return 'pseudonym differs'
    for x in (ra, rb):
        if (x['identification'] == 'identified' and not x['birth_date'] and not x['birth_year']
                and not x['citizen_number'] and not x['document_number'] and len(persons_with_name[name_key(x)]) > 1):
            return 'name only, shared'
    return 'decidable'


keys = [k for k in pred if k[0] == 'r']
P = pairs(pred, keys)
by = collections.defaultdict(lambda: [0, 0])
for p in pairs(truth, keys):
    cat = category(*p)
    by[cat][0] += 1
    by[cat][1] += p in P
for cat in ['decidable', 'pseudonym differs', 'name only, shared']:
    n, found = by[cat]
    if n:
        print(f"report pairs, {cat}: {n} true pairs, recall {found / n:.4f}")

# All pairs by what the two records share beyond the name.
for r in csv.DictReader(open(d + '/data/events.csv')):
    rows[('e', r['source'], r['external_id'])] = r


def more_than_a_name(a, b):
    ra, rb = rows[a], rows[b]
    born = [bool(x.get('birth_date') or x.get('birth_year')) for x in (ra, rb)]
    return all(born) or any(ra.get(f) and rb.get(f) for f in ('citizen_number', 'document_number'))


keys = list(pred)
P = pairs(pred, keys)
by = collections.defaultdict(lambda: [0, 0])
for p in pairs(truth, keys):
    cat = 'share a birth date or year or a number' if more_than_a_name(*p) else 'share only a name'
    by[cat][0] += 1
    by[cat][1] += p in P
for cat in ['share a birth date or year or a number', 'share only a name']:
    n, found = by[cat]
    if n:
        print(f"all pairs, {cat}: {n} true pairs, recall {found / n:.4f}")
