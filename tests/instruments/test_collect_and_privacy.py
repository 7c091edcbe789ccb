# SPDX-License-Identifier: EUPL-1.2
"""Web forms (draft, submit once), the justification rubric, pseudonymous storage, purpose
binding (no microdata in publication exports, researchers only) and retention (purge)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from staat.core.models import AuditEvent, Role
from staat.instruments import services
from staat.instruments.models import Respondent, Response, Submission
from tests.factories import UserFactory
from tests.instruments.conftest import populate, wave_for


@pytest.fixture
def contributor(organisations):
    return UserFactory(username="medewerker", role=Role.CONTRIBUTOR,
                       organisation=organisations["ag-a"])


def _answers(definition, value="4"):
    data = {item.code: value for item in definition.items}
    return data


def test_draft_then_submit_once(client, loaded, contributor):
    wave = wave_for(loaded["feedback-maturity"], "Scanronde 2025", 2025)
    definition = wave.instrument.parsed()
    url = f"/metingen/feedback-maturity/{wave.pk}/invullen/"
    client.force_login(contributor)
    page = client.get(url).content.decode()
    assert "Ontvankelijkheid" in page and 'type="radio"' in page
    org = contributor.organisation.pk
    response = client.post(url, {"organisation": org, "rec01": "5", "action": "draft"})
    assert response.status_code == 302
    draft = Submission.objects.get()
    assert draft.status == "draft" and draft.answers == {"rec01": 5}
    assert 'value="5" id="id_rec01_4" checked' in client.get(url).content.decode() or \
        "checked" in client.get(url).content.decode()
    data = {"organisation": org, "role": "klacht", "action": "submit",
            **_answers(definition)}
    assert client.post(url, data).status_code == 302
    sub = Submission.objects.get()
    assert sub.status == "submitted" and sub.submitted_at
    assert Response.objects.filter(wave=wave, origin="form").count() == 1
    # a second submit is refused with a clear message; nothing changes
    response = client.post(url, {**data, "rec01": "1"})
    assert response.status_code == 409
    assert "al ingediend" in response.content.decode() or \
        "already submitted" in response.content.decode()
    assert Submission.objects.filter(status="submitted").count() == 1
    assert Response.objects.get().answers["rec01"] == 4
    with pytest.raises(services.AlreadySubmitted):
        services.submit(contributor, contributor.organisation, wave, {"rec01": 1}, {})
    with pytest.raises(services.AlreadySubmitted):
        services.save_draft(contributor, contributor.organisation, wave, {"rec01": 1})


def test_success_assessment_requires_a_justification(client, loaded, contributor):
    wave = wave_for(loaded["success-assessment"], "Beoordeling 2025", 2025)
    definition = wave.instrument.parsed()
    url = f"/metingen/success-assessment/{wave.pk}/invullen/"
    client.force_login(contributor)
    data = {"organisation": contributor.organisation.pk, "case": "Automatisch toekennen",
            "action": "submit", **_answers(definition)}
    response = client.post(url, data)
    assert response.status_code == 400
    assert not Submission.objects.filter(status="submitted").exists()
    for item in definition.items:
        data[f"{item.code}__justification"] = f"Onderbouwing voor {item.code}."
    assert client.post(url, data).status_code == 302
    stored = Response.objects.get()
    assert stored.answers["programmatic_score__justification"].startswith("Onderbouwing")
    assert stored.attributes == {"case": "Automatisch toekennen"}


def test_english_labels(client, loaded, contributor):
    wave = wave_for(loaded["feedback-maturity"], "Scanronde 2025", 2025)
    client.force_login(contributor)
    page = client.get(f"/metingen/feedback-maturity/{wave.pk}/invullen/",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Receptiveness" in page and "Strongly agree" in page


def test_respondent_keys_are_stored_hashed(loaded, organisations):
    wave = wave_for(loaded["culture"], "Medewerkersonderzoek 2025", 2025)
    populate(wave, organisations, sizes={"ag-a": 12, "zbo-a": 0, "zbo-b": 0, "zbo-small": 0,
                                         "ag-b": 0, "ag-c": 0, "dienst-solo": 0})
    secret = settings.PSEUDONYM_SECRET.encode()
    expected = hmac.new(secret, b"R-00003", hashlib.sha256).hexdigest()
    assert Respondent.objects.filter(key_hash=expected).exists()
    dumped = json.dumps(list(Respondent.objects.values()), default=str) + json.dumps(
        list(Response.objects.values()), default=str)
    assert "R-00003" not in dumped


def test_microdata_never_in_publication_exports(client, researcher, loaded, organisations):
    wave = wave_for(loaded["citizen-service"], "Burgerpeiling 2025", 2025)
    populate(wave, organisations)
    hashes = set(Respondent.objects.values_list("key_hash", flat=True))
    client.force_login(researcher)
    exports = []
    for by in ("type", "sector", "organisation", "age_group"):
        for fmt in ("json", "csv"):
            r = client.get(f"/metingen/citizen-service/{wave.pk}/resultaten/?by={by}&format={fmt}")
            assert r.status_code == 200
            exports.append(r.content.decode())
    for key, _title, params in services.available_results():
        result = services.edition_result(key, params)
        exports.append(json.dumps(result.as_dict(), default=str))
    text = "\n".join(exports)
    assert not any(h in text for h in hashes)
    assert not any(h[:12] in text for h in hashes)
    assert "R-0" not in text
    # every published row is an aggregate: no row with n = 1 or a per-respondent record
    for export in exports:
        if export.startswith("{"):
            for res in json.loads(export).get("results", [json.loads(export)]):
                for row in res["rows"]:
                    assert row.get("n") is None or row["n"] >= 10


@pytest.mark.parametrize("role", [None, Role.VISITOR, Role.CONTRIBUTOR])
def test_results_need_the_microdata_permission(client, loaded, organisations, role):
    wave = wave_for(loaded["culture"], "Medewerkersonderzoek 2025", 2025)
    if role is not None:
        client.force_login(UserFactory(username=f"u-{role}", role=role,
                                       organisation=organisations["ag-a"]))
    response = client.get(f"/metingen/culture/{wave.pk}/resultaten/?format=json")
    assert response.status_code in (302, 403)


def test_purge_deletes_old_microdata_and_is_audited(loaded, organisations, contributor):
    old = wave_for(loaded["culture"], "Medewerkersonderzoek 2019", 2019)
    new = wave_for(loaded["culture"], "Medewerkersonderzoek 2025", 2025)
    sizes = {"ag-a": 11, "zbo-a": 0, "zbo-b": 0, "zbo-small": 0, "ag-b": 0, "ag-c": 0,
             "dienst-solo": 0}
    populate(old, organisations, sizes=sizes, key_prefix="OLD")
    populate(new, organisations, sizes=sizes, key_prefix="NEW")
    Submission.objects.create(user=contributor, organisation=contributor.organisation, wave=old)
    call_command("instruments", "purge", "--before", "2024-01-01", "--dry-run")
    assert Response.objects.filter(wave=old).count() == 11
    call_command("instruments", "purge", "--before", "2024-01-01")
    assert not Response.objects.filter(wave=old).exists()
    assert not Submission.objects.filter(wave=old).exists()
    assert Response.objects.filter(wave=new).count() == 11
    assert Respondent.objects.count() == 11  # pseudonyms of the old wave only are gone
    event = AuditEvent.objects.get(object_type="instruments.wave", action="delete")
    assert event.changes["microdata_deleted"]["responses"] == 11
    assert "retention" in event.reason
    assert old.effective_end == dt.date(2019, 12, 31)
