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


def main():
    d = sys.argv[1]
    out = {}
    for name, models in MODELS.items():
        lists, counts = read(f"{d}/{name}.csv")
        out[name] = [fit(lists, counts, terms) for terms in models]
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
