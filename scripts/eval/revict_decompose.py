#!/usr/bin/env python3
"""Where the monitor's re-victimisation gap comes from: report clustering or follow-up linkage.

Usage: scripts/eval/revict_decompose.py DEMO_DIR [ZICHT]   (after `zicht demo --out DEMO_DIR`)

Runs `zicht monitor --truth` on two copies of the register: (A) every report given its true person and
every event the true person that holds most reports of its zicht person; (B) zicht's report persons and
every event of a reported person given the zicht person that holds most of that true person's reports.
A minus the truth is what linking follow-up events costs; B minus the truth what clustering reports costs.
"""
import csv, json, shutil, sqlite3, subprocess, sys, tempfile, collections
demo = sys.argv[1]
zicht = sys.argv[2] if len(sys.argv) > 2 else "target/release/zicht"
rep_t = {(r['reporter'], r['external_id']): 'T' + r['person_id'] for r in csv.DictReader(open(f'{demo}/data/truth/report_persons.csv'))}
ev_t = {(r['source'], r['external_id']): ('T' + r['person_id'] if r['person_id'] else None) for r in csv.DictReader(open(f'{demo}/data/truth/event_persons.csv'))}
src = sqlite3.connect(f'{demo}/demo.db')
rep_z = {(a, b): p for a, b, p in src.execute("select reporter, external_id, person_id from reports")}
ev_z = {(a, b): p for a, b, p in src.execute("select source, external_id, person_id from events")}
def majority(pairs):
    c = collections.defaultdict(collections.Counter)
    for k, v in pairs: c[k][v] += 1
    return {k: v.most_common(1)[0][0] for k, v in c.items()}
z2t = majority((rep_z[k], rep_t[k]) for k in rep_z)   # zicht person -> true person
t2z = majority((rep_t[k], rep_z[k]) for k in rep_z)   # true person -> zicht person
def run(name, reps, evs):
    work = tempfile.mkdtemp()
    shutil.copy(f'{demo}/demo.db', f'{work}/zicht.db')
    c = sqlite3.connect(f'{work}/zicht.db'); c.execute("PRAGMA foreign_keys=OFF")
    ids = set(reps.values()) | {v for v in evs.values() if v}
    c.executemany("INSERT OR IGNORE INTO persons (id, created_at) VALUES (?, '2000-01-01')", [(p,) for p in ids])
    c.executemany("UPDATE reports SET person_id = ? WHERE reporter = ? AND external_id = ?", [(p, a, b) for (a, b), p in reps.items()])
    c.executemany("UPDATE events SET person_id = ? WHERE source = ? AND external_id = ?", [(p, a, b) for (a, b), p in evs.items()])
    c.commit(); c.close()
    subprocess.run([zicht, 'monitor', '--db', f'sqlite://{work}/zicht.db', '--out', f'{work}/o', '--truth', f'{demo}/data/truth', '--lang', 'en'], check=True, capture_output=True)
    t = next(t for t in json.load(open(f'{work}/o/monitor.json'))['tables'] if t['id'] == 'val_revict')
    rows = {r: [x['value'] for x in cells][4:] for r, cells in zip(t['rows'], t['cells'])}
    print(f"{name:40}", *rows['all (monitor)'], '| minor', *rows['minor (monitor)'])
    shutil.rmtree(work)
# A: true report persons; events follow their zicht person mapped to its majority true person
run('A true reports, zicht events', rep_t, {k: (z2t.get(p) if p else None) for k, p in ev_z.items()})
# B: zicht report persons; events of reported true persons go to that true person's zicht person
run('B zicht reports, true events', rep_z, {k: (t2z.get(p) if p else None) for k, p in ev_t.items()})
