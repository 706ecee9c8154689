"""Workbooks as organisations send them, written by tools zicht did not build (openpyxl for .xlsx,
odfpy through pandas for .ods), for the import tests of issue 20.

    python3 -m venv /tmp/xl && /tmp/xl/bin/pip install openpyxl odfpy pandas
    /tmp/xl/bin/python scripts/reference/workbook_fixtures.py crates/store/tests/fixtures/workbooks

`reports.xlsx`: sheet "Meldingen" first (a second sheet after it); the header in row 1; report and
birth dates as real Excel date cells; a blank row 4; a row whose sex cell holds the error #N/A (row 5);
formatted but empty rows below the data (Excel keeps them in the used range). `reports.ods`: the same
rows (without the error cell) as LibreOffice would save them. The people are invented.
"""

import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pandas as pd

HEADER = ["reporter", "reporter_type", "external_id", "report_date", "identification", "lawful_basis",
          "given_names", "family_name", "birth_date", "birth_year", "sex", "nationality", "exploitation"]
ROWS = [
    ["POL-AMS", "police", "x1", dt.date(2023, 3, 5), "identified", "legal_obligation", "Zoë", "Müller",
     dt.date(1998, 5, 3), 1998, "female", "RO", "sexual:prostitution"],
    ["NLA", "labour_inspectorate", "x2", dt.date(2023, 11, 30), "identified", "legal_obligation", "An",
     "Nguyen", dt.date(1990, 1, 9), 1990, "male", "VN", "labour:hospitality"],
]
ERROR_ROW = ["POL-AMS", "police", "x3", dt.date(2024, 1, 2), "identified", "legal_obligation", "Ioana",
             "Popescu", dt.date(2001, 7, 8), 2001, "#N/A", "RO", "sexual"]


def xlsx(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Meldingen"
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    ws.append([])  # row 4: blank
    ws.append(ERROR_ROW)  # row 5
    ws["K5"].data_type = "e"  # an error cell, as a failed VLOOKUP leaves
    for col in ("D", "I"):
        for row in range(2, 6):
            ws[f"{col}{row}"].number_format = "dd-mm-yyyy"  # Dutch display; the cell is a date
    # Formatted, empty rows below the data.
    for row in range(6, 9):
        ws[f"A{row}"].number_format = "@"
        ws[f"A{row}"].value = None
        ws[f"M{row}"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    other = wb.create_sheet("Toelichting")
    other.append(["Dit blad wordt niet ingelezen."])
    wb.save(path)


def ods(path: Path) -> None:
    frame = pd.DataFrame([[pd.Timestamp(v) if isinstance(v, dt.date) else v for v in r] for r in ROWS],
                         columns=HEADER)
    frame["external_id"] = ["o1", "o2"]
    with pd.ExcelWriter(path, engine="odf") as w:
        frame.to_excel(w, sheet_name="Meldingen", index=False)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    xlsx(out / "reports.xlsx")
    ods(out / "reports.ods")
    print("wrote", out / "reports.xlsx", out / "reports.ods")
