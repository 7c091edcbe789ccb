# SPDX-License-Identifier: EUPL-1.2
"""Incremental thread runs: findings added or removed since the last run are placed without
clustering everything again, decisions still hold, keys stay, and a full run stays
available (and is chosen when too much changed or the method changed)."""

from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from staat.analysis.threads import (
    ClusterState,
    FindingInput,
    ThreadParams,
    compute_threads,
    fingerprints,
    next_states,
)

from .test_threads import corpus

# worded like the data-exchange thread (G), reported by an organisation not in it yet
LIKE_G = FindingInput(
    "g25-zm", 2025, "knelpunt",
    "De uitwisseling van gegevens met gemeenten stokt, omdat een wettelijke grondslag voor "
    "het delen van gegevens ontbreekt.",
    "src-fic-zuidermark-2025", ("fic-zuidermark",), ("provincie",), ("gegevensuitwisseling",),
    ())
# a matter nobody else reports (unassigned after a full run) …
LONE = FindingInput(
    "w24-lvu", 2024, "knelpunt",
    "De wachtlijsten in de jeugdzorg lopen op, zodat gezinnen maanden wachten op hulp van een "
    "jeugdzorgaanbieder.",
    "src-fic-lvu-2024", ("fic-lvu",), ("zbo",), ("dienstverlening-burger",), ())
# … and a second organisation that reports it later
LONE_TOO = FindingInput(
    "w25-rid", 2025, "knelpunt",
    "Gezinnen wachten maanden op hulp omdat de wachtlijsten in de jeugdzorg oplopen.",
    "src-fic-rid-2025", ("fic-rid",), ("dienst",), ("dienstverlening-burger",), ())
UNRELATED = FindingInput(
    "z25-din", 2025, "knelpunt",
    "Het wagenpark van de buitendienst is verouderd en de voertuigen rijden nog op diesel.",
    "src-fic-din-2025", ("fic-din",), ("dienst",), ("financiering",), ())


def run(fs, previous=None):
    """A run on ``fs`` after ``previous`` (a result), passing its states and kept state."""
    if previous is None:
        return compute_threads(fs)
    return compute_threads(fs, next_states(previous), state=previous.state)


def test_a_finding_worded_like_a_thread_joins_it() -> None:
    first = compute_threads(corpus())
    g_key = first.assignments["g23-cbz"]
    second = run([*corpus(), LIKE_G], first)
    assert second.incremental
    assert second.assignments["g25-zm"] == g_key
    # only the thread that changed is described again; the others are kept as they were
    assert [t.key for t in second.threads] == [g_key]
    assert set(second.unchanged) == set(first.assignments.values()) - {g_key}
    g = second.thread(g_key)
    assert g.figures_by_year[2025].reporters == 3
    assert any(n.code == "added" and n.finding_ids == ("g25-zm",) for n in g.notes)
    # the same finding in a full run lands in the same thread
    assert compute_threads([*corpus(), LIKE_G], next_states(first)).assignments["g25-zm"] == g_key


def test_an_unrelated_finding_stays_unassigned() -> None:
    first = compute_threads([*corpus(), LONE])
    assert "w24-lvu" in first.unassigned
    second = run([*corpus(), LONE, UNRELATED], first)
    assert second.incremental
    assert {"w24-lvu", "z25-din"} <= set(second.unassigned)
    assert second.threads == ()  # nothing changed in any thread
    assert set(second.unchanged) == set(first.assignments.values())


def test_a_new_finding_and_a_similar_unassigned_one_of_another_organisation_form_a_thread(
) -> None:
    first = compute_threads([*corpus(), LONE])
    second = run([*corpus(), LONE, LONE_TOO], first)
    assert second.incremental
    key = second.assignments["w25-rid"]
    assert second.assignments["w24-lvu"] == key
    assert key not in first.assignments.values()
    t = second.thread(key)
    assert set(t.finding_ids) == {"w24-lvu", "w25-rid"}
    assert "jeugdzorg" in t.label.lower() or "wachtlijst" in t.label.lower()
    assert {t.key for t in second.threads} == {key}


