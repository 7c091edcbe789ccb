# SPDX-License-Identifier: EUPL-1.2
"""Reading response microdata (CSV, XLSX, SPSS .sav), mapping columns, validating values.

Three steps, each pure:

1. :func:`read_table` reads a file into a :class:`RawTable`: every column as read (texts for
   CSV), and for every row its number *as in the file*: the spreadsheet row for CSV and
   XLSX (the header is row 1; a quoted CSV field spanning lines counts from the line where
   its record starts), the case number for .sav.
2. A column mapping (file column → item or attribute code, or ``respondent``) is checked
   with :func:`check_mapping`; :func:`suggest_mapping` proposes one from matching names.
3. :func:`validate` converts and checks every mapped value against the instrument and
   returns an :class:`ImportResult`: every problem (row, column, value, reason) and the
   converted rows. Nothing is applied: the caller chooses ``result.rows("valid")`` (import
   the valid rows) or ``result.rows("all")`` (everything, only if there are no problems), or
   imports nothing.

Accepted answers: the scale's value ("4", "4.0", "4,0", 4) or, case-insensitively, its Dutch
or English label ("Eens", "agree"). Empty cells are missing answers, which is a problem only
for items and attributes marked ``required``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .instrument_schema import Instrument, ScaleOption

RESPONDENT = "respondent"  # mapping target for the respondent key column
PASSTHROUGH = (RESPONDENT, "organisation", "wave")


@dataclass(frozen=True)
class RawTable:
    frame: pd.DataFrame  # columns as in the file
    row_numbers: np.ndarray  # file row (CSV/XLSX) or case number (.sav) per frame row
    format: str  # csv | xlsx | sav
    encoding: str = ""
    delimiter: str = ""
    value_labels: Mapping[str, Mapping] = field(default_factory=dict)  # .sav value labels
    structure_problems: tuple = ()  # rows with a wrong number of fields (CSV)


@dataclass(frozen=True, slots=True)
class ValueProblem:
    row: int  # as in the file
    column: str  # the file's column name
    value: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}, value {self.value!r}: {self.reason}"


class MappingError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class ImportRejected(ValueError):
    pass


@dataclass(frozen=True)
class ImportResult:
    data: pd.DataFrame  # every row, converted (invalid values as NaN); index = file row
    problems: tuple[ValueProblem, ...]
    mapping: Mapping[str, str]

    @property
    def invalid_rows(self) -> tuple[int, ...]:
        return tuple(sorted({p.row for p in self.problems}))

    @property
    def valid(self) -> pd.DataFrame:
        return self.data.drop(index=list(self.invalid_rows))

    @property
    def n_rows(self) -> int:
        return len(self.data)

    def rows(self, policy: str) -> pd.DataFrame:
        """``"valid"``: only rows without problems. ``"all"``: every row, but only when no row
        has a problem (else :class:`ImportRejected`, and nothing is imported)."""
        if policy == "valid":
            return self.valid.copy()
        if policy == "all":
            if self.problems:
                raise ImportRejected(f"{len(self.problems)} problem(s) in "
                                     f"{len(self.invalid_rows)} row(s); nothing imported")
            return self.data.copy()
        raise ValueError("policy must be 'valid' or 'all'")


# --------------------------------------------------------------------------- reading


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # Excel on Dutch Windows saves "CSV" as Windows-1252
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is neither UTF-8 nor Windows-1252 text: {exc}") from None


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        counts = {d: header.count(d) for d in (";", ",", "\t")}
        return max(counts, key=lambda d: (counts[d], d == ";"))


def read_csv(source: str | Path | bytes) -> RawTable:
    """Read a CSV file: UTF-8 (with or without BOM) or Windows-1252; delimiter ``;``, ``,``
    or tab, sniffed. All values stay texts. Rows with a wrong number of fields are kept
    (padded or cut) and reported in ``structure_problems``."""
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    text, encoding = _decode(raw)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows, numbers, problems = [], [], []
    line_before = 0
    for record in reader:
        start = line_before + 1
        line_before = reader.line_num
        if not record or all(not f.strip() for f in record):
            continue
        if header is None:
            header = [h.strip() for h in record]
            continue
        if len(record) != len(header):
            problems.append(ValueProblem(start, "", delimiter.join(record)[:80],
                                         f"expected {len(header)} fields, got {len(record)}"))
            record = (record + [""] * len(header))[: len(header)]
        rows.append(record)
        numbers.append(start)
    if header is None:
        raise ValueError("the file is empty")
    _check_header(header)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return RawTable(frame, np.asarray(numbers, dtype=int), "csv", encoding, delimiter,
                    structure_problems=tuple(problems))


def _check_header(header: Sequence) -> None:
    names = [str(h) for h in header]
    empty = [i + 1 for i, h in enumerate(names) if not h or h == "None"]
    if empty:
        raise ValueError(f"column(s) {empty} have no name in the header row")
    dup = sorted({h for h in names if names.count(h) > 1})
    if dup:
        raise ValueError(f"duplicate column name(s) in the header row: {dup}")


def read_xlsx(source: str | Path | bytes, sheet: str | int = 0) -> RawTable:
    """Read the first (or the named) sheet of an .xlsx workbook with openpyxl. Row 1 is the
    header. Read directly (not through ``pandas.read_excel``) to keep every row's real row
    number, blank rows included."""
    from openpyxl import load_workbook

    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    wb = load_workbook(handle, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
        it = ws.iter_rows(values_only=True)
        header_row = next(it, None)
        if header_row is None:
            raise ValueError("the sheet is empty")
        while header_row and header_row[-1] is None:
            header_row = header_row[:-1]
        header = [str(h).strip() if h is not None else "" for h in header_row]
        _check_header(header)
        rows, numbers = [], []
        for number, values in enumerate(it, start=2):
            values = list(values[: len(header)]) + [None] * max(0, len(header) - len(values))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            rows.append(values)
            numbers.append(number)
    finally:
        wb.close()
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return RawTable(frame, np.asarray(numbers, dtype=int), "xlsx")


def read_sav(source: str | Path) -> RawTable:
    """Read an SPSS .sav file with pyreadstat: codes, not labels (value labels are kept in
    ``value_labels``); user-defined missing values become empty. Rows are case numbers."""
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(source), apply_value_formats=False,
                                      user_missing=False)
    frame = frame.astype(object).where(frame.notna(), None)
    return RawTable(frame, np.arange(1, len(frame) + 1), "sav",
                    encoding=getattr(meta, "file_encoding", "") or "",
                    value_labels=dict(meta.variable_value_labels))


def read_table(path: str | Path, sheet: str | int = 0) -> RawTable:
    """Read CSV, XLSX or .sav by file extension."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path, sheet)
    if suffix == ".sav":
        return read_sav(path)
    raise ValueError(f"unsupported file type {suffix!r} (use .csv, .xlsx or .sav)")


