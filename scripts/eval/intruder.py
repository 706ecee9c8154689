#!/usr/bin/env python3
"""An independent intruder for zicht's published monitor files.

It reads one or more `monitor.json` files (a release directory or the file itself), builds one
integer variable per distinct model key across all of them, and bounds every count the way a
reader who knows tau-ARGUS / sdcTable would: by integer linear programming (scipy.optimize.milp,
i.e. HiGHS) over everything that is published:

  * every count is a whole number >= 0;
  * a shown count is its printed value (internal edition) or within its perturbation window
    (public edition, `policy.perturbation` = 2: truth t with |v - t| <= 2, t = 10 never moved,
    t = 11 by at most 1; an older public edition with `policy.rounding_base`: truth in v-2..v+2),
    and is at least `policy.threshold` (10);
  * a shown percentage/estimate has a base >= `policy.min_base` (50); a shown base is a shown
    count of the base key; a `small_base` flag says the base is < 50;
  * `model.relations` (total = sum of parts), `model.stated` (facts stated as ranges);
  * `model.ratios`: the printed percentage p (one decimal) of numerator n over base b gives
    (p - 0.05) b <= 100 n <= (p + 0.05) b, a linear constraint in (n, b) jointly (with b exact
    this is ceil((p-.05) b/100) <= n <= floor((p+.05) b/100); with b rounded it is the exact set
    of (n, b) pairs, tighter than the union over b's window); a suppressed percentage of a ratio
    tells "numerator < 10 or complement < 10" (a disjunction, one binary variable);
  * relations derived here from the table layout (rows and columns of every count table with
    totals), independent of model.relations, and checked against them;
  * inequalities an intruder reads off the table definitions (see EXTRA_RULES below).

Solver handling: every coefficient and bound is an integer (ratio bounds are scaled to integers
with exact fractions), counts directly pinned by a published value are substituted out, and the
rest is split into connected components. Each min/max is one HiGHS MILP with mip_rel_gap = 0;
the reported bound is HiGHS's dual bound rounded outwards (ceil(bound - 1e-6) for a min,
floor(bound + 1e-6) for a max), so a range is never narrower than the truth allows; any gap
between that and the rounded primal optimum is listed. Every incumbent is rounded to integers and
checked exactly against all rows; checked incumbents let a min (max) be skipped when some feasible
point already sits on the variable's own lower (upper) bound. Variables get an upper bound of
1e7 (no count comes near it); a max that reaches it is reported as unbounded.

Then it computes, per connected component, the integer min and max of every count not pinned
directly by a published value and applies the rule: a hidden or latent count is EXPOSED when its
feasible range [lo, hi] has 1 <= lo <= 9, or lo <= 9 and hi < 9. Infeasible components (published
numbers that do not add up) are findings too. Exit status 1 when anything is exposed or
infeasible, else 0.

It was written from the published files and the rules above; it shares no code with zicht.

    intruder.py RELEASE_DIR_OR_JSON [more...] [--json] [--only-keys REGEX] [--no-extra]
    intruder.py --self-test
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections import defaultdict
from fractions import Fraction

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

SMALL = 9  # counts 0..SMALL must stay indistinguishable from 0 and from SMALL
EPS = 1e-6  # slack when turning HiGHS's floating optimum/dual bound into an integer


def exposed_rule(lo: int, hi: float) -> bool:
    """The rule under test: the intruder can tell the count is small, and it is not
    indistinguishable from both 0 and 9."""
    return (1 <= lo <= SMALL) or (lo <= SMALL and hi < SMALL)


# --------------------------------------------------------------------------------------------
# The model: integer variables named by key, constraints lo <= a.x <= hi with integer a.
# --------------------------------------------------------------------------------------------


class Model:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []
        self.binary: list[bool] = []
        self.rows: list[tuple[dict[int, int], float, float, str]] = []
        self.bounds: list[tuple[int, float, float, str]] = []  # single-variable facts
        self.shown: dict[str, list[str]] = defaultdict(list)  # key -> where it is printed
        self.hidden: dict[str, list[str]] = defaultdict(list)  # key -> where it is suppressed
        self.stated_exact: set[str] = set()
        self.doubts: list[str] = []
        self.extra_counts: dict[str, int] = defaultdict(int)
        self.layout_relations: list[tuple[str, list[str], str]] = []
        self.model_relations: list[tuple[str, list[str], str]] = []

    def var(self, key: str, binary: bool = False) -> int:
        i = self.index.get(key)
        if i is None:
            i = len(self.names)
            self.index[key] = i
            self.names.append(key)
            self.binary.append(binary)
        return i

    def add(self, coefs: dict[str, int], lo: float, hi: float, tag: str) -> None:
        a: dict[int, int] = defaultdict(int)
        for k, c in coefs.items():
            a[self.var(k)] += c
        a = {i: c for i, c in a.items() if c != 0}
        if not a:
            if not (lo <= 0 <= hi):
                self.rows.append(({}, lo, hi, tag))  # kept: an empty row that fails
            return
        if len(a) == 1:
            (i, c), = a.items()
            if c > 0:
                self.bounds.append((i, math.ceil(lo / c - EPS) if lo > -math.inf else -math.inf,
                                    math.floor(hi / c + EPS) if hi < math.inf else math.inf, tag))
            else:
                self.bounds.append((i, math.ceil(hi / c - EPS) if hi < math.inf else -math.inf,
                                    math.floor(lo / c + EPS) if lo > -math.inf else math.inf, tag))
            return
        self.rows.append((a, lo, hi, tag))

    def bound(self, key: str, lo: float, hi: float, tag: str) -> None:
        self.bounds.append((self.var(key), lo, hi, tag))


def parse_key(key: str) -> tuple[str, dict[str, str]]:
    pop, *attrs = key.split("|")
    return pop, dict(a.split("=", 1) for a in attrs)


def make_key(pop: str, attrs: dict[str, str]) -> str:
    return "|".join([pop] + [f"{k}={v}" for k, v in sorted(attrs.items())])


def load(path: str) -> dict:
    if os.path.isdir(path):
        path = os.path.join(path, "monitor.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def frac(x: float) -> Fraction:
    return Fraction(repr(float(x))).limit_denominator(10**6)


# --------------------------------------------------------------------------------------------
# Reading a release.
# --------------------------------------------------------------------------------------------


def add_release(m: Model, mon: dict, label: str, extra: bool = True, skip: frozenset = frozenset()) -> None:
    policy = mon.get("policy") or {}
    thr = int(policy.get("threshold") or 10)
    min_base = int(policy.get("min_base") or 50)
    rb = policy.get("rounding_base")
    noise = policy.get("perturbation")
    if mon.get("edition") == "public" and not rb and not noise:
        noise = 2
        m.doubts.append(f"{label}: public edition without policy.perturbation; assumed 2")
    half = (int(rb) // 2) if rb else 0  # rounded: truth within v-half..v+half

    def window(v: int, floor: int) -> tuple[int, int]:
        """The truths that could have been published as v (docs/privacy.md): rounded, or perturbed
        by the public table (truth `floor` never moves, `floor + 1` by at most 1, larger by at
        most `noise`; never below `floor`)."""
        if noise:
            d = int(noise)
            ok = [t for t in range(max(v - d, floor), v + d + 1)
                  if abs(v - t) <= (0 if t == floor else 1 if t == floor + 1 else d)]
            return (min(ok), max(ok)) if ok else (v, v)
        return (max(v - half, floor), v + half)

    tables = {t["id"]: t for t in mon.get("tables", [])}

    # Printed cells.
    for t in mon.get("tables", []):
        tid = t["id"]
        for i, row in enumerate(t["cells"]):
            for j, cell in enumerate(row):
                key = t["keys"][i][j]
                where = f"{label}:{tid}[{t['rows'][i]}, {t['columns'][j]}]"
                flag = cell.get("flag")
                if key is None:
                    continue
                m.var(key)
                if t["unit"] == "count":
                    if flag == "shown":
                        v = cell["value"]
                        if v is None or float(v) != int(v):
                            m.doubts.append(f"{where}: shown count {v!r} is not a whole number")
                            continue
                        v = int(v)
                        lo, hi = window(v, thr)
                        m.bound(key, lo, hi, f"shown {v} at {where}")
                        m.shown[key].append(where)
                    elif flag in ("suppressed", "small_base"):
                        m.hidden[key].append(where)
                else:  # percent / estimate: the key is the base's key
                    if flag == "shown":
                        if cell.get("base") is not None and not cell.get("base_suppressed"):
                            b = int(cell["base"])
                            lo, hi = window(b, thr)
                            m.bound(key, max(lo, min_base), hi, f"shown base {b} at {where}")
                            m.shown[key].append(where + " (base)")
                        else:
                            m.bound(key, min_base, math.inf, f"suppressed base >= {min_base} at {where}")
                            if cell.get("base_suppressed"):
                                m.hidden[key].append(where + " (base)")
                        if extra and "X11" not in skip and t["unit"] == "estimate":
                            # X11: an MSE estimate is observed persons + an estimate of the unseen
                            # ones; the interval is on the unseen count (definition: "95%-interval
                            # normaal op de log van het niet-waargenomen aantal"), so its lower end
                            # is still >= the observed base.
                            ub = cell.get("lower")
                            ub = cell["value"] if ub is None else ub
                            if ub is not None:
                                m.add({key: 1}, -math.inf, math.floor(float(ub)),
                                      f"X11 base <= estimate's lower bound {ub} at {where}")
                                m.extra_counts["X11 dark: base <= lower end of the estimate"] += 1
                    elif flag == "small_base":
                        m.bound(key, 0, min_base - 1, f"small base (< {min_base}) at {where}")
                        m.hidden[key].append(where + " (base)")

        # Layout relations of count tables with margins.
        if t["unit"] == "count" and t.get("totals"):
            keys = t["keys"]
            nr, nc = len(keys), len(keys[0]) if keys else 0
            for i in range(nr):
                row = keys[i]
                if row[-1] is None or any(k is None for k in row[:-1]):
                    m.doubts.append(f"{label}:{tid} row {i}: a key is null, layout relation skipped")
                    continue
                m.layout_relations.append((row[-1], list(row[:-1]), f"{label}:{tid} row {t['rows'][i]}"))
            for j in range(nc):
                col = [keys[i][j] for i in range(nr)]
                if col[-1] is None or any(k is None for k in col[:-1]):
                    m.doubts.append(f"{label}:{tid} column {j}: a key is null, layout relation skipped")
                    continue
                m.layout_relations.append((col[-1], col[:-1], f"{label}:{tid} column {t['columns'][j]}"))

    model = mon.get("model") or {}
    for total, parts in model.get("relations", []):
        m.model_relations.append((total, list(parts), label))
        coefs: dict[str, int] = defaultdict(int)
        coefs[total] += 1
        for p in parts:
            coefs[p] -= 1
        m.add(coefs, 0, 0, f"relation {total} = sum({len(parts)} parts) [{label}]")
    for key, lo, hi in model.get("stated", []):
        m.bound(key, lo, hi, f"stated [{lo}, {hi}] [{label}]")
        if lo == hi:
            m.stated_exact.add(key)
    # docs/privacy.md: a release whose percentages would, with earlier releases, pin a count has
    # every one of them suppressed; then a suppressed percentage no longer says its numerator or
    # complement is small.
    def ratio_flag(r):
        t = tables.get(r["table"])
        return t["cells"][r["row"]][r["column"]].get("flag") if t else None
    ratios = model.get("ratios", [])
    withdrawn = bool(ratios) and all(ratio_flag(r) == "suppressed" for r in ratios)
    for r in ratios:
        t = tables.get(r["table"])
        n, b = r["numerator"], r["base"]
        m.var(n), m.var(b)
        if t is None:
            m.doubts.append(f"{label}: ratio table {r['table']} not printed")
            continue
        cell = t["cells"][r["row"]][r["column"]]
        if t["keys"][r["row"]][r["column"]] != b:
            m.doubts.append(f"{label}: ratio {n}/{b}: cell key is {t['keys'][r['row']][r['column']]}")
        where = f"{label}:{r['table']}[{t['rows'][r['row']]}, {t['columns'][r['column']]}]"
        if cell.get("flag") == "shown" and cell.get("value") is not None and (rb or noise) and cell.get("base") is not None:
            # Public edition (docs/monitor-json.md): the percentage is of the published (perturbed
            # or rounded) counts, so with the printed base it gives the numerator's published
            # value, and the numerator lies within that value's window.
            q = float(cell["value"]) * cell["base"] / 100.0
            nr = round(q / rb) * rb if rb else round(q)
            lo, hi = window(nr, thr if noise else 0)
            m.bound(n, max(0, lo), hi, f"ratio {cell['value']}% of published counts at {where}")
        elif cell.get("flag") == "shown" and cell.get("value") is not None:
            p = frac(cell["value"])
            lo_p, hi_p = p - Fraction(1, 20), p + Fraction(1, 20)
            d = math.lcm(lo_p.denominator, hi_p.denominator)
            # 100 d n - (hi_p d) b <= 0 ;  100 d n - (lo_p d) b >= 0
            m.add({n: 100 * d, b: -int(hi_p * d)}, -math.inf, 0, f"ratio {cell['value']}% upper at {where}")
            m.add({n: 100 * d, b: -int(lo_p * d)}, 0, math.inf, f"ratio {cell['value']}% lower at {where}")
            m.add({n: 1, b: -1}, -math.inf, 0, f"ratio numerator <= base at {where}")
        elif cell.get("flag") == "suppressed" and not withdrawn:
            # Frequency rule on a share: numerator < thr or complement < thr.
            z = m.var(f"__or|{where}", binary=True)
            big = 10**7
            m.add({n: 1, m.names[z]: -big}, -math.inf, thr - 1, f"ratio suppressed (n<{thr}) at {where}")
            m.add({b: 1, n: -1, m.names[z]: big}, -math.inf, thr - 1 + big,
                  f"ratio suppressed (b-n<{thr}) at {where}")
            m.bounds.append((z, 0, 1, "binary"))

    for total, parts, tag in [lr for lr in m.layout_relations if lr[2].startswith(label + ":")]:
        coefs = defaultdict(int)
        coefs[total] += 1
        for p in parts:
            coefs[p] -= 1
        m.add(coefs, 0, 0, f"layout {tag}")


# Inequalities read off the table definitions (added when all their keys are in the model).
EXTRA_RULES = {
    "X1": "persons: persons of the year <= reports of the year (each person has >= 1 report)",
    "X2": "persons: new persons <= persons of the year",
    "X3": "persons with a minor's report <= minors' reports of the year",
    "X4": "persons with a non-minor report <= reports of the year - minors' reports",
    "X5": "care: persons turning 18 (minor_17) <= minors of the year",
    "X6": "hidden: minors among statistical reports / signals <= statistical reports / signals",
    "X7": "quality: reports of a reporter type with a missing field <= its reports",
    "X8": "age_start: persons at their first report of age a <= reports of age a in the period",
    "X9": "persons of a year <= persons of the period <= sum of persons of the years; "
          "sum of new persons of the years <= persons of the period",
    "X10": "crimes_after: cohort members later victim of a crime <= cohort",
    "X11": "dark: observed persons (base) <= lower end of the estimate",
    "X12": "two releases with the same start year: persons at first report and cohort of the "
           "shorter period <= the same cell of the longer period",
}


def add_extra(m: Model, skip: frozenset = frozenset()) -> None:
    keys = set(m.names)

    def le(a: list[str], b: list[str], rule: str, what: str) -> None:
        """sum(a) <= sum(b), only if every key is already a model key."""
        if rule not in skip and all(k in keys for k in a + b):
            coefs: dict[str, int] = defaultdict(int)
            for k in a:
                coefs[k] += 1
            for k in b:
                coefs[k] -= 1
            m.add(coefs, -math.inf, 0, f"{rule} {what}")
            m.extra_counts[f"{rule} {EXTRA_RULES[rule]}"] += 1

    years: set[str] = set()
    periods: set[str] = set()
    for k in list(keys):
        if k.startswith("__"):
            continue
        pop, at = parse_key(k)
        if "year" in at:
            years.add(at["year"])
        if "period" in at:
            periods.add(at["period"])
        y = at.get("year")
        if y and pop == "persons" and set(at) == {"year"}:
            le([k], [make_key("reports", {"year": y})], "X1", k)
        if y and pop == "new_persons" and set(at) == {"year"}:
            le([k], [make_key("persons", {"year": y})], "X2", k)
        if y and pop == "persons" and at.get("age") == "minor" and len(at) == 2:
            le([k], [make_key("reports", {"year": y, "age": "minor"})], "X3", k)
        if y and pop == "persons" and at.get("age") == "adult" and len(at) == 2:
            le([k, make_key("reports", {"year": y, "age": "minor"})], [make_key("reports", {"year": y})], "X4", k)
        if y and pop == "persons" and at.get("age") == "minor_17" and len(at) == 2:
            le([k], [make_key("persons", {"year": y, "age": "minor"})], "X5", k)
        if y and pop in ("statistical", "signals") and at.get("age") == "minor" and len(at) == 2:
            le([k], [make_key(pop, {"year": y})], "X6", k)
        if pop == "reports" and "reporter" in at and "period" in at and len(at) == 3:
            (attr,) = [a for a in at if a not in ("reporter", "period")]
            if at[attr] == "unknown":
                le([k], [make_key("reports", {"reporter": at["reporter"], "period": at["period"]})], "X7", k)
        if pop == "persons_first" and set(at) == {"age", "period"}:
            le([k], [make_key("reports", {"age": at["age"], "period": at["period"]})], "X8", k)
        if pop == "cohort_later" and set(at) == {"crime", "period"}:
            le([k], [make_key("cohort", {"period": at["period"]})], "X10", k)
    for p in periods:
        try:
            a, b = (int(x) for x in p.split("-"))
        except ValueError:
            continue
        ys = [str(y) for y in range(a, b + 1)]
        pf = make_key("persons_first", {"period": p})
        if pf in keys:
            for y in ys:
                le([make_key("persons", {"year": y})], [pf], "X9", f"persons|year={y} <= {pf}")
            le([pf], [make_key("persons", {"year": y}) for y in ys], "X9", f"{pf} <= sum of persons")
            le([make_key("new_persons", {"year": y}) for y in ys], [pf], "X9", f"sum of new persons <= {pf}")
        for q in periods:
            try:
                c, d = (int(x) for x in q.split("-"))
            except ValueError:
                continue
            if c == a and d > b:  # same start, longer period
                for k in list(keys):
                    pop, at = parse_key(k)
                    if pop in ("persons_first", "cohort") and at.get("period") == p:
                        at2 = dict(at, period=q)
                        le([k], [make_key(pop, at2)], "X12", f"{k} <= period {q}")


# --------------------------------------------------------------------------------------------
# Layout relations versus model.relations.
# --------------------------------------------------------------------------------------------


def check_layout(m: Model) -> list[dict]:
    """Every layout relation should be in model.relations (up to parts stated to be 0), or at
    least follow linearly from them; report those that do not."""
    zero = {m.names[i] for i, lo, hi, tag in m.bounds if lo == hi == 0 and tag.startswith("stated")}
    listed = set()
    for total, parts, _ in m.model_relations:
        listed.add((total, frozenset(p for p in parts if p not in zero)))
    missing = []
    rel_rows = []
    for total, parts, _ in m.model_relations:
        rel_rows.append((total, parts))
    unlisted = [(t, p, tag) for t, p, tag in m.layout_relations
                if (t, frozenset(x for x in p if x not in zero)) not in listed]
    if not unlisted:
        return []
    # Linear implication test: is the layout equation in the span of the model relations plus
    # unit rows of the stated-exact keys?
    cols = {k: i for i, k in enumerate(m.names)}
    def vec(total, parts):
        v = np.zeros(len(cols))
        v[cols[total]] += 1
        for p in parts:
            v[cols[p]] -= 1
        return v
    base = [vec(t, p) for t, p in rel_rows]
    for k in m.stated_exact:
        e = np.zeros(len(cols)); e[cols[k]] = 1; base.append(e)
    B = np.array(base) if base else np.zeros((0, len(cols)))
    r0 = np.linalg.matrix_rank(B) if len(base) else 0
    for t, p, tag in unlisted:
        r1 = np.linalg.matrix_rank(np.vstack([B, vec(t, p)]))
        missing.append({"where": tag, "total": t, "parts": p, "implied": bool(r1 == r0)})
    return missing


# --------------------------------------------------------------------------------------------
# Solving.
# --------------------------------------------------------------------------------------------


class Component:
    def __init__(self, vars_: list[int], rows: list[int]):
        self.vars = vars_
        self.rows = rows


def build(m: Model, cap: float):
    n = len(m.names)
    lb = np.zeros(n)
    ub = np.full(n, cap)
    lb_tag: list[list[str]] = [[] for _ in range(n)]
    for i, lo, hi, tag in m.bounds:
        if lo > lb[i]:
            lb[i] = lo
        if hi < ub[i]:
            ub[i] = hi
        lb_tag[i].append(tag)
    return lb, ub, lb_tag


def components(m: Model, fixed: np.ndarray) -> list[Component]:
    n = len(m.names)
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, _, _, _ in m.rows:
        free = [i for i in a if not fixed[i]]
        for u in free[1:]:
            ru, rv = find(u), find(free[0])
            if ru != rv:
                parent[ru] = rv
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        if not fixed[i]:
            groups[find(i)].append(i)
    rows_of: dict[int, list[int]] = defaultdict(list)
    for r, (a, _, _, _) in enumerate(m.rows):
        free = [i for i in a if not fixed[i]]
        if free:
            rows_of[find(free[0])].append(r)
    return [Component(sorted(v), rows_of.get(root, [])) for root, v in groups.items()]


def solve_component(m, comp, lb, ub, fixed_val, cap, time_limit, stats, want):
    """Integer min and max of every variable of the component (those in `want`)."""
    idx = {v: j for j, v in enumerate(comp.vars)}
    nv = len(comp.vars)
    data, ri, ci, rlo, rhi, tags = [], [], [], [], [], []
    for k, r in enumerate(comp.rows):
        a, lo, hi, tag = m.rows[r]
        shift = sum(c * fixed_val[i] for i, c in a.items() if i not in idx)
        for i, c in a.items():
            if i in idx:
                data.append(c); ri.append(k); ci.append(idx[i])
        rlo.append(lo - shift); rhi.append(hi - shift); tags.append(tag)
    A = csr_matrix((data, (ri, ci)), shape=(len(comp.rows), nv))
    rlo, rhi = np.array(rlo, float), np.array(rhi, float)
    clb, cub = lb[comp.vars].copy(), ub[comp.vars].copy()
    cons = [LinearConstraint(A, rlo, rhi)] if len(comp.rows) else []
    integ = np.ones(nv)
    opts = {"mip_rel_gap": 0.0, "presolve": True, "time_limit": time_limit}

    def run(c):
        stats["solves"] += 1
        return milp(c, integrality=integ, bounds=Bounds(clb, cub), constraints=cons, options=opts)

    def verified(x):
        """Round a HiGHS solution and check it exactly (all coefficients are integers)."""
        xr = np.rint(x)
        if np.any(xr < clb) or np.any(xr > cub):
            return None
        if len(comp.rows):
            ax = A @ xr
            if np.any(ax < rlo - 1e-9) or np.any(ax > rhi + 1e-9):
                return None
        return xr

    res = run(np.zeros(nv))
    if res.status == 2 or res.x is None:
        return {"infeasible": True, "status": int(res.status), "message": res.message}
    seen_lo = np.full(nv, np.inf)
    seen_hi = np.full(nv, -np.inf)

    def note(x):
        xr = verified(x)
        if xr is None:
            stats["unverified"] += 1
            return
        np.minimum(seen_lo, xr, out=seen_lo)
        np.maximum(seen_hi, xr, out=seen_hi)

    note(res.x)
    out = {}
    for v in comp.vars:
        if v not in want:
            continue
        j = idx[v]
        rng = []
        for sense in (1, -1):
            if sense == 1 and seen_lo[j] == clb[j]:
                rng.append(int(clb[j])); stats["skipped"] += 1; continue
            if sense == -1 and seen_hi[j] == cub[j]:
                rng.append(math.inf if cub[j] >= cap else int(cub[j])); stats["skipped"] += 1; continue
            c = np.zeros(nv); c[j] = sense
            r = run(c)
            if r.status not in (0,) or r.x is None:
                stats["failed"].append((m.names[v], sense, r.status, r.message))
                # fall back on the variable's own bound: a valid (outer) range
                rng.append(int(clb[j]) if sense == 1 else (math.inf if cub[j] >= cap else int(cub[j])))
                continue
            note(r.x)
            primal = sense * r.fun
            dual = getattr(r, "mip_dual_bound", None)
            dual = primal if dual is None or not np.isfinite(dual) else sense * dual
            # An outer bound on the true optimum: the dual bound, rounded towards the outside.
            if sense == 1:
                val = math.ceil(min(primal, dual) - EPS)
                if round(primal) != val:
                    stats["gaps"].append((m.names[v], "min", primal, dual))
            else:
                val = math.floor(max(primal, dual) + EPS)
                if round(primal) != val:
                    stats["gaps"].append((m.names[v], "max", primal, dual))
                if val >= cap:
                    val = math.inf
            rng.append(val)
        out[v] = (rng[0], rng[1])
    return {"infeasible": False, "ranges": out}


def diagnose(m, comp, lb, ub, fixed_val, lb_tag, cap):
    """For an infeasible component: the constraints that must give way (an elastic MILP that
    minimises the total violation of every row and every published bound)."""
    vars_ = comp.vars
    idx = {v: j for j, v in enumerate(vars_)}
    nv = len(vars_)
    rows = []
    for r in comp.rows:
        a, lo, hi, tag = m.rows[r]
        shift = sum(c * fixed_val[i] for i, c in a.items() if i not in idx)
        rows.append(({idx[i]: c for i, c in a.items() if i in idx}, lo - shift, hi - shift, tag))
    for v in vars_:
        for i, lo, hi, tag in m.bounds:
            if i == v:
                rows.append(({idx[v]: 1}, lo, hi, tag))
    ns = len(rows)
    # variables: x (nv, 0..cap), s+ (ns), s- (ns)
    data, ri, ci, rlo, rhi = [], [], [], [], []
    for k, (a, lo, hi, _) in enumerate(rows):
        for j, c in a.items():
            data.append(c); ri.append(k); ci.append(j)
        data += [1, -1]; ri += [k, k]; ci += [nv + k, nv + ns + k]
        rlo.append(lo); rhi.append(hi)
    A = csr_matrix((data, (ri, ci)), shape=(ns, nv + 2 * ns))
    c = np.concatenate([np.zeros(nv), np.ones(2 * ns)])
    res = milp(c, integrality=np.concatenate([np.ones(nv), np.zeros(2 * ns)]),
               bounds=Bounds(np.zeros(nv + 2 * ns), np.concatenate([np.full(nv, cap), np.full(2 * ns, np.inf)])),
               constraints=[LinearConstraint(A, np.array(rlo, float), np.array(rhi, float))],
               options={"mip_rel_gap": 0.0, "time_limit": 60})
    if res.x is None:
        return ["(diagnosis failed)"]
    s = res.x[nv:nv + ns] + res.x[nv + ns:]
    return [f"{rows[k][3]} (off by {s[k]:g})" for k in range(ns) if s[k] > 1e-6]


def analyse(monitors: list[tuple[str, dict]], only: str | None = None, extra: bool = True,
            rule=exposed_rule, time_limit: float = 60.0, skip: frozenset = frozenset()) -> dict:
    t0 = time.time()
    m = Model()
    for label, mon in monitors:
        add_release(m, mon, label, extra=extra, skip=skip)
    if extra:
        add_extra(m, skip)
    layout_missing = check_layout(m)
    cap = 10.0 ** 7
    lb, ub, lb_tag = build(m, cap)
    n = len(m.names)
    infeasible = []
    for i in range(n):
        if lb[i] > ub[i]:
            infeasible.append({"keys": [m.names[i]], "why": [t for t in lb_tag[i]]})
    for a, lo, hi, tag in m.rows:
        if not a and not (lo <= 0 <= hi):
            infeasible.append({"keys": [], "why": [tag]})
    fixed = (lb == ub)
    fixed_val = np.where(fixed, lb, 0.0)
    # Rows whose variables are all pinned: check them directly.
    for a, lo, hi, tag in m.rows:
        if a and all(fixed[i] for i in a):
            s = sum(c * fixed_val[i] for i, c in a.items())
            if not (lo - 1e-9 <= s <= hi + 1e-9):
                infeasible.append({"keys": [m.names[i] for i in a], "why": [f"{tag}: {s:g} not in [{lo:g}, {hi:g}]"]})
    comps = components(m, fixed)
    pat = re.compile(only) if only else None
    want = {i for i in range(n) if not m.binary[i] and (pat is None or pat.search(m.names[i]))}
    stats = {"solves": 0, "skipped": 0, "unverified": 0, "failed": [], "gaps": []}
    ranges: dict[int, tuple] = {}
    for i in range(n):
        if fixed[i] and not m.binary[i]:
            ranges[i] = (int(lb[i]), int(ub[i]))
    for comp in comps:
        if not any(v in want for v in comp.vars) and pat is not None:
            continue
        r = solve_component(m, comp, lb, ub, fixed_val, cap, time_limit, stats, want)
        if r["infeasible"]:
            infeasible.append({"keys": [m.names[v] for v in comp.vars][:20] + (["..."] if len(comp.vars) > 20 else []),
                               "why": diagnose(m, comp, lb, ub, fixed_val, lb_tag, cap)})
            continue
        ranges.update(r["ranges"])

    def kind(k):
        if k in m.shown:
            return "shown"
        if k in m.stated_exact:
            return "stated"
        if k in m.hidden:
            return "hidden"
        return "latent"

    exposed, exact_hidden, narrow = [], [], None
    for i, (lo, hi) in sorted(ranges.items(), key=lambda x: m.names[x[0]]):
        k = m.names[i]
        if i not in want:
            continue
        kd = kind(k)
        if kd not in ("hidden", "latent"):
            continue
        item = {"key": k, "kind": kd, "lo": lo, "hi": hi if hi != math.inf else None,
                "where": m.hidden.get(k, [])[:3]}
        if rule(lo, hi):
            exposed.append(item)
        if lo == hi:
            exact_hidden.append(item)
        if lo <= SMALL:
            w = (hi - lo) if hi != math.inf else math.inf
            if narrow is None or w < narrow[0]:
                narrow = (w, item)
    shown_and_hidden = sorted(k for k in m.hidden if k in m.shown)
    n_real = sum(1 for b in m.binary if not b)
    return {
        "releases": [label for label, _ in monitors],
        "variables": n_real,
        "binaries": n - n_real,
        "constraints": len(m.rows) + len(m.bounds),
        "relations_rows": len(m.rows),
        "bound_facts": len(m.bounds),
        "components": len(comps),
        "fixed": int(sum(1 for i in range(n) if fixed[i] and not m.binary[i])),
        "free": int(sum(1 for i in range(n) if not fixed[i] and not m.binary[i])),
        "ranged": len([i for i in ranges if i in want]),
        "hidden_or_latent": sum(1 for i in ranges if i in want and kind(m.names[i]) in ("hidden", "latent")),
        "exposed": exposed,
        "infeasible": infeasible,
        "exact_hidden": exact_hidden,
        "narrowest_small": narrow[1] if narrow else None,
        "layout_relations": len(m.layout_relations),
        "layout_not_in_model": layout_missing,
        "extra_relations": dict(m.extra_counts),
        "suppressed_but_shown_elsewhere": shown_and_hidden,
        "doubts": m.doubts,
        "solver": {"solves": stats["solves"], "skipped_by_incumbent": stats["skipped"],
                   "unverified_solutions": stats["unverified"], "failed": [list(map(str, f)) for f in stats["failed"]],
                   "gaps": [list(map(str, g)) for g in stats["gaps"]]},
        "seconds": round(time.time() - t0, 2),
        "_ranges": {m.names[i]: [lo, hi if hi != math.inf else None] for i, (lo, hi) in ranges.items() if i in want},
    }


def fmt_range(it):
    return f"[{it['lo']}, {'inf' if it['hi'] is None else it['hi']}]"


def summary(r: dict) -> str:
    out = []
    out.append(f"releases: {', '.join(r['releases'])}")
    out.append(f"variables {r['variables']} (+{r['binaries']} binaries), constraints {r['constraints']} "
               f"({r['relations_rows']} multi-variable rows, {r['bound_facts']} single-variable facts), "
               f"components {r['components']}")
    out.append(f"fixed {r['fixed']}, free {r['free']}, ranged {r['ranged']} "
               f"(hidden/latent {r['hidden_or_latent']}); MILP solves {r['solver']['solves']}, "
               f"skipped by incumbents {r['solver']['skipped_by_incumbent']}, "
               f"unverified {r['solver']['unverified_solutions']}, failed {len(r['solver']['failed'])}, "
               f"gaps {len(r['solver']['gaps'])}")
    out.append(f"layout relations {r['layout_relations']}, not in model.relations: "
               f"{len(r['layout_not_in_model'])} "
               f"({sum(1 for x in r['layout_not_in_model'] if not x['implied'])} not even implied)")
    for x in r["layout_not_in_model"]:
        out.append(f"  layout {'(implied) ' if x['implied'] else '(NOT IMPLIED) '}{x['where']}: {x['total']} = sum of {len(x['parts'])}")
    out.append("extra relations added: " + ("; ".join(f"{k}: {v}" for k, v in sorted(r["extra_relations"].items())) or "none"))
    if r["suppressed_but_shown_elsewhere"]:
        out.append(f"suppressed in one place but shown in another: {len(r['suppressed_but_shown_elsewhere'])}")
        for k in r["suppressed_but_shown_elsewhere"][:20]:
            out.append(f"  {k}")
    out.append(f"INFEASIBLE: {len(r['infeasible'])}")
    for x in r["infeasible"]:
        out.append(f"  keys {x['keys'][:6]}")
        for w in x["why"][:12]:
            out.append(f"    {w}")
    out.append(f"EXPOSED: {len(r['exposed'])}")
    for it in r["exposed"]:
        out.append(f"  {it['key']} ({it['kind']}) {fmt_range(it)}")
    ex = [it for it in r["exact_hidden"] if it not in r["exposed"]]
    if ex:
        out.append(f"hidden/latent counts determined exactly (>= 10, not exposed by the rule): {len(ex)}")
        for it in ex[:30]:
            out.append(f"  {it['key']} ({it['kind']}) = {it['lo']}")
        if len(ex) > 30:
            out.append(f"  ... {len(ex) - 30} more")
    n = r["narrowest_small"]
    out.append("narrowest range among counts that may be small (lo <= 9): "
               + (f"{n['key']} ({n['kind']}) {fmt_range(n)}" if n else "none"))
    for d in r["doubts"]:
        out.append(f"doubt: {d}")
    out.append(f"time {r['seconds']} s")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Self-test: hand-made releases that must be caught.
# --------------------------------------------------------------------------------------------


def _cell(v, shown):
    return {"value": float(v), "flag": "shown"} if shown else {"value": None, "flag": "suppressed"}


def _two_way(tid, pop, rattr, rcodes, cattr, ccodes, m, hide, period):
    """A count table with margins, keys like zicht's, relations of its margins."""
    nr, nc = len(rcodes), len(ccodes)

    def key(attrs):
        a = dict(attrs)
        if "year" not in a:
            a["period"] = period
        return make_key(pop, a)

    keys, cells, rels = [], [], []
    for i in range(nr + 1):
        krow, crow = [], []
        for j in range(nc + 1):
            attrs = {}
            if i < nr:
                attrs[rattr] = rcodes[i]
            if j < nc:
                attrs[cattr] = ccodes[j]
            if i < nr and j < nc:
                v = m[i][j]
            elif i < nr:
                v = sum(m[i])
            elif j < nc:
                v = sum(m[x][j] for x in range(nr))
            else:
                v = sum(map(sum, m))
            k = key(attrs)
            krow.append(k)
            crow.append(_cell(v, (i, j) not in hide))
        keys.append(krow)
        cells.append(crow)
    for i in range(nr + 1):
        rels.append([keys[i][nc], keys[i][:nc]])
    for j in range(nc + 1):
        rels.append([keys[nr][j], [keys[i][j] for i in range(nr)]])
    table = {"id": tid, "unit": "count", "totals": True, "rows": rcodes + ["total"],
             "columns": ccodes + ["total"], "cells": cells, "keys": keys}
    return table, rels


