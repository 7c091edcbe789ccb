# SPDX-License-Identifier: EUPL-1.2
"""Fictional calls (*oproepen*) with follow-up for the demo, so the demo edition shows calls,
sharpened wordings and a look back. Like the rest of the demo they are invented.

Calls are made by researchers, not by the machine: in a real deployment they are entered in
the app. :func:`seed_demo_calls` does nothing when any call exists.
"""

from __future__ import annotations

from staat.sources.models import Source

DEMO_CALLS = (
    {
        "year": 2023, "order": 1, "audience": "beleid", "keywords": ("uitvoeringstoets", "betrokken"),
        "title": "Betrek de uitvoering vanaf het begin",
        "text": "Betrek uitvoeringsorganisaties vanaf het eerste idee bij nieuw beleid, niet pas "
                "bij de uitvoeringstoets aan het eind.",
        "versions": [(2025, "Maak een uitvoeringstoets in de eerste fase van elk wetsvoorstel "
                            "verplicht en maak de uitkomst openbaar.",
                      "Aangescherpt omdat de toets in 2024 nog vaak een formaliteit bleek.")],
        "follow_ups": [
            (2024, "promised", "Het (fictieve) kabinet zegde toe de uitvoering eerder te betrekken.",
             "", ["2024-advies-uitvoeringskracht"]),
            (2025, "in_progress", "In twee (fictieve) wetstrajecten is de uitvoering vanaf het "
             "begin betrokken.", "Een handreiking voor vroege toetsen is in voorbereiding.",
             ["2025-sessieverslag-reflectie"]),
        ],
    },
    {
        "year": 2024, "order": 1, "audience": "politiek", "keywords": ("gegevens", "grondslag"),
        "title": "Geef gegevensdeling een wettelijke grondslag",
        "text": "Regel bij wet dat uitvoeringsorganisaties de gegevens mogen delen die nodig zijn "
                "om burgers in één keer goed te helpen.",
        "versions": [],
        "follow_ups": [
            (2025, "in_progress", "Een (fictief) afsprakenstelsel voor gegevensdeling is gestart; "
             "de wettelijke grondslag ontbreekt nog.", "", ["2025-arg-stand"]),
        ],
    },
    {
        "year": 2025, "order": 1, "audience": "politiek", "keywords": ("hardheid", "stapeling", "regel"),
        "title": "Een hardheidsclausule in elke wet",
        "text": "Neem in elke wet die burgers raakt een hardheidsclausule op, zodat de uitvoering "
                "kan afwijken waar de regel onredelijk uitpakt.",
        "versions": [], "follow_ups": [],
    },
    {
        "year": 2025, "order": 2, "audience": "beleid", "keywords": ("financiering", "incidentele"),
        "title": "Structurele taken structureel financieren",
        "text": "Financier taken die blijven ook blijvend, in plaats van met incidentele middelen "
                "per jaar.",
        "versions": [], "follow_ups": [],
    },
)


def _source(demo_id: str) -> Source | None:
    return Source.objects.filter(original_filename__startswith=f"{demo_id}.").order_by("pk").first()


def seed_demo_calls() -> int:
    """Create the demo calls (linked to matching threads) unless calls exist; returns how many."""
    from staat.threads import services as threads
    from staat.threads.models import Call

    if Call.objects.exists():
        return 0
    labels = []
    try:
        labels = [(t.key, t.label.lower()) for t in threads.edition_threads(2025)]
    except Exception:  # noqa: BLE001 - calls without thread links are still calls
        labels = []
    made = 0
    for spec in DEMO_CALLS:
        keys = [key for key, label in labels if any(k in label for k in spec["keywords"])][:2]
        call = threads.create_call(user=None, edition_year=spec["year"], title=spec["title"],
                                   text=spec["text"], audience=spec["audience"], threads=keys,
                                   order=spec["order"], reason="demo (fictief)")
        for year, text, note in spec["versions"]:
            threads.add_version(call, user=None, edition_year=year, text=text, note=note)
        for year, status, response, steps, cited in spec["follow_ups"]:
            sources = [s for s in (_source(i) for i in cited) if s is not None]
            threads.add_follow_up(call, user=None, edition_year=year, status=status,
                                  response=response, steps=steps,
                                  citations=[(s, 1) for s in sources], reason="demo (fictief)")
        made += 1
    return made
