# SPDX-License-Identifier: EUPL-1.2
"""Passage search ranks by BM25, computed by the database (SQLite and PostgreSQL alike);
checked against an independent computation in Python over the same search terms."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from staat.sources.models import Passage
from staat.sources.services import BM25_B, BM25_K1, rank_passages, search_passages
from tests.factories import PassageFactory, SourceFactory

pytestmark = pytest.mark.django_db

TEXTS = [
    "Burgers wachten maanden op de beslissing over hun aanvraag.",
    "De aanvraag van een uitkering duurt lang; de uitkering komt te laat.",
    "Uitkering, uitkering, uitkering: drie keer hetzelfde woord.",
    "Een lange alinea over de uitkering, het beleid, de wetgeving, de uitvoering, de "
    "ketenpartners, de gemeenten, de systemen en nog veel meer woorden die de alinea lang "
    "maken zonder het woord nog eens te noemen.",
    "Niets over dat onderwerp, alleen over personeel en capaciteit.",
    "Het toeslagenstelsel en de uitkering: een zeldzaam woord en een gewoon woord.",
]


def reference_bm25(indexes: list[str], query: list[str]) -> list[float]:
    """Okapi BM25 written out plainly over passages' search indexes (space-padded terms);
    idf in the form ln(1 + (N - n + .5) / (n + .5)), a passage's length in characters and at
    least the average."""
    docs = [index.split() for index in indexes]
    n_docs = len(docs)
    average = sum(len(index) for index in indexes) / n_docs
    scores = []
    for doc, index in zip(docs, indexes, strict=True):
        counts = Counter(doc)
        score = 0.0
        for term in query:
            with_term = sum(1 for d in docs if term in d)
            idf = math.log(1 + (n_docs - with_term + 0.5) / (with_term + 0.5))
            tf = counts[term]
            score += idf * tf * (BM25_K1 + 1) / (
                tf + BM25_K1 * (1 - BM25_B + BM25_B * max(len(index), average) / average))
        scores.append(score)
    return scores


@pytest.fixture
def passages(db):
    source = SourceFactory()
    return [PassageFactory(source=source, index=i, text=t) for i, t in enumerate(TEXTS)]


@pytest.mark.parametrize("query", ["uitkering", "uitkering aanvraag", "toeslagenstelsel uitkering"])
def test_relevance_is_bm25_over_the_searched_passages(passages, query):
    collection = Passage.objects.all()
    matches, terms = search_passages(query, collection)
    ranked = list(rank_passages(matches, terms, collection))
    indexes = [p.search_terms for p in Passage.objects.order_by("index")]
    expected = reference_bm25(indexes, terms)
    docs = [index.split() for index in indexes]
    assert ranked, query
    for passage in ranked:
        assert passage.relevance == pytest.approx(expected[passage.index], rel=1e-9)
    assert [p.relevance for p in ranked] == sorted((p.relevance for p in ranked), reverse=True)
    # only passages holding every term, all of them
    assert {p.index for p in ranked} == {
        i for i, d in enumerate(docs) if all(t in d for t in terms)}


def test_repeated_terms_are_all_counted(passages):
    matches, terms = search_passages("uitkering", Passage.objects.all())
    ranked = list(rank_passages(matches, terms, Passage.objects.all()))
    # "Uitkering, uitkering, uitkering" says it three times in a short passage: first;
    # the long passage that says it once comes last
    assert ranked[0].index == 2
    assert ranked[-1].index == 3


def test_a_rare_term_weighs_more_than_a_common_one(passages):
    collection = Passage.objects.all()
    matches, terms = search_passages("toeslagenstelsel uitkering", collection)
    ranked = list(rank_passages(matches, terms, collection))
    assert [p.index for p in ranked] == [5]
    alone, _ = search_passages("uitkering", collection)
    common = {p.index: p.relevance for p in rank_passages(alone, ["uitkering"], collection)}
    assert ranked[0].relevance > 2 * common[5]


def test_rarity_is_counted_within_the_searched_collection(passages):
    # within a collection where every passage says "uitkering", the word tells nothing apart:
    # its weight is lower than in the whole set of passages
    within = Passage.objects.filter(index__in=[1, 2, 3, 5])
    matches, terms = search_passages("uitkering", within)
    narrow = {p.index: p.relevance for p in rank_passages(matches, terms, within)}
    matches, terms = search_passages("uitkering", Passage.objects.all())
    wide = {p.index: p.relevance for p in rank_passages(matches, terms, Passage.objects.all())}
    assert set(narrow) == {1, 2, 3, 5}
    assert all(narrow[i] < wide[i] for i in narrow)

