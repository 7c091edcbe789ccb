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

import contextlib
import dataclasses
import hashlib
import html
import mmap
import os
import pickle
import select
import signal
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context
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
        self._templates: dict[str, tuple] = {}  # compiled page templates and their blocks
        self._frames: dict[tuple[str, str], tuple[str, str, str]] = {}
        self._list_items: dict[tuple, str] = {}  # organisations and threads, by level
        self._pending: list[tuple[str, str, tuple, dict]] = []  # reusable pages to make

    def page(self, rel: str, template: str, **context) -> None:
        self.out.write(rel, self.render(template, self._context(rel, **context)))
        self.written.append(rel)

    def _context(self, rel: str, **context) -> dict:
        return {
            "edition": self.data,
            "root": "../" * rel.count("/"),
            "current": rel,
            "pdf_name": self.pdf_name,
            "charts": self.charts,
            "served_marker": SERVED_MARKER,
            "nav": self.nav(),
            **context,
        }

    def render(self, template: str, ctx: dict) -> str:
        """The page ``template`` with ``ctx``: the same text as ``render_to_string``, made
        faster for the thousands of pages of a large edition. A page template that extends
        ``base.html`` and fills only its ``title`` and ``content`` blocks is rendered as those
        two blocks, put into the frame (``base.html`` around them), which is rendered once
        per level and current page of the navigation (the frame reads only the values
        :meth:`page` sets, and the edition's title, year, date and fictional flag)."""
        name = f"editions/site/{template}"
        compiled = self._templates.get(name)
        if compiled is None:
            compiled = self._templates[name] = _compile(name)
        tpl, blocks = compiled
        if blocks is None:
            return tpl.render(Context(ctx, autoescape=tpl.engine.autoescape))
        current = ctx["current"] if any(h == ctx["current"] for h, _l in ctx["nav"]) else ""
        frame_key = (ctx["root"], current)
        frame = self._frames.get(frame_key)
        if frame is None:
            frame = self._frames[frame_key] = self._frame(ctx)
        context = Context(ctx, autoescape=tpl.engine.autoescape)
        with context.render_context.push_state(tpl), context.bind_template(tpl):
            title = blocks["title"].render(context) if "title" in blocks else ""
            content = blocks["content"].render(context) if "content" in blocks else ""
        return f"{frame[0]}{title}{frame[1]}{content}{frame[2]}"

    def _frame(self, ctx: dict) -> tuple[str, str, str]:
        """``base.html`` with marks where the title and content blocks go, cut at them."""
        frame_ctx = {k: ctx[k] for k in ("root", "current", "pdf_name", "served_marker", "nav")}
        e = ctx["edition"]
        frame_ctx["edition"] = _Only("edition", title=e.title, year=e.year,
                                     publication_date=e.publication_date, fictional=e.fictional)
        html = _frame_template().render(Context(frame_ctx, autoescape=True))
        head, rest = html.split(_TITLE_MARK)
        middle, tail = rest.split(_CONTENT_MARK)
        return head, middle, tail

    def nav(self) -> list[tuple[str, str]]:
        items = [("index.html", "Home")]
        items += [(s.href, s.label) for s in self.data.sections]
        items += [("organisaties/index.html", "Organisaties"), ("bronnen/index.html", "Bronnen"),
                  ("methode.html", "Verantwoording"), ("open-data.html", "Open data")]
        return items

    def write(self, progress: Callable[[str], None] | None = None,
              meanwhile: Callable[[], None] | None = None,
              extra: list[tuple[Callable[[], Any], Callable[[Any], None]]] = ()) -> list[str]:
        """Write the site. ``meanwhile`` is work this process does while other processes
        render the thread, organisation and source pages (:func:`render_all`), else first.
        ``extra`` is other work that must be done before the overview pages (the open
        data, which set :attr:`downloads`): pairs of ``make`` (plain data out, done in this
        process or another, with the pages) and ``done`` (given what ``make`` gave, in this
        process)."""
        d = self.data
        step = progress or (lambda _msg: None)
        step("pages")
        calls_by_thread: dict[str, list[c.CallView]] = {}
        for call in d.calls:
            for key in call.threads:
                calls_by_thread.setdefault(key, []).append(call)
        for thread in d.thread_list():
            if thread.has_page:
                self.thread_page(thread, calls_by_thread.get(thread.key, []),
                                 self.thread_organisations(thread))
        step("organisation pages")
        # the threads as an organisation page shows them (an organisation shares hundreds)
        shown = {k: _Only("thread", has_page=t.has_page, href=t.href, label=t.label,
                          trend_label=t.trend_label) for k, t in d.threads.items()}
        for org in d.organisations:
            sources = [_Only("source", href=s.href, title=s.title, kind_label=s.kind_label)
                       for s in (d.sources[i] for i in org.source_ids if i in d.sources)]
            threads = [shown[k] for k in org.thread_keys if k in shown]
            root = "../" * org.href.count("/")
            self.reusable(org.href, "organisation.html", (org, sources, threads), org=org,
                          groups=_Later(lambda org=org, root=root: [
                              (label, mark_safe("".join(quote_html(e, root) for e in items)))
                              for label, items in org.by_kind()]),
                          sources=sources, threads=threads,
                          thread_items=lambda threads=threads, root=root: self._thread_items(
                              threads, root))
        step("source pages")
        for source in sorted(d.sources.values(), key=lambda s: s.id):
            self.reusable(source.href, "source.html", (source,), source=source,
                          passages=lambda source=source: mark_safe("".join(
                              passage_html(b) for b in source.blocks)))
        self.render_pending(meanwhile, extra)
        self.page("index.html", "index.html")
        for section in d.sections:
            self.page(section.href, "section.html", section=section)
        selected = {t.key for s in d.sections for i in s.items if i.kind == "thread"
                    for t in [i.thread]}
        others = [t for t in d.thread_list() if t.key not in selected]
        self.page("draden/index.html", "threads.html", others=others)
        self.page("organisaties/index.html", "organisations.html")
        self.page("bronnen/index.html", "sources.html",
                  sources=sorted(d.sources.values(), key=lambda s: (s.title, s.id)))
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
        root = "../" * thread.href.count("/")
        self.reusable(thread.href, "thread.html", (plain, calls, organisations),
                      thread=thread, calls=calls, orgs=organisations,
                      # made only when the page is rendered (a template calls a callable)
                      org_items=lambda: self._organisation_items(orgs, root),
                      quotes=lambda: mark_safe("".join(
                          f"\n{quote_html(e, root)}\n" for e in thread.evidence)))

    def _thread_items(self, threads: list, root: str) -> SafeString:
        """The list items naming these threads (each made once per level)."""
        items = []
        for t in threads:
            key = ("thread", root, t.href, t.label, t.has_page, t.trend_label)
            item = self._list_items.get(key)
            if item is None:
                item = self._list_items[key] = thread_item_html(t, root)
            items.append(item)
        return mark_safe("".join(items))

    def _organisation_items(self, orgs: list[c.OrganisationView], root: str) -> SafeString:
        """The list items linking to these organisations (each made once per level)."""
        items = []
        for o in orgs:
            key = (root, o.href, o.name, o.is_fictional)
            item = self._list_items.get(key)
            if item is None:
                item = self._list_items[key] = organisation_item_html(o, root)
            items.append(item)
        return mark_safe("".join(items))

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
        # made with the others (:meth:`render_pending`)
        self._pending.append((rel, template, inputs, context))
        self.written.append(rel)

    def render_pending(self, meanwhile: Callable[[], None] | None = None,
                       extra: list[tuple[Callable[[], Any], Callable[[Any], None]]] = ()
                       ) -> None:
        """Make the pages :meth:`reusable` was given: in :data:`RENDER_PROCESSES` processes
        when there are many (:func:`render_all`), with the ``extra`` work (see
        :meth:`write`) at the end of the list, where another process starts."""
        jobs, self._pending = self._pending, []
        made = render_all(self._make, [*jobs, *(make for make, _done in extra)],
                          meanwhile=meanwhile)
        for (rel, _template, _inputs, _context), (page, key, reused) in zip(
                jobs, made[:len(jobs)], strict=True):
            self.out.write(rel, page)
            self.page_keys[rel] = key
            self.reused += reused
        for (_make, done), value in zip(extra, made[len(jobs):], strict=True):
            done(value)

    def _make(self, job: tuple[str, str, tuple, dict] | Callable[[], Any]
              ) -> tuple[bytes, str, bool] | Any:
        """One page of :meth:`reusable`: its bytes, its stored key and whether it was taken
        from the earlier build (or what an ``extra`` job of :meth:`write` gives)."""
        if callable(job):
            return job()
        rel, template, inputs, context = job
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
                return old, before, True
        page = self.render(template, self._context(rel, edition=edition, charts=_Only("charts"),
                                                   **context)).encode("utf-8")
        return page, _with_output(key, page), False

    def _renderer_fields(self) -> set[str]:
        """Fields of a thread the thread page's templates name (by word)."""
        text = " ".join(p.read_text(encoding="utf-8") for p in _templates_dir().glob("*.html"))
        return {f for f in _IGNORED_FIELDS if f in text}

    def thread_organisations(self, thread: c.ThreadView) -> list[c.OrganisationView]:
        codes = thread.figures.get("organisation_codes") or []
        wanted = set(map(str, codes))
        return [o for o in self.data.organisations if o.code in wanted]


