# SPDX-License-Identifier: EUPL-1.2
"""Tests for the Dutch sentence splitter; every span is checked by slicing."""

from __future__ import annotations

import random

import pytest

from staat.nlp.sentences import ABBREVIATIONS, sentences, split_sentences


def check(text: str, expected: list[str]) -> None:
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == expected
    for (s1, e1), (s2, _e2) in zip(spans, spans[1:]):
        assert e1 <= s2
    for s, e in spans:
        assert text[s:e] == text[s:e].strip() and e > s


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "De LVU voert o.a. de Participatiewet uit. Dat gaat niet altijd goed.",
            ["De LVU voert o.a. de Participatiewet uit.", "Dat gaat niet altijd goed."],
        ),
        (
            "Wij noemen bijv. De Nederlandsche Bank. Zij doet niet mee.",
            ["Wij noemen bijv. De Nederlandsche Bank.", "Zij doet niet mee."],
        ),
        (
            "Dhr. Jansen en mevr. De Boer kwamen op 3 jan. 2025 langs. Zij bleven kort.",
            ["Dhr. Jansen en mevr. De Boer kwamen op 3 jan. 2025 langs.", "Zij bleven kort."],
        ),
        (
            "Zie art. 4:84 van de Awb en artt. 3 en 4. Daarin staat de hardheidsclausule.",
            ["Zie art. 4:84 van de Awb en artt. 3 en 4.", "Daarin staat de hardheidsclausule."],
        ),
        (
            "Het gaat om ca. 3,5 procent, d.w.z. 1.200 mensen. Dat is veel.",
            ["Het gaat om ca. 3,5 procent, d.w.z. 1.200 mensen.", "Dat is veel."],
        ),
        (
            "J.P. de Vries en A. Bakker schreven het rapport. Prof. Smit las mee.",
            ["J.P. de Vries en A. Bakker schreven het rapport.", "Prof. Smit las mee."],
        ),
        (
            "De kosten m.b.t. ICT stegen t.o.v. 2023 i.v.m. de inflatie. Zie blz. 12 e.v.",
            ["De kosten m.b.t. ICT stegen t.o.v. 2023 i.v.m. de inflatie.", "Zie blz. 12 e.v."],
        ),
        (
            "Toeslagen, huur, zorg enz. Die regelingen stapelen zich op.",
            ["Toeslagen, huur, zorg enz.", "Die regelingen stapelen zich op."],
        ),
        (
            "Het moet z.s.m. worden opgelost, incl. de achterstand. Dat is de oproep.",
            ["Het moet z.s.m. worden opgelost, incl. de achterstand.", "Dat is de oproep."],
        ),
        (
            'Een burger zei: "Ik loop vast." Daarna belde zij opnieuw.',
            ['Een burger zei: "Ik loop vast."', "Daarna belde zij opnieuw."],
        ),
        (
            "De wachttijd liep op (tot 40 minuten.) Dat is te lang.",
            ["De wachttijd liep op (tot 40 minuten.)", "Dat is te lang."],
        ),
        (
            "Werkt dit? Nee! Het systeem is verouderd... Er is geen geld.",
            ["Werkt dit?", "Nee!", "Het systeem is verouderd...", "Er is geen geld."],
        ),
        (
            "Het systeem … werkt niet. Het rapport verschijnt in 2025. 2026 wordt beter.",
            ["Het systeem … werkt niet.", "Het rapport verschijnt in 2025.", "2026 wordt beter."],
        ),
        (
            "Zie bijlage B. De tabel staat daar.",
            ["Zie bijlage B.", "De tabel staat daar."],
        ),
        (
            "Zie Kamerstukken II 2023/24, 31 066, nr. 1234 en Stb. 2021, 123. Dat is de basis.",
            [
                "Zie Kamerstukken II 2023/24, 31 066, nr. 1234 en Stb. 2021, 123.",
                "Dat is de basis.",
            ],
        ),
        (
            "Wij wachten op de brief van 12 sept. De minister antwoordt jl. dinsdag.",
            ["Wij wachten op de brief van 12 sept.", "De minister antwoordt jl. dinsdag."],
        ),
        (
            "Het loket sluit om 17.00 uur. 's Avonds is niemand bereikbaar.",
            ["Het loket sluit om 17.00 uur.", "'s Avonds is niemand bereikbaar."],
        ),
        (
            "2. Gegevensuitwisseling stokt\nDe koppelingen zijn traag. Dat kost tijd.",
            ["2. Gegevensuitwisseling stokt", "De koppelingen zijn traag.", "Dat kost tijd."],
        ),
        (
            "2.1 Gegevensuitwisseling\nDe koppelingen zijn traag.",
            ["2.1 Gegevensuitwisseling", "De koppelingen zijn traag."],
        ),
        (
            "Een zin zonder punt\n\nEen tweede alinea.",
            ["Een zin zonder punt", "Een tweede alinea."],
        ),
        (
            "Een zin die doorloopt op de\nvolgende regel. En nog een.",
            ["Een zin die doorloopt op de\nvolgende regel.", "En nog een."],
        ),
        (
            "De knelpunten:\n• wachttijden;\n• koppelingen.",
            ["De knelpunten:", "• wachttijden;", "• koppelingen."],
        ),
        ("", []),
        ("   \n  ", []),
        ("  Eén zin zonder punt  ", ["Eén zin zonder punt"]),
        ("Zie www.staat.nl. Daar staat meer.", ["Zie www.staat.nl.", "Daar staat meer."]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    check(text, expected)


def test_offsets_into_larger_text() -> None:
    text = "XXX Eerste zin. Tweede zin. YYY"
    spans = split_sentences(text, 4, 27)
    assert [text[s:e] for s, e in spans] == ["Eerste zin.", "Tweede zin."]
    assert spans[0] == (4, 15)


def test_abbreviation_list_is_data() -> None:
    for abbr in ("o.a", "bijv", "d.w.z", "art", "artt", "m.b.t", "t.o.v", "i.v.m", "e.d",
                 "z.s.m", "ca", "nr", "nrs", "blz", "p", "sept", "dhr", "mevr", "mr", "dr",
                 "drs", "ir", "prof", "mw", "resp", "vs", "etc", "enz", "incl", "excl", "min",
                 "max", "zgn", "evt", "vgl", "jl", "a.s", "t.a.v", "p.m", "stb", "stcrt"):
        assert abbr in ABBREVIATIONS, abbr
    months = "jan feb mrt apr jun jul aug sep sept okt nov dec".split()
    assert all(ABBREVIATIONS[m] for m in months)


@pytest.mark.parametrize("abbr", sorted(k for k, v in ABBREVIATIONS.items() if not v))
def test_never_final_abbreviations_do_not_split(abbr: str) -> None:
    text = f"Het gaat {abbr}. Jansen en {abbr}. 12 anderen aan."
    assert sentences(text) == [text]


def test_property_random_inputs() -> None:
    rng = random.Random(20240601)
    pieces = ["De LVU", "o.a.", "bijv.", "J.P.", "art. 3", "2.1", "3,5", ".", "!", "?", "…",
              "\n", "\n\n", " ", '"', ")", "(", "Zin", "zin", "'s", "• punt", "- item", "nr.",
              "Dhr.", "jan.", "2025", "ICT-systemen", "enz.", "...", "\t", "  "]
    for _ in range(2000):
        n = rng.randint(0, 30)
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(n))
        spans = split_sentences(text)
        last = 0
        for s, e in spans:
            assert last <= s < e <= len(text)
            assert not text[s].isspace() and not text[e - 1].isspace()
            last = e
        # every visible character is in some sentence
        covered = sum(e - s for s, e in spans)
        assert covered >= len("".join(text.split()))


