# SPDX-License-Identifier: EUPL-1.2
"""Extraction: offsets, merging, explanations, themes, PDF debris, determinism, version."""

from __future__ import annotations

from itertools import pairwise

import pytest

from tests.analysis.findings.conftest import doc_from_blocks
from staat.analysis.findings import (
    KINDS,
    NONE,
    DocumentInput,
    Extractor,
    LabelledSentence,
    PassageInput,
    SentenceInput,
    default_labels,
    load_default_codebook,
)
from staat.nlp.document import Block


def _check_offsets(doc: DocumentInput, cands) -> None:
    sents = {s.index: s for s in doc.sentences}
    for c in cands:
        first, last = sents[c.sentence_indices[0]], sents[c.sentence_indices[-1]]
        assert (c.char_start, c.char_end) == (first.char_start, last.char_end)
        first_text = doc.text[first.char_start:first.char_end]
        assert doc.text[c.char_start:c.char_end].startswith(first_text)
        assert c.kind in KINDS
        assert 0.0 < c.confidence <= 1.0
        assert c.explanation.model.startswith("staat-lexical-logreg-")
        for cue in c.explanation.cues:
            if cue.char_start != cue.char_end:
                assert doc.text[cue.char_start:cue.char_end] == cue.text
        for t in c.themes:
            for cue in t.cues:
                assert doc.text[cue.char_start:cue.char_end] == cue.text
                assert c.char_start <= cue.char_start < cue.char_end <= c.char_end
        for m in c.laws + c.organisations:
            assert doc.text[m.char_start:m.char_end] == m.text
            assert c.char_start <= m.char_start < m.char_end <= c.char_end


def test_offsets_point_at_the_text_in_every_demo_document(extractor, demo_docs):
    total = 0
    for doc in demo_docs:
        cands = extractor.extract(doc)
        _check_offsets(doc, cands)
        total += len(cands)
        # ordered and non-overlapping
        assert all(a.char_end <= b.char_start for a, b in pairwise(cands))
    assert total > 500
    kinds = {c.kind for doc in demo_docs[:10] for c in extractor.extract(doc)}
    assert kinds == set(KINDS)


def test_laws_and_organisations_in_demo_findings(extractor, demo_docs):
    laws = {m.canonical for d in demo_docs for c in extractor.extract(d) for m in c.laws}
    orgs = {m.canonical for d in demo_docs for c in extractor.extract(d) for m in c.organisations}
    assert {"Participatiewet", "Algemene verordening gegevensbescherming",
            "Wet studiefinanciering 2000"} <= laws
    assert {"fic-lvu", "fic-cbz", "fic-arg"} <= orgs


def _doc(paragraphs: list[tuple[str, str]]) -> DocumentInput:
    """Blocks: a title, then per (heading, paragraph) a level-2 heading and a paragraph."""
    blocks = [Block("Stand van de Uitvoering 2026", 1, "heading", 1)]
    for head, para in paragraphs:
        blocks.append(Block(head, 1, "heading", 2))
        blocks.append(Block(para, 1, "paragraph"))
    return doc_from_blocks(blocks)


def test_adjacent_sentences_that_make_one_point_are_merged(extractor):
    para = ("Het kernsysteem loopt steeds vaker vast. Daardoor wachten burgers maanden op een "
            "besluit. De kantine is vernieuwd.")
    doc = _doc([("3. Knelpunten", para)])
    cands = extractor.extract(doc)
    first = cands[0]
    assert first.kind == "knelpunt"
    assert first.sentence_indices == (doc.sentences[0].index, doc.sentences[1].index)
    assert doc.text[first.char_start:first.char_end] == (
        "Het kernsysteem loopt steeds vaker vast. Daardoor wachten burgers maanden op een "
        "besluit.")
    assert any("Daardoor" in n for n in first.explanation.notes)
    _check_offsets(doc, cands)


def test_sentences_of_different_kinds_or_passages_are_not_merged(extractor):
    doc = _doc([("Wat goed gaat", "Sinds dit jaar kennen wij de toeslag automatisch toe."),
                ("Knelpunten", "Daardoor lopen de wachttijden aan de telefoon op.")])
    cands = extractor.extract(doc)
    assert [len(c.sentence_indices) for c in cands] == [1, 1]
    assert [c.kind for c in cands] == ["lichtpunt", "knelpunt"]


