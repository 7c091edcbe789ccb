# SPDX-License-Identifier: EUPL-1.2
"""Passage search on a large index: ranked by relevance (BM25) against ordered by year.

The fictional demo corpus is ingested into a temporary SQLite database (not timed), then its
passages are copied into extra sources until the index holds ``--passages`` passages (about
what 200 Standen of 40 pages give). Per query, one search page is timed as the search view
makes it: the matching passages, their number (for the pages) and the first page of 20, once
ordered by year and once ranked by relevance. Prints the median of ``--repeat`` runs and the
ratio.

    .venv/bin/python bench/bench_search.py [--passages 100000] [--repeat 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import django_setup, median_time  # noqa: E402

QUERIES = ["uitkering", "wachttijd aanvraag", "personeel tekort ict", "toeslagen terugvordering"]
PAGE = 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    os.environ["STAAT_EXTRACT_AFTER_INGEST"] = "off"
    django_setup(args.database_url)

    from django.db import connection

    from staat.core import demo
    from staat.sources.models import Passage, Source
    from staat.sources.services import (
        NEWEST_FIRST,
        SourceMetadata,
        ingest_file,
        rank_passages,
        search_passages,
    )

    demo.load_organisations()
    for doc in demo.read_manifests():
        result = ingest_file(doc.path, SourceMetadata(kind=doc.kind, organisations=doc.organisations,
                                                      year=doc.year, title=doc.title))
        assert result.ok, result.error
    originals = list(Source.objects.all())
    template = list(Passage.objects.all())
    copy = 0
    while Passage.objects.count() < args.passages:
        copy += 1
        for original in originals:
            source = Source.objects.get(pk=original.pk)
            source.pk = None
            source.sha256 = f"{copy:08d}{original.sha256[8:]}"
            source.title = f"{original.title} (kopie {copy})"
            source.year = 2023 + copy % 3
            source.save()
            Passage.objects.bulk_create(
                Passage(source=source, index=p.index, heading_path=p.heading_path, kind=p.kind,
                        page_start=p.page_start, page_end=p.page_end, char_start=p.char_start,
                        char_end=p.char_end, text=p.text, search_terms=p.search_terms)
                for p in template if p.source_id == original.pk)
    with connection.cursor() as cursor:  # statistics for the planner, as autovacuum would
        cursor.execute("ANALYZE")
    total = Passage.objects.count()
    print(f"{connection.vendor}: {total} passages in {Source.objects.count()} sources")
    print(f"{'query':<28} {'matches':>8} {'by year s':>10} {'ranked s':>9} {'ratio':>6}")
    for query in QUERIES:
        collection = Passage.objects.all()

        def by_year(query=query, collection=collection):
            matches, _ = search_passages(query, collection)
            ordered = matches.order_by(*NEWEST_FIRST)
            return ordered.count(), list(ordered[:PAGE])

        def ranked(query=query, collection=collection):
            matches, terms = search_passages(query, collection)
            ordered = rank_passages(matches, terms, collection)
            return ordered.count(), list(ordered[:PAGE])

        count = by_year()[0]
        t_year, _ = median_time(by_year, repeat=args.repeat)
        t_rank, _ = median_time(ranked, repeat=args.repeat)
        print(f"{query:<28} {count:>8} {t_year:>10.3f} {t_rank:>9.3f} {t_rank / t_year:>6.1f}")


if __name__ == "__main__":
    main()
