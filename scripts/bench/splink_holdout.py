#!/usr/bin/env python3
"""Splink side of the register-shaped holdout benchmark (issue 15): the comparisons, blocking and
training rules of the `zicht match` command in docs/benchmarks.md, on DuckDB. Run from a
virtualenv with `pip install splink` (never vendored into the repository).

    python3 splink_holdout.py holdout.csv pairs.csv [--threshold P] [--model model.json]

Writes every predicted pair at or above the threshold (use a low one, e.g. 0.01, to measure
calibration with eval_calibration.py).
"""
import argparse
import sys
import time

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

ap = argparse.ArgumentParser()
ap.add_argument("data")
ap.add_argument("pairs")
ap.add_argument("--threshold", type=float, default=0.01)
ap.add_argument("--model")
args = ap.parse_args()
t0 = time.time()
db = DuckDBAPI()
db.duckdb_con.execute(
    f"CREATE TABLE people AS SELECT * EXCLUDE (person_id) RENAME (record_id AS unique_id) "
    f"FROM read_csv('{args.data}', all_varchar = true, header = true)"
)
settings = SettingsCreator(
    link_type="dedupe_only",
    comparisons=[
        cl.NameComparison("given_names").configure(term_frequency_adjustments=True),
        cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("birth_date", input_is_string=True),
        cl.ExactMatch("birth_year"),
        cl.ExactMatch("sex"),
        cl.ExactMatch("nationality"),
        cl.LevenshteinAtThresholds("municipality", [1, 2]),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("birth_date"),
        block_on("family_name", "nationality"),
        block_on("given_names", "family_name"),
        block_on("given_names", "birth_year"),
    ],
    retain_intermediate_calculation_columns=False,
    retain_matching_columns=False,
)
linker = Linker(db.register("people"), settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("given_names", "family_name", "birth_date")], recall=0.6
)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=42)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("family_name", "nationality"))
if args.model:
    linker.misc.save_model_to_json(args.model, overwrite=True)
pred = linker.inference.predict(threshold_match_probability=args.threshold)
db.duckdb_con.execute(
    f"COPY (SELECT unique_id_l AS id_l, unique_id_r AS id_r, match_probability, match_weight "
    f"FROM {pred.physical_name}) TO '{args.pairs}' (HEADER, DELIMITER ',')"
)
print(f"splink seconds {time.time() - t0:.2f}", file=sys.stderr)