def test_two_new_findings_of_one_matter_form_a_thread_with_each_other() -> None:
    first = compute_threads(corpus())
    second = run([*corpus(), LONE, LONE_TOO], first)
    assert second.incremental
    assert second.assignments["w24-lvu"] == second.assignments["w25-rid"]


def test_a_removed_sources_findings_leave_their_threads() -> None:
    first = compute_threads(corpus())
    g_key = first.assignments["g23-cbz"]
    fs = [f for f in corpus() if f.source_id != "src-fic-lindeveen-2025"]
    gone = {f.id for f in corpus()} - {f.id for f in fs}
    assert gone == {"g25-lin"}
    second = run(fs, first)
    assert second.incremental
    assert "g25-lin" not in second.assignments and "g25-lin" not in second.unassigned
    g = second.thread(g_key)
    assert "g25-lin" not in g.finding_ids and len(g.finding_ids) == 3
    assert any(n.code == "removed" and n.finding_ids == ("g25-lin",) for n in g.notes)
    # the app's stored threads no longer list a deleted finding: the thread that lost it is
    # still described again (its figures change)
    states = [dataclasses.replace(s, finding_ids_by_year={
        y: tuple(f for f in ids if f != "g25-lin") for y, ids in s.finding_ids_by_year.items()})
        for s in next_states(first)]
    again = compute_threads(fs, states, state=first.state)
    assert again.incremental and g_key in {t.key for t in again.threads}
    assert again.thread(g_key).figures_by_year[2025].reporters == 1


def test_a_changed_finding_is_placed_again() -> None:
    first = compute_threads([*corpus(), LONE])
    # the lone finding is edited to be about data exchange
    edited = dataclasses.replace(LONE, text=LIKE_G.text, themes=LIKE_G.themes)
    second = run([*corpus(), edited], first)
    assert second.incremental
    assert second.assignments["w24-lvu"] == first.assignments["g23-cbz"]


def test_decisions_hold_after_an_incremental_run() -> None:
    first = compute_threads(corpus())
    states = next_states(first)
    a = first.assignments
    f_key, i_key, g_key, h_key = a["f24-zm"], a["i23-lcji"], a["g23-cbz"], a["h23-lvu"]
    states = [
        dataclasses.replace(s, merged_into=f_key) if s.key == i_key
        else dataclasses.replace(s, excluded_finding_ids=frozenset({"g25-lin"})) if s.key == g_key
        else dataclasses.replace(s, pinned_finding_ids=frozenset({"a23-dvt"})) if s.key == h_key
        else s
        for s in states
    ]
    twin = dataclasses.replace(corpus()[7], id="g25-lin-2", source_id="other",
                               organisation_codes=("fic-zuidermark",))
    result = compute_threads([*corpus(), LIKE_G, twin], states, state=first.state)
    assert result.incremental
    assert result.assignments["g25-zm"] == g_key
    assert "g25-lin" not in result.thread(g_key).finding_ids  # excluded stays out
    assert result.assignments["a23-dvt"] == h_key  # pinned stays
    assert i_key not in result.assignments.values()  # merged stays merged
    assert result.assignments["i23-lcji"] == f_key


def test_a_full_run_after_incremental_runs_keeps_the_keys() -> None:
    first = compute_threads([*corpus(), LONE])
    second = run([*corpus(), LONE, LIKE_G], first)
    third = run([*corpus(), LONE, LIKE_G, LONE_TOO], second)
    assert second.incremental and third.incremental
    states = next_states(third, next_states(second, next_states(first)))
    full = compute_threads([*corpus(), LONE, LIKE_G, LONE_TOO], states)
    assert not full.incremental
    assert full.assignments == third.assignments
    keys_before = set(first.assignments.values())
    assert keys_before <= set(full.assignments.values())


