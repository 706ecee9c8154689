"""Coverage, bias and width of the monitor's published dark number against the simulator's truth,
with zicht's linkage and, where DIR/sSEED/dark_truth.csv exists, with the true persons.

Usage: scripts/eval/dark_coverage.py [--monitor NAME] DIR SEED...

after, for each seed,
    zicht demo --out DIR/sSEED --seed SEED
    target/release/examples/dark_truth DIR/sSEED 200 > DIR/sSEED/dark_truth.csv   # optional
Reads DIR/sSEED/NAME/monitor.json (NAME defaults to `monitor`), its `dark` and `val_dark` tables. A `*`
marks a year whose 95 % interval misses the true population.
"""
import csv, json, os, statistics as st, sys

args = sys.argv[1:]
name = 'monitor'
if args[:1] == ['--monitor']:
    name, args = args[1], args[2:]
root, seeds = args[0], args[1:]


class Tally:
    def __init__(self, label):
        self.label, self.n, self.cov, self.ratios, self.widths = label, 0, 0, [], []

    def add(self, est, lo, hi, truth):
        ok = lo <= truth <= hi
        self.n += 1
        self.cov += ok
        self.ratios.append(est / truth)
        self.widths.append((hi - lo) / truth)
        return f"{est / truth:.2f}{'' if ok else '*'}"

    def summary(self):
        if not self.n:
            return f"{self.label}: nothing"
        return (f"{self.label}: coverage {self.cov}/{self.n} = {100 * self.cov / self.n:.1f}%, "
                f"mean estimate/truth {st.mean(self.ratios):.3f}, mean width/truth {st.mean(self.widths):.2f}")


linked, true = Tally('zicht linkage'), Tally('true persons')
for s in seeds:
    m = json.load(open(f'{root}/s{s}/{name}/monitor.json'))
    t = {t['id']: t for t in m['tables']}
    d, v = t['dark'], t['val_dark']
    rows = {}
    for r, c in zip(d['rows'], d['cells']):
        y, g = r.split(' ', 1)
        if g in ('all', 'alle'):
            rows[y] = c[0]
    pops = {r: c[1]['value'] for r, c in zip(v['rows'], v['cells'])}
    line = []
    for y, truth in pops.items():
        e = rows.get(y)
        if not e or e.get('value') is None:
            line.append(f"{y}:-")
            continue
        line.append(f"{y}:{linked.add(e['value'], e['lower'], e['upper'], truth)}")
    print('seed', s, 'linked', ' '.join(line))
    path = f'{root}/s{s}/dark_truth.csv'
    if os.path.exists(path):
        line = []
        for r in csv.DictReader(open(path)):
            truth = float(r['true_population'])
            line.append(f"{r['year']}:{true.add(float(r['estimate']), float(r['lower']), float(r['upper']), truth)}")
        print('seed', s, 'true  ', ' '.join(line))
print(linked.summary())
print(true.summary())
