# SPDX-License-Identifier: EUPL-1.2
"""``ingest_files``: files read by worker processes give exactly what ``ingest_file`` gives.

The same mixed batch (several formats, bad files, an unknown organisation, a file already
stored, the same file twice in the batch) is ingested once file by file and once with two
workers; sources (in the same order, so with the same relative ids), pages, passages,
sentences, stored originals and every result and error message must be the same.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from staat.core.models import Organisation
from staat.sources.models import Page, Passage, Sentence, Source
from staat.sources.services import SourceMetadata, ingest_file, ingest_files, jobs_setting

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = Path(settings.PROJECT_DIR) / "demo" / "corpus"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_originals():
    shutil.rmtree(settings.ORIGINALS_DIR, ignore_errors=True)
    yield
    shutil.rmtree(settings.ORIGINALS_DIR, ignore_errors=True)


@pytest.fixture
def org():
    return Organisation.objects.create(code="fic-par", name="Paralleldienst (fictief)",
                                       type="zbo", is_fictional=True)


def batch(tmp_path: Path, org) -> list[tuple[Path, SourceMetadata]]:
    copy = tmp_path / "kopie-van-rapport.docx"
    shutil.copy(FIXTURES / "report.docx", copy)
    meta = SourceMetadata(kind="stand", organisations=[org.code], year=2024)
    return [
        (DEMO / "2023" / "2023-lvu-stand.pdf", meta),
        (FIXTURES / "report.docx", SourceMetadata(kind="onderzoek")),
        (FIXTURES / "truncated.pdf", meta),  # damaged: the parser says so
        (FIXTURES / "report.md", SourceMetadata(organisations=["bestaat-niet"])),
        (FIXTURES / "empty.txt", meta),
        (copy, meta),  # the same bytes as report.docx, earlier in the batch
        (FIXTURES / "report.html", SourceMetadata(kind="geen-soort")),
        (FIXTURES / "report.odt", meta),  # stored before the batch
        (DEMO / "2023" / "2023-cbz-stand.txt", meta),
        (FIXTURES / "report.html", meta),
        (DEMO / "2023" / "2023-dvt-stand.odt", SourceMetadata(title="Eigen titel")),
    ]


def snapshot(results) -> dict:
    """Everything stored, with source ids replaced by their rank (the ids differ per run)."""
    sources = list(Source.objects.order_by("pk"))
    rank = {s.pk: i for i, s in enumerate(sources)}
    return {
        "results": [
            (r.filename, r.ok, r.duplicate, r.error and (r.error.code, r.error.message),
             r.source and rank[r.source.pk])
            for r in results
        ],
        "sources": [
            (s.sha256, s.original_filename, s.file_format, s.size_bytes, s.kind, s.title,
             s.authors, s.year, s.language, s.status, s.page_count, s.text,
             s.segmenter_version, s.metadata, sorted(s.organisations.values_list("code", flat=True)))
            for s in sources
        ],
        "pages": [(rank[p.source_id], p.number, p.char_start, p.char_end)
                  for p in Page.objects.order_by("source_id", "number")],
        "passages": [(rank[p.source_id], p.index, p.heading_path, p.kind, p.page_start,
                      p.page_end, p.char_start, p.char_end, p.text, p.search_terms)
                     for p in Passage.objects.order_by("source_id", "index")],
        "sentences": [(rank[s.source_id], s.passage.index, s.index, s.page, s.char_start,
                       s.char_end)
                      for s in Sentence.objects.select_related("passage")
                      .order_by("source_id", "index")],
        "originals": sorted(p.name for p in Path(settings.ORIGINALS_DIR).rglob("*")
                            if p.is_file()),
    }


def forget_everything():
    Source.objects.all().delete()
    shutil.rmtree(settings.ORIGINALS_DIR, ignore_errors=True)


def test_two_workers_store_what_one_file_at_a_time_stores(tmp_path, org):
    items = batch(tmp_path, org)
    pre = (FIXTURES / "report.odt", SourceMetadata())

    assert ingest_file(*pre).ok
    serial = snapshot([ingest_file(path, meta) for path, meta in items])
    forget_everything()

    assert ingest_file(*pre).ok
    reported = []
    results = ingest_files(items, jobs=2, progress=reported.append)
    parallel = snapshot(results)

    assert reported == results  # reported one by one, in the order given
    assert parallel == serial
    # the batch really held what it was meant to: added files, failures and duplicates
    outcomes = [("ok" if r.ok and not r.duplicate else "duplicate" if r.duplicate
                 else r.error.code) for r in results]
    assert outcomes == ["ok", "ok", "corrupt", "unknown_organisation", "empty", "duplicate",
                        "invalid_kind", "duplicate", "ok", "ok", "ok"]
    added = [r.source.pk for r in results if r.ok and not r.duplicate]
    assert added == sorted(added)  # ids follow the order of the files


def test_one_job_is_ingest_file_in_this_process(tmp_path, org):
    items = batch(tmp_path, org)[:3]
    results = ingest_files(items, jobs=1)
    assert [r.ok for r in results] == [True, True, False]
    assert Source.objects.count() == 2


def test_jobs_default_to_the_setting(settings):
    settings.JOBS = 3
    assert jobs_setting() == 3
    assert jobs_setting(1) == 1
    assert jobs_setting(0) == 1  # never fewer than one
    assert jobs_setting(None, 2) == 1  # by default no workers for a handful of files
    assert jobs_setting(None, 100) == 3
    assert jobs_setting(2, 2) == 2  # asked for explicitly
    assert jobs_setting(4, 2) == 2  # never more workers than files


def test_ingest_command_with_jobs(org, capsys):
    call_command("ingest", str(DEMO / "2023"), "--kind", "stand", "--jobs", "2")
    files = sorted(p for p in (DEMO / "2023").iterdir() if p.is_file())
    assert Source.objects.count() == len(files)
    out = capsys.readouterr().out
    # reported in the order of the files, whichever worker finished first
    added = [line.split()[1] for line in out.splitlines() if line.startswith("added ")]
    assert added == [str(p) for p in files]
    ids = list(Source.objects.order_by("pk").values_list("original_filename", flat=True))
    assert ids == [p.name for p in files]


def test_ingest_command_refuses_zero_jobs(org):
    with pytest.raises(CommandError, match="--jobs"):
        call_command("ingest", str(FIXTURES / "report.md"), "--jobs", "0")
    assert Source.objects.count() == 0


def test_ingest_command_extracts_the_new_sources_together(org, settings, capsys,
                                                          django_capture_on_commit_callbacks):
    """With extraction after ingest on, a multi-file ingest runs one extraction over the new
    sources after the last file (in worker processes), not one per file; a file already
    present is not extracted again."""
    from staat.findings.models import ExtractionRun, Finding

    settings.EXTRACT_AFTER_INGEST = "sync"
    with django_capture_on_commit_callbacks(execute=True):
        first = ingest_file(DEMO / "2023" / "2023-lvu-stand.pdf", SourceMetadata(kind="stand"))
    assert first.ok and ExtractionRun.objects.count() == 1
    call_command("ingest", str(DEMO / "2023"), "--kind", "stand", "--jobs", "2")
    runs = list(ExtractionRun.objects.order_by("pk"))
    assert len(runs) == 2
    new = Source.objects.exclude(pk=first.source.pk)
    assert runs[1].sources_total == new.count() > 1
    assert set(Finding.objects.values_list("source_id", flat=True)) == set(
        Source.objects.values_list("pk", flat=True))
    assert "findings:" in capsys.readouterr().out


def test_ingest_files_hands_new_sources_on_together(tmp_path, org, settings,
                                                    django_capture_on_commit_callbacks):
    from staat.findings.models import ExtractionRun

    settings.EXTRACT_AFTER_INGEST = "sync"
    items = [(DEMO / "2023" / "2023-cbz-stand.txt", SourceMetadata(kind="stand")),
             (FIXTURES / "empty.txt", SourceMetadata(kind="stand")),
             (DEMO / "2023" / "2023-dvt-stand.odt", SourceMetadata(kind="stand"))]
    with django_capture_on_commit_callbacks(execute=True):
        results = ingest_files(items, jobs=1)
    assert [r.ok for r in results] == [True, False, True]
    run = ExtractionRun.objects.get()
    assert run.sources_total == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest_files(items[:1], jobs=1, extract=False)[0].duplicate
    assert ExtractionRun.objects.count() == 1
