"""Synthetic data for the survival benchmark (zicht vs lifelines).

  python survival_data.py km N OUT.csv        # time,event
  python survival_data.py cox N P OUT.csv     # time,event,x0..x{P-1}

Times are exponential, rounded to 3 decimals (so there are ties), with random censoring.
"""
import sys

import numpy as np

rng = np.random.default_rng(20261127)
kind = sys.argv[1]
n = int(sys.argv[2])
if kind == "km":
    t = np.round(rng.exponential(5.0, n), 3)
    e = (rng.random(n) < 0.7).astype(np.int8)
    np.savetxt(sys.argv[3], np.column_stack([t, e]), fmt=["%.3f", "%d"], delimiter=",",
               header="time,event", comments="")
else:
    p = int(sys.argv[3])
    x = rng.standard_normal((n, p))
    beta = np.linspace(-0.5, 0.5, p)
    t_event = rng.exponential(1.0, n) / np.exp(x @ beta)
    t_cens = rng.exponential(2.0, n)
    t = np.round(np.minimum(t_event, t_cens), 3) + 0.001
    e = (t_event <= t_cens).astype(np.int8)
    cols = [t, e] + [np.round(x[:, j], 4) for j in range(p)]
    fmt = ["%.3f", "%d"] + ["%.4f"] * p
    np.savetxt(sys.argv[4], np.column_stack(cols), fmt=fmt, delimiter=",",
               header=",".join(["time", "event"] + [f"x{j}" for j in range(p)]), comments="")
