#!/usr/bin/env python3
"""Re-victimisation of the monitor with zicht's linkage and with perfect linkage, against the truth.

Usage: scripts/eval/revict_oracle.py DEMO_DIR [ZICHT]   (after `zicht demo --out DEMO_DIR`)

Copies DEMO_DIR's register, overwrites every report's and event's person with the simulator's true
person (events of never-reported people get none), runs `zicht monitor --truth` on both registers and
prints the cumulative incidence at 5, 6 and 7 years beside the truth. The difference between the two
monitor rows is what linkage costs; the difference between the oracle row and the truth is what the
cohort definition and the estimator cost.
"""
import csv
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile

demo = sys.argv[1]
zicht = sys.argv[2] if len(sys.argv) > 2 else 'target/release/zicht'
work = tempfile.mkdtemp(prefix='zicht-oracle-')
shutil.copy(f'{demo}/demo.db', f'{work}/zicht.db')
c = sqlite3.connect(f'{work}/zicht.db')
c.execute("PRAGMA foreign_keys=OFF")
reports = {(r['reporter'], r['external_id']): 'T' + r['person_id']
           for r in csv.DictReader(open(f'{demo}/data/truth/report_persons.csv'))}
reported = set(reports.values())
events = {}
for r in csv.DictReader(open(f'{demo}/data/truth/event_persons.csv')):
    p = 'T' + r['person_id'] if r['person_id'] else None
    events[(r['source'], r['external_id'])] = p if p in reported else None
c.executemany("INSERT OR IGNORE INTO persons (id, created_at) VALUES (?, '2000-01-01')", [(p,) for p in reported])
c.executemany("UPDATE reports SET person_id = ? WHERE reporter = ? AND external_id = ?",
              [(p, a, b) for (a, b), p in reports.items()])
c.executemany("UPDATE events SET person_id = ? WHERE source = ? AND external_id = ?",
              [(p, a, b) for (a, b), p in events.items()])
c.commit()


def revict(db, out):
    subprocess.run([zicht, 'monitor', '--db', f'sqlite://{db}', '--out', out, '--truth', f'{demo}/data/truth',
                    '--lang', 'en'], check=True, capture_output=True)
    table = next(t for t in json.load(open(f'{out}/monitor.json'))['tables'] if t['id'] == 'val_revict')
    return {r: [x['value'] for x in cells][4:] for r, cells in zip(table['rows'], table['cells'])}


linked = revict(f'{demo}/demo.db', f'{work}/linked')
oracle = revict(f'{work}/zicht.db', f'{work}/oracle')
print(f"{'group':8} {'source':14} 5y    6y    7y")
for g in ['all', 'minor', 'adult']:
    print(f"{g:8} {'truth':14}", *linked[f'{g} (truth)'])
    print(f"{g:8} {'zicht linkage':14}", *linked[f'{g} (monitor)'])
    print(f"{g:8} {'true persons':14}", *oracle[f'{g} (monitor)'])
shutil.rmtree(work)
