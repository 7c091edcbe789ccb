# SPDX-License-Identifier: EUPL-1.2
"""Key phrases: readable Dutch phrases from lemma n-grams, scored by c-TF-IDF against the
rest of the corpus; deterministic."""

from __future__ import annotations

import random

import pytest

from staat.nlp import keyphrases as kp
from staat.nlp.keyphrases import candidate_phrases, key_phrases, key_phrases_by_group

DATA = [
    "De gegevensuitwisseling tussen gemeenten en het CBZ stokt, omdat een wettelijke "
    "grondslag ontbreekt.",
    "Gegevensuitwisseling tussen gemeenten loopt vast: er is geen wettelijke grondslag.",
    "Wij krijgen adreswijzigingen maandelijks; de gegevensuitwisseling tussen gemeenten en "
    "ons is traag.",
]
RULES = [
    "Er is geen hardheidsclausule in de Participatiewet, waardoor maatwerk onmogelijk is.",
    "Door de stapeling van regels en het ontbreken van een hardheidsclausule lopen burgers vast.",
    "Stapeling van regels en uitzonderingen maakt de inkomensregelingen onuitvoerbaar.",
]
BACKGROUND = [
    "De wachttijden aan de telefoon lopen op tot veertig minuten.",
    "Wij vinden te weinig ICT'ers op de arbeidsmarkt voor onze gemeenten.",
    "Burgers lopen vast bij het aanvragen van een uitkering.",
]


def texts(phrases) -> list[str]:
    return [p.text for p in phrases]


def test_readable_phrases_from_lemma_ngrams() -> None:
    data, rules = key_phrases_by_group([DATA, RULES], BACKGROUND)
    assert texts(data)[0] == "gegevensuitwisseling tussen gemeenten"
    assert "wettelijke grondslag" in texts(data)
    assert {"hardheidsclausule", "stapeling van regels"} <= set(texts(rules))
    assert data[0].lemma == "gegevensuitwisseling tussen gemeente"
    assert data[0].count == 3
    # ranked by score, no phrase repeats a content word of a better one
    assert [p.score for p in data] == sorted((p.score for p in data), reverse=True)
    words = [w for p in data for w in p.lemma.split() if w != "tussen"]
    assert len(words) == len(set(words))


def test_sentence_start_capital_is_dropped_but_names_keep_theirs() -> None:
    group = ["Hardheidsclausule ontbreekt in de Participatiewet.",
             "Hardheidsclausule: die ontbreekt in de Participatiewet en de AVG.",
             "De AVG maakt het lastig."]
    phrases = texts(key_phrases(group, BACKGROUND, top_n=10))
    assert "hardheidsclausule" in phrases
    assert any("Participatiewet" in p for p in phrases)
    assert "AVG" in phrases
    assert not any("participatiewet" in p for p in phrases)


def test_candidates_follow_the_patterns() -> None:
    cands = {key for key, _ in candidate_phrases(
        "De betrokkenheid van de uitvoering bij het Rijk, 3 keer per jaar.")}
    assert "betrokkenheid van uitvoering" in cands  # content, link, article, content
    assert "betrokkenheid" in cands and "uitvoering" in cands
    assert not any(ch.isdigit() for key in cands for ch in key)  # numbers break phrases
    assert "jaar" not in cands and "keer" not in cands  # generic words are left out
    # punctuation ends a phrase
    assert "gemeente wettelijk" not in {k for k, _ in candidate_phrases("gemeenten, wettelijke")}


def test_background_lowers_common_words() -> None:
    with_bg = texts(key_phrases(DATA, BACKGROUND + ["Gemeenten en gemeenten."] * 20))
    assert "gemeenten" not in with_bg[:2]


def test_min_count_and_small_groups() -> None:
    phrases = key_phrases(DATA, BACKGROUND)
    assert all(p.count >= 2 for p in phrases)
    single = key_phrases([RULES[0]], BACKGROUND)
    assert single and all(p.count == 1 for p in single)
    assert key_phrases([], BACKGROUND) == ()
    assert key_phrases_by_group([], []) == []


def test_phrases_of_single_texts_only_when_the_group_shares_none() -> None:
    """A group whose texts share no phrase is named by phrases of single texts (count 1);
    once one phrase is shared, phrases of single texts are left out."""
    apart = ["Er is geen hardheidsclausule in de regeling.",
             "De wachttijden aan de telefoon lopen op."]
    relaxed = key_phrases(apart, BACKGROUND)
    assert relaxed and all(p.count == 1 for p in relaxed)
    assert {p.lemma.split()[0] for p in relaxed} >= {"hardheidsclausule", "wachttijd"}
    shared = key_phrases([*apart, "Een hardheidsclausule ontbreekt."], BACKGROUND)
    assert texts(shared) == ["hardheidsclausule"]
    assert shared[0].count == 2


