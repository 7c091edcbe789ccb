# SPDX-License-Identifier: EUPL-1.2
"""Ingest through the service and the ``staat ingest`` command: real files, hostile ones too.

Every bad input must give a message that names the file and the reason, and leave nothing
stored: no source, passages, sentences or pages, no stored original, no audit event.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from staat.core.models import AuditEvent, Organisation
from staat.sources.models import Page, Passage, Sentence, Source, SourceStatus
from staat.sources.parsers import Limits
from staat.sources.services import SourceMetadata, delete_source, ingest_file, update_metadata

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = Path(settings.PROJECT_DIR) / "demo" / "corpus"
sys.path.insert(0, str(FIXTURES))
import make_fixtures  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return Organisation.objects.create(code="fic-test", name="Testdienst (fictief)", type="zbo",
                                       is_fictional=True)


def stored_originals() -> list[Path]:
    root = Path(settings.ORIGINALS_DIR)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_nothing_stored():
    assert Source.objects.count() == 0
    assert Passage.objects.count() == Sentence.objects.count() == Page.objects.count() == 0
    assert AuditEvent.objects.filter(object_type="sources.source").count() == 0
    assert stored_originals() == []


@pytest.fixture(autouse=True)
def _clean_originals():
    shutil.rmtree(settings.ORIGINALS_DIR, ignore_errors=True)
    yield
    shutil.rmtree(settings.ORIGINALS_DIR, ignore_errors=True)


def ingest(path: Path, **limits) -> object:
    return ingest_file(path, SourceMetadata(kind="stand"), limits=Limits(**limits) if limits else None)


BAD_INPUTS = [
    ("empty.txt", "empty", "empty"),
    ("mismatch/rapport.pdf", "type_mismatch", "named .pdf"),
    ("encrypted.pdf", "encrypted", "password"),
    ("truncated.pdf", "corrupt", "damaged"),
    ("garbage.pdf", None, ""),
    ("scan.pdf", "no_text_layer", "no text layer"),
    ("billion-laughs.odt", "corrupt", ""),
    ("xxe.docx", "corrupt", ""),
    ("nul-bytes.txt", None, ""),
]


@pytest.mark.parametrize("name, code, words", BAD_INPUTS)
def test_bad_input_is_named_and_leaves_nothing(name, code, words):
    result = ingest(FIXTURES / name)
    assert not result.ok
    if code:
        assert result.error.code == code
    assert result.error.message.startswith(Path(name).name + ":")
    assert words in result.error.message
    assert_nothing_stored()


def test_too_large_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "groot.pdf"
    shutil.copy(FIXTURES / "report.pdf", path)
    result = ingest(path, max_bytes=1000)
    assert result.error.code == "too_large"
    assert "groot.pdf" in result.error.message
    assert_nothing_stored()


def test_docx_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bom.docx"
    make_fixtures.write_zip_bomb(path)
    result = ingest(path)
    assert result.error.code == "zip_bomb"
    assert result.error.message.startswith("bom.docx:")
    assert_nothing_stored()


def test_parser_that_runs_too_long_is_stopped(tmp_path):
    # A real PDF with a time limit it cannot meet: the sandbox stops the child process.
    path = tmp_path / "traag.pdf"
    shutil.copy(FIXTURES / "report.pdf", path)
    result = ingest(path, timeout_seconds=0.001)
    assert result.error.code == "timeout"
    assert result.error.message.startswith("traag.pdf:")
    assert_nothing_stored()


def test_parser_that_needs_too_much_memory_is_stopped(tmp_path):
    path = tmp_path / "gulzig.pdf"
    shutil.copy(FIXTURES / "report.pdf", path)
    result = ingest(path, memory_mb=8)
    assert result.error.code in {"memory", "parse_failed"}
    assert result.error.message.startswith("gulzig.pdf:")
    assert_nothing_stored()


def test_unknown_organisation_is_named(tmp_path):
    result = ingest_file(FIXTURES / "report.md", SourceMetadata(organisations=["bestaat-niet"]))
    assert result.error.code == "unknown_organisation"
    assert "bestaat-niet" in result.error.message
    assert_nothing_stored()


def test_failure_while_storing_rolls_everything_back(monkeypatch, org):
    from staat.sources import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_insert_sentences", broken)
    with pytest.raises(RuntimeError):
        ingest_file(FIXTURES / "report.pdf", SourceMetadata(organisations=[org.code]))
    assert_nothing_stored()


def test_pdf_is_stored_with_pages_passages_and_sentences(org):
    result = ingest_file(
        FIXTURES / "report.pdf", SourceMetadata(organisations=[org.code], year=2024)
    )
    assert result.ok, result.error
    source = result.source
    assert source.file_format == "pdf"
    assert source.page_count >= 2
    assert source.language == "nl"
    assert list(source.organisations.all()) == [org]
    assert Path(settings.ORIGINALS_DIR, source.sha256[:2], source.sha256).read_bytes() == (
        FIXTURES / "report.pdf"
    ).read_bytes()
    pages = list(source.pages.order_by("number"))
    assert [p.number for p in pages] == list(range(1, source.page_count + 1))
    assert pages[0].char_start == 0 and pages[-1].char_end == len(source.text)
    for passage in source.passages.all():
        assert source.text[passage.char_start:passage.char_end] == passage.text
        page = next(p for p in pages if p.number == passage.page_start)
        assert page.char_start <= passage.char_start < max(page.char_end, page.char_start + 1)
    for sentence in source.sentences.select_related("passage"):
        assert sentence.passage.char_start <= sentence.char_start < sentence.char_end
        assert sentence.char_end <= sentence.passage.char_end
    # hyphenation at line ends is repaired: no word broken by "-\n" survives
    assert "-\n" not in source.text


def test_stored_sentences_are_the_segmenters(org):
    from staat.nlp.segment import segment
    from staat.sources.parsers import parse_file

    source = ingest_file(FIXTURES / "report.pdf", SourceMetadata()).source
    expected = segment(parse_file(FIXTURES / "report.pdf"))
    stored = [
        (s.index, s.passage.index, s.page, s.char_start, s.char_end)
        for s in source.sentences.select_related("passage").order_by("index")
    ]
    assert stored == [
        (s.index, s.passage_index, s.page, s.char_start, s.char_end) for s in expected.sentences
    ]
    assert source.text == expected.text


def test_same_file_twice_is_recognised(org, tmp_path):
    first = ingest_file(FIXTURES / "report.docx", SourceMetadata(organisations=[org.code]))
    copy = tmp_path / "andere-naam.docx"
    shutil.copy(FIXTURES / "report.docx", copy)
    second = ingest_file(copy, SourceMetadata())
    assert second.duplicate and second.source.pk == first.source.pk
    assert Source.objects.count() == 1
    assert len(stored_originals()) == 1


@pytest.mark.parametrize("name, fmt", [
    ("report.docx", "docx"), ("report.odt", "odt"), ("report.html", "html"),
    ("report.md", "markdown"), ("legacy-cp1252.txt", "text"),
])
def test_every_format_gives_passages_with_exact_offsets(name, fmt):
    result = ingest(FIXTURES / name)
    assert result.ok, result.error
    assert result.source.file_format == fmt
    passages = list(result.source.passages.all())
    assert passages
    for p in passages:
        assert result.source.text[p.char_start:p.char_end] == p.text


def test_audit_history_shows_upload_edit_and_deletion(org, django_user_model):
    user = django_user_model.objects.create_user("onderzoeker", role="researcher")
    source = ingest_file(FIXTURES / "report.md", SourceMetadata(organisations=[org.code]),
                         user=user).source
    update_metadata(source, {"title": "Nieuwe titel", "status": SourceStatus.PUBLISHED},
                    user=user, reason="titel verbeterd")
    delete_source(source, user=user, reason="dubbel aangeleverd")
    events = list(AuditEvent.objects.filter(object_type="sources.source").order_by("at", "id"))
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert all(e.actor == user and e.actor_name == "onderzoeker" and e.at for e in events)
    assert events[1].changes["title"][1] == "Nieuwe titel"
    assert events[1].changes["status"] == ["draft", "published"]
    assert events[1].reason == "titel verbeterd"
    assert events[2].reason == "dubbel aangeleverd"
    assert Source.objects.count() == 0


def test_ingest_command_reports_each_failure_and_exits_non_zero(tmp_path, capsys, org):
    good = tmp_path / "goed.md"
    shutil.copy(FIXTURES / "report.md", good)
    empty = tmp_path / "leeg.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="1 added, 0 already present, 1 failed"):
        call_command("ingest", str(good), str(empty), "--organisation", org.code, "--year", "2024")
    out = capsys.readouterr()
    assert "leeg.txt: " in out.out + out.err
    assert Source.objects.count() == 1
    assert Source.objects.get().year == 2024


def test_ingest_command_on_a_demo_folder(org):
    call_command("ingest", str(DEMO / "2023"), "--kind", "stand")
    assert Source.objects.count() == len(list((DEMO / "2023").iterdir()))
