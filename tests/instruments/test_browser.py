# SPDX-License-Identifier: EUPL-1.2
"""Browser tests: fill in and submit the maturity scan in a real Chromium, see a second
submit refused, and check the form and a results page with axe-core."""

from __future__ import annotations

import re

import pytest

from staat.core.models import Role
from staat.instruments.models import Response, Submission
from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory
from tests.instruments.conftest import populate, wave_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/inloggen/" not in url)


def assert_accessible(page, label: str) -> None:
    violations = axe_violations(page)
    summary = [f"{v['id']} ({v['impact']}): {v['help']} at "
               f"{[n['target'] for n in v['nodes'][:3]]}" for v in violations]
    assert not violations, f"{label}: " + "; ".join(summary)


def fill_scan(page, definition) -> None:
    for i, item in enumerate(definition.items):
        page.check(f"input[name={item.code}][value='{(i % 5) + 1}']")
    page.select_option("#id_role", "klacht")


def test_fill_and_submit_the_maturity_scan(page, live_server, loaded, organisations):
    wave = wave_for(loaded["feedback-maturity"], "Scanronde 2025", 2025)
    definition = wave.instrument.parsed()
    user = UserFactory(username="medewerker", role=Role.CONTRIBUTOR,
                       organisation=organisations["ag-a"])
    login(page, live_server, user)
    url = f"{live_server.url}/metingen/feedback-maturity/{wave.pk}/invullen/"
    page.goto(f"{live_server.url}/metingen/")
    page.click(f"a[href='/metingen/feedback-maturity/{wave.pk}/invullen/']")
    page.wait_for_url(url)
    assert page.locator("legend", has_text="Ontvankelijkheid").count() == 1
    assert_accessible(page, "questionnaire")

    stale = page.context.new_page()  # a second tab with the same form, opened before submitting
    stale.goto(url)

    fill_scan(page, definition)
    page.click("button[value=draft]")
    page.wait_for_url(re.compile(r"invullen/\?organisation="))
    assert "Concept opgeslagen" in page.inner_text(".staat-messages") or \
        "Draft saved" in page.inner_text(".staat-messages")
    assert page.is_checked(f"input[name=rec01][value='1']")  # the draft comes back
    page.click("button[value=submit]")
    page.wait_for_selector("#submitted-notice")
    assert Submission.objects.get().status == "submitted"
    assert Response.objects.count() == 1
    assert page.locator("#questionnaire").count() == 0  # no form after submitting

    fill_scan(stale, definition)
    stale.click("button[value=submit]")
    alert = stale.locator(".utrecht-alert--error")
    alert.wait_for()
    assert "ingediend" in alert.inner_text() or "already submitted" in alert.inner_text()
    assert Submission.objects.filter(status="submitted").count() == 1
    assert Response.objects.count() == 1
    stale.close()


def test_results_page_is_accessible(page, live_server, loaded, organisations):
    wave = wave_for(loaded["culture"], "Medewerkersonderzoek 2025", 2025)
    populate(wave, organisations)
    researcher = UserFactory(username="onderzoeker", role=Role.RESEARCHER)
    login(page, live_server, researcher)
    page.goto(f"{live_server.url}/metingen/culture/{wave.pk}/resultaten/?by=type")
    page.wait_for_selector(".instr-chart svg")
    assert page.locator(".instr-suppressed").count() >= 1  # hidden groups are marked
    assert_accessible(page, "results by type")
    page.goto(f"{live_server.url}/metingen/culture/{wave.pk}/resultaten/?by=sector")
    assert "Welch's ANOVA" in page.inner_text("main")  # which test, and why, on the page
    assert "do not assume equal variances" in page.inner_text("main")
    assert_accessible(page, "results by sector")
    page.goto(f"{live_server.url}/metingen/culture/{wave.pk}/subgroepen/?dimension=engagement")
    assert_accessible(page, "subgroups")
