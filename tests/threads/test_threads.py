# SPDX-License-Identifier: EUPL-1.2
"""Threads in the Django app: identity over years and runs, decisions surviving re-runs,
idempotency, the edition's read functions."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from staat.core.models import AuditEvent
from staat.findings.models import Finding, Kind, Status
from staat.sources.models import SourceStatus
from staat.threads import services
from staat.threads.models import Thread, ThreadDecision, ThreadMembership, ThreadRun, ThreadYear

from .conftest import DATA, STAFF


def snapshot() -> dict:
    """Everything a run writes, comparable between runs."""
    return {
        "threads": sorted(Thread.objects.values_list(
            "key", "label", "label_locked", "kind", "pinned", "removed", "merged_into__key",
            "finding_count", "description", "updated_at")),
        "years": sorted((y.thread.key, y.year, y.trend, repr(y.figures), tuple(y.representative_ids))
                        for y in ThreadYear.objects.select_related("thread")),
        "members": sorted(ThreadMembership.objects.values_list(
            "thread__key", "finding_id", "year", "origin", "pinned", "excluded")),
    }


def thread_of(finding: Finding) -> Thread | None:
    m = ThreadMembership.objects.filter(finding=finding, excluded=False).first()
    return m.thread if m else None


def members(thread: Thread) -> set[int]:
    return set(thread.memberships.filter(excluded=False).values_list("finding_id", flat=True))


@pytest.fixture
def computed(world):
    services.compute_threads()
    data = thread_of(world.findings["data-a-2023"])
    staff = thread_of(world.findings["staff-a-2024"])
    assert data is not None and staff is not None and data != staff
    return world, data, staff


def test_one_thread_with_a_history_over_the_years(computed):
    world, data, staff = computed
    assert members(data) == {f.pk for n, f in world.findings.items() if n.startswith("data-")}
    trends = dict(data.years.values_list("year", "trend"))
    assert trends == {2023: "new", 2024: "persisting", 2025: "growing"}
    y2025 = data.years.get(year=2025)
    assert y2025.figures["reporters"] == 5 and y2025.finding_count == 5
    assert y2025.trend_reasons and "5 organisaties" in y2025.trend_reasons[0]
    assert dict(staff.years.values_list("year", "trend")) == {2024: "new", 2025: "persisting"}
    assert data.kind == Kind.KNELPUNT and data.first_year == 2023 and data.last_year == 2025


def test_identity_survives_new_findings(computed):
    world, data, staff = computed
    new = world.finding("data-f-2025", "org-f", 2025, DATA[0])
    services.compute_threads()
    assert thread_of(new).key == data.key
    assert Thread.objects.get(key=data.key).years.get(year=2025).figures["reporters"] == 6


def test_second_run_changes_nothing(computed):
    before = snapshot()
    again = services.compute_threads()
    assert again.status == ThreadRun.RunStatus.UNCHANGED
    assert snapshot() == before
    forced = services.compute_threads(force=True)
    assert forced.status == ThreadRun.RunStatus.DONE
    assert (forced.threads_created, forced.threads_changed, forced.threads_dropped) == (0, 0, 0)
    assert snapshot() == before


def test_a_run_is_keyed_by_what_its_result_depends_on(computed):
    """Confirming a finding changes nothing a run computes or stores: the next run is
    ``unchanged``; a finding's text, or where it is (a decision finds it by place), does."""
    world = computed[0]
    suggested = world.findings["data-c-2025"]
    Finding.objects.filter(pk=suggested.pk).update(status=Status.SUGGESTED)
    assert services.compute_threads().status == ThreadRun.RunStatus.UNCHANGED
    Finding.objects.filter(pk=suggested.pk).update(status=Status.CONFIRMED, page=9)
    assert services.compute_threads().status == ThreadRun.RunStatus.UNCHANGED
    Finding.objects.filter(pk=suggested.pk).update(char_end=suggested.char_end + 1)
    assert services.compute_threads().status == ThreadRun.RunStatus.DONE
    Finding.objects.filter(pk=suggested.pk).update(text=DATA[1] + " Nog steeds.")
    assert services.compute_threads().status == ThreadRun.RunStatus.DONE


