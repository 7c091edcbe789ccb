# SPDX-License-Identifier: EUPL-1.2
"""Finding extraction throughput: the whole pipeline from stored passages to stored findings.

The fictional demo corpus is ingested into a temporary SQLite database (not timed; automatic
extraction after ingest switched off). Then, per repetition, every finding is removed and
``staat.findings.services.run_extraction`` runs over all sources: reading sources, passages
and sentences from the database, building the extractor's input, classifying and coding
every sentence, merging, and storing findings, themes, organisations and the idempotency keys
in one transaction per source. Training the extractor happens once beforehand and is
reported separately (it is cached per process, as in a running server).
Beside it: the pure extractor on the same documents without the database.

    .venv/bin/python bench/bench_findings.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import django_setup, median_time  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["STAAT_EXTRACT_AFTER_INGEST"] = "off"
    data_dir = django_setup()

    from staat.core import demo
    from staat.findings import services
    from staat.findings.models import Finding, SourceExtraction
    from staat.sources.models import Sentence, Source
    from staat.sources.services import SourceMetadata, ingest_file

    demo.load_organisations()
    documents = demo.read_manifests()
    for doc in documents:
        result = ingest_file(doc.path, SourceMetadata(kind=doc.kind, organisations=doc.organisations,
                                                      year=doc.year, title=doc.title))
        assert result.ok, result.error
    sources = Source.objects.count()
    sentences = Sentence.objects.count()
    characters = sum(len(t) for t in Source.objects.values_list("text", flat=True))

    start = time.perf_counter()
    extractor = services.get_extractor()
    t_train = time.perf_counter() - start

    def reset():
        Finding.objects.all().delete()
        SourceExtraction.objects.all().delete()

    runs = []

    def pipeline():
        runs.append(services.run_extraction())

    docs = [services.document_input(s) for s in Source.objects.order_by("pk")]
    orgs = services.organisation_defs()

    def pure():
        for d in docs:
            extractor.extract(d, organisations=orgs)

    t_pure, _ = median_time(pure, repeat=args.repeat)
    t_pipe, all_times = median_time(pipeline, repeat=args.repeat, setup=reset)
    run = runs[-1]
    assert run.sentences == sentences, (run.sentences, sentences)
    print(f"corpus: fictional demo corpus, {sources} sources, {sentences} sentences, "
          f"{characters} characters; extractor {extractor.version}")
    print(f"training the extractor (once per process, cached): {t_train:.1f} s")
    print("| step | sentences/s | time (s, median of %d) |" % args.repeat)
    print("|---|---|---|")
    print(f"| pure extractor (no database) | {sentences / t_pure:.0f} | {t_pure:.2f} |")
    print(f"| whole pipeline: passages in the database to stored findings | "
          f"{sentences / t_pipe:.0f} | {t_pipe:.2f} |")
    print(f"findings stored per run: {Finding.objects.count()}; all times: "
          + ", ".join(f"{t:.2f}" for t in all_times))
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
