#!/usr/bin/env python3
"""Splink side of the linkage benchmark: the same comparisons, blocking and training rules as
the `zicht match` command in link_vs_splink.sh, on DuckDB. Run from a virtualenv with
`pip install splink` (never vendored into the repository).

    python3 splink_dedupe.py people.csv pairs.csv clusters.csv [--threshold P] [--model model.json]
"""
import argparse
import sys
import time

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

ap = argparse.ArgumentParser()
ap.add_argument("data")
ap.add_argument("pairs")
ap.add_argument("clusters")
ap.add_argument("--threshold", type=float, default=0.5)
ap.add_argument("--model")
args = ap.parse_args()
data, out_pairs, out_clusters = args.data, args.pairs, args.clusters
t0 = time.time()
db = DuckDBAPI()
# Read with DuckDB itself (all columns text, empty = missing), the fastest route into Splink.
db.duckdb_con.execute(
    f"CREATE TABLE people AS SELECT * RENAME (id AS unique_id) "
    f"FROM read_csv('{data}', all_varchar = true, header = true)"
)
settings = SettingsCreator(
    link_type="dedupe_only",
    comparisons=[
        cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.LevenshteinAtThresholds("postcode", [1]).configure(term_frequency_adjustments=True),
        cl.LevenshteinAtThresholds("city", [1, 2]).configure(term_frequency_adjustments=True),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("first_name", "surname"),
        block_on("dob"),
        block_on("postcode"),
    ],
    retain_intermediate_calculation_columns=False,
    retain_matching_columns=False,
)
linker = Linker(db.register("people"), settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("first_name", "surname", "dob")], recall=0.6
)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=42)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
if args.model:
    linker.misc.save_model_to_json(args.model, overwrite=True)
pred = linker.inference.predict(threshold_match_probability=args.threshold)
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=args.threshold)
con = db.duckdb_con
con.execute(
    f"COPY (SELECT unique_id_l AS id_l, unique_id_r AS id_r, match_probability, match_weight "
    f"FROM {pred.physical_name}) TO '{out_pairs}' (HEADER, DELIMITER ',')"
)
con.execute(
    f"COPY (SELECT unique_id AS id, cluster_id AS cluster FROM {clusters.physical_name}) "
    f"TO '{out_clusters}' (HEADER, DELIMITER ',')"
)
print(f"splink seconds {time.time() - t0:.2f}", file=sys.stderr)
