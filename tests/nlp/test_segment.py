# SPDX-License-Identifier: EUPL-1.2
"""Tests for segment(): text, pages, passages and sentences as offsets (checked by slicing)."""

from __future__ import annotations

import random

from staat.nlp.document import Block, ParsedDocument, SegmentedDocument
from staat.nlp.segment import MAX_PASSAGE_CHARS, segment

HEADER = "FICTIEF DEMONSTRATIEMATERIAAL – verzonnen organisatie en inhoud"


def footer(n: int) -> str:
    return f"Stand van de Uitvoering 2024 | LVU    {n}"


def passage_texts(doc: SegmentedDocument) -> list[str]:
    return [doc.text[p.char_start : p.char_end] for p in doc.passages]


def sentence_texts(doc: SegmentedDocument) -> list[str]:
    return [doc.text[s.char_start : s.char_end] for s in doc.sentences]


def check_invariants(doc: SegmentedDocument) -> None:
    text = doc.text
    # pages cover the text contiguously
    assert doc.pages[0].char_start == 0
    assert doc.pages[-1].char_end == len(text)
    for a, b in zip(doc.pages, doc.pages[1:]):
        assert a.char_end == b.char_start
        assert b.number == a.number + 1
    for p in doc.pages:
        assert p.char_start <= p.char_end

    def page_of(offset: int) -> int:
        hits = [p.number for p in doc.pages if p.char_start <= offset < p.char_end]
        assert len(hits) == 1
        return hits[0]

    last = 0
    for i, p in enumerate(doc.passages):
        assert p.index == i
        assert last <= p.char_start < p.char_end <= len(text)
        chunk = text[p.char_start : p.char_end]
        assert chunk == chunk.strip()
        assert p.page_start == page_of(p.char_start)
        assert p.page_end == page_of(p.char_end - 1)
        assert p.page_start <= p.page_end
        last = p.char_end
    last = 0
    for i, s in enumerate(doc.sentences):
        assert s.index == i
        p = doc.passages[s.passage_index]
        assert p.char_start <= s.char_start < s.char_end <= p.char_end
        assert last <= s.char_start
        chunk = text[s.char_start : s.char_end]
        assert chunk == chunk.strip()
        assert s.page == page_of(s.char_start)
        last = s.char_end
    # every passage has at least one sentence, and sentences cover its visible characters
    for p in doc.passages:
        own = [s for s in doc.sentences if s.passage_index == p.index]
        assert own
        assert own[0].char_start == p.char_start and own[-1].char_end == p.char_end


def pdf_like() -> ParsedDocument:
    """Three pages as a PDF parser delivers them, with all the debris."""
    blocks = (
        Block(HEADER, 1),
        Block("Stand van de Uitvoering 2024", 1, "heading", 1),
        Block("1 Inleiding", 1, "heading", 2),
        Block(
            "De Landelijke Voorzieningendienst Uitkeringen (LVU) voert o.a. de Partici-\n"
            "patiewet uit. Dit document is verzonnen. De uitvoe-\nring van de ICT-\n"
            "systemen voor zorg-\nen welzijn in Noord-\nHolland loopt\u00a0vast bij de "
            "ﬁnanciering.",
            1,
        ),
        Block("De knelpunten zijn:\n• lange wachttijden aan de telefoon;\n• trage koppelingen met\n"
              "gemeenten;\n▪ geen hardheidsclausule.", 1),
        Block("Dhr. Jansen meldde op 3 jan. 2025 dat de achterstand z.s.m. weg moet, want "
              "de proble-", 1),
        Block(footer(1), 1),
        Block(HEADER, 2),
        Block("men stapelen zich op. Zie art. 4:84 Awb.", 2),
        Block("1.1 Gegevens", 2, "heading", 3),
        Block("Een alinea die op deze pagina eindigt zonder punt en de", 2),
        Block(footer(2), 2),
        Block(HEADER + "\nUitvoering verder beschrijft.", 3),
        Block("2 Oproepen", 3, "heading", 2),
        Block("- Regel een hardheidsclausule in elke wet.", 3, "list_item"),
        Block("- 3 -", 3),
    )
    return ParsedDocument(blocks, 3, title="Stand van de Uitvoering 2024")


