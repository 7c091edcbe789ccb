# SPDX-License-Identifier: EUPL-1.2
"""Human decisions: kept with who, when and why, and never overwritten by a re-run."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from staat.core.models import AuditEvent
from staat.findings import codebook as cb
from staat.findings import services
from staat.findings.models import Finding, FindingDecision, Origin, Status

pytestmark = pytest.mark.django_db


def state(f: Finding) -> tuple:
    f.refresh_from_db()
    return (f.kind, f.char_start, f.char_end, f.text, f.status, f.origin,
            tuple(sorted(f.finding_themes.values_list("theme__code", flat=True))))


def other_kind(kind: str) -> str:
    return "lichtpunt" if kind != "lichtpunt" else "knelpunt"


def free_sentence(source):
    spans = list(source.findings.values_list("char_start", "char_end"))
    for s in source.sentences.order_by("index"):
        text = source.text[s.char_start:s.char_end]
        if len(text.split()) >= 6 and all(e <= s.char_start or b >= s.char_end for b, e in spans):
            return s
    raise AssertionError("no sentence without a finding")


def decide_four(source, user):
    a, b, c = list(Finding.objects.filter(source=source).order_by("char_start"))[:3]
    services.confirm(a, user=user)
    theme = cb.active_themes().get(code="gegevensuitwisseling")
    services.edit(b, user=user, kind=other_kind(b.kind), themes=[theme],
                  char_start=b.char_start, char_end=b.char_end, reason="eigenlijk een lichtpunt")
    services.reject(c, user=user, reason="geen bevinding, een inleidende zin")
    s = free_sentence(source)
    d = services.create_finding(source, user=user, char_start=s.char_start, char_end=s.char_end,
                                kind="dilemma", themes=[theme], reason="gemist door de machine")
    return a, b, c, d


def test_decisions_keep_suggestion_and_who_when_why(one_source, researcher):
    services.run_extraction()
    a, b, c, d = decide_four(one_source, researcher)
    b.refresh_from_db()
    assert b.status == Status.EDITED
    assert b.machine_suggestion["kind"] != b.kind  # the machine's suggestion is kept
    decision = b.decisions.get()
    assert decision.by == researcher and decision.reason == "eigenlijk een lichtpunt"
    assert decision.before["kind"] == b.machine_suggestion["kind"] and decision.after["kind"] == b.kind
    assert decision.codebook_version == cb.current_version()
    c.refresh_from_db()
    assert c.status == Status.REJECTED and c.decisions.get().reason.startswith("geen bevinding")
    assert d.origin == Origin.PERSON and d.status == Status.CONFIRMED and d.coder == researcher
    assert d.text == one_source.text[d.char_start:d.char_end]
    assert AuditEvent.objects.filter(object_type="findings.finding").count() == 4


def test_reject_needs_a_reason(one_source, researcher):
    services.run_extraction()
    with pytest.raises(services.FindingError):
        services.reject(Finding.objects.first(), user=researcher, reason="  ")


def test_edit_span_trims_and_relocates(one_source, researcher):
    services.run_extraction()
    f = Finding.objects.order_by("char_start").last()
    s = free_sentence(one_source)
    before = s.char_start - 1 if one_source.text[s.char_start - 1].isspace() else s.char_start
    services.edit(f, user=researcher, char_start=before, char_end=s.char_end)  # space trimmed
    f.refresh_from_db()
    assert (f.char_start, f.char_end) == (s.char_start, s.char_end)
    assert f.text == one_source.text[s.char_start:s.char_end]
    assert f.sentence_first == f.sentence_last == s.index
    assert f.page == s.page
    with pytest.raises(services.FindingError):
        services.edit(f, user=researcher, char_start=10, char_end=len(one_source.text) + 5)


def test_decisions_survive_forced_and_new_version_runs(one_source, researcher, isolated_data_dir):
    first = services.run_extraction()
    four = decide_four(one_source, researcher)
    before = [state(f) for f in four]
    decisions = FindingDecision.objects.count()

    forced = services.run_extraction(force=True)
    assert forced.extractor_version == first.extractor_version and forced.sources_done == 1
    assert [state(f) for f in four] == before
    a, b, c, d = four
    for f in (a, b, c):  # the proposal of the new run is linked to the decided finding
        f.refresh_from_db()
        assert f.latest_suggestion and f.seen_in_version == forced.extractor_version
    assert forced.findings_linked >= 3
    # no duplicate proposal next to a decided finding
    for f in four:
        overlapping = Finding.objects.filter(source=one_source, char_start__lt=f.char_end,
                                             char_end__gt=f.char_start).exclude(pk=f.pk)
        assert not overlapping.filter(origin=Origin.MACHINE, status=Status.SUGGESTED,
                                      char_start=f.char_start, char_end=f.char_end).exists()

    # the corrections change the training data and so the extractor version
    call_command("findings", "add-corrections")
    second = services.run_extraction()
    assert second.extractor_version != first.extractor_version
    assert second.sources_done == 1
    assert [state(f) for f in four] == before
    assert FindingDecision.objects.count() == decisions
    # and the untouched suggestions were re-proposed by the new version
    assert Finding.objects.filter(origin=Origin.MACHINE, status=Status.SUGGESTED,
                                  extractor_version=second.extractor_version).exists()


def test_memo_protects_a_suggestion(one_source, researcher):
    services.run_extraction()
    f = Finding.objects.order_by("char_start").first()
    services.add_memo(user=researcher, text="Nog navragen bij de organisatie", finding=f)
    # the suggestion counts as touched: a re-run that no longer proposes it must keep it
    services.store_candidates(one_source, [], version="test-empty")
    assert Finding.objects.filter(pk=f.pk).exists()
    assert Finding.objects.filter(source=one_source).count() == 1


def test_review_flags_follow_the_threshold(one_source, settings):
    settings.REVIEW_THRESHOLD = 1.01
    services.run_extraction()
    assert not Finding.objects.filter(needs_review=False).exists()
    settings.REVIEW_THRESHOLD = 0.0
    services.refresh_review_flags()
    assert not Finding.objects.filter(needs_review=True).exists()
