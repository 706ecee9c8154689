"""Coverage, bias and width of the monitor's published dark number against the simulator's truth.

Usage: scripts/eval/dark_coverage.py DIR SEED...   (after `zicht demo --out DIR/sSEED --seed SEED` for
each seed; reads DIR/sSEED/monitor/monitor.json, its `dark` and `val_dark` tables). A `*` marks a year
whose published 95 % interval misses the true population.
"""
import json,sys,statistics as st
tot=cov=0; ratios=[]; widths=[]
root = sys.argv[1]
for s in sys.argv[2:]:
    m=json.load(open(f'{root}/s{s}/monitor/monitor.json'))
    t={t['id']:t for t in m['tables']}
    d=t['dark']; v=t['val_dark']
    rows={}
    for r,c in zip(d['rows'],d['cells']):
        y,g=r.split(' ',1)
        if g in ('all','alle'): rows[y]=c[0]
    line=[]
    for r,c in zip(v['rows'],v['cells']):
        truth=c[1]['value']; e=rows.get(r)
        if not e or e.get('value') is None: line.append(f"{r}:-"); continue
        ok=e['lower']<=truth<=e['upper']; tot+=1; cov+=ok
        ratios.append(e['value']/truth); widths.append((e['upper']-e['lower'])/truth)
        line.append(f"{r}:{e['value']/truth:.2f}{'' if ok else '*'}")
    print('seed',s,' '.join(line))
print(f"coverage {cov}/{tot} = {100*cov/tot:.1f}%, mean estimate/truth {st.mean(ratios):.3f}, mean width/truth {st.mean(widths):.2f}")