def test_a_run_pauses_the_garbage_collector_and_restores_it(world):
    import gc

    seen = []
    services.compute_threads(progress=lambda run, step, pct: seen.append(gc.isenabled()))
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        services.compute_threads(force=True)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_rename_survives_reruns(computed, researcher):
    world, data, _ = computed
    services.rename_thread(data, "Trage gegevensuitwisseling", user=researcher, reason="helder")
    assert Thread.objects.get(key=data.key).label == "Trage gegevensuitwisseling"
    world.finding("data-g-2025", "org-g", 2025, DATA[1])  # the input changes
    services.compute_threads()
    services.compute_threads(force=True)
    t = Thread.objects.get(key=data.key)
    assert (t.label, t.label_locked) == ("Trage gegevensuitwisseling", True)
    assert t.machine_label and t.machine_label != t.label
    assert AuditEvent.objects.filter(object_type="threads.thread", object_id=str(t.pk),
                                     reason="helder").exists()


def test_remove_finding_survives_reruns(computed, researcher):
    world, data, _ = computed
    f = world.findings["data-c-2025"]
    services.remove_finding(data, f, user=researcher, reason="gaat over iets anders")
    assert f.pk not in members(data)
    assert ThreadMembership.objects.get(thread=data, finding=f).excluded
    for force in (False, True):
        services.compute_threads(force=force)
        assert f.pk not in members(Thread.objects.get(key=data.key))
    assert Thread.objects.get(key=data.key).years.get(year=2025).figures["reporters"] == 4


def test_removal_follows_a_finding_recreated_under_a_new_id(computed, researcher):
    """Extraction may re-create a machine finding; the decision finds it by its span."""
    world, data, _ = computed
    f = world.findings["data-b-2024"]
    services.remove_finding(data, f, user=researcher)
    values = {k: getattr(f, k) for k in ("source_id", "kind", "char_start", "char_end", "page",
                                         "passage_id", "text", "status", "origin")}
    f.delete()
    again = Finding.objects.create(**values)
    services.compute_threads()
    assert again.pk not in members(Thread.objects.get(key=data.key))


def test_pin_and_add_finding_survive_reruns(computed, researcher):
    world, data, staff = computed
    moved = world.findings["staff-a-2024"]
    services.add_finding(data, moved, user=researcher, reason="hoort hierbij")
    assert thread_of(moved).key == data.key
    pinned = world.findings["data-e-2025"]
    services.pin_finding(data, pinned, user=researcher)
    services.pin_thread(staff, user=researcher)
    for force in (False, True):
        services.compute_threads(force=force)
        assert thread_of(moved).key == data.key
        m = ThreadMembership.objects.get(finding=pinned, excluded=False)
        assert m.thread.key == data.key and m.pinned
        assert Thread.objects.get(key=data.key).years.get(year=2025).representative_ids[0] == pinned.pk
        assert Thread.objects.get(key=staff.key).pinned
    assert ThreadMembership.objects.get(finding=moved, excluded=False).origin == "person"
    services.pin_finding(data, pinned, user=researcher, pinned=False)
    services.compute_threads()
    assert not ThreadMembership.objects.get(finding=pinned, excluded=False).pinned


def test_merge_survives_reruns(computed, researcher):
    world, data, staff = computed
    services.merge_threads(staff, data, user=researcher, reason="één verhaal")
    merged = Thread.objects.get(key=staff.key)
    assert merged.merged_into.key == data.key
    assert {f.pk for n, f in world.findings.items()} == members(Thread.objects.get(key=data.key))
    world.finding("staff-e-2025", "org-e", 2025, STAFF[0])
    for force in (False, True):
        services.compute_threads(force=force)
        assert Thread.objects.get(key=staff.key).merged_into.key == data.key
        assert not Thread.objects.current().filter(key=staff.key).exists()
        assert thread_of(world.findings["staff-e-2025"]).key == data.key
    history = services.thread_history(data.key)
    assert staff.key in history.merged_from
    assert any(d.action == "merge" for d in history.decisions)


