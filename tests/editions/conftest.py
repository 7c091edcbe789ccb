# SPDX-License-Identifier: EUPL-1.2
"""A real small pipeline, once per test session: a handful of demo documents over three years
are ingested, findings extracted, threads computed, demo calls added, and the 2025 edition
built twice (for the determinism check). The database is emptied afterwards, the built
folders are kept for the tests."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Demo documents used: three organisations' Standen over three years, a study with many
#: quotes, the 2025 session notes and a bottleneck letter (formats: PDF, DOCX, ODT, HTML, MD, TXT).
DOCUMENTS = (
    "2023-lvu-stand", "2024-lvu-stand", "2025-lvu-stand",
    "2023-lindeveen-stand", "2024-lindeveen-stand", "2025-lindeveen-stand",
    "2023-arg-stand", "2024-arg-stand", "2025-arg-stand",
    "2025-uisf-stand", "2025-dvt-stand", "2024-advies-uitvoeringskracht",
    "2025-sessieverslag-reflectie", "2025-lindeveen-knelpuntenbrief",
)


@dataclass
class Built:
    out: Path
    twin: Path
    result: object
    twin_result: object
    small_budget: object
    open_data_rows: list
    export_rows: list
    rebuilds: dict  # name -> (BuildResult, {file: bytes} after it) of rebuilds into one folder
    parallel: tuple[Path, bool]  # the same edition, its pages rendered by two processes (?)
    rendered: list  # (template, page, fast rendering == Django's render_to_string)
    read_aside: bool  # the builds read part of the data in a thread beside the main one


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def _rebuilds(builder, folder: Path, items: list[dict]) -> dict:
    """Build into ``folder``, then again with the same data, then after a chart picture was
    spoilt on disk, then with a new title and a stale file in the folder."""
    out = {}
    first = builder.build_edition(2025, folder, items=items)
    out["first"] = (first, _files(folder))
    same = builder.build_edition(2025, folder, items=items)
    out["same"] = (same, _files(folder))
    svg = next(iter(sorted((folder / "charts").glob("*.svg"))))
    svg.write_text("<svg>spoilt</svg>", encoding="utf-8")
    page = next(p for p in sorted((folder / "draden").glob("*.html")) if p.name != "index.html")
    page.write_text("<p>spoilt</p>", encoding="utf-8")
    out["spoilt"] = (builder.build_edition(2025, folder, items=items), _files(folder),
                     svg.relative_to(folder).as_posix(), page.relative_to(folder).as_posix())
    (folder / "draden" / "weg.html").write_text("a thread that is gone", encoding="utf-8")
    (folder / "oud").mkdir()
    (folder / "oud" / "leeg.txt").write_text("stale", encoding="utf-8")
    out["retitled"] = (builder.build_edition(2025, folder, items=items, title="Andere titel"),
                       _files(folder))
    return out


def _parallel_build(builder, folder: Path, items: list[dict]) -> tuple[Path, bool]:
    """A build whose pages are rendered by two processes, however few there are, and whether
    they were (not when the test process already runs other threads)."""
    from staat.editions import site

    forked = site.can_fork()
    before = site.PARALLEL_FROM, site.RENDER_PROCESSES
    site.PARALLEL_FROM, site.RENDER_PROCESSES = 1, 2
    try:
        return builder.build_edition(2025, folder, items=items).out, forked
    finally:
        site.PARALLEL_FROM, site.RENDER_PROCESSES = before


def _rendered_both_ways(builder, items: list[dict]) -> list[tuple[str, str, bool]]:
    """Every page of the edition rendered by the site writer (frame rendered once, blocks
    put in) and by Django's ``render_to_string``, compared."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from staat.editions import site
    from staat.editions.output import Tree

    checked = []

    class Checked(site.SiteWriter):
        def render(self, template, ctx):
            fast = super().render(template, ctx)
            plain = render_to_string(f"editions/site/{template}", ctx)
            checked.append((template, ctx["current"], fast == plain))
            return fast

    with translation.override("nl"):
        data = builder.collect(2025, items=items)
        Checked(data, Tree(), pdf_name=builder.pdf_name(2025), downloads=[],
                chart_files={}).write()
    return checked


@pytest.fixture(scope="session")
def built_edition(django_db_setup, django_db_blocker, tmp_path_factory) -> Built:
    from django.core.management import call_command
    from django.test import override_settings

    from staat.core import demo
    from staat.editions import builder, services
    from staat.editions.demo import seed_demo_calls
    from staat.findings.services import run_extraction
    from staat.sources.models import SourceStatus
    from staat.sources.services import SourceMetadata, ingest_file
    from staat.threads.services import compute_threads

    base = tmp_path_factory.mktemp("edition")
    with django_db_blocker.unblock(), override_settings(EXTRACT_AFTER_INGEST="off"):
        try:
            demo.load_organisations()
            wanted = {d.id: d for d in demo.read_manifests()}
            for doc_id in DOCUMENTS:
                doc = wanted[doc_id]
                result = ingest_file(doc.path, SourceMetadata(
                    kind=doc.kind, organisations=doc.organisations, year=doc.year,
                    title=doc.title, authors=doc.authors, institution=doc.institution,
                    publication_date=doc.publication_date, status=SourceStatus.PUBLISHED,
                ))
                assert result.ok, result.error
            run_extraction()
            compute_threads()
            seed_demo_calls()
            from staat.editions.aside import can_read_aside

            read_aside = can_read_aside()
            edition = services.ensure_edition(2025)
            result = services.build(edition, base / "site")
            twin = builder.build_edition(2025, base / "twin",
                                         items=services.item_dicts(edition))
            small = builder.build_edition(2025, base / "small", page_budget=2,
                                          items=services.item_dicts(edition))
            rebuilds = _rebuilds(builder, base / "again", services.item_dicts(edition))
            parallel = _parallel_build(builder, base / "parallel", services.item_dicts(edition))
            rendered = _rendered_both_ways(builder, services.item_dicts(edition))
            from staat.editions import inputs
            from staat.findings import exports

            open_data_rows = inputs.finding_rows(2025)
            export_rows = list(exports.rows(exports.export_queryset(
                inputs.published_findings(2025))))
        finally:
            call_command("flush", interactive=False, verbosity=0)
    yield Built(out=result.out, twin=twin.out, result=result, twin_result=twin,
                small_budget=small, open_data_rows=open_data_rows, export_rows=export_rows,
                rebuilds=rebuilds, parallel=parallel, rendered=rendered, read_aside=read_aside)
    shutil.rmtree(base, ignore_errors=True)
