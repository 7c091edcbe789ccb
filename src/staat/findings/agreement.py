# SPDX-License-Identifier: EUPL-1.2
"""Agreement between coders who coded the same source independently.

Unitising at sentence level: each sentence of the source is one unit. A coder's value for a
sentence is the kind (and the themes) of the coding that covers it (a coding covers a
sentence when they overlap by at least half of the shorter of the two; with several, the one
with the largest overlap wins), or "none" when no coding covers it. From that coders × units
matrix we compute Krippendorff's alpha (nominal):

- **kind**: one alpha over the values none / knelpunt / lichtpunt / oproep / dilemma;
- **per kind**: a binary alpha (this kind or not) per kind;
- **per theme**: a binary alpha (theme assigned or not) per theme any coder used.

Alpha is computed by ``staat.analysis.agreement.krippendorff_alpha`` (tested against the
``krippendorff`` package); it is undefined (None) when no coder varies at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

NONE = "none"


@dataclass(frozen=True)
class Span:
    coder: str
    char_start: int
    char_end: int
    kind: str
    themes: tuple[str, ...] = ()
    ref: object = None  # the coding this span came from


@dataclass(frozen=True)
class Unit:
    index: int
    char_start: int
    char_end: int


@dataclass
class AgreementReport:
    coders: list[str]
    units: int
    kind_alpha: float | None
    per_kind: dict[str, float | None] = field(default_factory=dict)
    per_theme: dict[str, float | None] = field(default_factory=dict)
    matrix_kind: list[list[str]] = field(default_factory=list)  # coders × units
    matrix_themes: list[list[tuple[str, ...]]] = field(default_factory=list)
    disagreements: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "coders": self.coders,
            "units": self.units,
            "kind_alpha": self.kind_alpha,
            "per_kind": self.per_kind,
            "per_theme": self.per_theme,
            "disagreements": [
                {k: v for k, v in d.items() if k != "spans"} for d in self.disagreements
            ],
        }


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def covering(unit: Unit, spans: list[Span]) -> Span | None:
    best, best_overlap = None, 0
    for span in spans:
        overlap = _overlap(unit.char_start, unit.char_end, span.char_start, span.char_end)
        shorter = min(unit.char_end - unit.char_start, span.char_end - span.char_start)
        if overlap and overlap * 2 >= shorter and overlap > best_overlap:
            best, best_overlap = span, overlap
    return best


def alpha(matrix, level: str = "nominal") -> float | None:
    """Krippendorff's alpha of a coders × units matrix (None = missing value)."""
    try:
        from staat.analysis.agreement import krippendorff_alpha
    except ImportError:  # pragma: no cover - the analysis core ships it
        krippendorff_alpha = None
    if krippendorff_alpha is not None:
        try:
            value = krippendorff_alpha(matrix, level=level).alpha
        except (ValueError, ZeroDivisionError):
            return None
    else:  # pragma: no cover
        import krippendorff
        import numpy as np

        domain = sorted({v for row in matrix for v in row if v is not None}, key=str)
        codes = {v: i for i, v in enumerate(domain)}
        data = np.array([[codes[v] if v is not None else np.nan for v in row] for row in matrix],
                        dtype=float)
        if len(domain) < 2:
            return None
        value = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def compare(units: list[Unit], spans: list[Span], coders: list[str],
            kinds=("knelpunt", "lichtpunt", "oproep", "dilemma")) -> AgreementReport:
    by_coder = {c: [s for s in spans if s.coder == c] for c in coders}
    kind_rows: list[list[str]] = []
    theme_rows: list[list[tuple[str, ...]]] = []
    chosen: list[list[Span | None]] = []
    for c in coders:
        row_k, row_t, row_s = [], [], []
        for u in units:
            span = covering(u, by_coder[c])
            row_s.append(span)
            row_k.append(span.kind if span else NONE)
            row_t.append(tuple(sorted(span.themes)) if span else ())
        kind_rows.append(row_k)
        theme_rows.append(row_t)
        chosen.append(row_s)
    report = AgreementReport(coders=list(coders), units=len(units),
                             kind_alpha=alpha(kind_rows) if units else None,
                             matrix_kind=kind_rows, matrix_themes=theme_rows)
    for k in kinds:
        report.per_kind[k] = alpha([[int(v == k) for v in row] for row in kind_rows])
    used = sorted({t for row in theme_rows for themes in row for t in themes})
    for t in used:
        report.per_theme[t] = alpha([[int(t in v) for v in row] for row in theme_rows])
    for j, u in enumerate(units):
        values = [(kind_rows[i][j], theme_rows[i][j]) for i in range(len(coders))]
        if len(set(values)) > 1:
            report.disagreements.append({
                "unit": u.index,
                "char_start": u.char_start,
                "char_end": u.char_end,
                "values": {coders[i]: {"kind": values[i][0], "themes": list(values[i][1])}
                           for i in range(len(coders))},
                "spans": {coders[i]: chosen[i][j] for i in range(len(coders))},
            })
    return report
