# SPDX-License-Identifier: EUPL-1.2
"""Import of CSV, XLSX and SPSS .sav files written at test time."""

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from openpyxl import Workbook

from staat.analysis.instrument_schema import load_shipped
from staat.analysis.microdata import (
    ImportRejected,
    MappingError,
    import_file,
    read_table,
    suggest_mapping,
    validate,
)
from staat.analysis.scoring import score_dimensions


@pytest.fixture(scope="module")
def citizen():
    return load_shipped()["citizen-service"]


HEADER = ["Respondent", "Cijfer", "tr01", "tr02", "tr03", "tr04", "Levensgebeurtenis",
          "age_group"]
MAPPING = {"Respondent": "respondent", "Cijfer": "mark", "tr01": "tr01", "tr02": "tr02",
           "tr03": "tr03", "tr04": "tr04", "Levensgebeurtenis": "life_event",
           "age_group": "age_group"}
ROWS = [
    ["r1", "8", "4", "5", "4", "2", "werk_kwijt", "2"],
    ["r2", "11", "4", "5", "4", "2", "schulden", "2"],      # mark out of range
    ["r3", "6", "Eens", "9", "", "1", "Scheiding", "3"],   # label, weet niet, empty: ok
    ["r4", "", "3", "3", "3", "3", "geen", "1"],           # required mark missing
    ["r1", "7", "2", "2", "2", "2", "loterij", "4"],        # duplicate key, unknown event
]


def check(result):
    problems = [(p.row, p.column, p.value) for p in result.problems]
    assert problems == [(3, "Cijfer", "11"), (5, "Cijfer", ""), (6, "Respondent", "r1"),
                        (6, "Levensgebeurtenis", "loterij")]
    assert "not an answer of scale 'mark10'" in result.problems[0].reason
    assert "duplicate respondent key (also row 2)" in result.problems[2].reason
    assert result.invalid_rows == (3, 5, 6)
    valid = result.rows("valid")
    assert list(valid.index) == [2, 4]
    assert valid.loc[4, "tr01"] == 4 and valid.loc[4, "tr02"] == 9
    assert valid.loc[4, "life_event"] == "scheiding"
    with pytest.raises(ImportRejected):
        result.rows("all")
    sc = score_dimensions(valid, load_shipped()["citizen-service"], dimensions=["trust"])
    assert sc.loc[2, "trust"] == pytest.approx((4 + 5 + 4 + 4) / 4)
    assert sc.loc[4, "trust"] == pytest.approx((4 + 5) / 2)  # 2 of 4 answered


def test_csv_semicolon_with_bom(tmp_path, citizen):
    p = tmp_path / "antwoorden.csv"
    text = "\n".join(";".join(r) for r in [HEADER, *ROWS]) + "\n"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    table = read_table(p)
    assert table.delimiter == ";" and table.encoding == "utf-8-sig"
    assert list(table.frame.columns) == HEADER
    check(validate(table, citizen, MAPPING))


def test_csv_comma_cp1252_quoted_multiline(tmp_path, citizen):
    rows = [list(r) for r in ROWS]
    p = tmp_path / "a.csv"
    lines = [",".join(HEADER)]
    lines.append('"r0","7","4","4","4","4","geen","2"')
    lines[-1] = lines[-1].replace('"r0"', '"r0\nmet regel"')  # a record spanning two lines
    for r in rows:
        lines.append(",".join(r))
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    table = read_table(p)
    assert table.delimiter == "," and table.encoding in ("utf-8", "cp1252")
    res = validate(table, citizen, MAPPING)
    # the added record r0 spans lines 2-3, so the rows of check() move down by two lines
    assert [p.row for p in res.problems] == [5, 7, 8, 8]


def test_xlsx(tmp_path, citizen):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in ROWS:
        ws.append([int(v) if v.isdigit() else (v or None) for v in r])
    p = tmp_path / "a.xlsx"
    wb.save(p)
    check(import_file(p, citizen, MAPPING))


def test_xlsx_blank_row_keeps_row_numbers(tmp_path, citizen):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["r1", 8, 4, 4, 4, 4, "geen", 2])
    ws.append([None] * 8)
    ws.append(["r2", 12, 4, 4, 4, 4, "geen", 2])
    p = tmp_path / "b.xlsx"
    wb.save(p)
    res = import_file(p, citizen, MAPPING)
    assert [x.row for x in res.problems] == [4]


def test_sav(tmp_path, citizen):
    df = pd.DataFrame({
        "Respondent": [r[0] for r in ROWS],
        "Cijfer": [float(r[1]) if r[1] else np.nan for r in ROWS],
        **{c: [np.nan if r[i] == "" else (4.0 if r[i] == "Eens" else float(r[i]))
               for r in ROWS] for i, c in enumerate(HEADER[2:6], start=2)},
        "Levensgebeurtenis": [r[6] for r in ROWS],
        "age_group": [float(r[7]) for r in ROWS],
    })
    p = tmp_path / "a.sav"
    pyreadstat.write_sav(df, str(p), variable_value_labels={"age_group": {1: "18-30",
                                                                           2: "30-45"}})
    table = read_table(p)
    assert table.format == "sav" and table.value_labels["age_group"][1.0] == "18-30"
    res = validate(table, citizen, MAPPING)
    # .sav rows are case numbers (no header row)
    assert [(x.row, x.column) for x in res.problems] == [
        (2, "Cijfer"), (4, "Cijfer"), (5, "Respondent"), (5, "Levensgebeurtenis")]
    assert list(res.valid.index) == [1, 3]


def test_mapping_errors_and_suggestion(citizen):
    frame = pd.DataFrame({"MARK": ["7"], "Tr-01": ["4"], "x": ["1"]})
    assert suggest_mapping(frame.columns, citizen) == {"MARK": "mark", "Tr-01": "tr01"}
    with pytest.raises(MappingError) as exc:
        validate(frame, citizen, {"x": "tr01", "Tr-01": "tr01", "nope": "mark"})
    msg = str(exc.value)
    assert "mapped from two columns" in msg and "'nope' is not in the file" in msg
    with pytest.raises(MappingError, match="required item 'mark' is not mapped"):
        validate(frame, citizen, {"Tr-01": "tr01"})


def test_all_valid_imports_everything(citizen):
    frame = pd.DataFrame({"mark": ["7", "8,0"], "age_group": ["18 tot 30", "5"]})
    res = validate(frame, citizen, {"mark": "mark", "age_group": "age_group"})
    assert res.problems == ()
    out = res.rows("all")
    assert out["mark"].tolist() == [7.0, 8.0] and out["age_group"].tolist() == [1.0, 5.0]
