# SPDX-License-Identifier: EUPL-1.2
"""Ingest throughput on generated PDFs, next to pypdfium2's raw text extraction.

Raw: open each PDF and call ``get_text_range()`` on every page (what the PDF library alone
costs). Ingest: ``staat.sources.services.ingest_file`` on the same files: sniffing,
sandboxed parsing with layout analysis, repair and segmentation into passages and sentences,
lemmatised search index, and storing everything in SQLite in one transaction per file.
Both measured in the same run; medians of 3; the ratio is ingest time over raw time.

    .venv/bin/python bench/bench_ingest.py [--docs 20] [--pages 40]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, django_setup, median_time  # noqa: E402
from corpus import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    corpus_dir = OUT / f"ingest-{args.docs}x{args.pages}"
    generate(corpus_dir, docs=args.docs, pages=args.pages)
    files = sorted(corpus_dir.glob("*.pdf"))
    os.environ["STAAT_EXTRACT_AFTER_INGEST"] = "off"  # ingest alone; extraction is measured apart
    data_dir = django_setup()

    import pypdfium2 as pdfium
    from django.conf import settings

    from staat.sources.models import Source
    from staat.sources.parsers import parse_file
    from staat.sources.services import SourceMetadata, ingest_file

    pages = sum(len(pdfium.PdfDocument(f)) for f in files)

    def raw():
        for f in files:
            doc = pdfium.PdfDocument(f)
            for page in doc:
                page.get_textpage().get_text_range()
            doc.close()

    def parse_only():
        for f in files:
            parse_file(f)

    def reset():
        Source.objects.all().delete()
        shutil.rmtree(settings.ORIGINALS_DIR, ignore_errors=True)

    def ingest():
        for f in files:
            result = ingest_file(f, SourceMetadata(kind="stand"))
            assert result.ok, result.error

    parse_file(files[0])  # start the parser sandbox once, as a running server would have
    t_raw, _ = median_time(raw, repeat=args.repeat)
    t_parse, _ = median_time(parse_only, repeat=args.repeat)
    t_ingest, _ = median_time(ingest, repeat=args.repeat, setup=reset)
    print(f"corpus: {len(files)} PDFs, {pages} pages (generated, fictional)")
    print("| step | pages/s | time (s, median of %d) | ratio to raw |" % args.repeat)
    print("|---|---|---|---|")
    for name, t in (("raw pypdfium2 text extraction", t_raw),
                    ("sandboxed parse (layout, headings)", t_parse),
                    ("full ingest (parse, segment, index, store)", t_ingest)):
        print(f"| {name} | {pages / t:.0f} | {t:.2f} | {t / t_raw:.2f}× |")
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