def test_too_many_changes_or_another_method_mean_a_full_run() -> None:
    first = compute_threads(corpus())
    # 3 of 24 findings added: more than 10 %
    more = [*corpus(), LIKE_G, LONE, LONE_TOO]
    assert not compute_threads(more, next_states(first), state=first.state).incremental
    # the allowed share is not part of the method: a larger one lets the same run through
    relaxed = ThreadParams(incremental_max_share=0.5)
    assert compute_threads(more, next_states(first), state=first.state, params=relaxed
                           ).incremental
    # other parameters or another method version: the kept state does not fit
    stricter = dataclasses.replace(relaxed, merge_threshold=0.25)
    assert not compute_threads(more, next_states(first), state=first.state, params=stricter
                               ).incremental
    other = dataclasses.replace(first.state, version="0.9")
    assert not compute_threads(more, next_states(first), state=other, params=relaxed
                               ).incremental
    # changes add up over incremental runs since the last full one
    step1 = compute_threads([*corpus(), LIKE_G], next_states(first), state=first.state)
    assert step1.incremental and step1.state.changed == 1
    step2 = run([*corpus(), LIKE_G, LONE], step1)
    assert step2.incremental and step2.state.changed == 2
    step3 = run([*corpus(), LIKE_G, LONE, LONE_TOO], step2)
    assert not step3.incremental and step3.state.changed == 0


def test_kept_state_round_trips() -> None:
    state = compute_threads([*corpus(), LONE]).state
    again = ClusterState.from_bytes(state.to_bytes())
    assert again.ids == state.ids and again.names == state.names
    assert np.array_equal(again.fingerprints, state.fingerprints)
    assert np.array_equal(again.cluster, state.cluster)
    assert np.array_equal(again.idf, state.idf)
    assert (again.x != state.x).nnz == 0
    assert dict(again.phrase_df) == dict(state.phrase_df)
    assert again.capitalised == state.capitalised
    assert (again.version, again.params_key, again.reference_n, again.changed, again.years) == (
        state.version, state.params_key, state.reference_n, state.changed, state.years)


def _synthetic(n: int):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_threads import synthetic_findings

    return synthetic_findings(n)


def test_incremental_is_close_to_a_full_run_on_a_larger_corpus() -> None:
    """2,000 synthetic findings, 40 more added: nearly every finding has the same thread as
    in a full run with the same earlier states, and every added finding that the full run
    threads is threaded incrementally too in most cases."""
    fs = _synthetic(2040)
    base, added = fs[:2000], fs[2000:]
    first = compute_threads(base)
    inc = compute_threads(fs, next_states(first), state=first.state)
    full = compute_threads(fs, next_states(first))
    assert inc.incremental and not full.incremental
    same = sum(1 for f in fs if inc.assignments.get(f.id) == full.assignments.get(f.id))
    assert same >= 0.97 * len(fs)
    threaded = [f.id for f in added if f.id in full.assignments]
    agree = sum(1 for f in threaded if inc.assignments.get(f) == full.assignments[f])
    assert agree >= 0.8 * len(threaded)
    # threads untouched by the additions keep their description from the full run
    described = {t.key for t in inc.threads}
    assert described.isdisjoint(inc.unchanged)
    assert described | set(inc.unchanged) == set(inc.assignments.values())


# --- what an incremental run keeps and reads back ------------------------------------------

# Texts in which one phrase ("incidenteel") is seen in two forms, once each: which of the
# two counts as its form (and so whether it scores as an inflected adjective) depends on the
# order in which an index over all described threads first sees them.
TIE_TEXTS = [
    "Incidenteel geld helpt gemeenten niet bij de inkoop van jeugdzorg.",
    "De incidentele financiering van jeugdzorg houdt gemeenten in onzekerheid.",
    "Gemeenten kopen jeugdzorg in met incidentele middelen.",
    "Incidenteel budget voor de inkoop van jeugdzorg lost weinig op.",
    "De gegevensuitwisseling tussen gemeenten stokt door de incidentele financiering.",
    "Gegevensuitwisseling tussen gemeenten vraagt om structureel geld.",
    "Door incidenteel geld stokt de gegevensuitwisseling tussen gemeenten.",
]


