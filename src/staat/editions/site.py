# SPDX-License-Identifier: EUPL-1.2
"""The static site: HTML pages rendered with Django templates into a folder that works from
any static host or straight from the file system.

- every link is relative (``root`` is ``""`` on top-level pages and ``"../"`` one level down);
- no scripts, fonts or pictures from elsewhere: the NL Design System CSS is copied in;
- every quoted finding links to ``bronnen/<source>.html#passage-<index>``, where that passage
  is shown with its page number and the finding marked;
- the pages hold no build time (that lives in ``build-info.json`` only), so equal data give
  equal files;
- thread, organisation and source pages (thousands on a large corpus) are reused from the
  earlier build when everything they are made from is the same (:meth:`SiteWriter.reusable`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from staat.editions import charts as ch
from staat.editions import content as c
from staat.editions.output import Tree

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


def copy_assets(out: Tree) -> list[str]:
    written = []
    for src, rel in css_sources():
        if not src.exists():
            raise FileNotFoundError(f"{src} is missing: run `npm ci` (make setup)")
        out.write(rel, src.read_bytes())
        written.append(rel)
    return written


class SiteWriter:
    def __init__(self, data: c.EditionData, out: Tree, *, pdf_name: str, downloads: list[dict],
                 chart_files: dict[str, dict], earlier: Path | None = None,
                 page_keys: dict[str, str] | None = None):
        self.data = data
        self.out = out
        self.pdf_name = pdf_name
        self.downloads = downloads
        self.charts = chart_files
        self.written: list[str] = []
        # pages of an earlier build (its folder, and the key of each page) to reuse
        self.earlier = earlier
        self.earlier_keys = page_keys or {}
        self.page_keys: dict[str, str] = {}  # this build's, for the next one
        self.reused = 0
        self._renderer: str | None = None
        self._ignored: frozenset[str] = frozenset()

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
        self.out.write(rel, html)
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
                self.thread_page(thread, calls_by_thread.get(thread.key, []),
                                 self.thread_organisations(thread))
        step("organisation pages")
        self.page("organisaties/index.html", "organisations.html")
        for org in d.organisations:
            sources = [_Only("source", href=s.href, title=s.title, kind_label=s.kind_label)
                       for s in (d.sources[i] for i in org.source_ids if i in d.sources)]
            threads = [_Only("thread", has_page=t.has_page, href=t.href, label=t.label,
                             trend_label=t.trend_label)
                       for t in (d.threads[k] for k in org.thread_keys if k in d.threads)]
            self.reusable(org.href, "organisation.html", (org, sources, threads), org=org,
                          groups=_Later(lambda org=org: [
                              (label, [quote_html(e, "../") for e in items])
                              for label, items in org.by_kind()]),
                          sources=sources, threads=threads)
        step("source pages")
        self.page("bronnen/index.html", "sources.html",
                  sources=sorted(d.sources.values(), key=lambda s: (s.title, s.id)))
        for source in sorted(d.sources.values(), key=lambda s: s.id):
            self.reusable(source.href, "source.html", (source,), source=source,
                          blocks=_Later(lambda source=source: [(b, block_html(b))
                                                               for b in source.blocks]))
        self.page("methode.html", "methodology.html")
        self.page("open-data.html", "opendata.html", downloads=self.downloads)
        return self.written

    def thread_page(self, thread: c.ThreadView, calls: list[c.CallView],
                    orgs: list[c.OrganisationView]) -> None:
        """A thread's page (reused from the earlier build when its input is the same)."""
        if self._renderer is None:
            self._renderer = renderer_key()
            self._ignored = _IGNORED_FIELDS - self._renderer_fields()
        organisations = [_Only("organisation", href=o.href, name=o.name,
                               is_fictional=o.is_fictional) for o in orgs]
        plain = dataclasses.replace(thread, **{f: _DEFAULTS[f] for f in self._ignored})
        self.reusable(thread.href, "thread.html", (plain, calls, organisations),
                      thread=thread, calls=calls, orgs=organisations)

    def reusable(self, rel: str, template: str, inputs: tuple, **context) -> None:
        """Write page ``rel``, or take the earlier build's page when everything it is made
        from is the same: ``inputs`` (plain data that holds all of ``context``), the frame
        (title, year, date and fictional flag of the edition, the navigation, the PDF's
        name) and the renderer (:func:`renderer_key`). The edition is passed to the template
        with only the frame's values, so a template that reads more fails loudly rather than
        a stale page being kept. A rebuild after a new Stand renders only what changed."""
        if self._renderer is None:
            self._renderer = renderer_key()
            self._ignored = _IGNORED_FIELDS - self._renderer_fields()
        d = self.data
        edition = _Only("edition", title=d.title, year=d.year,
                        publication_date=d.publication_date, fictional=d.fictional)
        key = page_key(self._renderer, rel, template, self.nav(), self.pdf_name, edition,
                       inputs)
        before = self.earlier_keys.get(rel)
        if before and self.earlier is not None:
            try:
                old = (self.earlier / rel).read_bytes()
            except OSError:
                old = None
            if old is not None and before == _with_output(key, old):
                self.out.write(rel, old)
                self.written.append(rel)
                self.page_keys[rel] = before
                self.reused += 1
                return
        self.page(rel, template, edition=edition, charts=_Only("charts"), **context)
        self.page_keys[rel] = _with_output(key, self.out.read(rel))

    def _renderer_fields(self) -> set[str]:
        """Fields of a thread the thread page's templates name (by word)."""
        text = " ".join(p.read_text(encoding="utf-8") for p in _templates_dir().glob("*.html"))
        return {f for f in _IGNORED_FIELDS if f in text}

    def thread_organisations(self, thread: c.ThreadView) -> list[c.OrganisationView]:
        codes = thread.figures.get("organisation_codes") or []
        wanted = set(map(str, codes))
        return [o for o in self.data.organisations if o.code in wanted]


