# SPDX-License-Identifier: EUPL-1.2
"""Threads on constructed cases: identity across years, separation of different bottlenecks,
figures and descriptions, researchers' decisions surviving re-runs, determinism, and memory
that does not grow with the square of the number of findings."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import random
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from staat.analysis.threads import (
    FindingInput,
    ThreadParams,
    ThreadState,
    _candidate_edges,
    _vectorise,
    compute_threads,
    describe,
    next_states,
)

# topic, id, year, org, type, text, themes, laws
CORPUS = [
    # H: stapeling van regels, geen hardheidsclausule
    ("H", "h23-lvu", 2023, "fic-lvu", "zbo",
     "Door de stapeling van regels en uitzonderingen in de inkomensregelingen weten burgers "
     "niet meer waar zij recht op hebben.",
     ("complexiteit-regelgeving", "stapeling-beleid"), ("Participatiewet",)),
    ("H", "h23-lin", 2023, "fic-lindeveen", "gemeente",
     "De Participatiewet kent geen hardheidsclausule, waardoor wij bij de stapeling van regels "
     "geen maatwerk kunnen leveren.",
     ("complexiteit-regelgeving", "menselijke-maat"), ("Participatiewet",)),
    ("H", "h25-uisf", 2025, "fic-uisf", "zbo",
     "Studenten lopen vast omdat regels en uitzonderingen zich opstapelen en een "
     "hardheidsclausule ontbreekt.",
     ("complexiteit-regelgeving", "stapeling-beleid", "menselijke-maat"),
     ("Wet studiefinanciering 2000",)),
    ("H", "h25-cbz", 2025, "fic-cbz", "zbo",
     "Zonder hardheidsclausule kunnen onze medewerkers geen maatwerk bieden wanneer regels zich "
     "op elkaar stapelen.",
     ("menselijke-maat", "stapeling-beleid"), ()),
    # G: gegevensuitwisseling zonder wettelijke grondslag
    ("G", "g23-cbz", 2023, "fic-cbz", "zbo",
     "Voor het opvragen van gegevens bij gemeenten ontbreekt een wettelijke grondslag, waardoor "
     "de gegevensuitwisseling stokt.",
     ("gegevensuitwisseling",), ("Wmo 2015",)),
    ("G", "g23-arg", 2023, "fic-arg", "agentschap",
     "Koppelingen tussen onze registraties en die van ketenpartners zijn traag, en de "
     "uitwisseling van gegevens mist een wettelijke basis.",
     ("gegevensuitwisseling", "samenwerking-keten"), ()),
    ("G", "g25-arg", 2025, "fic-arg", "agentschap",
     "De gegevensuitwisseling tussen gemeenten en uitvoeringsorganisaties loopt vast op het "
     "ontbreken van een wettelijke grondslag.",
     ("gegevensuitwisseling", "samenwerking-keten"), ()),
    ("G", "g25-lin", 2025, "fic-lindeveen", "gemeente",
     "Gegevens uitwisselen met het CBZ kan niet, omdat een wettelijke grondslag voor het delen "
     "van die gegevens ontbreekt.",
     ("gegevensuitwisseling",), ("AVG",)),
    # U: uitvoering te laat betrokken
    ("U", "u23-lvu", 2023, "fic-lvu", "zbo",
     "De uitvoering wordt pas betrokken als het wetsvoorstel al klaar is; de uitvoeringstoets "
     "is dan een formaliteit.",
     ("betrokkenheid-uitvoering", "sturing-driehoek"), ()),
    ("U", "u23-dvt", 2023, "fic-dvt", "agentschap",
     "Wij worden te laat betrokken bij nieuw beleid, waardoor pas achteraf blijkt dat het niet "
     "uitvoerbaar is.",
     ("betrokkenheid-uitvoering",), ()),
    ("U", "u25-rid", 2025, "fic-rid", "dienst",
     "Uitvoeringstoetsen komen zo laat in het wetgevingsproces dat de uitvoering geen invloed "
     "meer heeft op het ontwerp.",
     ("betrokkenheid-uitvoering", "sturing-driehoek"), ()),
    ("U", "u25-din", 2025, "fic-din", "dienst",
     "Beleid wordt gemaakt zonder de uitvoering vooraf te betrekken, zodat de uitvoerbaarheid "
     "pas na invoering wordt getoetst.",
     ("betrokkenheid-uitvoering",), ("Wet inburgering 2021",)),
    # A: krapte op de arbeidsmarkt
    ("A", "a23-dvt", 2023, "fic-dvt", "agentschap",
     "Wij vinden onvoldoende ICT'ers en specialisten op de krappe arbeidsmarkt.",
     ("personeel-capaciteit",), ()),
    ("A", "a23-rid", 2023, "fic-rid", "dienst",
     "De krapte op de arbeidsmarkt maakt het moeilijk om ICT'ers en fiscalisten te werven.",
     ("personeel-capaciteit",), ()),
    ("A", "a25-wll", 2025, "fic-lagelanden", "waterschap",
     "Vacatures voor technische specialisten blijven maanden open door de krapte op de "
     "arbeidsmarkt.",
     ("personeel-capaciteit",), ()),
    # I: verouderde ICT (hard negative for A via the ICT words, for F via financiering)
    ("I", "i23-lcji", 2023, "fic-lcji", "agentschap",
     "Onze verouderde ICT-systemen vragen zoveel onderhoud dat er geen ruimte overblijft voor "
     "vernieuwing.",
     ("ict", "financiering"), ()),
    ("I", "i25-lcji", 2025, "fic-lcji", "agentschap",
     "Het beheer van de oude systemen slokt het ICT-budget op; vernieuwing schuift steeds "
     "verder op.",
     ("ict",), ()),
    ("I", "i25-dvt", 2025, "fic-dvt", "agentschap",
     "Naast het openhouden van de winkel is er te weinig capaciteit om verouderde systemen te "
     "vernieuwen.",
     ("ict", "personeel-capaciteit"), ()),
    # F: incidentele financiering
    ("F", "f24-zm", 2024, "fic-zuidermark", "provincie",
     "Het Rijk financiert nieuwe taken met incidentele middelen, terwijl de taken structureel "
     "zijn.",
     ("financiering",), ()),
    ("F", "f25-wll", 2025, "fic-lagelanden", "waterschap",
     "Door incidentele subsidies kunnen wij geen vaste medewerkers aannemen voor een "
     "structurele taak.",
     ("financiering", "personeel-capaciteit"), ()),
    ("F", "f25-din", 2025, "fic-din", "dienst",
     "Structurele taken worden met tijdelijk geld betaald, waardoor elke begrotingsronde "
     "onzekerheid brengt.",
     ("financiering",), ()),
]

TOPIC = {row[1]: row[0] for row in CORPUS}


def corpus(kind: str = "knelpunt", rows=CORPUS) -> list[FindingInput]:
    return [
        FindingInput(id=i, year=y, kind=kind, text=t, source_id=f"src-{o}-{y}",
                     organisation_codes=(o,), organisation_types=(ty,), themes=th, laws=la)
        for (_, i, y, o, ty, t, th, la) in rows
    ]


def topics_of(result) -> list[str]:
    """Per thread the sorted set of true topics, e.g. ["G", "H", ...]."""
    return sorted("".join(sorted({TOPIC[f] for f in t.finding_ids})) for t in result.threads)


def thread_of(result, finding_id: str):
    return result.thread(result.assignments[finding_id])


def dump(result) -> str:
    return json.dumps(result.to_dict(), sort_keys=True, ensure_ascii=False)


# --------------------------------------------------------------------------- grouping


def test_each_bottleneck_is_one_thread_across_years_and_organisations() -> None:
    result = compute_threads(corpus())
    assert topics_of(result) == ["A", "F", "G", "H", "I", "U"]  # one thread per topic
    assert result.unassigned == ()
    h = thread_of(result, "h23-lvu")
    # worded differently in 2023 and 2025 by four different organisations: one thread
    assert set(h.finding_ids) == {"h23-lvu", "h23-lin", "h25-uisf", "h25-cbz"}
    assert sorted(h.finding_ids_by_year) == [2023, 2025]
    assert h.first_year == 2023 and h.last_year == 2025


def test_a_different_bottleneck_does_not_join() -> None:
    result = compute_threads(corpus())
    # ICT'ers on the labour market (A) and old ICT systems (I) share "ICT" and a theme
    assert thread_of(result, "a23-dvt").key != thread_of(result, "i23-lcji").key
    # incidental funding (F) and old ICT systems (I) share the theme "financiering"
    assert thread_of(result, "f24-zm").key != thread_of(result, "i23-lcji").key
    # a new finding on yet another matter stays out of all threads
    extra = FindingInput("x25-cbz", 2025, "knelpunt",
                         "Bellers wachten gemiddeld 22 minuten voordat zij een medewerker "
                         "aan de telefoon krijgen.", "src-x", ("fic-cbz",), ("zbo",),
                         ("dienstverlening-burger",), ())
    result = compute_threads([*corpus(), extra])
    assert "x25-cbz" in result.unassigned
    assert topics_of(result) == ["A", "F", "G", "H", "I", "U"]


def test_shared_themes_alone_do_not_make_a_thread() -> None:
    a = FindingInput("t1", 2024, "knelpunt", "De wachttijd aan de telefoon loopt op tot een uur.",
                     "s1", ("o1",), ("zbo",), ("dienstverlening-burger",), ("Awb",))
    b = FindingInput("t2", 2024, "knelpunt", "Brieven over terugvordering zijn onbegrijpelijk "
                     "geformuleerd.", "s2", ("o2",), ("zbo",), ("dienstverlening-burger",),
                     ("Awb",))
    result = compute_threads([a, b])
    assert result.threads == () and result.unassigned == ("t1", "t2")


def test_kinds_are_threaded_separately_and_linked() -> None:
    light = [
        FindingInput("l25-arg", 2025, "lichtpunt",
                     "Dankzij een nieuw convenant met gemeenten verloopt de gegevensuitwisseling "
                     "nu binnen een dag.", "src-l1", ("fic-arg",), ("agentschap",),
                     ("gegevensuitwisseling",), ()),
        FindingInput("l25-cbz", 2025, "lichtpunt",
                     "De gegevensuitwisseling met gemeenten gaat sneller sinds het convenant.",
                     "src-l2", ("fic-cbz",), ("zbo",), ("gegevensuitwisseling",), ()),
    ]
    result = compute_threads([*corpus(), *light])
    g = thread_of(result, "g23-cbz")
    lt = thread_of(result, "l25-arg")
    assert lt.key != g.key and lt.kind == "lichtpunt" and g.kind == "knelpunt"
    assert set(lt.finding_ids) == {"l25-arg", "l25-cbz"}
    # a bright spot is not one more organisation with the problem ...
    assert g.figures_by_year[2025].organisations == 2
    # ... but the two threads are linked
    assert g.key in lt.related_keys and lt.key in g.related_keys


def test_no_organisation_counts_the_source() -> None:
    rows = [r for r in CORPUS if r[0] == "U"]
    fs = corpus(rows=rows)
    study = FindingInput("u25-study", 2025, "knelpunt",
                         "De uitvoering wordt te laat betrokken bij beleid; uitvoeringstoetsen "
                         "zijn een formaliteit.", "src-study", (), (),
                         ("betrokkenheid-uitvoering",), ())
    result = compute_threads([*fs, study])
    (t,) = result.threads
    fig = t.figures_by_year[2025]
    assert fig.organisations == 2 and fig.reporters == 3 and fig.sources == 3


# --------------------------------------------------------------------------- description


def test_figures_description_representatives_and_label() -> None:
    labels = {"gegevensuitwisseling": "Gegevensuitwisseling"}
    result = compute_threads(corpus(), theme_labels=labels)
    g = thread_of(result, "g23-cbz")
    fig = g.figures_by_year[2025]
    assert (fig.findings, fig.organisations, fig.sources) == (2, 2, 2)
    assert fig.organisation_types == {"agentschap": 1, "gemeente": 1}
    assert fig.themes == {"gegevensuitwisseling": 2, "samenwerking-keten": 1}
    assert fig.laws == {"AVG": 1}
    assert fig.organisation_codes == ("fic-arg", "fic-lindeveen")
    assert sorted(g.figures_by_year) == [2023, 2024, 2025]
    assert g.figures_by_year[2024].findings == 0
    assert g.description.startswith(
        "Knelpunt bij 2 organisaties (1 agentschap, 1 gemeente) in 2025, sinds 2023; "
        "thema's: Gegevensuitwisseling, samenwerking-keten; wetten: ")
    assert "wettelijke grondslag" in g.label.lower()
    assert any(k.text == "wettelijke grondslag" for k in g.key_phrases)
    # representatives: closest to the centroid, one per organisation first
    reps = g.representative_ids_by_year[2023]
    assert set(reps) == {"g23-cbz", "g23-arg"}
    assert all(len(v) <= 3 for v in g.representative_ids_by_year.values())


def test_representatives_prefer_different_organisations() -> None:
    same_org = [
        FindingInput(f"r{i}", 2024, "knelpunt",
                     f"De krapte op de arbeidsmarkt maakt het werven van ICT'ers moeilijk ({i}).",
                     f"s{i}", ("org-a",) if i < 3 else (f"org-{i}",), ("zbo",),
                     ("personeel-capaciteit",), ())
        for i in range(5)
    ]
    result = compute_threads(same_org, params=ThreadParams(representatives=3))
    (t,) = result.threads
    reps = t.representative_ids_by_year[2024]
    orgs = [next(f for f in same_org if f.id == r).organisation_codes for r in reps]
    assert len(set(orgs)) == 3


def test_describe_counts_types_in_dutch() -> None:
    result = compute_threads(corpus())
    h = thread_of(result, "h23-lvu")
    assert h.description.startswith("Knelpunt bij 2 organisaties (2 ZBO's) in 2025, sinds 2023")
    f = thread_of(result, "f24-zm")
    assert f.description.startswith(
        "Knelpunt bij 2 organisaties (1 dienst, 1 waterschap) in 2025, sinds 2024")
    a = thread_of(result, "a23-dvt")
    assert "; niet meer genoemd" not in a.description
    assert describe("knelpunt", {}) == "Knelpunt"


# --------------------------------------------------------------------------- trends in threads


def test_trend_per_year_in_threads() -> None:
    result = compute_threads(corpus())
    h = thread_of(result, "h23-lvu")
    assert {y: t.status for y, t in h.trend_by_year.items()} == {
        2023: "new", 2024: "no_longer_mentioned", 2025: "returned"}
    f = thread_of(result, "f24-zm")
    assert {y: t.status for y, t in f.trend_by_year.items()} == {2024: "new", 2025: "persisting"}


# --------------------------------------------------------------------------- identity, decisions


def test_new_key_from_smallest_finding_id_and_stable() -> None:
    result = compute_threads(corpus())
    h = thread_of(result, "h23-lvu")
    assert h.key == "th-" + hashlib.sha256(b"h23-lin").hexdigest()[:12]
    assert all(n.code == "new" for n in h.notes)
    again = compute_threads(corpus(), next_states(result))
    assert [t.key for t in again.threads] == [t.key for t in result.threads]
    assert again.assignments == result.assignments
    assert all(any(n.code == "kept" for n in t.notes) for t in again.threads)


def test_keys_are_never_reused() -> None:
    first = compute_threads(corpus())
    h = thread_of(first, "h23-lvu")
    # the thread was dissolved earlier: its state is passed in without findings
    gone = ThreadState(key=h.key, label="weg")
    result = compute_threads(corpus(), [gone])
    h2 = thread_of(result, "h23-lvu")
    assert h2.key != h.key
    assert h2.key == "th-" + hashlib.sha256(b"h23-lin\n1").hexdigest()[:12]
    assert result.dissolved == (h.key,)


def test_a_new_year_joins_the_existing_threads() -> None:
    early = [f for f in corpus() if f.year < 2025]
    first = compute_threads(early)
    later = compute_threads(corpus(), next_states(first))
    for f in early:
        if f.id in first.assignments:
            assert later.assignments[f.id] == first.assignments[f.id]
    g = later.thread(first.assignments["g23-cbz"])
    assert {"g25-arg", "g25-lin"} <= set(g.finding_ids)
    assert any(n.code == "added" and "g25-arg" in n.finding_ids for n in g.notes)


def test_profile_recognises_re_extracted_findings() -> None:
    first = compute_threads(corpus())
    states = next_states(first)
    # the findings were extracted again and got new ids
    renamed = [dataclasses.replace(f, id="new-" + f.id) for f in corpus()]
    result = compute_threads(renamed, states)
    for t in first.threads:
        f = t.finding_ids[0]
        t2 = result.thread(result.assignments["new-" + f])
        assert t2.key == t.key
        assert any(n.code == "kept_by_profile" for n in t2.notes)


def decisions_run(states, fs=None):
    fs = fs if fs is not None else corpus()
    result = compute_threads(fs, states)
    return result, next_states(result, states)


def test_pinned_finding_stays_across_re_runs() -> None:
    first = compute_threads(corpus())
    states = next_states(first)
    f_key = first.assignments["f24-zm"]
    states = [dataclasses.replace(s, pinned_finding_ids=frozenset({"i23-lcji"}))
              if s.key == f_key else s for s in states]
    for _ in range(3):
        result, states = decisions_run(states)
        assert result.assignments["i23-lcji"] == f_key
        assert "i23-lcji" not in result.thread(result.assignments["i25-lcji"]).finding_ids
        assert any(n.code == "pinned" for n in result.thread(f_key).notes)


def test_excluded_finding_never_returns() -> None:
    first = compute_threads(corpus())
    states = next_states(first)
    g_key = first.assignments["g23-cbz"]
    states = [dataclasses.replace(s, excluded_finding_ids=frozenset({"g25-lin"}))
              if s.key == g_key else s for s in states]
    for _ in range(3):
        result, states = decisions_run(states)
        assert "g25-lin" not in result.thread(g_key).finding_ids
        assert "g25-lin" in result.unassigned
    # also when a very similar finding comes in that pulls it back towards the thread
    twin = dataclasses.replace(corpus()[7], id="g25-lin-2", source_id="other")
    result, _ = decisions_run(states, [*corpus(), twin])
    assert "g25-lin" not in result.thread(g_key).finding_ids


def test_locked_label_stays() -> None:
    first = compute_threads(corpus())
    states = next_states(first)
    h_key = first.assignments["h23-lvu"]
    states = [dataclasses.replace(s, label="Geen hardheidsclausule", label_locked=True)
              if s.key == h_key else s for s in states]
    extra = FindingInput("h25-rid", 2025, "knelpunt",
                         "Door de stapeling van regels ontbreekt ruimte voor maatwerk; een "
                         "hardheidsclausule zou helpen.", "src-h", ("fic-rid",), ("dienst",),
                         ("stapeling-beleid", "menselijke-maat"), ())
    for fs in (corpus(), [*corpus(), extra], corpus()):
        result, states = decisions_run(states, fs)
        t = result.thread(h_key)
        assert t.label == "Geen hardheidsclausule" and t.label_locked


def test_merged_threads_stay_merged() -> None:
    first = compute_threads(corpus())
    states = next_states(first)
    f_key, i_key = first.assignments["f24-zm"], first.assignments["i23-lcji"]
    states = [dataclasses.replace(s, merged_into=f_key) if s.key == i_key else s for s in states]
    for _ in range(3):
        result, states = decisions_run(states)
        assert i_key not in result.assignments.values()
        assert i_key not in result.dissolved
        merged = result.thread(f_key)
        assert {"i23-lcji", "i25-lcji", "i25-dvt", "f24-zm"} <= set(merged.finding_ids)
        assert any(n.code == "merged_from" for n in merged.notes)
        assert next(s for s in states if s.key == i_key).merged_into == f_key


def test_split_is_a_pinned_new_state() -> None:
    first = compute_threads(corpus())
    states = next_states(first)
    h_key = first.assignments["h23-lvu"]
    split = {"h25-uisf", "h25-cbz"}
    states = [dataclasses.replace(s, excluded_finding_ids=frozenset(split))
              if s.key == h_key else s for s in states]
    states.append(ThreadState(key="th-split-1", label="Studenten", label_locked=True,
                              pinned_finding_ids=frozenset(split)))
    for _ in range(3):
        result, states = decisions_run(states)
        assert set(result.thread("th-split-1").finding_ids) == split
        assert set(result.thread(h_key).finding_ids) == {"h23-lvu", "h23-lin"}


def test_pin_conflict_goes_to_the_smaller_key() -> None:
    a = ThreadState(key="th-a", pinned_finding_ids=frozenset({"h23-lvu"}))
    b = ThreadState(key="th-b", pinned_finding_ids=frozenset({"h23-lvu"}))
    result = compute_threads(corpus(), [b, a])
    assert result.assignments["h23-lvu"] == "th-a"
    assert any(n.code == "pin_conflict" for n in result.notes)


def test_merge_cycle_keeps_the_smallest_key() -> None:
    first = compute_threads(corpus())
    states = next_states(first)
    f_key, i_key = first.assignments["f24-zm"], first.assignments["i23-lcji"]
    states = [dataclasses.replace(s, merged_into=i_key) if s.key == f_key else
              dataclasses.replace(s, merged_into=f_key) if s.key == i_key else s for s in states]
    result = compute_threads(corpus(), states)
    keep = min(f_key, i_key)
    assert result.assignments["f24-zm"] == keep == result.assignments["i23-lcji"]
    assert any(n.code == "merge_cycle" for n in result.notes)


# --------------------------------------------------------------------------- determinism


def test_byte_identical_and_independent_of_input_order() -> None:
    fs = corpus()
    light = [dataclasses.replace(f, id="l-" + f.id, kind="lichtpunt") for f in fs[:6]]
    base = dump(compute_threads([*fs, *light]))
    assert dump(compute_threads([*fs, *light])) == base
    for seed in range(3):
        shuffled = [*fs, *light]
        random.Random(seed).shuffle(shuffled)
        assert dump(compute_threads(shuffled)) == base
    first = compute_threads([*fs, *light])
    states = next_states(first)
    random.Random(5).shuffle(states)
    assert [t.key for t in compute_threads(fs + light, states).threads] == [
        t.key for t in first.threads]


def test_invalid_input_is_refused() -> None:
    f = corpus()[0]
    with pytest.raises(ValueError, match="duplicate finding id"):
        compute_threads([f, f])
    with pytest.raises(ValueError, match="unknown kind"):
        compute_threads([dataclasses.replace(f, kind="probleem")])
    with pytest.raises(ValueError, match="organisation_types"):
        compute_threads([dataclasses.replace(f, organisation_types=("zbo", "gemeente"))])
    with pytest.raises(ValueError, match="duplicate thread key"):
        compute_threads([f], [ThreadState("th-x"), ThreadState("th-x")])
    assert compute_threads([]).threads == ()


# --------------------------------------------------------------------------- scale


def _bench_module():
    path = Path(__file__).resolve().parents[2] / "bench" / "bench_threads.py"
    spec = importlib.util.spec_from_file_location("bench_threads", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_threads", module)
    spec.loader.exec_module(module)
    return module


def test_candidate_pairs_are_exact_cosines_without_a_dense_matrix() -> None:
    fs = _bench_module().synthetic_findings(1500, seed=7)
    x, _ = _vectorise(sorted(fs, key=lambda f: f.id), ThreadParams())
    dense = (x @ x.T).toarray()  # fine for a test of 1,500
    np.fill_diagonal(dense, 0)
    params = ThreadParams(candidate_df_floor=10_000, neighbours=10_000, chunk_entries=50_000)
    a, b, s = _candidate_edges(x, params)
    want = np.argwhere(np.triu(dense >= params.edge_threshold))
    assert sorted(zip(a.tolist(), b.tolist())) == sorted(map(tuple, want.tolist()))
    assert np.allclose(s, dense[a, b])
    # with pruning of frequent features: a subset, still exact
    pruned = ThreadParams(candidate_df_floor=20, candidate_df_ratio=0.0, neighbours=10_000)
    a2, b2, s2 = _candidate_edges(x, pruned)
    assert set(zip(a2.tolist(), b2.tolist())) <= set(zip(a.tolist(), b.tolist()))
    assert np.allclose(s2, dense[a2, b2])


def _best_partners_brute_force(x, params: ThreadParams) -> dict[tuple[int, int], float]:
    """What :func:`_candidate_edges` must return, from a dense matrix: the pairs sharing a
    selective feature, at or above the threshold, each row's ``neighbours`` best (by cosine,
    then partner), as the union over the rows. Rows with a near tie at the cut are left
    out (dense and sparse sums may differ in the last bit)."""
    import scipy.sparse as sp

    m = x.shape[0]
    df = np.bincount(x.indices, minlength=x.shape[1])
    cap = max(params.candidate_df_floor, int(params.candidate_df_ratio * m))
    xs = x[:, np.flatnonzero((df > 0) & (df <= cap))]
    shares = (xs @ xs.T).toarray() > 0
    dense = (x @ x.T).toarray()
    np.fill_diagonal(shares, False)
    want: dict[tuple[int, int], float] = {}
    unsure: set[int] = set()
    for r in range(m):
        cand = [c for c in np.flatnonzero(shares[r] & (dense[r] >= params.edge_threshold))]
        cand.sort(key=lambda c: (-dense[r, c], c))
        k = params.neighbours
        if len(cand) > k and abs(dense[r, cand[k - 1]] - dense[r, cand[k]]) < 1e-9:
            unsure.add(r)
        for c in cand[:k]:
            want[(min(r, c), max(r, c))] = dense[r, c]
    assert isinstance(x, sp.csr_matrix)
    return {p: v for p, v in want.items() if not (set(p) & unsure)}, unsure


@pytest.mark.parametrize("floor, neighbours", [(10_000, 3), (40, 5), (15, 2)])
def test_candidate_pairs_keep_each_rows_best_partners_exactly(floor: int, neighbours: int
                                                             ) -> None:
    """The pruning by bounds (frequent features, each row's floor) never drops one of a
    row's best partners: the same pairs as a brute-force computation."""
    fs = _bench_module().synthetic_findings(1200, seed=11)
    x, _ = _vectorise(sorted(fs, key=lambda f: f.id), ThreadParams())
    params = ThreadParams(candidate_df_floor=floor, candidate_df_ratio=0.0,
                          neighbours=neighbours, chunk_entries=40_000)
    a, b, s = _candidate_edges(x, params)
    got = dict(zip(zip(a.tolist(), b.tolist()), s.tolist()))
    want, unsure = _best_partners_brute_force(x, params)
    assert len(want) > 500
    got_sure = {p: v for p, v in got.items() if not (set(p) & unsure)}
    assert set(got_sure) == set(want)
    assert np.allclose([got_sure[p] for p in want], list(want.values()))


def test_frequent_feature_dots_are_the_same_floats_as_scipy() -> None:
    """The shared-frequent-feature part of a cosine, computed from a dense block, is
    bit-identical to scipy's row product (so the output does not change by a bit)."""
    import scipy.sparse as sp

    from staat.analysis.threads import _common_dots

    rng = np.random.default_rng(5)
    for seed in range(3):
        xc = sp.random(2000, 40, density=0.15, random_state=seed, format="csr")
        xc.sort_indices()
        rows = np.sort(rng.integers(0, 2000, 30_000))
        cols = rng.integers(0, 2000, 30_000)
        want = np.asarray(xc[rows].multiply(xc[cols]).sum(axis=1)).ravel()
        got = _common_dots(xc, rows, cols, batch=7_000)
        assert np.array_equal(got, want)
    assert len(_common_dots(xc, rows[:0], cols[:0], batch=10)) == 0


def test_cosines_with_thread_centroids_are_the_same_floats_as_scipy() -> None:
    """Each finding's cosine with its thread's centroid, for all findings at once, is
    bit-identical to scipy's product of the finding's row with that centroid (the
    representatives are chosen by it, rounded to 9 digits)."""
    import scipy.sparse as sp

    from staat.analysis.threads import _dots_with

    rng = np.random.default_rng(3)
    for seed in range(3):
        x = sp.random(3000, 300, density=0.04, random_state=seed, format="csr")
        x.sort_indices()
        cent = sp.random(80, 300, density=0.3, random_state=seed + 10, format="csr")
        rows = rng.permutation(3000)[:2000]
        which = rng.integers(0, 80, 2000)
        want = np.array([(x[int(r)] @ cent[int(w)].T).toarray().ravel()[0]
                         for r, w in zip(rows, which)])
        assert np.array_equal(_dots_with(x, rows, cent, which), want)
    assert len(_dots_with(x, rows[:0], cent, which[:0])) == 0


def test_a_profile_keeps_the_terms_a_full_sort_would() -> None:
    """A thread's remembered profile: its ``profile_terms`` heaviest terms (rounded to 9
    digits, ties by name), picked after leaving out the terms that cannot be among them."""
    import scipy.sparse as sp

    from staat.analysis.threads import _top_terms

    rng = np.random.default_rng(8)
    names = [f"w:{i:04d}" for i in range(500)][::-1]
    for k in (0, 1, 5, 40, 600):
        vals = rng.choice([0.1, 0.1 + 4e-10, 0.2, 0.3 - 2e-10, 0.3], size=(30, 500))
        vals[rng.random((30, 500)) < 0.6] = 0
        m = sp.csr_matrix(vals)
        for j in range(30):
            lo, hi = m.indptr[j], m.indptr[j + 1]
            want = sorted(zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist()),
                          key=lambda cv: (-round(cv[1], 9), names[cv[0]]))[:k]
            assert _top_terms(m, j, names, k) == want