def test_deterministic_and_independent_of_order() -> None:
    base = key_phrases_by_group([DATA, RULES], BACKGROUND)
    assert key_phrases_by_group([DATA, RULES], BACKGROUND) == base
    rev = key_phrases_by_group([RULES, DATA], list(reversed(BACKGROUND)))
    assert rev == [base[1], base[0]]
    shuffled = list(DATA)
    random.Random(3).shuffle(shuffled)
    assert key_phrases_by_group([shuffled, RULES], BACKGROUND)[0] == base[0]


def test_an_index_phrases_a_repeated_text_once_and_counts_it_each_time() -> None:
    index = kp._Index()
    first = index.add_ordered(DATA[0])
    df = list(index.df)
    assert index.add_ordered(DATA[0]) is first  # not phrased again
    pids = first[0][0::2]
    assert all(index.df[p] == 2 * df[p] for p in pids) and sum(index.df) == 2 * sum(df)
    # a phrase's count in a group is the number of its texts containing it, repeats too
    group = [DATA[0], DATA[0], DATA[1]]
    for p in key_phrases(group, BACKGROUND, top_n=10):
        assert p.count == sum(p.lemma in {k for k, _ in candidate_phrases(t)} for t in group)


def test_a_texts_surfaces_in_order_tell_its_phrases() -> None:
    """``add_ordered``: a text's distinct surfaces in the order they first occur; each of
    its phrases counts with the first of its surfaces (what ``add`` gives)."""
    text = "Gegevensuitwisseling stokt. De gegevensuitwisseling tussen gemeenten stokt."
    index = kp._Index()
    flat, order = index.add_ordered(text)
    surfaces = [index.surfaces[s] for s in order]
    seen = list(dict.fromkeys(w for _, w in candidate_phrases(text)))
    assert surfaces == seen and "\0Gegevensuitwisseling" in surfaces
    first: dict[int, int] = {}
    for s in order:
        first.setdefault(index.surface_phrase[s], s)
    assert list(flat) == [v for p in sorted(first) for v in (p, first[p])]
    assert not index.ambiguous


# --- label-worthiness: a thread's label should name a thing, not an action or a quality


@pytest.mark.parametrize("form", ["belt", "daalde", "hing", "noemt", "toegenomen",
                                  "aangehouden", "vertrokken", "bespreken", "vertellen",
                                  "misgaat", "ontstaan"])
def test_verb_forms_are_recognised(form: str) -> None:
    assert kp.is_verb_form(form)


@pytest.mark.parametrize("form", ["financiering", "wachttijden", "regelingen", "signalen",
                                  "vacatures", "knopen", "wijken", "formulier", "inkomens",
                                  "maatwerk", "gesprekken", "middelen"])
def test_nouns_are_not_verb_forms(form: str) -> None:
    assert not kp.is_verb_form(form)


@pytest.mark.parametrize(("surface", "expected"), [
    ("stapeling van inkomensregelingen", True),
    ("incidentele financiering", True),
    ("wachttijd aan de telefoon", True),
    ("maatwerk", True),
    ("knelpunt noemen", False),      # ends in an infinitive
    ("burgers daalde", False),       # a finite verb inside
    ("bespreken", False),
    ("merkbaar", False),             # an adjective alone
    ("nauwelijks", False),           # an adverb alone
    ("invloed van Europese", False),  # cut before its noun: ends on an inflected adjective
    ("lange wachttijden", True),     # the inflected adjective before its noun is fine
    ("ziekte van medewerkers", True),
    ("werkdruk door ziekte", True),  # a noun in -e that is its own lemma
])
def test_noun_like(surface: str, expected: bool) -> None:
    assert kp.is_noun_like(surface) is expected


def test_a_noun_phrase_outranks_an_equally_frequent_verb_phrase() -> None:
    group = [
        "De medewerkers bespreken de stapeling van regels in het team.",
        "Zij bespreken elke week de stapeling van regels.",
        "We bespreken de stapeling van regels met de cliëntenraad.",
    ]
    background = ["De wachttijd aan de telefoon liep op.", "Het budget bleef gelijk."]
    phrases = kp.key_phrases(group, background, top_n=3)
    assert phrases[0].lemma == "stapeling van regel"
    assert "bespreken" in [p.lemma for p in phrases]  # still listed, just not first


def test_conjunctions_and_numerals_do_not_make_phrases() -> None:
    lemmas = {key for key, _ in kp.candidate_phrases(
        "Hij hing op voordat de medewerker antwoordde; inmiddels negen gevallen.")}
    assert not any(w in key.split() for key in lemmas for w in ("voordat", "negen",
                                                                 "inmiddels"))
