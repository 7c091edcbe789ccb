# SPDX-License-Identifier: EUPL-1.2
"""``run_extraction(jobs=N)``: the extractor in worker processes stores exactly what the
extractor in this process stores, and what is stored is the extractor's proposals."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from django.core.management import call_command

from staat.analysis.findings.model import plain, stored_candidate
from staat.analysis.findings.types import Cue
from staat.findings import services
from staat.findings.models import Finding, FindingTheme, SourceExtraction, Status
from staat.sources.models import Source

pytestmark = pytest.mark.django_db


def stored() -> list[tuple]:
    """Every machine finding with its themes and organisations; ids by rank."""
    findings = list(Finding.objects.order_by("pk"))
    rank = {f.pk: i for i, f in enumerate(findings)}
    rows = []
    for f in findings:
        themes = sorted(FindingTheme.objects.filter(finding=f)
                        .values_list("theme__code", "score", "evidence"))
        rows.append((rank[f.pk], f.source_id, f.kind, f.char_start, f.char_end, f.page,
                     f.passage_id, f.sentence_first, f.sentence_last, f.text, f.confidence,
                     f.laws, f.mentions, f.explanation, f.origin, f.status, f.needs_review,
                     f.machine_suggestion, f.latest_suggestion, f.extractor_version,
                     f.seen_in_version, themes,
                     sorted(f.organisations.values_list("code", flat=True))))
    return rows


def run_counts(run) -> tuple:
    return (run.sources_total, run.sources_done, run.sentences, run.findings_created,
            run.findings_updated, run.findings_removed, run.findings_linked)


def test_two_workers_store_what_one_process_stores(demo_sources):
    serial_run = services.run_extraction(jobs=1)
    serial = stored()
    assert len(serial) > 20
    Finding.objects.all().delete()
    SourceExtraction.objects.all().delete()

    seen = []
    parallel_run = services.run_extraction(jobs=2, progress=lambda run, s: seen.append(s))
    assert stored() == serial
    assert run_counts(parallel_run) == run_counts(serial_run)
    assert seen[0] is None and [s.pk for s in seen[1:]] == sorted(s.pk for s in demo_sources)


def test_a_forced_run_in_workers_keeps_decisions(demo_sources, researcher):
    services.run_extraction(jobs=1)
    first = Finding.objects.order_by("pk")
    confirmed, rejected = first[0], first[1]
    services.confirm(confirmed, user=researcher)
    services.reject(rejected, user=researcher, reason="geen knelpunt")
    before = stored()

    run = services.run_extraction(force=True, jobs=2)
    assert run.findings_created == run.findings_removed == 0
    assert run.findings_linked >= 2
    assert Finding.objects.get(pk=confirmed.pk).status == Status.CONFIRMED
    assert Finding.objects.get(pk=rejected.pk).status == Status.REJECTED
    after = stored()
    assert [row[:13] for row in after] == [row[:13] for row in before]


def test_stored_findings_are_the_extractors_proposals(one_source):
    source = Source.objects.get(pk=one_source.pk)
    extractor = services.get_extractor()
    candidates = extractor.extract(services.document_input(source),
                                   organisations=services.organisation_defs())
    services.run_extraction(jobs=1)
    findings = list(Finding.objects.filter(source=source).order_by("pk"))
    assert [(f.char_start, f.char_end, f.kind) for f in findings] == [
        (c.char_start, c.char_end, c.kind) for c in candidates]
    for f, c in zip(findings, candidates):
        assert f.text == source.text[c.char_start:c.char_end]
        assert f.explanation == reference_plain(c.explanation)
        assert f.machine_suggestion["themes"] == reference_plain(c.themes)
        assert f.machine_suggestion["extractor_version"] == f.extractor_version
        evidence = dict(FindingTheme.objects.filter(finding=f)
                        .values_list("theme__code", "evidence"))
        assert evidence == {t.code: reference_plain(list(t.cues)) for t in c.themes
                            if t.code in evidence}
        assert f.created_at is not None and f.updated_at is not None


@dataclasses.dataclass(frozen=True)
class _Point:
    x: float
    label: str
    tags: tuple


def reference_plain(value):
    """What ``plain`` should make of ``value``, computed the slow, obvious way."""
    if dataclasses.is_dataclass(value):
        return {f.name: reference_plain(getattr(value, f.name))
                for f in dataclasses.fields(value)}
    if hasattr(value, "_fields"):  # a named tuple: its fields by name
        return {name: reference_plain(getattr(value, name)) for name in value._fields}
    if isinstance(value, dict):
        return {str(k): reference_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [reference_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    return round(value, 4) if isinstance(value, float) else value


def test_plain_turns_dataclasses_and_numbers_into_json_data():
    value = {1: (_Point(np.float64(0.123456), "a", (np.int64(3), 2.00004, None, True)),),
             "k": [1.5, "s"]}
    assert plain(value) == {
        "1": [{"x": 0.1235, "label": "a", "tags": [3, 2.0, None, True]}],
        "k": [1.5, "s"],
    }
    assert plain(value) == reference_plain(value)
    assert type(plain(np.int64(3))) is int
    cue = Cue(text="wachttijd", weight=np.float64(0.123456), char_start=np.int64(4),
              char_end=13, label="knelpunt")
    assert plain([cue]) == reference_plain([cue]) == [
        {"text": "wachttijd", "weight": 0.1235, "char_start": 4, "char_end": 13,
         "label": "knelpunt"}]
    assert type(plain(cue)["char_start"]) is int


def test_stored_candidate_is_json_text_of_the_plain_candidate(one_source):
    import json

    source = Source.objects.get(pk=one_source.pk)
    candidates = services.get_extractor().extract(
        services.document_input(source), organisations=services.organisation_defs())
    assert candidates
    for c in candidates:
        s = stored_candidate(c, "v1")
        assert json.loads(s.explanation) == reference_plain(c.explanation)
        suggestion = json.loads(s.suggestion)
        assert suggestion["extractor_version"] == "v1"
        assert suggestion["themes"] == reference_plain(c.themes)
        assert [(code, score, json.loads(cues)) for code, score, cues in s.themes] == [
            (t.code, round(t.score, 4), reference_plain(list(t.cues))) for t in c.themes]
        assert json.loads(s.laws) == suggestion["laws"] == reference_plain(c.laws)
        assert s.organisations == tuple(m.canonical for m in c.organisations)


def test_extract_command_with_jobs(demo_sources, capsys):
    call_command("extract", "--jobs", "2")
    assert "3 sources extracted" in capsys.readouterr().out
    assert Finding.objects.exists()
