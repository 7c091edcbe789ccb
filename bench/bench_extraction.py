# SPDX-License-Identifier: EUPL-1.2
"""Throughput of the pure finding extractor (``Extractor.extract``), no database.

The 40 fictional demo documents (``demo/authoring/*.md``) are parsed and segmented once (not
timed) and repeated ``--copies`` times; one run extracts findings from all of them. Prints
the training time and the median of ``--runs`` runs as sentences per second (wall clock and
process CPU time), plus the time 250,000 sentences (about 200 Standen of 40 pages) would take
at that rate.

    .venv/bin/python bench/bench_extraction.py [--copies 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from staat.analysis.findings import (
    Extractor,
    default_labels,
    document_from_segmented,
    load_default_codebook,
)
from staat.nlp.segment import segment
from staat.sources.parsers.markdown import parse_markdown


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    docs = [document_from_segmented(segment(parse_markdown(str(p), p.name)), p.stem)
            for p in sorted((ROOT / "demo" / "authoring").glob("*.md"))]
    t0, c0 = time.perf_counter(), time.process_time()
    ex = Extractor.train(default_labels(), load_default_codebook())
    train_wall, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    corpus = docs * args.copies
    n = sum(len(d.sentences) for d in corpus)
    chars = sum(len(d.text) for d in corpus)
    ex.extract(docs[0])  # warm the lemma cache for one document only

    walls, cpus, found = [], [], 0
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        found = sum(len(ex.extract(d)) for d in corpus)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"extractor {ex.version}")
    print(f"training on {len(default_labels())} labelled sentences: "
          f"{train_wall:.2f} s wall, {train_cpu:.2f} s CPU")
    print(f"corpus: {len(corpus)} documents, {n} sentences, {chars} characters, "
          f"{found} findings")
    print(f"{'':<10} {'median s':>9} {'sentences/s':>12} {'250k sentences':>15}")
    for name, t in (("wall", wall), ("cpu", cpu)):
        print(f"{name:<10} {t:>9.2f} {n / t:>12.0f} {250_000 / (n / t):>13.1f} s")


if __name__ == "__main__":
    main()
