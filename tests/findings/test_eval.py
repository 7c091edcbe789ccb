# SPDX-License-Identifier: EUPL-1.2
"""``staat eval LABELS``: precision, recall and F1 per kind and theme accuracy."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from staat.analysis.findings import heldout_labels, write_labels

pytestmark = pytest.mark.django_db


def test_eval_prints_per_kind_scores(tmp_path, capsys):
    path = tmp_path / "heldout.jsonl"
    write_labels(path, heldout_labels()[:60])
    call_command("eval", str(path))
    text = capsys.readouterr().out
    for kind in ("knelpunt", "lichtpunt", "oproep", "dilemma"):
        assert kind in text
    call_command("eval", str(path), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data


def test_eval_missing_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("eval", str(tmp_path / "nope.jsonl"))