# --------------------------------------------------------------------------- mapping


def _targets(instrument: Instrument, passthrough: Sequence[str]) -> set[str]:
    return set(instrument.item_codes) | set(instrument.attribute_codes) | set(passthrough)


def suggest_mapping(columns: Sequence[str], instrument: Instrument,
                    passthrough: Sequence[str] = PASSTHROUGH) -> dict[str, str]:
    """Map file columns whose name equals a code (ignoring case, spaces, '-' and '_')."""
    def norm(s: str) -> str:
        return "".join(ch for ch in str(s).casefold() if ch.isalnum())

    targets = {norm(t): t for t in sorted(_targets(instrument, passthrough))}
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        t = targets.get(norm(col))
        if t is not None and t not in used:
            out[col] = t
            used.add(t)
    return out


def check_mapping(columns: Sequence[str], mapping: Mapping[str, str], instrument: Instrument,
                  passthrough: Sequence[str] = PASSTHROUGH) -> None:
    """Raise :class:`MappingError` listing every problem with a column mapping."""
    problems = []
    targets = _targets(instrument, passthrough)
    for col, code in mapping.items():
        if col not in columns:
            problems.append(f"column {col!r} is not in the file")
        if code not in targets:
            problems.append(f"column {col!r} is mapped to unknown code {code!r}")
    seen: dict[str, str] = {}
    for col, code in mapping.items():
        if code in seen:
            problems.append(f"code {code!r} is mapped from two columns: {seen[code]!r} and {col!r}")
        seen[code] = col
    mapped = set(mapping.values())
    for it in instrument.items:
        if it.required and it.code not in mapped:
            problems.append(f"required item {it.code!r} is not mapped to a column")
    for at in instrument.attributes:
        if at.required and at.code not in mapped:
            problems.append(f"required attribute {at.code!r} is not mapped to a column")
    if problems:
        raise MappingError(problems)


# --------------------------------------------------------------------------- validation


def _number_forms(v) -> list[str]:
    f = float(v)
    forms = {str(v), repr(f)}
    if f.is_integer():
        forms |= {str(int(f)), f"{int(f)}.0", f"{int(f)},0"}
    else:
        forms |= {str(f).replace(".", ",")}
    return [s.casefold() for s in forms]