def _phrase_case(seed: int):
    """Findings of tie-prone and ordinary texts, a full run's phrase table over the first
    ones, and an incremental plan that adds the rest; the groups of the described threads."""
    from staat.analysis import threads as core

    rng = random.Random(seed)
    texts = [f.text for f in corpus()] + TIE_TEXTS * 2
    fs = [FindingInput(f"f{i:03d}", 2025, "knelpunt", t, f"s{i % 5}")
          for i, t in enumerate(rng.sample(texts, len(texts)))]
    old_n = len(fs) - 6
    rows = list(range(old_n))
    rng.shuffle(rows)
    groups_before = [sorted(rows[i:i + 4]) for i in range(0, old_n - 3, 4)]
    background = sorted(set(range(old_n)) - {i for g in groups_before for i in g})
    _, df, capitalised, table = core._phrases_full(groups_before, background, fs[:old_n], 5)
    assert table is not None
    state = ClusterState(
        version=core.VERSION, params_key="", ids=tuple(f.id for f in fs[:old_n]),
        fingerprints=np.zeros(old_n, dtype=np.uint64), cluster=np.arange(old_n),
        x=core.sp.csr_matrix((old_n, 0)), names=(), idf=np.empty(0), reference_n=old_n,
        changed=0, years=(2025,), phrase_df=df, capitalised=capitalised, phrase_table=table)
    plan = core._Plan(kept=np.arange(old_n), kept_old=np.arange(old_n),
                      added=np.arange(old_n, len(fs)), removed=0,
                      touched=np.empty(0, dtype=np.int64))
    everything = list(range(len(fs)))
    rng.shuffle(everything)
    groups = [sorted(everything[i:i + 5]) for i in range(0, len(fs) - 4, 5)]
    return fs, state, plan, groups[: len(groups) - rng.randint(0, 2)]


def test_key_phrases_from_the_kept_table_equal_phrasing_the_texts_again() -> None:
    """Only the added texts are phrased; every described thread's counts come from the
    kept candidates of its findings, numbered as an index over all described threads
    would, so the phrases, scores and remembered frequencies are those of phrasing every
    text of the described threads again."""
    from staat.analysis import threads as core

    for seed in range(12):
        fs, state, plan, groups = _phrase_case(seed)
        n_classes = len(groups) + 1
        kept = core._phrases_from_table(groups, fs, plan, state, len(fs), n_classes, 5)
        again = core._phrases_incremental(
            [[fs[i].text for i in g] for g in groups], [fs[i].text for i in plan.added],
            state, len(fs), n_classes, 5)
        assert kept is not None
        assert kept[0] == again[0], seed
        assert kept[1] == again[1] and kept[2] == again[2]
        # and the table of the current rows is the one phrasing them all would give
        index = core.kp._Index()
        orders = [index.add_ordered(f.text)[1] for f in fs]
        table = kept[3]
        for i, order in enumerate(orders):
            got = table.sids[table.ptr[i]:table.ptr[i + 1]]
            assert [table.surfaces[s] for s in got] == [index.surfaces[s] for s in order]
        assert all(table.phrases[table.surface_phrase[s]] == index.phrases[
            index.surface_phrase[index.surface_ids[w]]] for s, w in enumerate(table.surfaces))


def test_an_incremental_run_with_and_without_the_kept_table_agrees() -> None:
    first = compute_threads([*corpus(), LONE])
    states = next_states(first)
    with_table = compute_threads([*corpus(), LONE, LONE_TOO], states, state=first.state)
    without = compute_threads([*corpus(), LONE, LONE_TOO], states,
                              state=dataclasses.replace(first.state, phrase_table=None))
    assert with_table.incremental and without.incremental
    assert with_table.to_dict() == without.to_dict()
    assert with_table.state.phrase_table is not None and without.state.phrase_table is None
    # a table whose surfaces an added text would read as other phrases is not used
    table = first.state.phrase_table
    odd = dataclasses.replace(table, surface_phrase=np.roll(table.surface_phrase, 1))
    guarded = compute_threads([*corpus(), LONE, LONE_TOO], states,
                              state=dataclasses.replace(first.state, phrase_table=odd))
    assert guarded.to_dict() == without.to_dict() and guarded.state.phrase_table is None


