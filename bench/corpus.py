# SPDX-License-Identifier: EUPL-1.2
"""Generate a large FICTIONAL corpus of Standen as PDFs, for benchmarks.

Paragraphs are drawn (seeded) from the demo corpus's authored Markdown, recombined under
headings into reports of about ``pages`` A4 pages each, and typeset with Typst (Dutch
hyphenation, justified text, running header, page numbers): realistic PDF text with broken
lines and hyphenation, like the real thing. Output is cached: an existing file is reused.

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
                  pool: list[str], heads: list[str]) -> str:
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
        parts.append(f"== {section}. {_escape(rng.choice(heads))}")
        for _ in range(rng.randint(3, 7)):
            para = rng.choice(pool).replace("2023", str(year)).replace("2024", str(year))
            parts.append(_escape(para))
            words += len(para.split())
    return "\n\n".join(parts)


def generate(out: Path, *, docs: int = 200, pages: int = 40, seed: int = 2025,
             progress: bool = True) -> dict:
    """Write ``docs`` PDFs spread over three years; returns the manifest (also saved as JSON)."""
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
            markup = report_markup(doc_rng, org, year, pages, pool, heads)
            path.write_bytes(typst.compile(markup.encode("utf-8")))
        entries.append({"path": path.name, "organisation": org["code"], "year": year})
        if progress:
            print(f"\rgenerating corpus: {i + 1}/{docs}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    manifest = {"seed": seed, "pages": pages, "organisations": orgs, "documents": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "corpus")
    args = parser.parse_args()
    generate(args.out, docs=args.docs, pages=args.pages, seed=args.seed)


if __name__ == "__main__":
    main()
