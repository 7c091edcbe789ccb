# SPDX-License-Identifier: EUPL-1.2
"""Incremental runs in the app: a run after a few added or removed findings places only
those, writes only the threads that changed, keeps every decision, and a full run
(``full=True``, ``staat threads --full``) gives the same keys."""

from __future__ import annotations

from django.core.management import call_command

from staat.findings.models import Finding, Status
from staat.threads import services
from staat.threads.models import Thread, ThreadCoreState, ThreadMembership, ThreadRun

from .conftest import DATA, STAFF
from .test_threads import members, snapshot, thread_of


def first_run(world):
    run = services.compute_threads()
    assert run.status == ThreadRun.RunStatus.DONE and not run.incremental
    data = thread_of(world.findings["data-a-2023"])
    staff = thread_of(world.findings["staff-a-2024"])
    return data, staff


def test_an_added_finding_is_placed_and_only_its_thread_is_written(world):
    data, staff = first_run(world)
    assert ThreadCoreState.objects.count() == 1
    staff_updated = Thread.objects.get(pk=staff.pk).updated_at
    new = world.finding("data-f-2025", "org-f", 2025, DATA[0])
    run = services.compute_threads()
    assert run.incremental and run.status == ThreadRun.RunStatus.DONE
    assert thread_of(new).key == data.key
    t = Thread.objects.get(key=data.key)
    assert t.years.get(year=2025).figures["reporters"] == 6 and t.finding_count == 11
    assert (run.threads_created, run.threads_changed, run.threads_dropped) == (0, 1, 0)
    assert Thread.objects.get(pk=staff.pk).updated_at == staff_updated
    # kept as changes to the first (full) run's state, which is kept whole
    kept = ThreadCoreState.objects.get(run=run)
    assert kept.base is not None and kept.base.base is None and kept.base.run != run
    assert ThreadCoreState.objects.count() == 2
    # the next incremental run reads both back and replaces the changes, against the same
    # whole state (forced: nothing changed; one more finding would be more than 10 %)
    again = services.compute_threads(force=True)
    assert again.incremental and thread_of(new).key == data.key
    assert set(ThreadCoreState.objects.values_list("run", flat=True)) == {kept.base.run_id,
                                                                          again.pk}
    assert ThreadCoreState.objects.get(run=again).base == kept.base
    assert len(ThreadCoreState.objects.get(run=again).data) < len(kept.base.data)


def test_full_run_after_an_incremental_one_gives_the_same_threads(world):
    data, staff = first_run(world)
    world.finding("data-f-2025", "org-f", 2025, DATA[1])
    assert services.compute_threads().incremental
    before = snapshot()
    full = services.compute_threads(full=True)
    assert full.full and not full.incremental and full.status == ThreadRun.RunStatus.DONE
    after = snapshot()
    assert after["members"] == before["members"]
    assert {k[0] for k in after["threads"]} == {k[0] for k in before["threads"]}


def test_the_command_computes_everything_with_full(world, capsys):
    first_run(world)
    world.finding("staff-e-2025", "org-e", 2025, STAFF[0])
    call_command("threads", "--no-progress", "--full")
    run = ThreadRun.objects.first()
    assert run.full and not run.incremental
    assert "(incremental)" not in capsys.readouterr().out
    world.finding("staff-f-2025", "org-f", 2025, STAFF[1])
    call_command("threads", "--no-progress")
    assert ThreadRun.objects.first().incremental
    assert "(incremental)" in capsys.readouterr().out


def test_a_removed_sources_findings_leave_their_threads(world):
    data, _ = first_run(world)
    gone = world.findings["data-e-2025"]
    Finding.objects.filter(source=gone.source).delete()
    run = services.compute_threads()
    assert run.incremental
    t = Thread.objects.get(key=data.key)
    assert gone.pk not in members(t) and t.finding_count == 9
    assert t.years.get(year=2025).figures["reporters"] == 4


def test_a_rejected_finding_leaves_its_thread(world):
    data, _ = first_run(world)
    rejected = world.findings["data-d-2025"]
    Finding.objects.filter(pk=rejected.pk).update(status=Status.REJECTED)
    run = services.compute_threads()
    assert run.incremental
    t = Thread.objects.get(key=data.key)
    assert rejected.pk not in members(t)
    assert not ThreadMembership.objects.filter(finding=rejected).exists()
    assert t.years.get(year=2025).figures["reporters"] == 4


def test_decisions_hold_after_an_incremental_run(world, researcher):
    data, staff = first_run(world)
    out = world.findings["data-c-2025"]
    services.remove_finding(data, out, user=researcher, reason="iets anders")
    pinned = world.findings["staff-a-2024"]
    services.pin_finding(data, pinned, user=researcher, reason="hoort erbij")
    services.rename_thread(data, "Trage gegevensuitwisseling", user=researcher)
    new = world.finding("data-f-2025", "org-f", 2025, DATA[2])
    run = services.compute_threads()
    assert run.incremental
    t = Thread.objects.get(key=data.key)
    assert thread_of(new).key == data.key
    assert out.pk not in members(t) and ThreadMembership.objects.get(thread=t, finding=out).excluded
    assert pinned.pk in members(t) and ThreadMembership.objects.get(thread=t, finding=pinned).pinned
    assert (t.label, t.label_locked) == ("Trage gegevensuitwisseling", True)
    # a merge, then another added finding: the merged thread's findings stay in the target
    services.merge_threads(staff, data, user=researcher)
    world.finding("staff-g-2025", "org-g", 2025, STAFF[2])
    run = services.compute_threads()
    merged = Thread.objects.get(key=staff.key)
    assert merged.merged_into.key == data.key and not members(merged)
    assert thread_of(world.findings["staff-g-2025"]).key == data.key
    assert thread_of(world.findings["staff-b-2025"]).key == data.key


def test_without_a_kept_state_the_run_is_full(world):
    first_run(world)
    ThreadCoreState.objects.all().delete()
    world.finding("data-f-2025", "org-f", 2025, DATA[0])
    run = services.compute_threads()
    assert run.status == ThreadRun.RunStatus.DONE and not run.incremental
    assert ThreadCoreState.objects.get().run == run
