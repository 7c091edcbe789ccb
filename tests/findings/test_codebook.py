# SPDX-License-Identifier: EUPL-1.2
"""The codebook in the database: starter themes, edits, nesting, retiring, immutable versions."""

from __future__ import annotations

import pytest

from staat.analysis.findings import load_default_codebook
from staat.core.models import AuditEvent
from staat.findings import codebook as cb
from staat.findings.models import CodebookVersion, Theme

pytestmark = pytest.mark.django_db


def test_starter_codebook_is_version_one(db):
    book = cb.ensure_codebook()
    version = cb.current_version(book)
    assert version.number == 1
    codes = [t["code"] for t in version.snapshot]
    assert sorted(codes) == sorted(t.code for t in load_default_codebook())
    assert "complexiteit-regelgeving" in codes and "eu-internationaal" in codes
    assert cb.ensure_codebook() == book and book.versions.count() == 1  # idempotent


def test_every_change_makes_a_new_version(researcher):
    book = cb.ensure_codebook()
    parent = book.themes.get(code="gegevensuitwisseling")
    theme = cb.add_theme(code="basisregistraties", label_nl="Basisregistraties", parent=parent,
                         user=researcher, reason="vaak genoemd")
    assert cb.current_version().number == 2
    cb.update_theme(theme, {"label_nl": "Basisregistraties en stelsel"}, user=researcher)
    assert cb.current_version().number == 3
    cb.retire_theme(theme, user=researcher, reason="opgegaan in gegevensuitwisseling")
    v4 = cb.current_version()
    assert v4.number == 4
    snap = {t["code"]: t for t in v4.snapshot}
    assert snap["basisregistraties"]["parent"] == "gegevensuitwisseling"
    assert snap["basisregistraties"]["retired"] is True
    old = {t["code"]: t for t in book.versions.get(number=2).snapshot}
    assert old["basisregistraties"]["label_nl"] == "Basisregistraties"  # old versions unchanged
    assert not cb.active_themes().filter(code="basisregistraties").exists()
    assert AuditEvent.objects.filter(object_type="findings.theme").count() == 3
    # no change, no version
    cb.update_theme(theme, {"label_nl": "Basisregistraties en stelsel"}, user=researcher)
    assert cb.current_version().number == 4


def test_versions_are_immutable(db):
    version = cb.current_version()
    version.note = "changed"
    with pytest.raises(ValueError):
        version.save()
    assert CodebookVersion.objects.get(pk=version.pk).note != "changed"


def test_no_cycles_and_no_duplicate_codes(researcher):
    book = cb.ensure_codebook()
    a = book.themes.get(code="ict")
    b = cb.add_theme(code="legacy", label_nl="Verouderde systemen", parent=a, user=researcher)
    with pytest.raises(cb.CodebookError):
        cb.update_theme(a, {"parent": b}, user=researcher)
    with pytest.raises(cb.CodebookError):
        cb.add_theme(code="ict", label_nl="Dubbel", user=researcher)
    tree = cb.tree(book)
    depth = {t.code: d for t, d in tree}
    assert depth["legacy"] == 1 and depth["ict"] == 0
    order = [t.code for t, _ in tree]
    assert order.index("legacy") == order.index("ict") + 1


def test_codebook_pages(client, researcher, visitor):
    client.force_login(researcher)
    response = client.get("/bevindingen/codeboek/")
    assert response.status_code == 200 and "gegevensuitwisseling" in response.content.decode()
    response = client.post("/bevindingen/codeboek/thema/nieuw/", {
        "code": "uitvoeringstoets", "label_nl": "Uitvoeringstoetsen", "label_en": "Feasibility tests",
        "description": "", "parent": Theme.objects.get(code="betrokkenheid-uitvoering").pk,
        "reason": "",
    })
    assert response.status_code == 302
    theme = Theme.objects.get(code="uitvoeringstoets")
    assert theme.parent.code == "betrokkenheid-uitvoering"
    response = client.post(f"/bevindingen/codeboek/thema/{theme.pk}/buiten-gebruik/", {"retired": "1"})
    theme.refresh_from_db()
    assert theme.retired
    assert client.get("/bevindingen/codeboek/versies/1/").json()["version"] == 1
    client.force_login(visitor)
    assert client.get("/bevindingen/codeboek/").status_code == 200
    response = client.post("/bevindingen/codeboek/thema/nieuw/", {"code": "x", "label_nl": "x"})
    assert response.status_code == 403