def test_pdf_like_document() -> None:
    doc = segment(pdf_like())
    check_invariants(doc)
    text = doc.text
    assert text.count("FICTIEF DEMONSTRATIEMATERIAAL") == 1
    assert text.startswith(HEADER + "\n\n")
    assert "LVU    " not in text and "| LVU" not in text
    assert "- 3 -" not in text and not text.endswith("3")
    assert "\n\nStand van de Uitvoering 2024\n\n1 Inleiding\n\n" in text  # headings on own lines
    assert passage_texts(doc) == [
        HEADER,
        "De Landelijke Voorzieningendienst Uitkeringen (LVU) voert o.a. de Participatiewet uit. "
        "Dit document is verzonnen. De uitvoering van de ICT-systemen voor zorg- en welzijn in "
        "Noord-Holland loopt vast bij de financiering.",
        "De knelpunten zijn:",
        "lange wachttijden aan de telefoon;",
        "trage koppelingen met gemeenten;",
        "geen hardheidsclausule.",
        "Dhr. Jansen meldde op 3 jan. 2025 dat de achterstand z.s.m. weg moet, want de problemen "
        "stapelen zich op. Zie art. 4:84 Awb.",
        "Een alinea die op deze pagina eindigt zonder punt en de Uitvoering verder beschrijft.",
        "Regel een hardheidsclausule in elke wet.",
    ]
    kinds = [p.kind for p in doc.passages]
    assert kinds == ["paragraph", "paragraph", "paragraph", "list_item", "list_item", "list_item",
                     "paragraph", "paragraph", "list_item"]
    paths = [p.heading_path for p in doc.passages]
    top = "Stand van de Uitvoering 2024"
    assert paths[0] == ()
    assert paths[1] == (top, "1 Inleiding")
    assert paths[7] == (top, "1 Inleiding", "1.1 Gegevens")
    assert paths[8] == (top, "2 Oproepen")  # level 2 pops levels 2 and 3
    pages = [(p.page_start, p.page_end) for p in doc.passages]
    assert pages == [(1, 1), (1, 1), (1, 1), (1, 1), (1, 1), (1, 1), (1, 2), (2, 3), (3, 3)]
    # a page starts at its first character: page 2 at "men", inside "problemen"
    p2 = doc.pages[1]
    assert text[p2.char_start : p2.char_start + 20] == "men stapelen zich op"
    assert text[doc.pages[2].char_start :].startswith("Uitvoering verder")
    sents = sentence_texts(doc)
    assert "Dhr. Jansen meldde op 3 jan. 2025 dat de achterstand z.s.m. weg moet, want de " \
           "problemen stapelen zich op." in sents
    s = next(s for s in doc.sentences if text[s.char_start :].startswith("Zie art."))
    assert text[s.char_start : s.char_end] == "Zie art. 4:84 Awb."
    assert s.page == 2
    s = next(s for s in doc.sentences if text[s.char_start :].startswith("Dhr."))
    assert s.page == 1


def test_deterministic() -> None:
    assert segment(pdf_like()) == segment(pdf_like())


def test_single_page_keeps_header_line() -> None:
    doc = segment(ParsedDocument((Block(HEADER), Block("Eerste zin. Tweede zin.")), 1))
    check_invariants(doc)
    assert doc.text == HEADER + "\n\nEerste zin. Tweede zin."
    assert sentence_texts(doc) == [HEADER, "Eerste zin.", "Tweede zin."]
    assert doc.pages[0].char_end == len(doc.text)


def test_header_merged_into_first_block() -> None:
    topics = ["toeslagen", "wachttijden", "koppelingen", "personeel"]
    blocks = tuple(
        Block(f"{HEADER}\nDeze alinea gaat over {t}.\n{n}", n) for n, t in enumerate(topics, 1)
    )
    doc = segment(ParsedDocument(blocks, 4))
    check_invariants(doc)
    assert passage_texts(doc) == [HEADER] + [f"Deze alinea gaat over {t}." for t in topics]
    assert [p.page_start for p in doc.passages] == [1, 1, 2, 3, 4]


def test_pagina_x_van_y_and_empty_pages() -> None:
    blocks = (
        Block("Eerste alinea.\nPagina 1 van 4", 1),
        Block("Derde pagina.\nPagina 3 van 4", 3),
        Block("Vierde pagina.\nPagina 4 van 4", 4),
    )
    doc = segment(ParsedDocument(blocks, 5))
    check_invariants(doc)
    assert doc.text == "Eerste alinea.\n\nDerde pagina.\n\nVierde pagina."
    assert [(p.char_start, p.char_end) for p in doc.pages] == [
        (0, 16), (16, 16), (16, 31), (31, 45), (45, 45)
    ]
    assert [s.page for s in doc.sentences] == [1, 3, 4]


