# SPDX-License-Identifier: EUPL-1.2
"""Tests for language identification."""

from __future__ import annotations

import pytest

from staat.nlp.language import LANGUAGES, MAX_SAMPLE, detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("De uitvoering van de Participatiewet loopt vast bij gemeenten en burgers.", "nl"),
        ("The implementation of the new benefits act is stuck at the municipalities.", "en"),
        ("Die Umsetzung des Gesetzes ist für die Gemeinden sehr schwierig.", "de"),
        ("La mise en œuvre de la loi est difficile pour les communes.", "fr"),
        ("De útfiering fan de wet is dreech foar de gemeenten yn Fryslân.", "fy"),
    ],
)
def test_detect(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "ok", "3,5 % 12", "nr. 12"])
def test_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


def test_long_text_is_sampled() -> None:
    text = "De LVU voert o.a. de Participatiewet uit voor gemeenten. " * 5000
    assert len(text) > MAX_SAMPLE
    assert detect_language(text) == "nl"


def test_result_is_listed() -> None:
    assert detect_language("Dit is een gewone Nederlandse zin over toeslagen.") in LANGUAGES
