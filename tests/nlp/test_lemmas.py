# SPDX-License-Identifier: EUPL-1.2
"""Tests for tokens, lemmas and search terms."""

from __future__ import annotations

import pytest

from staat.nlp.lemmas import STOPWORDS, lemma, lemmas, search_terms, search_text, tokenize


def test_tokenize_offsets() -> None:
    text = "De ICT'ers van de LVU (ca. 3,5%) werkten in 2023/24 aan ICT-systemen; zie art. 4:84."
    tokens = tokenize(text)
    for s, e, tok in tokens:
        assert text[s:e] == tok
    words = [t for _, _, t in tokens]
    assert words == ["De", "ICT'ers", "van", "de", "LVU", "(", "ca", ".", "3,5", "%", ")",
                     "werkten", "in", "2023/24", "aan", "ICT-systemen", ";", "zie", "art", ".",
                     "4:84", "."]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("uitkeringen", "uitkering"),
        ("knelpunten", "knelpunt"),
        ("werkte", "werken"),
        ("Toeslagen", "toeslag"),
        ("gemeenten", "gemeente"),
        ("uitvoeringsorganisaties", "uitvoeringsorganisatie"),
        ("knelpuntenbrieven", "knelpuntenbrief"),
        ("ICT-systemen", "ict-systeem"),
    ],
)
def test_same_term(a: str, b: str) -> None:
    assert search_terms(a)[0] == search_terms(b)[0]
    assert lemma(a) == lemma(b)


def test_lemmas_in_order() -> None:
    assert lemmas("De burgers werkten.") == ["de", "burger", "werken"]


def test_search_terms() -> None:
    terms = search_terms(
        "De uitkeringen en de knelpunten werkten niet, zegt de LVU over ICT-systemen."
    )
    assert terms == ["uitkering", "knelpunt", "werken", "zeggen", "lvu", "ict-systeem", "ict",
                     "systeem"]
    assert not any(t in STOPWORDS for t in terms)
    for t in terms:
        assert t == t.lower() and " " not in t and "%" not in t and "_" not in t


def test_search_text_substring_semantics() -> None:
    stored = search_text("De knelpunten bij uitkeringen stapelen zich op; knelpunt na knelpunt.")
    assert stored.startswith(" ") and stored.endswith(" ")
    for query in ("knelpunten", "uitkering", "stapelen"):
        for term in search_terms(query):
            assert f" {term} " in stored
    assert " kind " not in stored
    assert stored.split().count("knelpunt") == 3  # repeats kept: ranking counts them
    assert search_text("de en het") == ""


def test_cache_consistent() -> None:
    assert lemma("Uitkeringen") == lemma("uitkeringen") == lemma("UITKERINGEN")


@pytest.mark.parametrize("a, b", [("wachten", "wacht"), ("wacht", "wachtte"), ("werkte", "werken")])
def test_search_terms_agree_for_forms_simplemma_does_not_map_alike(a, b):
    assert search_terms(a) == search_terms(b)