def _release(tables, rels, period, edition="internal", stated=()):
    return {"edition": edition, "policy": {"threshold": 10, "min_base": 50,
                                           "rounding_base": 5 if edition == "public" else None},
            "period": period, "tables": tables,
            "model": {"relations": rels, "stated": list(stated), "ratios": []}}


def self_test_cases():
    cases = []
    # 1. A 2x2 cycle of suppressed cells pinned by non-negativity: 3 2 / 1 40 inside a 3x3 table
    #    whose margins are all shown (all >= 10): a+b = 5, c+d = 41, a+c = 4, b+d = 42.
    m1 = [[3, 2, 20], [1, 40, 15], [30, 25, 12]]
    t, r = _two_way("cycle", "reports", "m", ["A", "B", "C"], "year", ["2019", "2020", "2021"], m1,
                    {(0, 0), (0, 1), (1, 0), (1, 1)}, "2019-2021")
    cases.append(("2x2 cycle pinned by non-negativity", [("cycle", _release([t], r, {"from": 2019, "to": 2021}))],
                  {"reports|m=A|year=2019", "reports|m=A|year=2020", "reports|m=B|year=2019"}, False))
    # negative control: the same cycle with room (5 5 / 5 40): every range covers 0..10.
    m1b = [[5, 5, 20], [5, 40, 15], [30, 25, 12]]
    t, r = _two_way("cycle", "reports", "m", ["A", "B", "C"], "year", ["2019", "2020", "2021"], m1b,
                    {(0, 0), (0, 1), (1, 0), (1, 1)}, "2019-2021")
    cases.append(("2x2 cycle with room (control)", [("cycle-ok", _release([t], r, {"from": 2019, "to": 2021}))],
                  set(), False))
    # 2. A hidden cell whose column total is printed in another table under the same key.
    m2 = [[30, 25], [4, 50]]
    t, r = _two_way("a", "reports", "year", ["2019", "2020"], "form", ["X", "Y"], m2,
                    {(1, 0), (1, 1), (2, 0), (2, 1)}, "2019-2020")
    alone = _release([t], r, {"from": 2019, "to": 2020})
    cases.append(("hidden cell, table alone (control)", [("a", alone)], set(), False))
    flat = {"id": "b", "unit": "count", "totals": False, "rows": ["X"], "columns": ["period"],
            "cells": [[_cell(34, True)]], "keys": [["reports|form=X|period=2019-2020"]]}
    both = _release([t, flat], r, {"from": 2019, "to": 2020})
    cases.append(("hidden cell whose column total is printed in another table", [("ab", both)],
                  {"reports|form=X|year=2020"}, False))
    # 3. Two releases whose period totals differ by one small year cell.
    r1m = [[20, 30], [25, 35]]
    t1, rel1 = _two_way("mun", "reports", "m", ["A", "B"], "year", ["2019", "2020"], r1m, set(), "2019-2020")
    rel_1 = _release([t1], rel1, {"from": 2019, "to": 2020})
    r2m = [[20, 30, 3], [25, 35, 40]]
    t2, rel2 = _two_way("mun", "reports", "m", ["A", "B"], "year", ["2019", "2020", "2021"], r2m,
                        {(0, 0), (0, 2), (1, 0), (1, 2)}, "2019-2021")
    rel_2 = _release([t2], rel2, {"from": 2019, "to": 2021})
    cases.append(("later release alone (control)", [("r2", rel_2)], set(), False))
    cases.append(("two releases whose period totals differ by one small year cell",
                  [("r1", rel_1), ("r2", rel_2)], {"reports|m=A|year=2021"}, False))
    # 4. Published numbers that do not add up.
    bad = json.loads(json.dumps(rel_1))
    bad["tables"][0]["cells"][0][0]["value"] = 21.0
    cases.append(("numbers that do not add up", [("bad", bad)], set(), True))
    # 4b. ... and a hidden cell that would have to be negative (an infeasible component).
    neg = json.loads(json.dumps(rel_2))
    neg["tables"][0]["cells"][0][1]["value"] = 60.0  # A 2020 shown 60 > A's period total 53
    cases.append(("a hidden cell that would have to be negative", [("neg", neg)], set(), True))
    # 5. Public edition: a cycle pinned within rounding windows.
    m5 = [[3, 2, 20], [1, 40, 15], [30, 25, 12]]
    t, r = _two_way("cycle", "reports", "m", ["A", "B", "C"], "year", ["2019", "2020", "2021"], m5,
                    {(0, 0), (0, 1), (1, 0), (1, 1)}, "2019-2021")
    for row in t["cells"]:
        for c in row:
            if c["flag"] == "shown":
                c["value"] = float(5 * round(c["value"] / 5))
    cases.append(("public: the same cycle, margins rounded to 5",
                  [("pub", _release([t], r, {"from": 2019, "to": 2021}, "public"))], set(), False))
    return cases