# --- rendering many pages at once ------------------------------------------------------------

#: Processes that render the thread, organisation and source pages of a build when there are
#: many (at least :data:`PARALLEL_FROM`): the build's process forks the others once
#: everything is read, each renders its share and sends the pages back as bytes. ``1``
#: renders every page in the build's process. Only a process's main thread forks, and only
#: when it runs no other thread (a build started from the editor renders in its own thread).
RENDER_PROCESSES = 2
PARALLEL_FROM = 300


def can_fork() -> bool:
    return (hasattr(os, "fork") and threading.current_thread() is threading.main_thread()
            and threading.active_count() == 1)


def render_all(make: Callable[[Any], Any], jobs: list, processes: int | None = None,
               meanwhile: Callable[[], None] | None = None) -> list:
    """``make(job)`` of every job, in order (a page: picklable values); ``meanwhile()`` is
    called before this process starts on them.

    With several processes, this one takes the jobs from the front of the list (after
    ``meanwhile``) and the others from the back, a few at a time, until they meet: each
    process does as much as it has time for. The jobs of a process that fails or takes far
    longer than this one are done here again, so an error is raised as if there were one
    process."""
    n = RENDER_PROCESSES if processes is None else processes
    if n < 2 or len(jobs) < PARALLEL_FROM or not can_fork():
        if meanwhile:
            meanwhile()
        return [make(job) for job in jobs]
    queue = _Queue(len(jobs))
    children = []
    missing = object()
    try:
        for _ in range(1, n):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                os.close(r)
                _make_in_child(w, make, jobs, queue)
            os.close(w)
            children.append((pid, r))
        started = time.monotonic()
        if meanwhile:
            meanwhile()
        out: list = [missing] * len(jobs)
        while (todo := queue.take(front=True)) is not None:
            for i in todo:
                out[i] = make(jobs[i])
        patience = 60 + 10 * (time.monotonic() - started)
        while children:
            pid, r = children.pop(0)
            payload = _read_until(r, time.monotonic() + patience)
            os.close(r)
            if payload is None:  # no answer in time: stop it
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            _pid, status = os.waitpid(pid, 0)
            if status == 0 and payload:
                for i, value in pickle.loads(payload):
                    out[i] = value
        # what another process took but did not deliver (its error is raised here)
        return [make(jobs[i]) if value is missing else value for i, value in enumerate(out)]
    finally:
        for pid, r in children:  # an error here: stop the others
            with contextlib.suppress(OSError):
                os.close(r)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


