# SPDX-License-Identifier: EUPL-1.2
"""Importing microdata from CSV, XLSX and SPSS .sav (written at test time): column mapping,
every invalid value by row and column, and the choice between the valid rows and nothing."""

from __future__ import annotations

import json
from unittest import mock

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from staat.core.models import AuditEvent
from staat.instruments import services
from staat.instruments.models import ImportBatch, Response
from tests.instruments.conftest import simulate, wave_for, write_file


@pytest.fixture
def maturity(loaded, organisations):
    wave = wave_for(loaded["feedback-maturity"], "Scanronde 2025", 2025)
    frame = simulate(wave.instrument.parsed(), 12, np.random.default_rng(3))
    frame.insert(0, "Respondent", [f"medewerker-{i}" for i in range(12)])
    frame.insert(1, "Organisatie", ["ag-a"] * 6 + ["zbo-a"] * 6)
    frame = frame.rename(columns={"rec01": "REC_01"})  # suggested by name, ignoring _ and case
    return wave, frame


def _broken(frame):
    bad = frame.copy().astype(object)
    bad.loc[2, "rec02"] = 7  # not on the scale (row 4 of the file: header is row 1)
    bad.loc[5, "Organisatie"] = "onbekend"  # not in the register (row 7)
    return bad


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_web_import_valid_rows_only(client, researcher, maturity, tmp_path, fmt):
    wave, frame = maturity
    path = write_file(_broken(frame).astype(str) if fmt == "sav" else _broken(frame),
                      tmp_path / f"scan.{fmt}", fmt)
    client.force_login(researcher)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    response = client.post("/metingen/import/", {"wave": wave.pk, "file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.get()
    assert batch.mapping["REC_01"] == "rec01"
    # the mapping step is pre-filled; the user adds the two columns with Dutch names
    page = client.get(f"/metingen/import/{batch.pk}/koppelen/").content.decode()
    assert 'value="rec01" selected' in page
    post = {f"col_{i}": batch.mapping.get(c, "") for i, c in enumerate(batch.columns)}
    post[f"col_{batch.columns.index('Respondent')}"] = "respondent"
    post[f"col_{batch.columns.index('Organisatie')}"] = "organisation"
    assert client.post(f"/metingen/import/{batch.pk}/koppelen/", post).status_code == 302
    page = client.get(f"/metingen/import/{batch.pk}/").content.decode()
    batch.refresh_from_db()
    rows = sorted({(p["row"], p["column"]) for p in batch.problems})
    first_row = 2 if fmt != "sav" else 1
    assert rows == [(first_row + 2, "rec02"), (first_row + 5, "Organisatie")]
    assert "onbekend" in page and "rec02" in page
    assert batch.n_valid == 10 and Response.objects.count() == 0  # nothing stored yet
    response = client.post(f"/metingen/import/{batch.pk}/", {"decision": "valid-only"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.n_imported == 10
    assert Response.objects.filter(wave=wave).count() == 10
    stored = Response.objects.select_related("respondent", "organisation").first()
    assert stored.organisation.code in ("ag-a", "zbo-a")
    assert stored.respondent.key_hash == services.pseudonym("medewerker-0")
    from pathlib import Path

    assert not Path(batch.stored_path).exists()  # the uploaded file is gone
    assert AuditEvent.objects.filter(object_type="instruments.importbatch").exists()
    # a second decision is refused
    client.post(f"/metingen/import/{batch.pk}/", {"decision": "valid-only"})
    assert Response.objects.count() == 10


def test_web_import_nothing(client, researcher, maturity, tmp_path):
    wave, frame = maturity
    path = write_file(_broken(frame), tmp_path / "scan.xlsx", "xlsx")
    client.force_login(researcher)
    client.post("/metingen/import/", {"wave": wave.pk,
                                      "file": SimpleUploadedFile(path.name, path.read_bytes())})
    batch = ImportBatch.objects.get()
    mapping = {**batch.mapping, "Respondent": "respondent", "Organisatie": "organisation"}
    services.validate_import(batch, mapping)
    client.post(f"/metingen/import/{batch.pk}/", {"decision": "nothing"})
    batch.refresh_from_db()
    assert batch.status == "rejected" and batch.n_imported == 0
    assert not Response.objects.exists()


def test_nothing_is_half_stored(researcher, maturity, tmp_path):
    wave, frame = maturity
    path = write_file(frame, tmp_path / "scan.csv", "csv")
    mapping = json.dumps({"Respondent": "respondent", "Organisatie": "organisation",
                          **{c: c for c in frame.columns if c not in ("Respondent",
                                                                       "Organisatie", "REC_01")},
                          "REC_01": "rec01"})
    real = Response.objects.bulk_create

    def fail_halfway(objs, **kw):
        real(objs[:5], **kw)
        raise RuntimeError("disk full")

    with mock.patch.object(Response.objects, "bulk_create", side_effect=fail_halfway):
        with pytest.raises(RuntimeError):
            call_command("instruments", "import", "feedback-maturity", str(path),
                         "--wave", wave.name, "--mapping", mapping)
    assert not Response.objects.exists()
    call_command("instruments", "import", "feedback-maturity", str(path), "--wave", wave.name,
                 "--mapping", mapping)
    assert Response.objects.count() == 12
    # the same respondents again: every row is a problem, nothing is imported
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("instruments", "import", "feedback-maturity", str(path), "--wave",
                     wave.name, "--mapping", mapping)
    assert Response.objects.count() == 12


def test_cli_import_valid_only(maturity, tmp_path, capsys):
    wave, frame = maturity
    path = write_file(_broken(frame), tmp_path / "scan.csv", "csv")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Respondent": "respondent", "Organisatie": "organisation",
                                   "REC_01": "rec01", **{c: c for c in frame.columns[3:]}}))
    with pytest.raises(CommandError, match="2 problem"):
        call_command("instruments", "import", "feedback-maturity", str(path), "--wave",
                     wave.name, "--mapping", str(mapping))
    assert not Response.objects.exists()
    call_command("instruments", "import", "feedback-maturity", str(path), "--wave", wave.name,
                 "--mapping", str(mapping), "--valid-only")
    assert Response.objects.count() == 10
    assert "row 4, column 'rec02'" in capsys.readouterr().err


def test_files_are_checked_by_their_bytes(client, researcher, maturity):
    wave, _frame = maturity
    client.force_login(researcher)
    fake = SimpleUploadedFile("scan.xlsx", b"not a workbook at all")
    response = client.post("/metingen/import/", {"wave": wave.pk, "file": fake})
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode() or \
        "geen Excel" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_import_needs_the_microdata_permission(client, maturity, organisations):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="inbrenger", role="contributor",
                                   organisation=organisations["ag-a"]))
    assert client.get("/metingen/import/").status_code == 403
