# SPDX-License-Identifier: EUPL-1.2
"""No exported or published figure covers fewer respondents than the minimum, also not
through differences with totals.

The attacker (written independently of the app, after ``tests/analysis/test_disclosure.py``)
downloads the *actual* exports: the JSON twins of the results pages by organisation type, by
sector and by organisation, the subgroup page and every edition result. It takes every
published n and sum (mean × n) as known, sets up every additive relation between the tables
(organisations add up to their type, types and sectors each add up to the total), and asks
for every hidden figure whether it follows exactly (scipy's null space), for counts and for
sums. It also checks that no published row has n below the minimum, and that the hidden
groups of a relation together cover at least the minimum.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import null_space

from staat.instruments import services
from tests.instruments.conftest import ORGS, populate, wave_for

M = 10


@pytest.fixture
def culture_wave(loaded, organisations):
    wave = wave_for(loaded["culture"], "Medewerkersonderzoek 2025", 2025)
    data = populate(wave, organisations)
    return wave, data


def _export(client, wave, by, dimension=None) -> list[dict]:
    url = f"/metingen/culture/{wave.pk}/resultaten/?by={by}&format=json"
    if dimension:
        url += f"&dimension={dimension}"
    response = client.get(url)
    assert response.status_code == 200
    return response.json()["results"]


def _determined(known: dict, unknown: list, relations: list) -> list:
    """Unknown entries fixed by the relations ``sum(members) == total`` and the known values."""
    if not unknown:
        return []
    pos = {e: i for i, e in enumerate(unknown)}
    a = np.zeros((len(relations), len(unknown)))
    for r, (members, total) in enumerate(relations):
        for e in members:
            if e in pos:
                a[r, pos[e]] += 1
        if total in pos:
            a[r, pos[total]] -= 1
    a = a[np.any(a != 0, axis=1)]
    if not len(a):
        return []
    ns = null_space(a)
    return [e for e, i in pos.items() if ns.shape[1] == 0 or np.abs(ns[i]).max() < 1e-9]


def _rows_by_dimension(result: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in result["rows"]:
        out.setdefault(row["dimension"], []).append(row)
    return out


def test_exports_expose_no_small_group(client, researcher, culture_wave):
    wave, data = culture_wave
    client.force_login(researcher)
    tables = {by: _export(client, wave, by) for by in ("type", "sector", "organisation")}
    scores = {by: res[0] for by, res in tables.items()}
    type_of = {code: str(t) for code, (t, _s, _n) in ORGS.items()}
    sector_of = {code: s for code, (_t, s, _n) in ORGS.items()}
    attacked = 0
    for dim in _rows_by_dimension(scores["type"]):
        per = {by: _rows_by_dimension(scores[by])[dim] for by in scores}
        entries: dict = {}  # entry -> (n, sum) or None when hidden

        def put(entry, row):
            value = None if row["suppressed"] else (row["n"], row["n"] * row["mean"])
            if not row["suppressed"]:
                assert row["n"] >= M, f"{entry} published with n = {row['n']}"
            if entry in entries and entries[entry] is not None and value is not None:
                assert entries[entry][0] == value[0]
            entries[entry] = value if entries.get(entry) is None else entries[entry]

        for row in per["type"]:
            put(("total",) if row["group"] == "(total)" else ("type", row["group"]), row)
        for row in per["sector"]:
            put(("total",) if row["group"] == "(total)" else ("sector", row["group"]), row)
        for row in per["organisation"]:
            if row["group"] == "(total)":
                put(("total",), row)
            elif row.get("is_subtotal"):
                put(("type", row["group"]), row)
            else:
                put(("org", row["group"]), row)
        types = sorted({type_of[o] for o in ORGS})
        sectors = sorted(set(sector_of.values()))
        relations = [(tuple(("type", t) for t in types), ("total",)),
                     (tuple(("sector", s) for s in sectors), ("total",))]
        relations += [(tuple(("org", o) for o in ORGS if type_of[o] == t), ("type", t))
                      for t in types]
        unknown = [e for e, v in entries.items() if v is None]
        assert set(unknown) >= {("org", "zbo-small"), ("org", "dienst-solo"),
                                ("type", "dienst")}, "small groups must be hidden"
        for which in (0, 1):  # counts, then sums
            known = {e: v[which] for e, v in entries.items() if v is not None}
            assert _determined(known, unknown, relations) == [], \
                f"{dim}: a hidden {'count' if which == 0 else 'sum'} follows from the totals"
        true_n = data.groupby("organisation").size().to_dict()
        for members, total in relations:  # the hidden part of a line covers ≥ M or nothing
            if entries.get(total) is None:
                continue
            hidden = [e for e in members if entries.get(e) is None]
            covered = sum(true_n.get(e[1], 0) if e[0] == "org" else
                          sum(true_n.get(o, 0) for o in ORGS
                              if (type_of[o] if e[0] == "type" else sector_of[o]) == e[1])
                          for e in hidden)
            assert covered == 0 or covered >= M
        attacked += 1
    assert attacked == 6


def test_comparisons_only_use_published_groups(client, researcher, culture_wave):
    wave, _data = culture_wave
    client.force_login(researcher)
    for by in ("type", "organisation"):
        scores, comparison, reliability = _export(client, wave, by, "psych_safety")
        shown = {r["group"] for r in scores["rows"]
                 if r["dimension"] == "psych_safety" and not r["suppressed"]}
        for row in comparison["rows"]:
            assert row["group"] in shown and row["n"] >= M
        for table in comparison["more"]:
            for row in table["rows"]:
                for side in ("A", "B"):
                    if side in row:
                        assert row[side] in shown
        for row in reliability["rows"]:
            assert row["suppressed"] or row["n"] >= M


def test_subgroups_cannot_be_recovered(client, researcher, culture_wave):
    wave, data = culture_wave
    client.force_login(researcher)
    response = client.get(f"/metingen/culture/{wave.pk}/subgroepen/?dimension=engagement"
                          "&format=json")
    rows = response.json()["results"][0]["rows"]
    assert rows
    for row in rows:
        assert row["n"] >= M and row["rest_n"] >= M
        # the rest implies the attribute's total; the hidden categories of that attribute
        # together must be zero or at least M, and never a single category
        counts = data[row["attribute"]].astype(str).value_counts()
        published = {r["category"] for r in rows if r["attribute"] == row["attribute"]}
        hidden = [c for c in counts.index if c not in published and counts[c] > 0]
        assert row["n"] + row["rest_n"] == counts.sum()
        covered = sum(counts[c] for c in hidden)
        assert covered == 0 or (covered >= M and len(hidden) != 1) or all(
            r["category"] != c for r in rows for c in hidden)


def test_every_edition_result_is_suppressed(culture_wave, loaded, organisations):
    wave, _data = culture_wave
    later = wave_for(loaded["culture"], "Medewerkersonderzoek 2026", 2026)
    populate(later, organisations, seed=8, key_prefix="S")
    available = services.available_results()
    keys = {key for key, _title, _params in available}
    assert {"scores", "comparison", "reliability", "lowest-subgroups", "wave-change"} <= keys
    for key, title, params in available:
        result = services.edition_result(key, params)
        assert result.title and result.notes["suppression"] and result.notes["method"]
        assert result.chart_spec is None or result.chart_svg.lstrip().startswith("<svg")
        for row in result.rows:
            for field in ("n", "n_before", "n_after", "n_organisation", "n_rest", "rest_n"):
                value = row.get(field)
                if value is not None and not row.get("suppressed"):
                    assert value >= M, f"{key} {params}: {field} = {value}"
            if row.get("suppressed"):
                assert all(row.get(f) is None for f in ("n", "mean", "sd", "ci_low", "ci_high"))
    scores = services.edition_result("scores", {"instrument": "culture", "wave": wave.name,
                                                "by": "type"})
    hidden = [r for r in scores.rows if r["suppressed"]]
    assert {r["group"] for r in hidden} >= {"dienst"}
    assert "—" in {c for row in scores.cells() for c in row}
    assert not any(math.isnan(v) for r in scores.rows for v in r.values()
                   if isinstance(v, float))


def test_unknown_references_are_reported(culture_wave):
    with pytest.raises(services.ResultUnavailable):
        services.edition_result("scores", {"instrument": "culture", "wave": "no such wave"})
    with pytest.raises(services.ResultUnavailable):
        services.edition_result("nonsense", {"instrument": "culture", "wave": "x"})
    with pytest.raises(services.ResultUnavailable):
        services.edition_result("comparison", {"instrument": "culture",
                                               "wave": culture_wave[0].name})


def test_organisation_against_its_type(client, researcher, culture_wave):
    wave, data = culture_wave
    client.force_login(researcher)
    res = client.get(f"/metingen/culture/{wave.pk}/organisatie/?organisation=ag-a&format=json")
    rows = res.json()["results"][0]["rows"]
    shown = [r for r in rows if not r["suppressed"]]
    assert shown
    from staat.analysis.scoring import score_dimensions
    from staat.analysis.statistics import welch_t_test

    definition = wave.instrument.parsed()
    scores = score_dimensions(data, definition)
    types = data["organisation"].map(lambda o: str(ORGS[o][0]))
    for r in shown:
        own = scores[r["dimension"]][data.organisation == "ag-a"]
        rest = scores[r["dimension"]][(types == "agentschap") & (data.organisation != "ag-a")]
        ref = welch_t_test(own, rest)
        assert r["diff"] == pytest.approx(ref.diff, abs=1e-4)
        assert r["n_rest"] == len(rest.dropna()) >= M
    # zbo-a is published, but its type total is hidden (to protect the small dienst): the
    # rest of its type would give the hidden total away, so there is no comparison
    res = client.get(f"/metingen/culture/{wave.pk}/organisatie/?organisation=zbo-a&format=json")
    assert all(r["suppressed"] for r in res.json()["results"][0]["rows"])
    # the small organisation is never compared on its own
    res = client.get(f"/metingen/culture/{wave.pk}/organisatie/?organisation=zbo-small"
                     "&format=json")
    assert all(r["suppressed"] for r in res.json()["results"][0]["rows"])