class _Queue:
    """Job numbers ``0 … n-1`` shared by forked processes: taken a few at a time from the
    front or from the back, until none are left."""

    STEP = 8

    def __init__(self, n: int) -> None:
        import multiprocessing

        self._bounds = mmap.mmap(-1, 16)  # shared with the processes forked after this
        struct.pack_into("qq", self._bounds, 0, 0, n)
        self._lock = multiprocessing.get_context("fork").Lock()

    def take(self, *, front: bool) -> range | None:
        with self._lock:
            lo, hi = struct.unpack_from("qq", self._bounds, 0)
            if lo >= hi:
                return None
            if front:
                struct.pack_into("q", self._bounds, 0, min(hi, lo + self.STEP))
                return range(lo, min(hi, lo + self.STEP))
            struct.pack_into("q", self._bounds, 8, max(lo, hi - self.STEP))
            return range(max(lo, hi - self.STEP), hi)


def _make_in_child(fd: int, make, jobs, queue: _Queue) -> None:  # pragma: no cover
    """Do jobs from the back of the queue, write them to ``fd`` as (number, value) and end
    the process without any clean-up of the parent's (its database connection, its files)."""
    status = 1
    try:
        done = []
        while (todo := queue.take(front=False)) is not None:
            done += [(i, make(jobs[i])) for i in todo]
        payload = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        status = 0
    finally:
        os._exit(status)


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything from ``fd`` up to its end, or ``None`` when the deadline passes first."""
    chunks = []
    poll = select.poll()
    poll.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not poll.poll(left * 1000):
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


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


_BASE = "editions/site/base.html"
_TITLE_MARK = "\x00staat:title\x00"
_CONTENT_MARK = "\x00staat:content\x00"


def _compile(name: str):
    """The compiled template ``name`` and, when it extends the site's ``base.html`` and fills
    no other block than ``title`` and ``content``, those blocks (else ``None``)."""
    from django.template.loader import get_template
    from django.template.loader_tags import BlockNode, ExtendsNode

    tpl = get_template(name).template
    nodes = list(tpl.nodelist)
    extends = [n for n in nodes if isinstance(n, ExtendsNode)]
    if len(extends) != 1 or extends[0].parent_name.var != _BASE:
        return tpl, None
    blocks = {n.name: n for n in extends[0].nodelist.get_nodes_by_type(BlockNode)}
    if not set(blocks) <= {"title", "content"} or any(
            b.nodelist.get_nodes_by_type(BlockNode) for b in blocks.values()):
        return tpl, None
    return tpl, blocks


def _frame_template():
    from django.template import engines

    engine = engines["django"].engine
    return engine.from_string(
        f'{{% extends "{_BASE}" %}}{{% block title %}}{_TITLE_MARK}{{% endblock %}}'
        f"{{% block content %}}{_CONTENT_MARK}{{% endblock %}}")


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
    """A digest of everything one page is made from: plain data, pickled (about twice as
    fast as its ``repr`` for thousands of pages). Equal data made the same way give the same
    bytes; equal data made another way may give another key (the page is then rendered
    again), different data never the same one."""
    return hashlib.sha256(pickle.dumps((renderer, inputs), protocol=5)).hexdigest()


def _with_output(key: str, output: bytes) -> str:
    """The stored key: the input's key bound to the bytes written, so a page changed on disk
    is never taken for the one this build would write."""
    return hashlib.sha256(key.encode() + b"\n" + hashlib.sha256(output).digest()).hexdigest()


def chart_table(code: str, rows: list[dict]) -> tuple[list[str], list[list]]:
    return ch.table_rows(rows)


# Long lists (an organisation's findings, a source's cited passages) are rendered here rather
# than with a template include per item: the same HTML as ``_quote.html`` and ``source.html``,
# some twenty times faster on a large corpus.


def escape(text) -> str:
    """The text of ``django.utils.html.escape``, without its wrapper for lazy strings (which
    costs more than the escaping on a page with hundreds of quotes)."""
    return html.escape(str(text))


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


def organisation_item_html(org: c.OrganisationView, root: str) -> SafeString:
    fictional = f" ({escape(_('fictional'))})" if org.is_fictional else ""
    return mark_safe(
        f'<li class="utrecht-unordered-list__item"><a class="utrecht-link utrecht-link--html-a" '
        f'href="{escape(root + org.href)}">{escape(org.name)}</a>{fictional}</li>')


def thread_item_html(thread: c.ThreadView, root: str) -> str:
    label = escape(thread.label)
    if thread.has_page:
        href = escape(root + thread.href)
        label = f'<a class="utrecht-link utrecht-link--html-a" href="{href}">{label}</a>'
    return (f'<li class="utrecht-unordered-list__item">{label} '
            f'({escape(thread.trend_label or "—")})</li>')


def passage_html(block: c.Block) -> str:
    """A cited passage on its source's page, anchored ``passage-<index>``."""
    index = block.passage_index
    where = _("Page %(page)s · passage %(index)s") % {"page": escape(block.pages), "index": index}
    heading = f" · {escape(block.heading)}" if block.heading else ""
    badges = " ".join(f'<span class="ed-badge">{escape(label)}</span>'
                      for label in block.kind_labels)
    return (f'\n<section class="ed-block" id="passage-{index}" data-page="{block.page}" '
            f'data-page-end="{block.page_end}" aria-labelledby="passage-{index}-h">\n'
            f'  <h3 class="utrecht-heading-3 ed-block__meta" id="passage-{index}-h">{where}'
            f'{heading}</h3>\n'
            f'  <p class="utrecht-paragraph ed-block__text">{block_html(block)}</p>\n'
            f'  <p class="utrecht-paragraph ed-block__meta">{badges}</p>\n</section>\n')


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