def _same_state(a: ClusterState, b: ClusterState) -> None:
    assert (a.ids, a.names, a.version, a.params_key, a.reference_n, a.changed, a.years) == (
        b.ids, b.names, b.version, b.params_key, b.reference_n, b.changed, b.years)
    for name in ("fingerprints", "cluster", "idf"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(a.x, name), getattr(b.x, name)), name
    assert a.x.shape == b.x.shape
    assert dict(a.phrase_df) == dict(b.phrase_df) and a.capitalised == b.capitalised
    assert (a.base_rows is None) == (b.base_rows is None)
    if a.base_rows is not None:
        assert np.array_equal(a.base_rows, b.base_rows)
    pa, pb = a.phrase_table, b.phrase_table
    assert (pa is None) == (pb is None)
    if pa is not None:
        assert (pa.phrases, pa.surfaces) == (pb.phrases, pb.surfaces)
        for name in ("surface_phrase", "ptr", "sids"):
            assert np.array_equal(getattr(pa, name), getattr(pb, name)), name


def test_an_incremental_state_is_kept_as_changes_to_the_full_runs() -> None:
    fs = _synthetic(1040)
    first = compute_threads(fs[:1000])
    assert first.state.base_rows is None
    second = compute_threads([f for f in fs if f.id != fs[3].id], next_states(first),
                             state=first.state)
    assert second.incremental
    base_rows = second.state.base_rows
    assert base_rows is not None and (base_rows < 0).sum() == 40
    assert set(base_rows[base_rows >= 0].tolist()) == set(range(1000)) - {
        first.state.ids.index(fs[3].id)}
    whole, changes = second.state.to_bytes(), second.state.to_bytes(base=first.state)
    assert len(changes) < len(whole) / 5
    _same_state(ClusterState.from_bytes(changes, base=first.state), second.state)
    # read back whole, a state is a base of its own
    assert ClusterState.from_bytes(whole).base_rows is None
    _same_state(ClusterState.from_bytes(whole), dataclasses.replace(second.state,
                                                                    base_rows=None))
    # a run after it refers to the same base; its changes read back with it
    third = compute_threads(fs[:1020], next_states(second),
                            state=ClusterState.from_bytes(changes, base=first.state))
    assert third.incremental
    _same_state(ClusterState.from_bytes(third.state.to_bytes(base=first.state),
                                        base=first.state), third.state)
    # without its base, or with another, the changes cannot be read
    with pytest.raises(ValueError):
        ClusterState.from_bytes(changes)
    with pytest.raises(ValueError):
        ClusterState.from_bytes(changes, base=compute_threads(fs[:999]).state)


def test_fingerprints_given_and_findings_as_named_tuples_change_nothing() -> None:
    from typing import NamedTuple

    class Row(NamedTuple):
        id: str
        year: int
        kind: str
        text: str
        source_id: str
        organisation_codes: tuple = ()
        organisation_types: tuple = ()
        themes: tuple = ()
        laws: tuple = ()

    fs = [*corpus(), LONE]
    first = compute_threads(fs)
    rows = [Row(*(getattr(f, a) for a in Row._fields)) for f in reversed(fs + [LIKE_G])]
    prints = fingerprints(rows)
    assert np.array_equal(np.sort(prints), np.sort(fingerprints([*fs, LIKE_G])))
    given = compute_threads(rows, next_states(first), state=first.state,
                            input_fingerprints=prints)
    plain = compute_threads([*fs, LIKE_G], next_states(first), state=first.state)
    assert given.incremental and given.to_dict() == plain.to_dict()