def self_test(rule=exposed_rule, verbose=True) -> bool:
    ok = True
    for name, mons, must, must_infeasible in self_test_cases():
        r = analyse(mons, rule=rule)
        got = {x["key"] for x in r["exposed"]}
        inf = bool(r["infeasible"])
        good = got == must and inf == must_infeasible
        ok &= good
        if verbose:
            print(f"{'ok  ' if good else 'FAIL'} {name}: exposed {sorted(got)} "
                  f"(expected {sorted(must)}), infeasible {inf} (expected {must_infeasible})")
            if not good:
                for k, v in sorted(r["_ranges"].items()):
                    print(f"       {k} {v}")
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("releases", nargs="*", help="release directories or monitor.json files")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("--only-keys", metavar="PATTERN", help="range and report only keys matching this regex")
    ap.add_argument("--no-extra", action="store_true", help="leave out the relations derived from table definitions")
    ap.add_argument("--skip-extra", metavar="X1,X3,...", default="",
                    help="leave out some of the derived inequalities (names as in the summary)")
    ap.add_argument("--ranges", action="store_true", help="with --json: include every computed range")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per MILP (default 60)")
    ap.add_argument("--self-test", action="store_true", help="run the hand-made cases")
    a = ap.parse_args(argv)
    if a.self_test:
        ok = self_test()
        # The self-test must be able to fail: with the rule switched off it must not pass.
        blind = self_test(rule=lambda lo, hi: False, verbose=False)
        print(f"self-test {'passed' if ok else 'FAILED'}; with the rule switched off it "
              f"{'would pass (BROKEN TEST)' if blind else 'fails, as it must'}")
        return 0 if ok and not blind else 1
    if not a.releases:
        ap.error("give at least one release")
    def label(p):
        p = os.path.normpath(p)
        return os.path.basename(os.path.dirname(p) if p.endswith(".json") else p) or p
    mons = [(label(p), load(p)) for p in a.releases]
    skip = frozenset(x.strip() for x in a.skip_extra.split(",") if x.strip())
    r = analyse(mons, only=a.only_keys, extra=not a.no_extra, time_limit=a.time_limit, skip=skip)
    ranges = r.pop("_ranges")
    if a.json:
        if a.ranges:
            r["ranges"] = ranges
        print(json.dumps(r, indent=1, default=str))
    else:
        print(summary(r))
    return 1 if r["exposed"] or r["infeasible"] else 0


if __name__ == "__main__":
    sys.exit(main())
