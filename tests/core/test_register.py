# SPDX-License-Identifier: EUPL-1.2
from pathlib import Path

import pytest

from staat.core.models import AuditEvent, Organisation, OrganisationType
from staat.core.register import REFERENCE_FILE, RegisterError, load_register, read_register

pytestmark = pytest.mark.django_db


def test_reference_register_is_valid_and_real():
    rows = read_register(REFERENCE_FILE)
    assert len(rows) >= 40
    assert all(row["type"] in OrganisationType.values for row in rows)
    assert not any(row.get("is_fictional") for row in rows)
    by_code = {row["code"]: row for row in rows}
    assert by_code["uwv"]["type"] == "zbo"
    assert by_code["ind"]["type"] == "agentschap"
    assert by_code["belastingdienst"]["type"] == "dienst"


def test_loading_twice_keeps_edits_made_in_the_app():
    created, _ = load_register(REFERENCE_FILE)
    assert created == Organisation.objects.count()
    uwv = Organisation.objects.get(code="uwv")
    uwv.sector = "sociale zekerheid"
    uwv.save()
    assert load_register(REFERENCE_FILE) == (0, 0)
    assert Organisation.objects.get(code="uwv").sector == "sociale zekerheid"
    assert AuditEvent.objects.filter(object_type="core.organisation", action="create").count() == created


def test_overwrite_records_what_changed():
    load_register(REFERENCE_FILE)
    Organisation.objects.filter(code="svb").update(short_name="Sociale bank")
    assert load_register(REFERENCE_FILE, overwrite=True) == (0, 1)
    event = AuditEvent.objects.filter(action="update").get()
    assert event.changes == {"short_name": ["Sociale bank", "SVB"]}


@pytest.mark.parametrize(
    "content, message",
    [
        ("organisations:\n  - {code: x, name: X, type: ministerie}\n", "unknown type 'ministerie'"),
        ("organisations:\n  - {code: x, type: zbo}\n", "has no 'name'"),
        ("organisations:\n  - {code: x, name: X, type: zbo}\n  - {code: x, name: Y, type: zbo}\n",
         "occurs twice"),
    ],
)
def test_invalid_register_is_refused_by_name(tmp_path: Path, content, message):
    path = tmp_path / "register.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegisterError, match=message) as info:
        load_register(path)
    assert "register.yaml" in str(info.value)
    assert Organisation.objects.count() == 0
