# SPDX-License-Identifier: EUPL-1.2
"""The real pipeline: demo documents ingested, findings extracted by the machine, threads
computed; threads span years, and decisions survive a new extraction and new thread runs."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from staat.core.demo import load_organisations, read_manifests
from staat.findings import services as findings
from staat.sources.models import Source
from staat.sources.services import SourceMetadata, ingest_file
from staat.threads import services
from staat.threads.models import Thread, ThreadMembership, ThreadRun

DOCS = [f"{year}-{org}-stand" for year in (2023, 2024, 2025) for org in ("lvu", "rid")]

pytestmark = pytest.mark.slow


@pytest.fixture
def pipeline(db, settings):
    settings.EXTRACT_AFTER_INGEST = "off"
    load_organisations()
    manifest = {d.id: d for d in read_manifests()}
    for doc_id in DOCS:
        d = manifest[doc_id]
        result = ingest_file(d.path, SourceMetadata(kind=d.kind, year=d.year, title=d.title,
                                                    organisations=d.organisations,
                                                    status="published"))
        assert result.ok, result.error
    findings.run_extraction()
    return services.compute_threads()


def test_threads_from_extracted_findings(pipeline, researcher):
    assert pipeline.status == ThreadRun.RunStatus.DONE and pipeline.threads_total > 0
    spanning = [t for t in Thread.objects.current() if t.years.filter(finding_count__gt=0)
                .count() >= 2]
    assert spanning, "a recurring bottleneck of the demo corpus spans more than one year"
    biggest = max(spanning, key=lambda t: t.finding_count)
    summary = next(s for s in services.edition_threads(2025) if s.key == biggest.key)
    for quote in summary.representatives:
        source = Source.objects.get(pk=quote.evidence.source_id)
        assert quote.text.split()[0] in source.text[quote.evidence.char_start:
                                                     quote.evidence.char_end + 1]

    # decisions survive a forced re-extraction and new thread runs
    member = biggest.memberships.filter(excluded=False).order_by("finding_id").first().finding
    services.remove_finding(biggest, member, user=researcher, reason="test")
    services.rename_thread(biggest, "Door een mens benoemd", user=researcher)
    call_command("extract", "--force")
    call_command("threads", "--no-progress")
    assert services.compute_threads().status == ThreadRun.RunStatus.UNCHANGED
    t = Thread.objects.get(key=biggest.key)
    assert t.label == "Door een mens benoemd"
    assert not ThreadMembership.objects.filter(thread=t, finding_id=member.pk,
                                               excluded=False).exists()
