# SPDX-License-Identifier: EUPL-1.2
"""Incremental thread runs: findings added or removed since the last run are placed without
clustering everything again, decisions still hold, keys stay, and a full run stays
available (and is chosen when too much changed or the method changed)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

from staat.analysis.threads import (
    ClusterState,
    FindingInput,
    ThreadParams,
    compute_threads,
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
