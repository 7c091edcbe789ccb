# SPDX-License-Identifier: EUPL-1.2
"""Generate a large FICTIONAL corpus of Standen as PDFs, for benchmarks.

Two densities:

- ``dense``: every paragraph is drawn (seeded) from the demo corpus's authored Markdown, whose
  paragraphs were written to carry findings; about 60 % of all sentences read as a finding.
  The hard case: about ten times the findings per page of a real Stand, and every Stand
  drawing on the same small pool, so that one new Stand touches many threads.
- ``realistic``: a fifth of the chapters are drawn from that pool, under the demo's
  headings; the others are the descriptive chapters a real Stand is mostly made of
  (figures, organisation, reading guide, planning) under descriptive headings, written
  from templates with seeded numbers and names, some with a table of figures.

Paragraphs are recombined under headings into reports of about ``pages`` A4 pages each and
typeset with Typst (Dutch hyphenation, justified text, running header, page numbers):
realistic PDF text with broken lines and hyphenation, like the real thing. Output is cached:
an existing file is reused.

    .venv/bin/python bench/corpus.py --docs 200 --pages 40 --out bench/out/corpus
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import typst

ROOT = Path(__file__).resolve().parent.parent
AUTHORING = ROOT / "demo" / "authoring"
YEARS = (2023, 2024, 2025)
TYPES = ("zbo", "agentschap", "dienst", "gemeente", "provincie", "waterschap")
NOTICE = "FICTIEF BENCHMARKMATERIAAL – gegenereerde organisatie en inhoud"
WORDS_PER_PAGE = 480
DENSITIES = ("dense", "realistic")
FINDING_SHARE = 0.2  # realistic: share of chapters drawn from the finding-rich pool
DESCRIPTIVE_HEADINGS = (
    "Leeswijzer", "Over onze organisatie", "Bestuur en organisatie", "De cijfers van {year}",
    "Dienstverlening in cijfers", "Bedrijfsvoering", "Personeel", "Financiën",
    "Kanalen en bereikbaarheid", "Planning en verantwoording", "Programma's en projecten",
    "Begrippen en bronnen", "Productie per kwartaal", "Informatievoorziening",
)

# --- descriptive prose (realistic density) ----------------------------------------------
# Templates of the sentences that fill most of a Stand: what the organisation is and does,
# figures, reading guide, planning. Names and numbers are drawn per sentence.
_SLOTS = {
    "group": ["burgers", "werkgevers", "ondernemers", "uitkeringsgerechtigden", "studenten",
              "gemeenten", "zorgaanbieders", "inwoners", "aanvragers", "ketenpartners"],
    "dept": ["Klantcontact", "Bezwaar en Beroep", "Informatievoorziening", "Handhaving",
             "Financiën", "Kwaliteit en Control", "Dienstverlening", "Juridische Zaken",
             "Inkoop", "Communicatie", "Personeel en Organisatie", "Data en Analyse"],
    "task": ["intake van aanvragen", "afhandeling van bezwaren", "uitbetaling van toelagen",
             "registratie van meldingen", "controle van gegevens", "archivering",
             "beantwoording van vragen", "planning van het werk", "verwerking van mutaties",
             "voorlichting", "rapportage aan de opdrachtgever"],
    "system": ["zaaksysteem", "klantportaal", "planningssysteem", "registratiesysteem",
               "documentbeheersysteem", "rapportagesysteem", "telefonieplatform"],
    "prog": ["Koers", "Samen Verder", "Basis op Orde", "Dichtbij", "Vernieuwing",
             "Heldere Taal", "Stevig Fundament", "Wendbaar", "Focus", "Verbinding"],
    "report": ["jaarverantwoording", "kwartaalrapportage", "begroting", "jaarplanning",
               "voortgangsrapportage", "managementletter"],
    "month": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
              "september", "oktober", "november", "december"],
    "channel": ["de website", "het klantportaal", "de telefoon", "de chat", "de balie",
                "post", "e-mail"],
}
_TEMPLATES = [
    "In {year} behandelde {org} ruim {n} aanvragen, {p} procent meer dan een jaar eerder.",
    "Het aantal medewerkers bedroeg eind {year} {n} fte, verdeeld over {k} vestigingen.",
    "De begroting voor {year} bedroeg {k},{d} miljoen euro, waarvan {p} procent voor personeel.",
    "Hoofdstuk {k} beschrijft de ontwikkelingen in de dienstverlening aan {group}.",
    "Dit hoofdstuk geeft een overzicht van de belangrijkste cijfers over {year}.",
    "De afdeling {dept} verzorgt de {task} voor {group}.",
    "Sinds {month} {year} werkt de afdeling {dept} met een nieuw {system}.",
    "De directie legt verantwoording af via de {report} en de {report2}.",
    "In de bijlage staat een toelichting op de gebruikte begrippen en bronnen.",
    "Het klantcontactcentrum was op werkdagen bereikbaar van {h1}.00 tot {h2}.00 uur.",
    "Gemiddeld werden per maand {n} telefoongesprekken en {m} chatgesprekken gevoerd.",
    "Het programma {prog} loopt tot en met {year2} en omvat {k} projecten.",
    "De ondernemingsraad kwam in {year} {k} keer bijeen met de bestuurder.",
    "De cijfers in deze paragraaf komen uit de eigen registraties van {org}.",
    "In het {q} kwartaal werden {n} bezwaarschriften ontvangen en {m} afgehandeld.",
    "De website werd in {year} ruim {n} keer bezocht; {p} procent van de bezoeken was mobiel.",
    "Het aandeel aanvragen via {channel} kwam uit op {p} procent.",
    "Paragraaf {k}.{j} gaat in op de {task} en de afspraken daarover met {group}.",
    "Het project {prog} is in {month} gestart met een verkenning van de {task}.",
    "De jaarlijkse audit door de interne accountant vond plaats in {month}.",
    "Het ziekteverzuim bedroeg {k},{d} procent, tegen {j},{d2} procent in het jaar daarvoor.",
    "In totaal werden {n} beslissingen genomen, waarvan {p} procent binnen {k} weken.",
    "De afdeling {dept} telt {k} teams van gemiddeld {j} medewerkers.",
    "Deze Stand volgt de indeling van de vorige editie, zodat de jaren te vergelijken zijn.",
    "Voor de {task} gebruikt {org} sinds {year2} het {system}.",
    "De {report} over {year} is in {month} aan de opdrachtgever gestuurd.",
    "Tabel {k} toont het aantal aanvragen per kwartaal en per kanaal.",
    "Het gemiddelde klanttevredenheidscijfer over {channel} was een {j},{d}.",
    "In {month} verhuisde de afdeling {dept} naar een nieuw kantoor in de regio.",
    "De jaarplanning voor {year2} is vastgesteld in {month} {year}.",
]


def _fill(template: str, rng: random.Random, org: dict, year: int) -> str:
    values = {name: rng.choice(options) for name, options in _SLOTS.items()}
    values.update(
        org=org["name"], year=year, year2=year + rng.randint(1, 3),
        report2=rng.choice(_SLOTS["report"]), n=f"{rng.randint(2, 980) * 100:,}".replace(",", "."),
        m=f"{rng.randint(1, 400) * 10:,}".replace(",", "."), p=rng.randint(2, 95),
        k=rng.randint(2, 12), j=rng.randint(2, 9), d=rng.randint(0, 9), d2=rng.randint(0, 9),
        h1=rng.randint(8, 9), h2=rng.randint(17, 20),
        q=rng.choice(["eerste", "tweede", "derde", "vierde"]),
    )
    return template.format(**values)


def descriptive_paragraph(rng: random.Random, org: dict, year: int) -> str:
    """Three to six descriptive sentences (no finding meant)."""
    return " ".join(_fill(t, rng, org, year)
                    for t in rng.sample(_TEMPLATES, rng.randint(3, 6)))


def figures_table(rng: random.Random, year: int) -> str:
    """Typst markup of a small table of figures per quarter."""
    cells = ['[*Kwartaal*]', '[*Aanvragen*]', '[*Afgehandeld*]', '[*Binnen termijn (%)*]']
    for q in ("Q1", "Q2", "Q3", "Q4"):
        n = rng.randint(1000, 90000)
        cells += [f"[{q} {year}]", f"[{n}]", f"[{int(n * rng.uniform(0.8, 1.05))}]",
                  f"[{rng.randint(55, 99)}]"]
    return "#table(columns: 4, " + ", ".join(cells) + ")"


def paragraphs() -> list[str]:
    """Prose paragraphs from the demo authoring files (no headings, lists or tables)."""
    found: list[str] = []
    for path in sorted(AUTHORING.glob("*.md")):
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            block = " ".join(block.split())
            if len(block) > 200 and not block.startswith(("#", "-", "|", "FICTIEF", "1.")):
                found.append(block)
    return found


def headings() -> list[str]:
    found = set()
    for path in sorted(AUTHORING.glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                found.add(re.sub(r"^[\d.]+\s*", "", line[3:]).strip())
    return sorted(h for h in found if 3 < len(h) < 70)


def organisations(n: int) -> list[dict]:
    return [
        {
            "code": f"bench-{i:03d}",
            "name": f"Benchmarkdienst {i:03d}",
            "short_name": f"BD{i:03d}",
            "type": TYPES[i % len(TYPES)],
            "is_fictional": True,
        }
        for i in range(n)
    ]


def _escape(text: str) -> str:
    return re.sub(r"([\\#$*_@<>\[\]`~=/])", r"\\\1", text)


def report_markup(rng: random.Random, org: dict, year: int, pages: int,
                  pool: list[str], heads: list[str], density: str = "dense") -> str:
    words_needed = pages * WORDS_PER_PAGE
    title = f"Stand van de Uitvoering {year} – {org['name']}"
    parts = [
        '#set page(paper: "a4", margin: 2.5cm, header: align(right, text(8pt)['
        + _escape(NOTICE) + "]), footer: context align(center, text(8pt)[Pagina "
        "#counter(page).display() van #counter(page).final().first()]))",
        '#set text(lang: "nl", hyphenate: true, size: 11pt)',
        "#set par(justify: true)",
        f"#set document(title: [{_escape(title)}], author: \"{org['name']}\")",
        f"= {_escape(title)}",
        f"Dit document is gegenereerd voor benchmarks; {org['name']} bestaat niet.",
    ]
    words = 0
    section = 0
    while words < words_needed:
        section += 1
        descriptive = density == "realistic" and rng.random() >= FINDING_SHARE
        if descriptive:
            head = rng.choice(DESCRIPTIVE_HEADINGS).format(year=year)
        else:
            head = rng.choice(heads)
        parts.append(f"== {section}. {_escape(head)}")
        if descriptive and rng.random() < 0.3:
            parts.append(figures_table(rng, year))
        for _ in range(rng.randint(3, 7)):
            if descriptive:
                para = descriptive_paragraph(rng, org, year)
            else:
                para = rng.choice(pool).replace("2023", str(year)).replace("2024", str(year))
            parts.append(_escape(para))
            words += len(para.split())
    return "\n\n".join(parts)


def generate(out: Path, *, docs: int = 200, pages: int = 40, seed: int = 2025,
             progress: bool = True, density: str = "dense") -> dict:
    """Write ``docs`` PDFs spread over three years; returns the manifest (also saved as JSON).
    ``density``: one of :data:`DENSITIES` (see the module's docstring)."""
    if density not in DENSITIES:
        raise ValueError(f"density must be one of {', '.join(DENSITIES)}, not {density!r}")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool, heads = paragraphs(), headings()
    orgs = organisations(max(1, docs // len(YEARS)) + 1)
    entries = []
    for i in range(docs):
        year = YEARS[i % len(YEARS)]
        org = orgs[(i // len(YEARS)) % len(orgs)]
        path = out / f"{year}-{org['code']}-stand.pdf"
        doc_rng = random.Random(f"{seed}-{i}")
        if not path.exists():
            markup = report_markup(doc_rng, org, year, pages, pool, heads, density)
            path.write_bytes(typst.compile(markup.encode("utf-8")))
        entries.append({"path": path.name, "organisation": org["code"], "year": year})
        if progress:
            print(f"\rgenerating corpus: {i + 1}/{docs}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    manifest = {"seed": seed, "pages": pages, "density": density, "organisations": orgs,
                "documents": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--density", choices=DENSITIES, default="dense")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "corpus")
    args = parser.parse_args()
    generate(args.out, docs=args.docs, pages=args.pages, seed=args.seed, density=args.density)


if __name__ == "__main__":
    main()
