# SPDX-License-Identifier: EUPL-1.2
"""The five shipped instruments load; a broken definition is refused with line and field."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from staat.analysis.instrument_schema import InstrumentError, parse_instrument
from staat.core.models import AuditEvent
from staat.instruments import definitions
from staat.instruments.models import Instrument

SHIPPED = {"citizen-service", "culture", "feedback-maturity", "management-practices",
           "success-assessment"}

BROKEN = """format: staat-instrument/1
code: broken-scan
version: 1
title: {nl: Kapotte scan}
response_scales:
  agree5:
    type: ordinal
    options:
      - {value: 1, label: Oneens}
      - {value: 2, label: Eens}
dimensions:
  - code: one
    label: {nl: Een}
    scoring: mean
    items:
      - code: q1
        text: Vraag een
        scale: likert7
      - code: q2
        txt: Vraag twee
        scale: agree5
"""


def test_the_five_instruments_load(db):
    call_command("instruments", "load")
    rows = Instrument.objects.filter(is_current=True)
    assert {i.code for i in rows} == SHIPPED
    for inst in rows:
        parsed = inst.parsed()
        assert parsed.code == inst.code and parsed.dimensions
        assert len(inst.definition_hash) == 64
    fm = Instrument.objects.get(code="feedback-maturity").parsed()
    assert len(fm.items) >= 30 and len(fm.dimensions) == 3
    assert AuditEvent.objects.filter(object_type="instruments.instrument").count() == 5
    call_command("instruments", "load")  # again: nothing changes
    assert Instrument.objects.count() == 5


def test_broken_yaml_gives_line_and_field():
    with pytest.raises(InstrumentError) as exc:
        parse_instrument(BROKEN, "broken.yaml")
    text = str(exc.value)
    assert "broken.yaml, line 18, dimensions[0].items[0].scale: unknown scale 'likert7'" in text
    assert any(p.line == 20 and p.path == "dimensions[0].items[1].txt" for p in exc.value.problems)


def test_upload_shows_every_problem_by_line_and_field(client, researcher):
    client.force_login(researcher)
    upload = SimpleUploadedFile("broken.yaml", BROKEN.encode(), content_type="text/yaml")
    response = client.post("/metingen/definitie/nieuw/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "dimensions[0].items[0].scale" in html and "likert7" in html
    assert "<td class=\"utrecht-table__cell\">18</td>" in html
    assert not Instrument.objects.exists()


def test_upload_stores_a_valid_definition_and_refuses_a_changed_one(client, researcher):
    client.force_login(researcher)
    good = BROKEN.replace("likert7", "agree5").replace("txt:", "text:")
    response = client.post("/metingen/definitie/nieuw/",
                           {"file": SimpleUploadedFile("scan.yaml", good.encode())})
    assert response.status_code == 302
    inst = Instrument.objects.get(code="broken-scan")
    assert inst.origin == "uploaded" and inst.uploaded_by == researcher
    # the same meaning with other formatting is the same definition
    same, created = definitions.store(good + "\n# a comment\n", "scan.yaml", origin="uploaded")
    assert same == inst and not created
    changed = good.replace("Vraag een", "Vraag 1")
    with pytest.raises(definitions.DefinitionConflict):
        definitions.store(changed, "scan.yaml", origin="uploaded")
    newer, created = definitions.store(changed.replace("version: 1", "version: 2"), "scan.yaml",
                                       origin="uploaded")
    assert created and newer.is_current
    inst.refresh_from_db()
    assert not inst.is_current


def test_only_researchers_upload(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="bezoeker"))
    assert client.get("/metingen/definitie/nieuw/").status_code == 403
