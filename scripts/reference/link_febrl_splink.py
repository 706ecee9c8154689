#!/usr/bin/env python3
"""Reference F1 of Splink on FEBRL3 (dedupe) and FEBRL4 (link), with the comparisons, blocking
rules and training rules of `crates/link/tests/febrl.rs`, written to
`crates/link/tests/fixtures/febrl/splink_reference.json` (the test checks zicht against it).

    /work/venv-link/bin/pip install splink    # a virtualenv outside the repository
    /work/venv-link/bin/python scripts/reference/link_febrl_splink.py
"""
import json
import pathlib

import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIX = ROOT / "crates/link/tests/fixtures/febrl"
COLS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
        "state", "date_of_birth", "soc_sec_id"]
COMPARED = ["given_name", "surname", "date_of_birth", "soc_sec_id", "street_number", "address_1",
            "suburb", "postcode", "state"]


def load(db, name, table):
    # FEBRL pads values with a blank after each comma: trim, and empty means missing.
    sel = ", ".join(f"nullif(trim(\"{c}\"), '') AS {c}" for c in COLS)
    db.duckdb_con.execute(
        f"CREATE TABLE {table} AS SELECT trim(rec_id) AS unique_id, "
        f"split_part(trim(rec_id), '-', 2) AS person, {sel} "
        f"FROM read_csv('{FIX / name}', all_varchar = true, header = true, normalize_names = true)"
    )


def run(files, link_type):
    db = DuckDBAPI()
    tables = []
    for k, f in enumerate(files):
        load(db, f, f"t{k}")
        tables.append(db.register(f"t{k}"))
    tf = {"term_frequency_adjustments": True}
    settings = SettingsCreator(
        link_type=link_type,
        comparisons=[
            cl.NameComparison("given_name").configure(**tf),
            cl.NameComparison("surname").configure(**tf),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]).configure(**tf),
            cl.ExactMatch("street_number"),
            cl.LevenshteinAtThresholds("address_1", [1, 2]).configure(**tf),
            cl.LevenshteinAtThresholds("suburb", [1, 2]).configure(**tf),
            cl.LevenshteinAtThresholds("postcode", [1]).configure(**tf),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
            block_on("soc_sec_id"), block_on("postcode", "street_number"),
        ],
        retain_matching_columns=True,
        additional_columns_to_retain=["person"],
    )
    linker = Linker(tables if len(tables) > 1 else tables[0], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=42)
    for c in COMPARED:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(c))
    pred = linker.inference.predict(threshold_match_probability=0.01)
    rows = db.duckdb_con.execute(
        f"SELECT match_probability, person_l = person_r FROM {pred.physical_name}"
    ).fetchall()
    con = db.duckdb_con
    if link_type == "link_only":
        truth = con.execute("SELECT count(*) FROM t0 JOIN t1 USING (person)").fetchone()[0]
    else:
        truth = con.execute(
            "SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM t0 GROUP BY person)"
        ).fetchone()[0]
    out = {}
    for t in (0.5, 0.9):
        tp = sum(1 for p, ok in rows if p >= t and ok)
        fp = sum(1 for p, ok in rows if p >= t and not ok)
        prec = tp / (tp + fp)
        rec = tp / truth
        out[str(t)] = {"tp": tp, "fp": fp, "fn": int(truth) - tp, "precision": prec, "recall": rec,
                       "f1": 2 * prec * rec / (prec + rec)}
    return out


result = {
    "tool": f"splink {splink.__version__} (DuckDB)",
    "script": "scripts/reference/link_febrl_splink.py",
    "febrl3": run(["dataset3.csv"], "dedupe_only"),
    "febrl4": run(["dataset4a.csv", "dataset4b.csv"], "link_only"),
}
(FIX / "splink_reference.json").write_text(json.dumps(result, indent=2) + "\n")
print(json.dumps(result, indent=2))