def test_figures_match_a_finding_by_finding_count() -> None:
    """``thread_figures`` against a plain count over the findings, one at a time."""
    from collections import Counter

    from staat.analysis.threads import UNKNOWN_TYPE, _law_key, thread_figures

    rng = random.Random(4)
    codes = ["org-a", "org-b", "org-c", "org-d"]
    fs = []
    for i in range(300):
        org = tuple(rng.sample(codes, rng.choice([0, 1, 1, 2])))
        fs.append(FindingInput(
            f"x{i}", 2025, "knelpunt", "tekst", f"src-{rng.randint(0, 9)}", org,
            tuple(rng.choice(["zbo", "gemeente", ""]) for _ in org) if rng.random() < 0.7
            else (), tuple(rng.sample(["t1", "t2", "t3"], rng.randint(0, 2))),
            tuple(rng.sample(["Wet A", "wet  a", "Wet B"], rng.randint(0, 2)))))
    for k in (1, 7, 300):
        part = fs[:k]
        got = thread_figures(part)
        orgs: dict[str, str] = {}
        reporters, themes, laws, names = set(), Counter(), Counter(), {}
        for f in part:
            types = f.organisation_types or (UNKNOWN_TYPE,) * len(f.organisation_codes)
            for code, typ in zip(f.organisation_codes, types):
                orgs.setdefault(code, typ or UNKNOWN_TYPE)
            reporters |= set(f.organisation_codes) or {"source:" + f.source_id}
            themes.update(set(f.themes))
            for law in sorted({_law_key(law): law for law in f.laws}.items()):
                names.setdefault(law[0], " ".join(law[1].split()))
                laws[law[0]] += 1
        assert got.findings == k and got.reporters == len(reporters)
        assert got.organisations == len(orgs) and dict(got.themes) == dict(themes)
        assert got.organisation_codes == tuple(sorted(orgs))
        assert got.source_ids == tuple(sorted({f.source_id for f in part}))
        assert dict(got.organisation_types) == dict(Counter(orgs.values()))
        assert dict(got.laws) == {names[k]: v for k, v in laws.items()}
        assert list(got.themes) == sorted(themes, key=lambda t: (-themes[t], t))


@pytest.mark.slow
def test_memory_grows_linearly_not_quadratically() -> None:
    """Peak traced memory of 1,000 and 4,000 findings (``bench/bench_threads.py`` measures
    30,000: about 120 MB, where a dense n×n float64 matrix alone would be 6.9 GB)."""
    bench = _bench_module()
    compute_threads(bench.synthetic_findings(200, seed=1))  # load simplemma's dictionary first
    peaks = {}
    for n in (1_000, 4_000):
        fs = bench.synthetic_findings(n)
        tracemalloc.start()
        result = compute_threads(fs)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert len(result.assignments) + len(result.unassigned) == n
    # a dense n×n float64 matrix of 4,000 findings alone would be 128 MB
    assert peaks[4_000] < 48 * 2**20
    # four times the findings: a quadratic method needs about 16 times the memory
    assert peaks[4_000] / peaks[1_000] < 6
