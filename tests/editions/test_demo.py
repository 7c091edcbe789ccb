# SPDX-License-Identifier: EUPL-1.2
"""``staat demo --no-serve`` runs the whole chain on the fictional corpus and ends with the
2025 edition built, which ``/`` then shows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_demo_runs_end_to_end_and_serves_the_edition(settings, tmp_path, client):
    settings.DATA_DIR = tmp_path
    settings.EXTRACT_AFTER_INGEST = "off"
    call_command("demo", no_serve=True, stdout=open(tmp_path / "demo.log", "w"))  # noqa: SIM115

    from staat.editions.models import Edition
    from staat.findings.models import Finding
    from staat.threads.models import Call, Thread

    assert Finding.objects.exists() and Thread.objects.exists() and Call.objects.exists()
    edition = Edition.objects.get(year=2025)
    assert edition.build_status == Edition.BuildStatus.DONE
    out = tmp_path / "editions" / "2025"
    assert (out / "index.html").is_file() and (out / "staat-van-de-uitvoering-2025.pdf").is_file()

    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/editie/2025/"
    page = client.get("/editie/2025/").content.decode()
    assert "Staat van de Uitvoering 2025" in page
    assert "Fictieve gegevens." in page
    assert 'href="/werkplaats/"' in page
    assert client.get("/werkplaats/").status_code == 200
    oproepen = client.get("/editie/2025/oproepen.html").content.decode()
    assert "Een hardheidsclausule in elke wet" in oproepen
