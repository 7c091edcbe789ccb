# SPDX-License-Identifier: EUPL-1.2
"""Tests for character repair, line joining, hyphenation, bullets and running lines."""

from __future__ import annotations

import pytest

from staat.nlp.normalise import (
    clean_text,
    find_running_lines,
    is_page_number,
    join_lines,
    line_key,
    normalise_chars,
    split_lines,
    strip_bullet,
)

HEADER = "FICTIEF DEMONSTRATIEMATERIAAL – verzonnen organisatie en inhoud"


def test_characters() -> None:
    assert normalise_chars("ﬁnanciering ﬂexibel") == "financiering flexibel"
    assert normalise_chars("ĳsberg Ĳmuiden") == "ijsberg IJmuiden"
    assert normalise_chars("uitvoe\u00adring") == "uitvoering"
    assert normalise_chars("uitvoe\u00ad\nring") == "uitvoering"
    assert normalise_chars("a\u00a0b\u202fc\u2009d") == "a b c d"
    assert normalise_chars("a\u200bb\ufeff") == "ab"
    assert normalise_chars("regel\r\nregel\rregel") == "regel\nregel\nregel"
    assert normalise_chars("e\u0301") == "é"  # NFC
    assert normalise_chars("\uf0b7 punt") == "• punt"
    assert normalise_chars("½ en m²") == "½ en m²"  # not NFKC


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["De uitvoe-", "ring loopt vast."], "De uitvoering loopt vast."),
        (["de Partici-", "patiewet"], "de Participatiewet"),
        (["de ICT-", "systemen"], "de ICT-systemen"),
        (["zorg-", "en welzijn"], "zorg- en welzijn"),
        (["reis- of", "verblijfkosten"], "reis- of verblijfkosten"),
        (["huur-", "of zorgtoeslag"], "huur- of zorgtoeslag"),
        (["in Noord-", "Holland"], "in Noord-Holland"),
        (["de e-", "mail"], "de e-mail"),
        (["de uitvoerings-", "organisaties"], "de uitvoeringsorganisaties"),
        (["de zee-", "egel"], "de zee-egel"),
        (["de auto-", "ongelukken"], "de auto-ongelukken"),
        (["in 2023-", "2024"], "in 2023-2024"),
        (["een", "  zin   met ", "", "ruimte"], "een zin met ruimte"),
        (["het kabinet –", "na lang wachten –"], "het kabinet – na lang wachten –"),
        (["COVID-", "19"], "COVID-19"),
    ],
)
def test_join_lines(lines: list[str], expected: str) -> None:
    assert join_lines(lines) == expected


def test_clean_text() -> None:
    raw = "De Landelijke Voor-\nzieningendienst\u00a0voert o.a. de\n  ﬁnanciële regels uit."
    expected = "De Landelijke Voorzieningendienst voert o.a. de financiële regels uit."
    assert clean_text(raw) == expected
    assert clean_text("") == ""


def test_split_lines() -> None:
    assert split_lines("  een \n\n twee\t drie \n") == ["een", "twee drie"]


@pytest.mark.parametrize(
    ("line", "rest", "had"),
    [
        ("• lange wachttijden", "lange wachttijden", True),
        ("▪ trage koppelingen", "trage koppelingen", True),
        ("- geen hardheidsclausule", "geen hardheidsclausule", True),
        ("– geen geld", "geen geld", True),
        ("-5% daling", "-5% daling", False),
        ("1. eerste punt", "1. eerste punt", False),
        ("•", "•", False),
        ("Gewone zin", "Gewone zin", False),
    ],
)
def test_strip_bullet(line: str, rest: str, had: bool) -> None:
    assert strip_bullet(line) == (rest, had)


@pytest.mark.parametrize(
    "line",
    ["3", "- 3 -", "– 12 –", "Pagina 3 van 12", "pagina 3", "3/12", "Page 4 of 9", "iv", "(7)"],
)
def test_page_numbers(line: str) -> None:
    assert is_page_number(line)


@pytest.mark.parametrize(
    "line", ["2.1 Gegevensuitwisseling", "3 procent", "Stand van de Uitvoering 2024"]
)
def test_not_page_numbers(line: str) -> None:
    assert not is_page_number(line)


def test_line_key_masks_digits() -> None:
    assert line_key("Stand van de Uitvoering 2024 | LVU    7") == line_key(
        "Stand van de Uitvoering 2024 | LVU 12"
    )


def test_find_running_lines() -> None:
    pages = [
        [HEADER, "Stand van de Uitvoering 2024", "Inleiding", "Tekst een.",
         "Stand van de Uitvoering 2024 | LVU    1"],
        [HEADER, "Tekst twee.", "Meer tekst.", "Stand van de Uitvoering 2024 | LVU    2"],
        [HEADER, "Tekst drie.", "- 3 -"],
        [],
        [HEADER, "Tekst vier.", "Stand van de Uitvoering 2024 | LVU    4", "- 4 -"],
    ]
    running = find_running_lines(pages)
    assert line_key(HEADER) in running
    assert line_key("Stand van de Uitvoering 2024 | LVU 9") in running
    assert line_key("- 9 -") in running  # on 2 of the 4 pages with text: half is enough
    assert line_key("Tekst een.") not in running


def test_find_running_lines_below_half() -> None:
    pages = [[HEADER, "a", "Voetregel"], [HEADER, "b"], [HEADER, "c"], [HEADER, "d", "Voetregel"],
             [HEADER, "e"]]
    assert find_running_lines(pages) == frozenset({line_key(HEADER)})


def test_find_running_lines_needs_two_pages() -> None:
    assert find_running_lines([[HEADER, "x"]]) == frozenset()
    assert find_running_lines([[HEADER], []]) == frozenset()
