# SPDX-License-Identifier: EUPL-1.2
"""The extraction page starts a run in the background; its status fragment shows progress."""

from __future__ import annotations

import time

import pytest

from staat.findings.models import ExtractionRun, Finding

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_automatic_extraction(settings):
    settings.EXTRACT_AFTER_INGEST = "off"


def test_start_run_from_the_web_and_poll_its_status(client, researcher, no_automatic_extraction,
                                                    one_source):
    assert not Finding.objects.exists()
    client.force_login(researcher)
    response = client.post("/bevindingen/extractie/", {})
    assert response.status_code == 302
    run = ExtractionRun.objects.get()
    fragment = client.get(f"/bevindingen/extractie/{run.pk}/status/").content.decode()
    assert "staat-run-status" in fragment
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.is_active:
            break
        time.sleep(0.5)
    assert run.status == ExtractionRun.RunStatus.DONE, run.error
    assert run.started_by == researcher and run.sources_done == 1
    assert Finding.objects.filter(source=one_source).exists()
    assert "hx-trigger" not in client.get(f"/bevindingen/extractie/{run.pk}/status/").content.decode()
