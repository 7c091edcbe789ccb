# SPDX-License-Identifier: EUPL-1.2
"""REFI-QDA exports from the database validate against the REFI-QDA schema; offsets hold."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from lxml import etree

from staat.findings import coding, services
from staat.findings.models import Finding
from staat.findings.refiqda import validate_qdc, validate_qdpx

pytestmark = pytest.mark.django_db
NS = {"q": "urn:QDA-XML:project:1.0"}


def test_qdpx_validates_and_offsets_point_at_the_text(one_source, researcher, researcher2, tmp_path):
    services.run_extraction()
    f = Finding.objects.order_by("char_start").first()
    services.confirm(f, user=researcher)
    services.add_memo(user=researcher, text="memo", source=one_source)
    services.add_memo(user=researcher, text="memo bij thema",
                      theme=f.finding_themes.first().theme if f.finding_themes.exists()
                      else services.cb.active_themes().first())
    session = coding.create_session(one_source, coders=[researcher, researcher2], user=researcher)
    coding.add_coding(session, coder=researcher2, char_start=f.char_start, char_end=f.char_end,
                      kind="dilemma")
    out = tmp_path / "staat.qdpx"
    call_command("findings", "export", "--format", "qdpx", "--out", str(out))
    data = out.read_bytes()
    assert validate_qdpx(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert "project.qde" in names and any(n.startswith("sources/") for n in names)
        root = etree.fromstring(z.read("project.qde"))
        source = root.find(".//q:TextSource", NS)
        text = z.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
    assert text == one_source.text
    selections = root.findall(".//q:PlainTextSelection", NS)
    spans = {(int(s.get("startPosition")), int(s.get("endPosition"))) for s in selections}
    assert (f.char_start, f.char_end) in spans
    assert len(root.findall(".//q:User", NS)) == 3  # machine and two researchers
    # deterministic
    call_command("findings", "export", "--format", "qdpx", "--out", str(tmp_path / "again.qdpx"))
    again = (tmp_path / "again.qdpx").read_bytes()
    def sources_xml(package: bytes) -> bytes:
        qde = zipfile.ZipFile(io.BytesIO(package)).read("project.qde")
        return etree.tostring(etree.fromstring(qde).find(".//q:Sources", NS))

    assert sources_xml(data) == sources_xml(again)


def test_qdc_validates(db, tmp_path, client, researcher):
    out = tmp_path / "staat.qdc"
    call_command("findings", "export", "--format", "qdc", "--out", str(out))
    assert validate_qdc(out.read_bytes()) == []
    client.force_login(researcher)
    response = client.get("/bevindingen/export/qdc/")
    assert response.status_code == 200 and validate_qdc(response.content) == []


def test_qdpx_download(client, one_source, researcher):
    services.run_extraction()
    client.force_login(researcher)
    response = client.get("/bevindingen/export/qdpx/")
    assert response.status_code == 200
    assert validate_qdpx(response.content) == []