def test_split_survives_reruns(computed, researcher):
    world, data, _ = computed
    chosen = [world.findings[n] for n in ("data-a-2023", "data-b-2023")]
    new = services.split_thread(data, [f.pk for f in chosen], user=researcher,
                                reason="de jaren 2023 apart", label="Gegevensuitwisseling 2023")
    assert new.person_created and new.label == "Gegevensuitwisseling 2023"
    assert members(new) == {f.pk for f in chosen}
    for force in (False, True):
        services.compute_threads(force=force)
        assert members(Thread.objects.get(key=new.key)) == {f.pk for f in chosen}
        assert not members(Thread.objects.get(key=data.key)) & {f.pk for f in chosen}
    assert Thread.objects.get(key=new.key).label == "Gegevensuitwisseling 2023"


def test_rejected_findings_leave_their_thread(computed):
    world, data, _ = computed
    f = world.findings["data-d-2025"]
    Finding.objects.filter(pk=f.pk).update(status=Status.REJECTED)
    services.compute_threads()
    assert f.pk not in members(Thread.objects.get(key=data.key))


def test_decisions_need_valid_input(computed, researcher):
    world, data, staff = computed
    with pytest.raises(services.ThreadError):
        services.merge_threads(data, data, user=researcher)
    with pytest.raises(services.ThreadError):
        services.rename_thread(data, "  ", user=researcher)
    with pytest.raises(services.ThreadError):
        services.remove_finding(data, world.findings["staff-a-2024"], user=researcher)
    with pytest.raises(services.ThreadError):
        services.split_thread(data, [], user=researcher, label="x")
    assert not ThreadDecision.objects.exists()


def test_edition_threads(computed):
    world, data, staff = computed
    draft = world.finding("data-x-2025", "org-x", 2025, DATA[2],
                          source_status=SourceStatus.DRAFT)
    services.compute_threads()
    summaries = services.edition_threads(2025)
    keys = [s.key for s in summaries]
    assert keys.index(data.key) < keys.index(staff.key)  # more reporting organisations first
    s = summaries[keys.index(data.key)]
    assert s.trend == "growing" and s.figures["reporters"] == 5  # the draft source left out
    assert draft.pk not in s.finding_ids
    assert [h.year for h in s.history] == [2023, 2024, 2025]
    assert s.figures_all_years["findings"] == 10
    quote = s.representatives[0]
    assert quote.status == "confirmed" and quote.source_published
    assert quote.evidence.url == f"/bronnen/{quote.source_id}/#passage-{quote.evidence.passage_index}"
    assert quote.evidence.char_end > quote.evidence.char_start and quote.page == 2
    everything = {x.key: x for x in services.edition_threads(2025, published_only=False)}
    assert everything[data.key].figures["reporters"] == 6
    # an earlier edition sees only its own years
    s2024 = {x.key: x for x in services.edition_threads(2024)}[data.key]
    assert [h.year for h in s2024.history] == [2023, 2024] and s2024.trend == "persisting"


def test_no_longer_mentioned_is_part_of_the_edition(world):
    for year, orgs in ((2023, "pq"),):
        for o in orgs:
            world.finding(f"old-{o}", f"org-{o}", year,
                          "De inburgeringstoets voor statushouders is te moeilijk en duurt "
                          "veel te lang.")
    services.compute_threads()
    old = thread_of(world.findings["old-p"])
    assert old.years.get(year=2025).trend == "no_longer_mentioned"
    assert old.key in {s.key for s in services.edition_threads(2025)}


def test_command(world, capsys):
    call_command("threads", "--no-progress")
    out = capsys.readouterr().out
    assert "threads" in out and Thread.objects.current().count() == 2
    call_command("threads", "--no-progress")
    assert ThreadRun.objects.first().status == ThreadRun.RunStatus.UNCHANGED
