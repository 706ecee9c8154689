"""Reference for zicht's exhaustive AIC/BIC search: every two-list model on a table, fitted
with statsmodels, existence decided by scipy's linprog (the Fienberg-Rinaldo LP), identifiability
by numpy's matrix_rank. Extended MLE as in mse_glm.py.

Usage: python scripts/reference/mse_exhaustive.py TABLE.csv > exhaustive_NAME.json
"""
import itertools
import json
import math
import sys
import warnings

import numpy as np
import statsmodels.api as sm
from scipy.optimize import linprog

warnings.filterwarnings("ignore")


def read(path):
    with open(path) as f:
        header = [h.strip().strip('"') for h in f.readline().split(",")]
        rows = [[int(v) for v in line.split(",")] for line in f if line.strip()]
    k = len(header) - 1
    counts = np.zeros(2**k)
    for r in rows:
        counts[sum(1 << i for i in range(k) if r[i] == 1)] += r[k]
    return header[:-1], counts


def exists(X, y):
    n, p = X.shape
    if (y > 0).all():
        return True
    t = X.T @ (y / y.sum())
    # variables z (n) and s; maximise s: minimise -s
    c = np.zeros(n + 1)
    c[-1] = -1
    A_eq = np.hstack([X.T, np.zeros((p, 1))])
    A_ub = np.hstack([-np.eye(n), np.ones((n, 1))])  # s - z_i <= 0
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=t, bounds=[(0, None)] * n + [(0, 1)], method="highs")
    return res.status == 0 and -res.fun > 1e-9


def main():
    lists, counts = read(sys.argv[1])
    k = len(lists)
    pairs = [(1 << i) | (1 << j) for i in range(k) for j in range(i + 1, k)]
    n = counts.sum()
    out = []
    for mask in range(1 << len(pairs)):
        terms = [pairs[i] for i in range(len(pairs)) if mask >> i & 1]
        margin = lambda m: sum(counts[h] for h in range(2**k) if h & m == m)
        empty = [m for m in terms if margin(m) == 0]
        kept = [m for m in terms if m not in empty]
        cells = [h for h in range(1, 2**k) if not any(h & e == e for e in empty)]
        cols = [0] + [1 << i for i in range(k)] + kept
        X = np.array([[1.0 if h & m == m else 0.0 for m in cols] for h in cells])
        y = np.array([counts[h] for h in cells])
        if np.linalg.matrix_rank(X) < X.shape[1] or not exists(X, y):
            continue
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-12, maxiter=500)
        q = X.shape[1] + len(empty)
        name = lambda m: ":".join(lists[i] for i in range(k) if m >> i & 1)
        out.append({
            "terms": [name(m) for m in terms],
            "aic": -2 * res.llf + 2 * q,
            "bic": -2 * res.llf + q * math.log(n),
            "estimate": n + math.exp(res.params[0]),
        })
    best = lambda key: sorted(out, key=lambda r: r[key])[:20]
    json.dump({"models_with_estimate": len(out), "bic": best("bic"), "aic": best("aic")}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