def test_no_join_after_heading_or_final_period() -> None:
    blocks = (
        Block("Deze alinea eindigt met een punt.", 1),
        Block("Nieuwe alinea op pagina twee.", 2),
        Block("Alinea zonder punt", 2),
        Block("Kop", 3, "heading", 1),
        Block("doorloop na een kop blijft apart.", 3),
    )
    doc = segment(ParsedDocument(blocks, 3))
    check_invariants(doc)
    assert passage_texts(doc) == [
        "Deze alinea eindigt met een punt.",
        "Nieuwe alinea op pagina twee.",
        "Alinea zonder punt",
        "doorloop na een kop blijft apart.",
    ]


def test_long_paragraph_split_at_sentences() -> None:
    sentence = "De LVU ziet o.a. dat de wachttijden bijv. in jan. 2025 opliepen tot ca. 40 minuten."
    para = " ".join([sentence] * 60)
    doc = segment(ParsedDocument((Block("Kop", 1, "heading", 1), Block(para, 1)), 1))
    check_invariants(doc)
    assert doc.text == "Kop\n\n" + para  # the text itself is not changed
    assert len(doc.passages) > 1
    assert all(p.char_end - p.char_start <= MAX_PASSAGE_CHARS for p in doc.passages)
    assert all(p.heading_path == ("Kop",) for p in doc.passages)
    assert " ".join(passage_texts(doc)) == para
    assert set(sentence_texts(doc)) == {sentence}
    assert len(doc.sentences) == 60


def test_table_rows_and_dash_lists() -> None:
    blocks = (
        Block("Regeling\tAanvragen\tDoorlooptijd", 1, "table_row"),
        Block("Participatiewet\t1.200\t8 weken", 1, "table_row"),
        Block("Het kabinet moet:\n- de regels vereenvoudigen;\n- de uitvoering eerder "
              "betrekken.", 1),
        Block("Een gedachtestreepje\n– zoals dit – is geen lijst.", 1),
    )
    doc = segment(ParsedDocument(blocks, 1))
    check_invariants(doc)
    assert passage_texts(doc) == [
        "Regeling | Aanvragen | Doorlooptijd",
        "Participatiewet | 1.200 | 8 weken",
        "Het kabinet moet:",
        "de regels vereenvoudigen;",
        "de uitvoering eerder betrekken.",
        "Een gedachtestreepje – zoals dit – is geen lijst.",
    ]
    assert [p.kind for p in doc.passages] == ["table_row", "table_row", "paragraph", "list_item",
                                              "list_item", "paragraph"]


def test_empty_document() -> None:
    doc = segment(ParsedDocument((), 2))
    assert doc.text == ""
    assert [(p.char_start, p.char_end) for p in doc.pages] == [(0, 0), (0, 0)]
    assert doc.passages == () and doc.sentences == ()
    doc = segment(ParsedDocument((Block("  \n ", 1), Block("", 1, "heading", 1)), 1))
    assert doc.text == "" and doc.passages == ()


WORDS = ["De", "uitvoe-", "ring", "o.a.", "bijv.", "Dhr.", "Jansen", "loopt", "vast", "bij",
         "gemeenten", ".", "?", "!", "…", "jan.", "2025", "art.", "4:84", "ICT-", "systemen",
         "zorg-", "en", "welzijn", "\n", "\n", "\u00ad", "ﬁ", "\u00a0", "3,5", '"', ")", "(", "2.1"]


def random_doc(rng: random.Random) -> ParsedDocument:
    n_pages = rng.randint(1, 5)
    blocks = []
    for page in range(1, n_pages + 1):
        if rng.random() < 0.7:
            blocks.append(Block(HEADER, page))
        for _ in range(rng.randint(0, 6)):
            kind = rng.choice(["paragraph", "paragraph", "heading", "list_item", "table_row"])
            n = rng.randint(0, 400 if rng.random() < 0.1 else 25)
            words = [rng.choice(WORDS) for _ in range(n)]
            text = "".join(w + rng.choice([" ", "", "\n", "\t"]) for w in words)
            if kind == "list_item" and rng.random() < 0.5:
                text = rng.choice(["• ", "- ", "▪ "]) + text
            blocks.append(Block(text, page, kind, rng.randint(1, 4) if kind == "heading" else 0))
        if rng.random() < 0.7:
            blocks.append(Block(rng.choice([f"- {page} -", footer(page), str(page)]), page))
    return ParsedDocument(tuple(blocks), n_pages)


def test_property_random_documents() -> None:
    rng = random.Random(7)
    for _ in range(300):
        parsed = random_doc(rng)
        doc = segment(parsed)
        check_invariants(doc)
        assert segment(parsed) == doc