def test_explanation_says_why_knelpunt_and_not_lichtpunt(extractor):
    text = "De wachttijden aan de telefoon zijn opgelopen en burgers lopen vast."
    kind, scores, cues = extractor.classify(text, context="Knelpunten", char_offset=40)
    assert kind == "knelpunt"
    assert set(scores) == set(KINDS) | {NONE}
    assert abs(sum(scores.values()) - 1) < 1e-3
    assert scores["knelpunt"] > scores["lichtpunt"]
    pro = [c for c in cues if c.label == "knelpunt" and c.weight > 0]
    assert pro, cues
    for c in cues:
        if c.char_start != c.char_end:  # words of the sentence, shifted by char_offset
            assert text[c.char_start - 40:c.char_end - 40] == c.text
    # the lexicon cue is always shown, labelled with its lexicon kind
    assert any(c.text == "wachttijden" and c.label == "knelpunt" for c in cues)
    # the heading is evidence too (zero-width: it is not part of the sentence)
    assert any(c.text == "Knelpunten" and c.char_start == c.char_end == 40 for c in cues)
    # cues against the chosen kind name the kind they speak for
    assert all(c.label in KINDS + (NONE,) for c in cues)


def test_explanation_in_a_document_points_at_the_heading(extractor):
    para = ("Wij roepen de wetgever op om een hardheidsclausule op te nemen in de "
            "Participatiewet.")
    doc = _doc([("5. Oproepen", para)])
    [c] = extractor.extract(doc)
    assert c.kind == "oproep"
    texts = {q.text for q in c.explanation.cues}
    assert "roepen de wetgever op" in texts  # the lexicon phrase, gap included
    head = [q for q in c.explanation.cues if q.text == "5. Oproepen"]
    assert head and doc.text[head[0].char_start:head[0].char_end] == "5. Oproepen"
    assert [m.canonical for m in c.laws] == ["Participatiewet"]
    assert "menselijke-maat" in [t.code for t in c.themes]
    _check_offsets(doc, [c])


def test_themes_carry_cues_with_offsets(extractor):
    text = "Er is geen wettelijke grondslag om gegevens met gemeenten uit te wisselen."
    themes = extractor.code_themes(text, char_offset=7)
    codes = [t.code for t in themes]
    assert codes[0] == "gegevensuitwisseling"
    for t in themes:
        assert 0 < t.score <= 1
        for c in t.cues:
            assert text[c.char_start - 7:c.char_end - 7] == c.text
    assert any(c.text == "wettelijke grondslag" for c in themes[0].cues)


def test_dilemma_and_none(extractor):
    assert extractor.classify("Enerzijds willen wij burgers proactief helpen, anderzijds "
                              "moeten wij zuinig zijn met hun gegevens.")[0] == "dilemma"
    assert extractor.classify("Dit document is fictief en dient als demonstratiemateriaal.",
                              context="Inleiding")[0] == NONE


def test_pdf_debris_page_header_bullets_hyphenation(extractor):
    """Text as it comes out of a PDF: a running header on every page, a bullet glyph, a word
    hyphenated over a line end and a paragraph broken over a page."""
    header = "FICTIEF DEMONSTRATIEMATERIAAL – Stand 2026"
    blocks = [
        Block(header, 1, "paragraph"),
        Block("3. Knelpunten", 1, "heading", 2),
        Block("De uitvoerings-\ntoets komt te laat: de invoeringsdatum stond al vast voordat\n"
              "wij werden gevraagd.", 1, "paragraph"),
        Block("• Gemeenten krijgen gegevens\nnog steeds maandelijks, waardoor besluiten "
              "naar een oud adres gaan.", 1, "paragraph"),
        Block("Het tekort aan ICT'ers en specialisten", 1, "paragraph"),
        Block(header, 2, "paragraph"),
        Block("groeit al drie jaar, en vacatures blijven maanden open.", 2, "paragraph"),
        Block("4. Oproepen", 2, "heading", 2),
        Block("▪ Betrek de uitvoering vóór het politieke akkoord.", 2, "paragraph"),
    ]
    doc = doc_from_blocks(blocks)
    cands = extractor.extract(doc)
    _check_offsets(doc, cands)
    by_text = {doc.text[c.char_start:c.char_end]: c for c in cands}
    assert "FICTIEF" not in " ".join(by_text)  # the header line is no finding
    toets = next(c for t, c in by_text.items() if t.startswith("De uitvoeringstoets"))
    assert toets.kind == "knelpunt"
    assert "betrokkenheid-uitvoering" in [t.code for t in toets.themes]
    bullet = next(c for t, c in by_text.items() if t.startswith("Gemeenten krijgen"))
    assert bullet.kind == "knelpunt"
    assert "gegevensuitwisseling" in [t.code for t in bullet.themes]
    krapte = next(c for t, c in by_text.items() if "tekort aan ICT" in t)
    assert krapte.kind == "knelpunt"
    assert "groeit al drie jaar" in doc.text[krapte.char_start:krapte.char_end]
    call = next(c for t, c in by_text.items() if t.startswith("Betrek"))
    assert call.kind == "oproep"


