# SPDX-License-Identifier: EUPL-1.2
"""Tests for the REFI-QDA exporter: package layout, schema validity, offsets, determinism."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from staat.findings import refiqda
from staat.findings.refiqda import (
    PROJECT_NS,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSource,
    QdaUser,
    RefiQdaError,
    build_qdc,
    build_qde,
    build_qdpx,
    stable_guid,
    validate_qdc,
    validate_qde,
    validate_qdpx,
)

NS = {"q": PROJECT_NS}
WHEN = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone.utc)

DUTCH = (
    "Knelpunt: burgers krijgen één brief te laat, ë blijft lastig – dash en “quotes” "
    "maken het erger. Goed nieuws 🙂 de helpdesk werkt.\n"
    "Oproep: maak de regeling eenvoudiger."
)
PLAIN = "Lichtpunt: de uitvoering verbetert. Dilemma: snelheid of zorgvuldigheid?"


def span(text: str, fragment: str) -> tuple[int, int]:
    start = text.index(fragment)
    return start, start + len(fragment)


def sample_project() -> QdaProject:
    anna = QdaUser(stable_guid("user", "anna"), "Anna de Vries")
    bram = QdaUser(stable_guid("user", "bram"), "Bram Özdemir")
    kind = QdaCode(stable_guid("code", "kind"), "Soort", "Soort bevinding", codable=False,
                   children=[
                       QdaCode(stable_guid("code", "knelpunt"), "Knelpunt", "Wat gaat er mis",
                               "#C0392B"),
                       QdaCode(stable_guid("code", "lichtpunt"), "Lichtpunt", "", "#2ecc71"),
                       QdaCode(stable_guid("code", "oproep"), "Oproep"),
                   ])
    theme = QdaCode(stable_guid("code", "T01"), "Communicatie", "Brieven en contact", "#36c",
                    children=[QdaCode(stable_guid("code", "T01.1"), "Begrijpelijke taal")])
    dutch = QdaSource(stable_guid("source", 1), "Stand 2024 – LVU “fictief”", DUTCH,
                      {"organisatie": "LVU", "jaar": 2024, "soort": "stand",
                       "gepubliceerd": dt.date(2024, 6, 1), "openbaar": True, "leeg": None},
                      created=WHEN)
    plain = QdaSource(stable_guid("source", 2), "Onderzoek 2023", PLAIN,
                      {"organisatie": "ABC", "jaar": 2023, "score": 7.5})
    fragments = [
        (dutch, "één brief te laat", "knelpunt", anna, ""),
        (dutch, "één brief te laat", "knelpunt", bram, "Zelfde span, tweede codeur"),
        (dutch, "“quotes”", "T01.1", anna, "aanhalingstekens"),
        (dutch, "🙂 de helpdesk werkt", "lichtpunt", bram, ""),
        (dutch, "maak de regeling eenvoudiger.", "oproep", anna, "Oproep aan de wetgever"),
        (plain, "de uitvoering verbetert", "lichtpunt", anna, ""),
        (plain, "snelheid of zorgvuldigheid?", "T01", bram, ""),
    ]
    codings = []
    for number, (source, fragment, code, user, note) in enumerate(fragments):
        start, end = span(source.plain_text, fragment)
        codings.append(QdaCoding(stable_guid("coding", number), source.guid, start, end,
                                 stable_guid("code", code), user.guid,
                                 WHEN + dt.timedelta(minutes=number), note))
    notes = [
        QdaNote(stable_guid("note", "source"), "Memo bij de Stand", "Lees eerst de bijlage.",
                anna.guid, WHEN, source_guid=dutch.guid),
        QdaNote(stable_guid("note", "code"), "Memo bij Communicatie", "Brede code <&> smal?",
                bram.guid, WHEN, code_guid=theme.guid),
        QdaNote(stable_guid("note", "project"), "Projectmemo", "Twee codeurs, blind.",
                None, WHEN),
    ]
    return QdaProject("Staat 2025 – bevindingen", "Staat 0.1.0", [anna, bram], [kind, theme],
                      [dutch, plain], list(reversed(codings)), notes, WHEN,
                      description="Fictief demonstratiemateriaal")


@pytest.fixture(scope="module")
def project() -> QdaProject:
    return sample_project()


@pytest.fixture(scope="module")
def qdpx(project) -> bytes:
    return build_qdpx(project)


@pytest.fixture(scope="module")
def qde(qdpx) -> bytes:
    with zipfile.ZipFile(io.BytesIO(qdpx)) as archive:
        return archive.read("project.qde")


def test_package_has_project_and_lowercase_sources(project, qdpx):
    with zipfile.ZipFile(io.BytesIO(qdpx)) as archive:
        names = archive.namelist()
        assert names[0] == "project.qde"
        for source in project.sources:
            entry = f"sources/{source.guid}.txt"
            assert entry in names
            assert archive.read(entry).decode("utf-8") == source.plain_text
            assert not archive.read(entry).startswith(b"\xef\xbb\xbf")
        assert not [n for n in names if n.startswith("Sources/")]


def test_export_is_valid(qde, qdpx):
    assert validate_qde(qde) == []
    assert validate_qdpx(qdpx) == []


def test_xml_shape(project, qde):
    root = etree.fromstring(qde)
    assert root.tag == f"{{{PROJECT_NS}}}Project"
    assert root.get("name") == project.name and root.get("origin") == project.origin
    assert root.get("creationDateTime") == "2025-03-01T09:30:00Z"
    assert [u.get("name") for u in root.findall("q:Users/q:User", NS)] == [
        "Anna de Vries", "Bram Özdemir"]
    top = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [c.get("name") for c in top] == ["Soort", "Communicatie"]
    assert top[0].get("isCodable") == "false"
    assert [c.get("name") for c in top[0].findall("q:Code", NS)] == [
        "Knelpunt", "Lichtpunt", "Oproep"]
    assert top[1].find("q:Code", NS).get("name") == "Begrijpelijke taal"
    source = root.find("q:Sources/q:TextSource", NS)
    assert source.get("plainTextPath") == f"internal://{project.sources[0].guid}.txt"
    assert len(root.findall(".//q:PlainTextSelection/q:Coding/q:CodeRef", NS)) == 7
    # memos: in Notes, referred to from the source, the code and the project
    assert len(root.findall("q:Notes/q:Note/q:PlainTextContent", NS)) == 3
    assert source.find("q:NoteRef", NS).get("targetGUID") == stable_guid("note", "source")
    assert top[1].find("q:NoteRef", NS).get("targetGUID") == stable_guid("note", "code")
    assert root.find("q:NoteRef", NS).get("targetGUID") == stable_guid("note", "project")
    # source metadata as typed variables
    variables = {v.get("name"): v.get("typeOfVariable")
                 for v in root.findall("q:Variables/q:Variable", NS)}
    assert variables == {"gepubliceerd": "Date", "jaar": "Integer", "openbaar": "Boolean",
                         "organisatie": "Text", "score": "Float", "soort": "Text"}
    assert source.find("q:VariableValue/q:IntegerValue", NS).text == "2024"


def test_offsets_slice_the_exported_text(project, qdpx, qde):
    root = etree.fromstring(qde)
    expected = {c.guid: project.sources[0 if c.source_guid == project.sources[0].guid else 1]
                .plain_text[c.start:c.end] for c in project.codings}
    with zipfile.ZipFile(io.BytesIO(qdpx)) as archive:
        checked = 0
        for source in root.iterfind("q:Sources/q:TextSource", NS):
            entry = "sources/" + source.get("plainTextPath").removeprefix("internal://")
            text = archive.read(entry).decode("utf-8")
            for selection in source.iterfind("q:PlainTextSelection", NS):
                coded = text[int(selection.get("startPosition")):
                             int(selection.get("endPosition"))]
                assert coded == expected[selection.find("q:Coding", NS).get("guid")]
                checked += 1
    assert checked == len(project.codings)


def test_offsets_count_code_points_not_bytes_or_utf16(qde):
    root = etree.fromstring(qde)
    by_text = {}
    dutch = root.find("q:Sources/q:TextSource", NS)  # the first source holds DUTCH
    for selection in dutch.iterfind("q:PlainTextSelection", NS):
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        by_text[DUTCH[start:end]] = (start, end)
    start, end = by_text["🙂 de helpdesk werkt"]
    assert start == DUTCH.index("🙂")
    assert end - start == len("🙂 de helpdesk werkt") == 19  # the emoji is one position
    prefix = DUTCH[:start]
    assert len(prefix.encode("utf-8")) != start  # not UTF-8 bytes (é, ë, –, “ ” are multi-byte)
    after = DUTCH.index("Oproep")
    assert by_text["maak de regeling eenvoudiger."][0] > after
    assert len(DUTCH[:after].encode("utf-16-le")) // 2 == after + 1  # UTF-16 would differ
    assert by_text["“quotes”"] == (DUTCH.index("“"), DUTCH.index("”") + 1)


def test_two_coders_on_one_span_keep_both_codings(qde):
    root = etree.fromstring(qde)
    start, end = span(DUTCH, "één brief te laat")
    selections = root.findall(
        f".//q:PlainTextSelection[@startPosition='{start}'][@endPosition='{end}']", NS)
    assert {s.find("q:Coding", NS).get("creatingUser") for s in selections} == {
        stable_guid("user", "anna"), stable_guid("user", "bram")}
    assert [s.findtext("q:Description", namespaces=NS) for s in selections].count(
        "Zelfde span, tweede codeur") == 1


def test_build_is_deterministic(project, qdpx):
    again = sample_project()
    again.codings.reverse()  # the order codings arrive in does not matter
    again.notes.reverse()
    assert build_qdpx(again) == qdpx
    assert build_qdpx(project) == qdpx
    assert stable_guid("finding", 42) == stable_guid("finding", "42")
    assert stable_guid("finding", 42) != stable_guid("finding", 43)
    with zipfile.ZipFile(io.BytesIO(qdpx)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_broken_documents_fail_validation(qde):
    root = etree.fromstring(qde)
    # 1. a required attribute missing
    broken = etree.fromstring(qde)
    del broken.find(".//q:PlainTextSelection", NS).attrib["startPosition"]
    assert any("startPosition" in e for e in validate_qde(etree.tostring(broken)))
    # 2. elements out of the schema's order (Sources before Users)
    broken = etree.fromstring(qde)
    broken.append(broken.find("q:Users", NS))
    assert validate_qde(etree.tostring(broken))
    # 3. an element the standard does not know
    broken = etree.fromstring(qde)
    etree.SubElement(broken.find("q:Sources/q:TextSource", NS), f"{{{PROJECT_NS}}}Finding")
    assert any("Finding" in e for e in validate_qde(etree.tostring(broken)))
    # 4. a malformed GUID and a non-integer position
    broken = etree.fromstring(qde)
    broken.find(".//q:CodeRef", NS).set("targetGUID", "not-a-guid")
    broken.find(".//q:PlainTextSelection", NS).set("endPosition", "twelve")
    errors = validate_qde(etree.tostring(broken))
    assert any("not-a-guid" in e for e in errors) and any("twelve" in e for e in errors)
    # 5. a CodeRef to a code that does not exist (valid for the XSD, caught by the checks)
    broken = etree.fromstring(qde)
    broken.find(".//q:CodeRef", NS).set("targetGUID", stable_guid("nowhere"))
    assert any(e.startswith("references:") for e in validate_qde(etree.tostring(broken)))
    # 6. the wrong namespace and plain garbage
    assert validate_qde(qde.replace(PROJECT_NS.encode(), b"urn:something:else"))
    assert validate_qde(b"<Project")
    assert root is not None


def test_package_checks_catch_wrong_folder_and_offsets(project, qde):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", qde)
        for source in project.sources:
            archive.writestr(f"Sources/{source.guid}.txt", source.plain_text[:5])
    errors = validate_qdpx(buffer.getvalue())
    assert any("lowercase" in e for e in errors)
    assert any("missing" in e for e in errors)
    assert validate_qdpx(b"not a zip")


def test_codebook_is_valid(project):
    qdc = build_qdc(project.codes, project.users, origin="Staat 0.1.0")
    assert validate_qdc(qdc) == []
    root = etree.fromstring(qdc)
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    assert len(root.findall(".//{urn:QDA-XML:codebook:1.0}Code")) == 6
    broken = qdc.replace(b'isCodable="true"', b'isCodable="yes"', 1)
    assert validate_qdc(broken)
    assert validate_qdc(etree.tostring(etree.fromstring(qde_stub())))


def qde_stub() -> bytes:
    return f'<Project xmlns="{PROJECT_NS}" name="x"/>'.encode()


def test_round_trip_with_pyrefiqda(project, qdpx, tmp_path):
    from pyrefiqda import RefiProject

    path = tmp_path / "export.qdpx"
    path.write_bytes(qdpx)
    loaded = RefiProject.load(path, extract_dir=str(tmp_path / "extracted"))
    assert len(loaded.sources.text_source) == len(project.sources)

    def count(codes):
        return sum(1 + count(code.code) for code in codes)

    assert count(loaded.code_book.codes.code) == sum(1 for c in project.codes for _ in c.walk())
    codings = [coding for source in loaded.sources.text_source
               for selection in source.plain_text_selection for coding in selection.coding]
    assert len(codings) == len(project.codings)
    assert len(loaded.users.user) == 2 and len(loaded.notes.note) == 3
    for source in loaded.sources.text_source:
        text = RefiProject.resolve_source_path(source.plain_text_path, tmp_path / "extracted")
        assert text.read_text(encoding="utf-8") in (DUTCH, PLAIN)


def test_bad_input_is_refused_with_every_reason(project):
    bad = sample_project()
    bad.codings[0].end = len(bad.sources[1].plain_text) + 500
    bad.codings[1].code_guid = stable_guid("code", "onbekend")
    bad.codings[2].user_guid = "nobody"
    bad.codes[1].color = "blue"
    bad.notes.append(QdaNote(bad.notes[0].guid, "dubbel", "", None, WHEN))
    kind_code = bad.codes[0].guid
    bad.codings[3].code_guid = kind_code
    with pytest.raises(RefiQdaError) as caught:
        build_qdpx(bad)
    problems = " | ".join(caught.value.problems)
    for expected in ("span", "unknown code", "unknown user", "colour", "used 2 times",
                     "not codable"):
        assert expected in problems
    with pytest.raises(RefiQdaError):
        build_qdc([])


def test_text_that_xml_cannot_carry_is_cleaned():
    user = QdaUser(stable_guid("u"), "Naam\x0cmet formfeed")
    source = QdaSource(stable_guid("s"), "bron\x00", "Pagina 1\x0cPagina 2")
    code = QdaCode(stable_guid("c"), "Code")
    coding = QdaCoding(stable_guid("k"), source.guid, 9, 17, code.guid, user.guid, WHEN,
                       "noot\x07")
    project = QdaProject("p", "Staat", [user], [code], [source], [coding], [], WHEN)
    qdpx = build_qdpx(project)
    assert validate_qdpx(qdpx) == []
    with zipfile.ZipFile(io.BytesIO(qdpx)) as archive:
        assert archive.read(f"sources/{source.guid}.txt") == "Pagina 1\x0cPagina 2".encode()


def test_empty_project_is_still_valid():
    project = QdaProject("leeg", "Staat", [], [], [], [], [], WHEN)
    assert validate_qde(build_qde(project)) == []
    assert validate_qdpx(build_qdpx(project)) == []


def test_derived_schema_is_used_without_the_official_xsd():
    in_use = refiqda.schema_in_use("project")
    assert "official" in in_use or "pyrefiqda" in in_use
    schema = etree.XMLSchema(etree.fromstring(refiqda.derived_schema("project")))
    assert schema is not None
    etree.XMLSchema(etree.fromstring(refiqda.derived_schema("codebook")))