def _lookup(options: Sequence[ScaleOption]) -> dict[str, object]:
    table: dict[str, object] = {}
    for o in options:  # labels first, so a value that looks like a label wins
        for label in (o.label.nl, o.label.en):
            if label:
                table[label.strip().casefold()] = o.value
    for o in options:
        if isinstance(o.value, str):
            table[o.value.strip().casefold()] = o.value
        else:
            for s in _number_forms(o.value):
                table[s] = o.value
    return table


def _normalise(col: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Casefolded, stripped texts; and the mask of empty cells."""
    def one(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, bool):
            return str(int(v))
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip().casefold()

    s = col.map(one)
    return s, (s == "").to_numpy()


def _allowed_text(options: Sequence[ScaleOption], limit: int = 12) -> str:
    vals = [str(o.value) for o in options]
    return ", ".join(vals[:limit]) + (", ..." if len(vals) > limit else "")


def validate(table: RawTable | pd.DataFrame, instrument: Instrument, mapping: Mapping[str, str],
             passthrough: Sequence[str] = PASSTHROUGH) -> ImportResult:
    """Convert and check every mapped value; see the module docstring.

    Returns every problem and all rows converted to canonical answer values (numbers for
    numeric scales); rows are indexed by their row number in the file.
    """
    if isinstance(table, pd.DataFrame):
        table = RawTable(table.astype(object), np.arange(2, len(table) + 2), "frame")
    frame = table.frame
    check_mapping(list(frame.columns), mapping, instrument, passthrough)
    rows = table.row_numbers
    problems: list[ValueProblem] = list(table.structure_problems)
    out: dict[str, pd.Series] = {}
    items = {i.code: i for i in instrument.items}
    attrs = {a.code: a for a in instrument.attributes}
    for col, code in mapping.items():
        raw = frame[col]
        norm, empty = _normalise(raw)
        required = False
        options: Sequence[ScaleOption] | None = None
        kind = "text"
        what = ""
        if code in items:
            scale = instrument.scales[items[code].scale]
            options, required, kind = scale.options, items[code].required, "category"
            what = f"scale '{scale.code}'"
        elif code in attrs:
            at = attrs[code]
            required, kind = at.required, at.type
            if at.type == "category":
                options, what = at.options, f"attribute '{code}'"
        elif code == RESPONDENT:
            required = True
        if kind == "category":
            converted = norm.map(_lookup(options))
            bad = ~empty & converted.isna().to_numpy()
            reason = f"not an answer of {what} (allowed: {_allowed_text(options)})"
            if all(not isinstance(o.value, str) for o in options):
                converted = converted.astype(float)
        elif kind == "number":
            converted = pd.to_numeric(norm.str.replace(",", ".", regex=False), errors="coerce")
            bad = ~empty & converted.isna().to_numpy()
            reason = "not a number"
        else:
            converted = raw.map(lambda v: None if v is None or (isinstance(v, float) and
                                                                 math.isnan(v)) else
                                str(v).strip()).where(~empty, None)
            bad = np.zeros(len(raw), dtype=bool)
            reason = ""
        for i in np.flatnonzero(bad):
            problems.append(ValueProblem(int(rows[i]), col, str(raw.iloc[i]), reason))
        if required:
            for i in np.flatnonzero(empty):
                problems.append(ValueProblem(int(rows[i]), col, "", "required answer is missing"))
        if code == RESPONDENT:
            keys = converted.where(~pd.Series(empty, index=converted.index))
            first: dict = {}
            for i, k in enumerate(keys.tolist()):
                if k is None or (isinstance(k, float) and math.isnan(k)):
                    continue
                if k in first:
                    problems.append(ValueProblem(int(rows[i]), col, str(k),
                                                 f"duplicate respondent key (also row {first[k]})"))
                else:
                    first[k] = int(rows[i])
        converted = converted.where(~pd.Series(bad, index=converted.index))
        out[code] = converted.set_axis(rows)
    data = pd.DataFrame(out, index=pd.Index(rows, name="row"))
    problems.sort(key=lambda p: (p.row, list(frame.columns).index(p.column)
                                 if p.column in frame.columns else -1))
    return ImportResult(data, tuple(problems), dict(mapping))


def import_file(path: str | Path, instrument: Instrument,
                mapping: Mapping[str, str] | None = None, sheet: str | int = 0) -> ImportResult:
    """Read a file and validate it (with :func:`suggest_mapping` when no mapping is given)."""
    table = read_table(path, sheet)
    if mapping is None:
        mapping = suggest_mapping(list(table.frame.columns), instrument)
    return validate(table, instrument, mapping)


__all__ = [
    "ImportRejected", "ImportResult", "MappingError", "RawTable", "ValueProblem",
    "check_mapping", "import_file", "read_csv", "read_sav", "read_table", "read_xlsx",
    "suggest_mapping", "validate",
]