def test_stray_header_inside_a_sentence_still_classified_and_offsets_right(extractor):
    """A header the segmenter could not remove, glued into the middle of a sentence."""
    text = ("Intro.\n\nDe wachttijden aan de telefoon 12 FICTIEF DEMONSTRATIEMATERIAAL lopen "
            "verder op, en • mensen haken af.")
    s = text.index("De wachttijden")
    doc = DocumentInput(
        key="raw", text=text,
        passages=(PassageInput(0, ("Knelpunten",), 1, 0, 6),
                  PassageInput(1, ("Knelpunten",), 1, s, len(text))),
        sentences=(SentenceInput(0, 0, 1, 0, 6), SentenceInput(1, 1, 1, s, len(text))),
    )
    cands = extractor.extract(doc)
    [c] = [c for c in cands if c.sentence_indices == (1,)]
    assert c.kind == "knelpunt"
    assert doc.text[c.char_start:c.char_end] == text[s:]
    _check_offsets(doc, cands)


def test_empty_document(extractor):
    assert extractor.extract(DocumentInput("empty", "", (), ())) == []


def test_training_is_deterministic():
    labels, cb = default_labels(), load_default_codebook()
    a = Extractor.train(labels, cb, seed=0)
    b = Extractor.train(labels, cb, seed=0)
    texts = [lab.text for lab in labels]
    ctx = [lab.context for lab in labels]
    ka, pa = a.predict(texts, ctx)
    kb, pb = b.predict(texts, ctx)
    assert ka == kb
    assert (pa == pb).all()
    assert a.predict_themes(texts) == b.predict_themes(texts)
    assert a.version == b.version
    doc = _doc([("Knelpunten", "Het systeem loopt vast. Daardoor wachten burgers.")])
    assert a.extract(doc) == b.extract(doc)


def test_version_changes_when_labels_or_codebook_change():
    labels, cb = default_labels()[:300], load_default_codebook()
    v0 = Extractor.train(labels, cb).version
    extra = LabelledSentence("De wachtrij is eindeloos.", "knelpunt", ("dienstverlening-burger",))
    v1 = Extractor.train(labels + [extra], cb).version
    cb2 = [cb[0].__class__(cb[0].code, cb[0].label + " (herzien)", cb[0].description,
                           cb[0].cues)] + cb[1:]
    v2 = Extractor.train(labels, cb2).version
    assert len({v0, v1, v2}) == 3
    assert all(v.startswith("staat-lexical-logreg-") for v in (v0, v1, v2))


def test_default_extractor_is_cached_and_learns_from_extra_labels():
    from staat.analysis.findings import default_extractor

    assert default_extractor() is default_extractor()
    extra = (LabelledSentence("De koffieautomaat is kapot.", "knelpunt", ()),)
    ex = default_extractor(extra)
    assert ex is default_extractor(extra)
    assert ex.version != default_extractor().version


def test_a_new_codebook_theme_works_by_its_cues_alone():
    cb = load_default_codebook()
    new = cb[0].__class__("klimaat", "Klimaat en water", "", ("klimaatadaptatie", "droogte"))
    ex = Extractor.train(default_labels(), cb + [new])
    codes = [t.code for t in ex.code_themes("De droogte vraagt om klimaatadaptatie.")]
    assert "klimaat" in codes


def test_train_rejects_empty_labels():
    with pytest.raises(ValueError):
        Extractor.train([], load_default_codebook())
