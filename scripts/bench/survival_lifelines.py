"""Times lifelines on the benchmark data (fit only; reading the CSV is not timed).

  python survival_lifelines.py km DATA.csv
  python survival_lifelines.py cox DATA.csv
"""
import json
import sys
import time

import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter

kind, path = sys.argv[1], sys.argv[2]
df = pd.read_csv(path)
t0 = time.perf_counter()
c0 = time.process_time()
if kind == "km":
    f = KaplanMeierFitter().fit(df["time"], df["event"])
    out = {"median": float(f.median_survival_time_), "s_at_5": float(f.predict(5.0))}
else:
    f = CoxPHFitter().fit(df, duration_col="time", event_col="event")  # Efron ties
    out = {"coef": [float(c) for c in f.params_.values], "loglik": float(f.log_likelihood_),
           "concordance": float(f.concordance_index_)}
out["seconds"] = time.perf_counter() - t0
out["cpu_seconds"] = time.process_time() - c0
print(json.dumps(out))
