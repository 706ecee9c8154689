"""lifelines on the benchmark data, end to end as a user runs it: read the CSV with pandas, fit,
print the same results `zicht survival --json` / `zicht cox --json` print, as one JSON document
on stdout. The time from the data frame to the results (the fit and the derived results, e.g.
lifelines' lazily computed concordance; not reading, importing or printing) goes to stderr as
{"compute_seconds", "compute_cpu_seconds"}.

  python survival_lifelines.py km DATA.csv     # columns time,event
  python survival_lifelines.py cox DATA.csv    # columns time,event,x0..x{P-1}

KM output: median and S(5), and the table of event times (time, n at risk, events, survival,
log-log interval: lifelines' default, as zicht's). Cox output (Efron ties in both tools):
coefficients with se, z, p, exp(coef); log partial likelihood and the likelihood-ratio test
against the null model; concordance.
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
    et = f.event_table
    ci = f.confidence_interval_
    sf = f.survival_function_.iloc[:, 0]
    ev = et["observed"] > 0
    table = pd.DataFrame({
        "time": et.index[ev],
        "n_risk": et["at_risk"][ev].values,
        "events": et["observed"][ev].values,
        "survival": sf.loc[et.index[ev]].values,
        "ci_low": ci.iloc[:, 0].loc[et.index[ev]].values,
        "ci_high": ci.iloc[:, 1].loc[et.index[ev]].values,
    })
    out = {"median": float(f.median_survival_time_), "s_at_5": float(f.predict(5.0)),
           "table": table.to_dict(orient="records")}
else:
    f = CoxPHFitter().fit(df, duration_col="time", event_col="event")  # Efron ties
    s = f.summary
    lr = f.log_likelihood_ratio_test()
    out = {"coefficients": [{"name": n, "coef": float(r["coef"]), "se": float(r["se(coef)"]),
                             "z": float(r["z"]), "p": float(r["p"]), "exp_coef": float(r["exp(coef)"])}
                            for n, r in s.iterrows()],
           "loglik": float(f.log_likelihood_), "lr_test": {"chi2": float(lr.test_statistic),
                                                         "df": int(lr.degrees_freedom), "p": float(lr.p_value)},
           "concordance": float(f.concordance_index_)}
secs, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps(out))
print(json.dumps({"compute_seconds": secs, "compute_cpu_seconds": cpu}), file=sys.stderr)