# --- reusing thread pages --------------------------------------------------------------------

#: Fields of a thread that no page template shows (ranking and selection decide which pages
#: exist and in which order they are listed, not what a thread's page says). A template that
#: names one of them makes it part of the page's key again.
_IGNORED_FIELDS = frozenset({"rank", "selected"})
_DEFAULTS = {"rank": 0, "selected": False}


class _Later:
    """A list made only when a template iterates it (not at all for a reused page)."""

    def __init__(self, make: Callable[[], list]) -> None:
        self._make = make
        self._items: list | None = None

    def __iter__(self):
        if self._items is None:
            self._items = self._make()
        return iter(self._items)

    def __len__(self) -> int:
        if self._items is None:
            self._items = self._make()
        return len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0


class PageInputError(RuntimeError):
    """A reused page's template read something that is not part of the page's key."""


class _Only:
    """Stands for an object in a thread page's context with only the values that are part of
    the page's key: a template that reads anything else fails loudly instead of a page being
    reused with stale content."""

    def __init__(self, what: str, **values) -> None:
        self.__dict__["_what"] = what
        self.__dict__["_values"] = values
        self.__dict__.update(values)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise PageInputError(f"{self._what}.{name} is not part of a thread page's input: add "
                             "it in staat.editions.site.SiteWriter.thread_page")

    def __repr__(self) -> str:
        return f"{self._what}{sorted(self._values.items())!r}"


def _templates_dir() -> Path:
    from django.template.loader import get_template

    return Path(get_template("editions/site/thread.html").origin.name).parent


def renderer_key() -> str:
    """A digest of what turns data into a page besides the data: the site's templates, the code
    of the views (``content.py``, this module), the Dutch message catalogues, Django's version
    and the active language."""
    import django
    from django.utils import translation

    h = hashlib.sha256(f"staat-site/1|django {django.get_version()}|"
                       f"{translation.get_language()}\n".encode())
    here = Path(__file__).resolve().parent
    files = sorted(_templates_dir().rglob("*"))
    files += [here / "content.py", here / "site.py"]
    for folder in [*map(Path, settings.LOCALE_PATHS), here.parent]:
        files += sorted(folder.rglob("nl/LC_MESSAGES/*.mo"))
    for path in files:
        if path.is_file():
            h.update(f"\n{path.name}\n".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def page_key(renderer: str, *inputs) -> str:
    """A digest of everything one page is made from (the ``repr`` of plain data)."""
    return hashlib.sha256(repr((renderer, inputs)).encode("utf-8")).hexdigest()


def _with_output(key: str, output: bytes) -> str:
    """The stored key: the input's key bound to the bytes written, so a page changed on disk
    is never taken for the one this build would write."""
    return hashlib.sha256(key.encode() + b"\n" + hashlib.sha256(output).digest()).hexdigest()


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
