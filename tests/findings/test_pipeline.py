# SPDX-License-Identifier: EUPL-1.2
"""``staat ingest`` + ``staat extract`` + ``staat findings export``: spans point at the right text."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from staat.findings.exports import EXPORT_FIELDS
from staat.findings.models import ExtractionRun, Finding, Kind, SourceExtraction
from staat.sources.models import Page, Passage, Source

pytestmark = pytest.mark.django_db

REQUIRED = ("id", "source_id", "source_title", "organisation", "year", "kind", "text", "page",
            "char_start", "char_end", "themes", "laws", "confidence", "origin", "status")


def export(fmt: str, tmp_path, *extra) -> str:
    out = tmp_path / f"findings.{fmt}"
    call_command("findings", "export", "--format", fmt, "--out", str(out), *extra)
    return out.read_text(encoding="utf-8")


def test_ingest_extract_export_offsets_slice_the_source_text(demo_sources, tmp_path):
    call_command("extract")
    rows = [json.loads(line) for line in export("jsonl", tmp_path).splitlines()]
    assert rows, "the demo documents hold findings"
    assert set(REQUIRED) <= set(rows[0])
    assert {r["source_id"] for r in rows} == {s.pk for s in demo_sources}
    assert {r["kind"] for r in rows} <= set(Kind.values)
    assert len({r["kind"] for r in rows}) >= 3
    texts = {s.pk: s.text for s in Source.objects.all()}
    for row in rows:
        text = texts[row["source_id"]]
        assert 0 <= row["char_start"] < row["char_end"] <= len(text)
        assert text[row["char_start"]:row["char_end"]] == row["text"]
        assert row["origin"] == "machine" and row["status"] == "suggested"
        assert 0.0 <= row["confidence"] <= 1.0
        page = Page.objects.filter(source_id=row["source_id"], number=row["page"]).first()
        if page is not None:  # formats with pages: the span starts on the page it names
            assert page.char_start <= row["char_start"] < page.char_end
        passage = Passage.objects.get(source_id=row["source_id"], index=row["passage"])
        assert passage.char_start <= row["char_start"] < passage.char_end
        assert passage.page_start <= row["page"] <= passage.page_end
    # some findings carry themes, laws and an explanation
    assert any(r["themes"] for r in rows)
    assert any(f.explanation.get("cues") for f in Finding.objects.all())
    assert any(f.explanation.get("kind_scores") for f in Finding.objects.all())


def test_pdf_pages_match(demo_sources):
    call_command("extract")
    pdf = next(s for s in demo_sources if s.file_format == "pdf")
    findings = Finding.objects.filter(source=pdf)
    assert findings.exists()
    for f in findings:
        page = Page.objects.get(source=pdf, number=f.page)
        assert page.char_start <= f.char_start < page.char_end


def test_csv_export_has_every_field(demo_sources, tmp_path):
    call_command("extract")
    reader = csv.DictReader(io.StringIO(export("csv", tmp_path)))
    assert tuple(reader.fieldnames) == EXPORT_FIELDS
    rows = list(reader)
    assert len(rows) == Finding.objects.count()
    texts = {s.pk: s.text for s in Source.objects.all()}
    for row in rows:
        assert texts[int(row["source_id"])][int(row["char_start"]):int(row["char_end"])] == row["text"]


def test_status_filter(demo_sources, tmp_path, researcher):
    from staat.findings import services

    call_command("extract")
    services.confirm(Finding.objects.first(), user=researcher)
    rows = export("jsonl", tmp_path, "--status", "confirmed").splitlines()
    assert len(rows) == 1 and json.loads(rows[0])["status"] == "confirmed"


def test_second_run_with_the_same_version_does_nothing(one_source):
    call_command("extract")
    before = list(Finding.objects.order_by("pk").values_list("pk", "kind", "char_start", "char_end"))
    call_command("extract")
    run = ExtractionRun.objects.first()
    assert run.sources_done == 0 and run.findings_created == 0
    after = list(Finding.objects.order_by("pk").values_list("pk", "kind", "char_start", "char_end"))
    assert before == after
    assert SourceExtraction.objects.filter(source=one_source).count() == 1


def test_forced_run_keeps_untouched_suggestions_stable(one_source):
    call_command("extract")
    before = list(Finding.objects.order_by("pk").values_list("pk", "kind", "char_start", "char_end",
                                                              "confidence"))
    call_command("extract", "--force")
    after = list(Finding.objects.order_by("pk").values_list("pk", "kind", "char_start", "char_end",
                                                             "confidence"))
    assert before == after  # same extractor, same proposals: updated in place, same ids


def test_extract_one_source_and_unknown_source(demo_sources):
    from django.core.management.base import CommandError

    call_command("extract", "--source", str(demo_sources[0].pk))
    assert set(Finding.objects.values_list("source_id", flat=True)) == {demo_sources[0].pk}
    with pytest.raises(CommandError):
        call_command("extract", "--source", "999999")


def test_extraction_runs_after_upload(demo_register, settings, django_capture_on_commit_callbacks):
    from staat.core.demo import read_manifests
    from staat.sources.services import SourceMetadata, ingest_file

    settings.EXTRACT_AFTER_INGEST = "sync"
    doc = next(d for d in read_manifests() if d.id == "2025-onderzoek-krapte")
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_file(doc.path, SourceMetadata(kind=doc.kind, year=doc.year))
    assert result.ok
    assert Finding.objects.filter(source=result.source).exists()
    assert SourceExtraction.objects.filter(source=result.source).exists()


def test_no_extraction_after_upload_when_switched_off(demo_register, settings,
                                                      django_capture_on_commit_callbacks):
    from staat.core.demo import read_manifests
    from staat.sources.services import SourceMetadata, ingest_file

    settings.EXTRACT_AFTER_INGEST = "off"
    doc = next(d for d in read_manifests() if d.id == "2025-onderzoek-krapte")
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_file(doc.path, SourceMetadata(kind=doc.kind, year=doc.year))
    assert result.ok and not Finding.objects.exists()


def test_export_to_stdout(one_source):
    call_command("extract")
    out = io.StringIO()
    call_command("findings", "export", "--format", "jsonl", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == Finding.objects.count()
    assert json.loads(lines[0])["source_id"] == one_source.pk
