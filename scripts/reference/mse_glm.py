"""Reference Poisson GLM fits of fixed log-linear MSE models (statsmodels), for zicht's tests.

Usage: python scripts/reference/mse_glm.py FIXTURE_DIR > glm_reference.json
Needs statsmodels and scipy (a virtualenv outside the repository).

For each table and model: the design has an intercept, one main effect per list and the
interaction terms; a term with no observed case is removed together with every history that
contains it (the extended MLE of Chan, Silverman & Vincent 2021), and still counts as a
parameter in AIC and BIC. The estimate is n + exp(intercept). The profile-likelihood interval
holds the intercept at c (an offset), refits the rest and solves D(c) - D_hat = chi2_1(0.95).
"""
import json
import math
import sys

import numpy as np
import statsmodels.api as sm
from scipy.optimize import brentq
from scipy.stats import chi2

MODELS = {
    "UKdat_5": [
        [],
        ["LA:NG", "NG:GP", "PFNCA:GP", "LA:PFNCA", "GO:GP", "NG:GO"],
        ["LA:NG", "LA:PFNCA", "NG:PFNCA", "LA:NG:PFNCA"],
    ],
    "UKdat": [[], ["PF:NCA", "LA:NG", "NG:GP", "LA:PF", "PF:GP", "GO:GP", "NG:GO"]],
    "Ned": [[], ["O:Z", "P:Z", "I:Z", "P:R", "K:R", "O:P", "I:K", "K:O"]],
    "Ned_5": [[], ["IO:Z", "P:Z", "P:R", "K:R", "IO:P", "IO:K"]],
    "Artificial_3": [[], ["A:C", "B:C"]],
}


def read(path):
    with open(path) as f:
        header = [h.strip().strip('"') for h in f.readline().split(",")]
        rows = [[int(v) for v in line.split(",")] for line in f if line.strip()]
    lists = header[:-1]
    k = len(lists)
    counts = np.zeros(2**k)
    for r in rows:
        h = sum(1 << i for i in range(k) if r[i] == 1)
        counts[h] += r[k]
    return lists, counts


def mask(term, lists):
    return sum(1 << lists.index(name) for name in term.split(":"))


def fit(lists, counts, terms):
    k = len(lists)
    masks = [mask(t, lists) for t in terms]
    margin = lambda m: sum(counts[h] for h in range(2**k) if h & m == m)
    empty = [m for m in masks if margin(m) == 0]
    kept = [(t, m) for t, m in zip(terms, masks) if m not in empty]
    cells = [h for h in range(1, 2**k) if not any(h & e == e for e in empty)]
    cols = [("(Intercept)", 0)] + [(lists[i], 1 << i) for i in range(k)] + kept
    X = np.array([[1.0 if h & m == m else 0.0 for _, m in cols] for h in cells])
    y = np.array([counts[h] for h in cells])
    res = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-14, maxiter=500)
    n = counts.sum()
    q = X.shape[1] + len(empty)
    b0 = res.params[0]
    dev0 = res.deviance
    crit = chi2.ppf(0.95, 1)
    Xr = X[:, 1:]

    def excess(c):
        r = sm.GLM(y, Xr, family=sm.families.Poisson(), offset=np.full(len(y), c)).fit(tol=1e-14, maxiter=500)
        return r.deviance - dev0 - crit

    se0 = math.sqrt(res.cov_params()[0, 0])
    lo = brentq(excess, b0 - 20 * se0, b0, xtol=1e-13, rtol=1e-14)
    hi = brentq(excess, b0, b0 + 20 * se0, xtol=1e-13, rtol=1e-14)
    return {
        "terms": terms,
        "empty_terms": [t for t, m in zip(terms, masks) if m in empty],
        "coefficients": {name: float(v) for (name, _), v in zip(cols, res.params)},
        "se": {name: float(v) for (name, _), v in zip(cols, res.bse)},
        "deviance": float(res.deviance),
        "loglik": float(res.llf),
        "df": int(len(y) - X.shape[1]),
        "aic": float(-2 * res.llf + 2 * q),
        "bic": float(-2 * res.llf + q * math.log(n)),
        "unobserved": float(math.exp(b0)),
        "estimate": float(n + math.exp(b0)),
        "profile_low": float(n + math.exp(lo)),
        "profile_high": float(n + math.exp(hi)),
    }


def covariate(d):
    """strata_synthetic.csv: model [A:B] with a stratum effect on the dark figure and A x stratum."""
    lines = open(f"{d}/strata_synthetic.csv").read().split()
    strata, data = [], {}
    for line in lines[1:]:
        a, b, c, g, n = line.split(",")
        if g not in strata:
            strata.append(g)
        data[(g, int(a) | int(b) << 1 | int(c) << 2)] = float(n)
    X, y = [], []
    for g in strata:
        for h in range(1, 8):
            s1 = 1.0 if g == strata[1] else 0.0
            A, B, C = h & 1, h >> 1 & 1, h >> 2 & 1
            X.append([1.0, s1, A, B, C, A * B, A * s1])
            y.append(data.get((g, h), 0.0))
    X, y = np.array(X), np.array(y)
    res = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-14, maxiter=500)
    names = ["(Intercept)", f"stratum[{strata[1]}]", "A", "B", "C", "A:B", f"A:stratum[{strata[1]}]"]
    b = res.params
    unobs = [math.exp(b[0]), math.exp(b[0] + b[1])]
    return {
        "coefficients": {n: float(v) for n, v in zip(names, b)},
        "deviance": float(res.deviance),
        "unobserved": unobs,
        "total": float(y.sum() + sum(unobs)),
    }


def main():
    d = sys.argv[1]
    out = {"strata_synthetic_covariate": covariate(d)}
    for name, models in MODELS.items():
        lists, counts = read(f"{d}/{name}.csv")
        out[name] = [fit(lists, counts, terms) for terms in models]
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
