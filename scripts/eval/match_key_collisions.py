#!/usr/bin/env python3
"""How often a match key is shared by different people, and what a Soundex key would catch.

Usage: scripts/eval/match_key_collisions.py DEMO_DIR   (after `zicht demo --out DEMO_DIR`)

Renders match keys (b) (first given name and family name without particles, birth year, day and month
in either order) and (c) (their Russell Soundex codes instead) in plain text from the simulator's files,
and counts, among records whose true person is known (reports and the follow-up events of reported
people), the keys that two or more different people share. Also counts the missed same-person pairs
involving a statistical report whose two records would share key (c). The Soundex here is the textbook
algorithm, for evaluation only; zicht uses rphonetic's.
"""
import collections
import sys

sys.argv = sys.argv[:2]
exec(open(__file__.replace('match_key_collisions.py', 'link_on_sim.py')).read().split("keys = [k for k in pred if k[0] == 'r']")[0])
events = {('e', r['source'], r['external_id']): r for r in csv.DictReader(open(d + '/data/events.csv'))}
records = dict(rows)
records.update(events)
CODES = {**{c: '1' for c in 'bfpv'}, **{c: '2' for c in 'cgjkqsxz'}, **{c: '3' for c in 'dt'}, 'l': '4',
         **{c: '5' for c in 'mn'}, 'r': '6'}


def soundex(w):
    w = ''.join(ch for ch in w if ch.isalpha())
    if not w:
        return ''
    out, last = w[0].upper(), CODES.get(w[0], '')
    for ch in w[1:]:
        c = CODES.get(ch, '')
        if c and c != last:
            out += c
        if ch not in 'hw':
            last = c
    return (out + '000')[:4]


def key(r, code):
    if not r['birth_date']:
        return None
    y, m, dd = r['birth_date'].split('-')
    given = tokens(r['given_names'])
    family = [t for t in tokens(r['family_name']) if t not in PARTICLES]
    if not given or not family:
        return None
    return ' '.join(sorted(code(t) for t in [given[0]] + family)), y, min(m, dd), max(m, dd)


for name, code in [('key (b)', lambda t: t), ('key (c), Soundex', soundex)]:
    people = collections.defaultdict(set)
    for k, r in records.items():
        if truth.get(k) and key(r, code):
            people[key(r, code)].add(truth[k])
    shared = [v for v in people.values() if len(v) > 1]
    print(f"{name}: {len(people)} keys, {len(shared)} shared by different people")
P = pairs(pred, list(pred))
caught = collections.Counter()
for a, b in pairs(truth, list(pred)):
    ra, rb = records[a], records[b]
    if (a, b) in P or 'statistical' not in (ra.get('identification'), rb.get('identification')):
        continue
    kind = ''.join(sorted(a[0] + b[0]))
    ka = key(ra, soundex)
    caught[(kind, ka is not None and ka == key(rb, soundex))] += 1
print('missed pairs with a statistical report (kind, key (c) agrees):', dict(caught))
