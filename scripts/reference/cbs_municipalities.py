#!/usr/bin/env python3
"""Builds crates/model/data/cbs_municipalities.tsv, the municipality list zicht suggests codes from.

Input: CBS's "Gemeenten alfabetisch" lists for 2021 (352 municipalities) and 2023 (342), as CBS
publishes them (cbs.nl, "Gemeentelijke indelingen per jaar"), in the copies kept in the public
repository edugis-repo/cbsbuurtwijkgemeente (files gemeenten-alfabetisch-2021.csv and -2023.csv).

Output columns: code (GMxxxx), name, valid_until (empty for a current municipality; else the last year
the code was in use) and successor (the code that took it over). The successor of a municipality that
ended between the two lists is read from the 2023 list by the reorganisations of 2022-2023 (CBS,
"Gemeentelijke herindelingen"): every ended municipality is listed with the one it joined.

    python3 scripts/reference/cbs_municipalities.py g2021.csv g2023.csv > crates/model/data/cbs_municipalities.tsv
"""
import csv
import sys

# The reorganisations between the two lists (CBS "Gemeentelijke herindelingen"; 2022-01-01 unless
# noted): ended code -> (last year in use, successor code).
MERGED = {
    "GM0370": (2021, "GM0439"),  # Beemster -> Purmerend
    "GM0398": (2021, "GM1980"),  # Heerhugowaard -> Dijk en Waard
    "GM0416": (2021, "GM1980"),  # Langedijk -> Dijk en Waard
    "GM0457": (2022, "GM0363"),  # Weesp -> Amsterdam (2022-03-24)
    "GM0501": (2022, "GM1992"),  # Brielle -> Voorne aan Zee (2023-01-01)
    "GM0530": (2022, "GM1992"),  # Hellevoetsluis -> Voorne aan Zee (2023-01-01)
    "GM0614": (2022, "GM1992"),  # Westvoorne -> Voorne aan Zee (2023-01-01)
    "GM0756": (2021, "GM1982"),  # Boxmeer -> Land van Cuijk
    "GM0786": (2021, "GM1982"),  # Grave -> Land van Cuijk
    "GM0815": (2021, "GM1982"),  # Mill en Sint Hubert -> Land van Cuijk
    "GM1684": (2021, "GM1982"),  # Cuijk -> Land van Cuijk
    "GM1702": (2021, "GM1982"),  # Sint Anthonis -> Land van Cuijk
    "GM0856": (2021, "GM1991"),  # Uden -> Maashorst
    "GM1685": (2021, "GM1991"),  # Landerd -> Maashorst
}


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["GemeentecodeGM"]: r["Gemeentenaam"] for r in csv.DictReader(f)}


def main(old_path, new_path):
    old, new = read(old_path), read(new_path)
    ended = sorted(set(old) - set(new))
    if ended != sorted(MERGED):
        sys.exit(f"the ended municipalities differ from MERGED: {ended}")
    for code, (_, successor) in MERGED.items():
        if successor not in new:
            sys.exit(f"{code}: successor {successor} is not in the newer list")
    w = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
    w.writerow(["code", "name", "valid_until", "successor"])
    for code, name in sorted(new.items(), key=lambda kv: kv[1].lower().lstrip("'s-")):
        w.writerow([code, name, "", ""])
    for code in ended:
        until, successor = MERGED[code]
        w.writerow([code, old[code], until, successor])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
