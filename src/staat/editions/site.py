# SPDX-License-Identifier: EUPL-1.2
"""The static site: HTML pages rendered with Django templates into a folder that works from
any static host or straight from the file system.

- every link is relative (``root`` is ``""`` on top-level pages and ``"../"`` one level down);
- no scripts, fonts or pictures from elsewhere: the NL Design System CSS is copied in;
- every quoted finding links to ``bronnen/<source>.html#passage-<index>``, where that passage
  is shown with its page number and the finding marked;
- the pages hold no build time (that lives in ``build-info.json`` only), so equal data give
  equal files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from staat.editions import charts as ch
from staat.editions import content as c

ASSETS = Path(__file__).resolve().parent / "assets"
#: Marker the Django view replaces with a "back to the workshop" bar when it serves the site.
SERVED_MARKER = "<!--staat:served-banner-->"


def css_sources() -> list[tuple[Path, str]]:
    node = Path(settings.NODE_MODULES)
    return [
        (node / "@nl-design-system-unstable" / "voorbeeld-design-tokens" / "dist" / "theme.css", "assets/utrecht-tokens.css"),
        (node / "@nl-design-system-unstable" / "voorbeeld-design-tokens" / "LICENSE.md", "assets/LICENSE-tokens.md"),
        (node / "@utrecht" / "component-library-css" / "dist" / "index.css", "assets/utrecht.css"),
        (node / "@utrecht" / "component-library-css" / "LICENSE.md", "assets/LICENSE-utrecht.md"),
        (ASSETS / "site.css", "assets/site.css"),
    ]


def copy_assets(out: Path) -> list[str]:
    written = []
    for src, rel in css_sources():
        if not src.exists():
            raise FileNotFoundError(f"{src} is missing: run `npm ci` (make setup)")
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        written.append(rel)
    return written


class SiteWriter:
    def __init__(self, data: c.EditionData, out: Path, *, pdf_name: str, downloads: list[dict],
                 chart_files: dict[str, dict]):
        self.data = data
        self.out = out
        self.pdf_name = pdf_name
        self.downloads = downloads
        self.charts = chart_files
        self.written: list[str] = []

    def page(self, rel: str, template: str, **context) -> None:
        depth = rel.count("/")
        ctx = {
            "edition": self.data,
            "root": "../" * depth,
            "current": rel,
            "pdf_name": self.pdf_name,
            "charts": self.charts,
            "served_marker": SERVED_MARKER,
            "nav": self.nav(),
            **context,
        }
        html = render_to_string(f"editions/site/{template}", ctx)
        target = self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8", newline="\n")
        self.written.append(rel)

    def nav(self) -> list[tuple[str, str]]:
        items = [("index.html", "Home")]
        items += [(s.href, s.label) for s in self.data.sections]
        items += [("organisaties/index.html", "Organisaties"), ("bronnen/index.html", "Bronnen"),
                  ("methode.html", "Verantwoording"), ("open-data.html", "Open data")]
        return items

    def write(self, progress: Callable[[str], None] | None = None) -> list[str]:
        d = self.data
        step = progress or (lambda _msg: None)
        step("pages")
        self.page("index.html", "index.html")
        for section in d.sections:
            self.page(section.href, "section.html", section=section)
        selected = {t.key for s in d.sections for i in s.items if i.kind == "thread"
                    for t in [i.thread]}
        others = [t for t in d.thread_list() if t.key not in selected]
        self.page("draden/index.html", "threads.html", others=others)
        calls_by_thread: dict[str, list[c.CallView]] = {}
        for call in d.calls:
            for key in call.threads:
                calls_by_thread.setdefault(key, []).append(call)
        for thread in d.thread_list():
            if thread.has_page:
                self.page(thread.href, "thread.html", thread=thread,
                          calls=calls_by_thread.get(thread.key, []),
                          orgs=self.thread_organisations(thread))
        step("organisation pages")
        self.page("organisaties/index.html", "organisations.html")
        for org in d.organisations:
            root = "../"
            self.page(org.href, "organisation.html", org=org,
                      groups=[(label, [quote_html(e, root) for e in items])
                              for label, items in org.by_kind()],
                      sources=[d.sources[s] for s in org.source_ids if s in d.sources],
                      threads=[d.threads[k] for k in org.thread_keys if k in d.threads])
        step("source pages")
        self.page("bronnen/index.html", "sources.html",
                  sources=sorted(d.sources.values(), key=lambda s: (s.title, s.id)))
        for source in sorted(d.sources.values(), key=lambda s: s.id):
            self.page(source.href, "source.html", source=source,
                      blocks=[(b, block_html(b)) for b in source.blocks])
        self.page("methode.html", "methodology.html")
        self.page("open-data.html", "opendata.html", downloads=self.downloads)
        return self.written

    def thread_organisations(self, thread: c.ThreadView) -> list[c.OrganisationView]:
        codes = thread.figures.get("organisation_codes") or []
        wanted = set(map(str, codes))
        return [o for o in self.data.organisations if o.code in wanted]


def chart_table(code: str, rows: list[dict]) -> tuple[list[str], list[list]]:
    return ch.table_rows(rows)


# Long lists (an organisation's findings, a source's cited passages) are rendered here rather
# than with a template include per item: the same HTML as ``_quote.html`` and ``source.html``,
# some twenty times faster on a large corpus.


def quote_html(ev: c.Evidence, root: str) -> SafeString:
    href = escape(f"{root}{ev.href}")
    page = f", {escape(_('p. %(page)s') % {'page': ev.page})}" if ev.page else ""
    who = f"{escape(ev.organisation)} · " if ev.organisation else ""
    review = ("" if ev.reviewed else
              f' <span class="ed-badge">{escape(_("machine suggestion, not reviewed"))}</span>')
    return mark_safe(
        f'<li class="ed-quote" id="q-{ev.finding_id}">\n'
        f'  <blockquote class="ed-quote__text" cite="{href}">“{escape(ev.text)}”</blockquote>\n'
        f'  <p class="ed-quote__ref"><span class="ed-badge">{escape(ev.kind_label)}</span> '
        f'{who}<a class="utrecht-link utrecht-link--html-a ed-evidence" href="{href}" '
        f'data-finding="{ev.finding_id}" data-page="{ev.page if ev.page else ""}">'
        f'{escape(ev.source_title)}{page}</a>{review}</p>\n</li>'
    )


def block_html(block: c.Block) -> SafeString:
    parts = []
    for seg in block.segments:
        text = escape(seg["text"])
        if seg["marked"]:
            anchor = f' id="f-{seg["starts"][0]}"' if seg["starts"] else ""
            parts.append(f"<mark{anchor}>{text}</mark>")
        else:
            parts.append(text)
    return mark_safe("".join(parts))
