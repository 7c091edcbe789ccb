# SPDX-License-Identifier: EUPL-1.2
"""Curators' corrections become training data with one command; the extractor changes with them."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from staat.analysis.findings import read_labels
from staat.findings import services
from staat.findings.models import Finding
from staat.findings.services import corrections_path

pytestmark = pytest.mark.django_db


def test_corrections_round_trip(one_source, researcher, isolated_data_dir):
    services.run_extraction()
    version_before = services.get_extractor().version
    f = Finding.objects.order_by("char_start").first()
    new_kind = "oproep" if f.kind != "oproep" else "dilemma"
    services.edit(f, user=researcher, kind=new_kind, reason="eigenlijk een oproep")
    rejected = Finding.objects.order_by("char_start")[1]
    services.reject(rejected, user=researcher, reason="geen bevinding")

    call_command("findings", "add-corrections")
    path = corrections_path()
    assert path == isolated_data_dir / "labels" / "corrections.jsonl" and path.exists()
    labels = read_labels(path)
    sentence = " ".join(one_source.text[f.char_start:f.char_end].split())
    by_text = {label.text: label for label in labels}
    assert any(new_kind == label.kind and label.text in sentence for label in labels)
    rejected_text = " ".join(rejected.text.split())
    assert any(label.kind == "geen" and label.text in rejected_text for label in labels)
    assert by_text  # the training set includes them: the extractor version changes
    assert services.get_extractor().version != version_before
    # idempotent: writing again gives the same file
    first = path.read_bytes()
    call_command("findings", "add-corrections")
    assert path.read_bytes() == first


def test_corrections_out_path(one_source, researcher, tmp_path, isolated_data_dir):
    services.run_extraction()
    services.confirm(Finding.objects.first(), user=researcher)
    out = tmp_path / "elsewhere.jsonl"
    call_command("findings", "add-corrections", "--out", str(out))
    assert len(read_labels(out)) >= 1
    assert not corrections_path().exists()
