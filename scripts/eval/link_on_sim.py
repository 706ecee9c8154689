#!/usr/bin/env python3
"""Pair precision and recall of `zicht demo`'s persons against the simulator's truth.

Usage: scripts/eval/link_on_sim.py DEMO_DIR   (after `zicht demo --out DEMO_DIR`)
Pairs are same-person pairs among reports, and among reports and the follow-up events of reported persons.
"""
import sqlite3, csv, collections, itertools, sys
d=sys.argv[1]
c=sqlite3.connect(d+'/zicht.db')
pred={}
for rep,ext,pid in c.execute("select reporter, external_id, person_id from reports"): pred[('r',rep,ext)]=pid
for src,ext,pid in c.execute("select source, external_id, person_id from events"): pred[('e',src,ext)]=pid
truth={}
for r in csv.DictReader(open(d+'/data/truth/report_persons.csv')): truth[('r',r['reporter'],r['external_id'])]=r['person_id']
reported=set(truth.values())
for r in csv.DictReader(open(d+'/data/truth/event_persons.csv')):
    if r['person_id'] in reported: truth[('e',r['source'],r['external_id'])]=r['person_id']
def pairs(m, keys):
    g=collections.defaultdict(list)
    for k in keys:
        if m.get(k): g[m[k]].append(k)
    return {p for v in g.values() for p in itertools.combinations(sorted(v),2)}
for name,keys in [('reports',[k for k in pred if k[0]=='r']),('reports+events',list(pred))]:
    P=pairs(pred,keys); T=pairs(truth,keys); tp=len(P&T)
    print(f"{name}: predicted pairs {len(P)}, true pairs {len(T)}, precision {tp/len(P):.4f}, recall {tp/len(T):.4f}")
