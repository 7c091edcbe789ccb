# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of the Dutch text core: sentence splitting (ours vs pysbd), search terms and
segment().

Run: ``.venv/bin/python bench/bench_nlp.py [--chars 200000] [--pysbd-chars 40000] [--runs 5]``.
Prints the median of ``--runs`` runs. The text is generated from a fixed seed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from staat.nlp import lemmas as lemmas_mod  # noqa: E402
from staat.nlp.document import Block, ParsedDocument  # noqa: E402
from staat.nlp.segment import segment  # noqa: E402
from staat.nlp.sentences import split_sentences  # noqa: E402

HEADER = "FICTIEF DEMONSTRATIEMATERIAAL – verzonnen organisatie en inhoud"

SUBJECTS = ["De LVU", "Dhr. Jansen van de gemeente Lindeveen", "Het CBZ", "Mevr. De Boer",
            "De Dienst Vergunningen en Toezicht", "J.P. de Vries", "De uitvoeringsorganisatie",
            "Het kabinet", "Prof. dr. A. Bakker", "De Rijksinningsdienst"]
VERBS = ["constateert", "meldt", "schrijft", "ziet", "benadrukt", "stelt vast"]
CLAUSES = [
    "dat de wachttijden o.a. aan de telefoon in jan. 2025 opliepen tot ca. 40 minuten",
    "dat de ICT-systemen verouderd zijn, d.w.z. dat vernieuwing z.s.m. nodig is",
    "dat art. 4:84 Awb te weinig ruimte biedt voor maatwerk m.b.t. terugvorderingen",
    "dat de gegevensuitwisseling met gemeenten t.o.v. 2023 met 3,5 procent is vertraagd",
    "dat burgers bijv. bij de Participatiewet vastlopen i.v.m. stapeling van regels",
    "dat er (zie Kamerstukken II 2023/24, 31 066, nr. 1234) geen hardheidsclausule is",
    "dat incidentele financiering, incl. de subsidies voor 2024, structureel moet worden",
    "dat het aantal klachten steeg van 1.200 naar 1.850, resp. in 2023 en 2024",
]
ENDS = [".", ".", ".", "?", "!", " enz.", ' (blz. 12).', '."', "…"]
STARTS = ["", "", "", "Daarnaast ", "Volgens de dienst ", "Kortom, "]


def dutch_text(n_chars: int, seed: int = 2024) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n_chars:
        start = rng.choice(STARTS)
        subj = rng.choice(SUBJECTS)
        if start:
            subj = subj[0].lower() + subj[1:] if subj.startswith(("De ", "Het ")) else subj
        s = f"{start}{subj} {rng.choice(VERBS)} {rng.choice(CLAUSES)}{rng.choice(ENDS)}"
        if s.endswith('."'):
            s = '"' + s
        out.append(s)
        size += len(s) + 1
    return " ".join(out)


def parsed_document(text: str, page_chars: int = 3000) -> ParsedDocument:
    """Wrap text as a PDF parser would: pages, 85-character lines, hyphenation, headers."""
    words = text.split(" ")
    blocks: list[Block] = []
    page, para, line, lines, page_size = 1, 0, "", [], 0
    for i, w in enumerate(words):
        if len(line) + len(w) > 85:
            if len(w) > 8 and w.isalpha():
                cut = len(w) // 2
                lines.append(f"{line} {w[:cut]}-".strip())
                line = w[cut:]
                continue
            lines.append(line)
            line = ""
        line = f"{line} {w}".strip()
        if len(lines) >= 6 and w.endswith("."):
            lines.append(line)
            body = "\n".join(lines)
            if page_size == 0:
                blocks.append(Block(HEADER, page))
                if para % 3 == 0:
                    blocks.append(Block(f"{para // 3 + 1} Hoofdstuk", page, "heading", 2))
            blocks.append(Block(body, page))
            page_size += len(body)
            para += 1
            line, lines = "", []
            if page_size > page_chars:
                blocks.append(Block(f"Stand van de Uitvoering 2024 | LVU    {page}", page))
                page, page_size = page + 1, 0
    if line or lines:
        blocks.append(Block("\n".join([*lines, line]), page))
    return ParsedDocument(tuple(blocks), page)


def median_time(
    fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chars", type=int, default=200_000)
    ap.add_argument("--pysbd-chars", type=int, default=40_000, help="pysbd is slow: a slice")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    text = dutch_text(args.chars)
    n_words = len(text.split())
    rows: list[tuple[str, str, str]] = []

    t = median_time(lambda: split_sentences(text), args.runs)
    rows.append(("split_sentences (ours)", f"{len(text):,} chars", f"{len(text) / t:,.0f} chars/s"))

    try:
        import pysbd

        seg = pysbd.Segmenter(language="nl", clean=False)
        small = text[: args.pysbd_chars]
        t = median_time(lambda: seg.segment(small), args.runs)
        rows.append(("pysbd 'nl'", f"{len(small):,} chars", f"{len(small) / t:,.0f} chars/s"))
    except ImportError:
        rows.append(("pysbd 'nl'", "-", "not installed"))

    lemmas_mod.search_terms("warm up simplemma")  # load the dictionary once
    t = median_time(lambda: lemmas_mod.search_terms(text), args.runs,
                    before=lemmas_mod._lemma_lower.cache_clear)
    rows.append(("search_terms, cold cache", f"{n_words:,} words", f"{n_words / t:,.0f} words/s"))
    t = median_time(lambda: lemmas_mod.search_terms(text), args.runs)
    rows.append(("search_terms, warm cache", f"{n_words:,} words", f"{n_words / t:,.0f} words/s"))

    parsed = parsed_document(text)
    n_in = sum(len(b.text) for b in parsed.blocks)
    t = median_time(lambda: segment(parsed), args.runs)
    doc = segment(parsed)
    rows.append((f"segment() ({parsed.page_count} pages)", f"{n_in:,} chars",
                 f"{n_in / t:,.0f} chars/s"))
    rows.append(("  -> passages / sentences", f"{len(doc.passages):,}", f"{len(doc.sentences):,}"))

    w = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"median of {args.runs} runs, Python {sys.version.split()[0]}")
    for r in rows:
        print(f"{r[0]:<{w[0]}}  {r[1]:>{w[1]}}  {r[2]:>{w[2]}}")


if __name__ == "__main__":
    main()