AGREE = [
    "De uitvoering staat onder druk. Gemeenten melden lange wachttijden.",
    "Werkt dit? Nee. De burger loopt vast.",
    "In 2024 steeg het aantal klachten. De LVU zoekt naar oplossingen.",
    "Het budget is structureel te laag. Dat schrijft de dienst in de Stand.",
]

PYSBD_WRONG = [  # pysbd 0.3.4 splits each of these after an abbreviation
    ("Dhr. Jansen belde. Hij kreeg geen antwoord.",
     ["Dhr. Jansen belde.", "Hij kreeg geen antwoord."]),
    ("Het besluit van 3 jan. 2025 geldt. Het is nieuw.",
     ["Het besluit van 3 jan. 2025 geldt.", "Het is nieuw."]),
    ("Wij noemen bijv. De Nederlandsche Bank. Zij doet niet mee.",
     ["Wij noemen bijv. De Nederlandsche Bank.", "Zij doet niet mee."]),
    ("Het moet z.s.m. worden opgelost, incl. de achterstand. Dat is de oproep.",
     ["Het moet z.s.m. worden opgelost, incl. de achterstand.", "Dat is de oproep."]),
    ("J.P. de Vries schreef het. Prof. Smit las mee.",
     ["J.P. de Vries schreef het.", "Prof. Smit las mee."]),
    ("Mevr. De Boer en mr. Dijkstra zijn er. Zij praten.",
     ["Mevr. De Boer en mr. Dijkstra zijn er.", "Zij praten."]),
]


@pytest.fixture(scope="module")
def segmenter():  # type: ignore[no-untyped-def]
    pysbd = pytest.importorskip("pysbd")  # a dev dependency
    return pysbd.Segmenter(language="nl", clean=False)


@pytest.mark.parametrize("text", AGREE)
def test_agrees_with_pysbd(segmenter, text: str) -> None:  # type: ignore[no-untyped-def]
    assert sentences(text) == [s.strip() for s in segmenter.segment(text)]


@pytest.mark.parametrize(("text", "expected"), PYSBD_WRONG)
def test_right_where_pysbd_is_wrong(text: str, expected: list[str]) -> None:
    check(text, expected)
