# SPDX-License-Identifier: EUPL-1.2
"""The extraction page starts a run in the background; its status fragment shows progress."""

from __future__ import annotations

import threading

import pytest

from staat.findings.models import ExtractionRun, Finding
from staat.findings.services import background_thread_name

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
    # wait for the run's own thread (named after the run) rather than polling with a timer
    threads = [t for t in threading.enumerate() if t.name.startswith("staat-extraction-run-")]
    for thread in threads:  # none if it has finished already
        thread.join(timeout=300)
        assert not thread.is_alive()
    run = ExtractionRun.objects.get()
    assert all(t.name == background_thread_name(run) for t in threads)
    fragment = client.get(f"/bevindingen/extractie/{run.pk}/status/").content.decode()
    assert "staat-run-status" in fragment
    assert run.status == ExtractionRun.RunStatus.DONE, run.error
    assert run.started_by == researcher and run.sources_done == 1
    assert Finding.objects.filter(source=one_source).exists()
    assert "hx-trigger" not in client.get(f"/bevindingen/extractie/{run.pk}/status/").content.decode()
