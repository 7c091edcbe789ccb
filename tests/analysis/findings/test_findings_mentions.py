# SPDX-License-Identifier: EUPL-1.2
"""Laws, articles and organisations named in text."""

from __future__ import annotations

import pytest

from staat.analysis.findings import OrganisationDef, find_laws, find_organisations


def _laws(text, offset=0):
    ms = find_laws(text, offset)
    for m in ms:  # offsets always point at the mention
        assert text[m.char_start - offset:m.char_end - offset] == m.text
    return [(m.text, m.canonical, m.article) for m in ms]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Zie artikel 4:84 van de Algemene wet bestuursrecht.",
         [("artikel 4:84 van de Algemene wet bestuursrecht", "Algemene wet bestuursrecht",
           "4:84")]),
        ("Regel: art. 8 Wet inburgering 2021 en het Besluit inburgering 2021.",
         [("art. 8 Wet inburgering 2021", "Wet inburgering 2021", "8"),
          ("Besluit inburgering 2021", "Besluit inburgering 2021", "")]),
        ("De toeslag valt onder de Awir, niet onder de AVG.",
         [("Awir", "Algemene wet inkomensafhankelijke regelingen", ""),
          ("AVG", "Algemene verordening gegevensbescherming", "")]),
        ("Op grond van Verordening (EU) 2016/679 mag dat niet.",
         [("Verordening (EU) 2016/679", "Algemene verordening gegevensbescherming", "")]),
        ("artikel 58, tweede lid, van de Participatiewet",
         [("artikel 58, tweede lid, van de Participatiewet", "Participatiewet", "58 lid 2")]),
        ("Artikel 23 en artikel 24 van de Wahv schrijven verhogingen voor.",
         [("Artikel 23 en artikel 24 van de Wahv",
           "Wet administratiefrechtelijke handhaving verkeersvoorschriften", "23, 24")]),
        ("zorg uit de Wmo 2015, de Zorgverzekeringswet en de Wet langdurige zorg (Wlz)",
         [("Wmo 2015", "Wet maatschappelijke ondersteuning 2015", ""),
          ("Zorgverzekeringswet", "Zorgverzekeringswet", ""),
          ("Wet langdurige zorg", "Wet langdurige zorg", ""),
          ("Wlz", "Wet langdurige zorg", "")]),
        ("grondslag in de Wet SUWI en de Wet op de zorgtoeslag",
         [("Wet SUWI", "Wet structuur uitvoeringsorganisatie werk en inkomen", ""),
          ("Wet op de zorgtoeslag", "Wet op de zorgtoeslag", "")]),
        ("naast art. 4:84 Awb", [("art. 4:84 Awb", "Algemene wet bestuursrecht", "4:84")]),
        # generic titles and -wet compounds not in the list
        ("zoals de Wet vereenvoudiging beslagvrije voet vraagt",
         [("Wet vereenvoudiging beslagvrije voet", "Wet vereenvoudiging beslagvrije voet", "")]),
        ("de Wet betaalbare huur regelt dat", [("Wet betaalbare huur", "Wet betaalbare huur", "")]),
        ("volgens de Kieswet", [("Kieswet", "Kieswet", "")]),
        ("Richtlijn (EU) 2019/1152 over arbeidsvoorwaarden",
         [("Richtlijn (EU) 2019/1152", "Richtlijn (EU) 2019/1152", "")]),
    ],
)
def test_laws_and_articles(text, expected):
    assert _laws(text) == expected


def test_law_offsets_are_shifted_by_offset():
    text = "Dat staat in de Jeugdwet."
    [m] = find_laws(text, offset=100)
    assert (m.char_start, m.char_end) == (116, 124)


def test_no_law_in_ordinary_words():
    assert _laws("De wet is ingewikkeld, en de regeling ook; de awb-achtige toets wacht.") == []
    assert _laws("Wmo-ondersteuning is geen wetsnaam.") == []  # compound, not the Wmo itself


def test_organisations_by_name_and_acronym():
    orgs = [OrganisationDef("fic-lvu", ("Landelijke Voorzieningendienst Uitkeringen", "LVU")),
            OrganisationDef("fic-lindeveen", ("Gemeente Lindeveen", "Lindeveen"))]
    text = ("De Landelijke Voorzieningendienst Uitkeringen (LVU) werkt met de gemeente "
            "Lindeveen; LVU-medewerkers en het lvu-team. PLVUX is iets anders.")
    ms = find_organisations(text, orgs, offset=5)
    got = [(m.text, m.canonical) for m in ms]
    assert got == [
        ("Landelijke Voorzieningendienst Uitkeringen", "fic-lvu"),
        ("LVU", "fic-lvu"),
        ("gemeente Lindeveen", "fic-lindeveen"),  # long names: case-insensitive
        ("LVU", "fic-lvu"),  # word boundary before a hyphen
    ]  # short acronyms are case-sensitive: "lvu-team" and "PLVUX" do not count
    for m in ms:
        assert text[m.char_start - 5:m.char_end - 5] == m.text


def test_organisations_empty_register():
    assert find_organisations("LVU", []) == []
