# SPDX-License-Identifier: EUPL-1.2
"""Editions: the functions commands and views use.

- :func:`ensure_edition` makes the edition of a year, with the default selection;
- :func:`reset_selection`, :func:`move_item`, :func:`add_item`, :func:`update_item`,
  :func:`remove_item` are the editor's changes (each recorded in the audit history);
- :func:`build` builds an edition into its folder (``DATA_DIR/editions/<year>``, or another)
  and records status, progress and log on the edition; :func:`start_background_build` does so
  in a thread, for the build button.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Max
from django.utils import timezone

from staat.core import audit
from staat.editions import builder, selection
from staat.editions.models import Edition, EditionItem, ItemKind, Section

log = logging.getLogger(__name__)


def edition_dir(year: int) -> Path:
    return Path(settings.DATA_DIR) / "editions" / str(int(year))


def built_years() -> list[int]:
    """Years with a finished build in the data folder, newest first."""
    root = Path(settings.DATA_DIR) / "editions"
    if not root.is_dir():
        return []
    years = [int(p.name) for p in root.iterdir()
             if p.name.isdigit() and (p / builder.BUILD_INFO).exists() and (p / "index.html").exists()]
    return sorted(years, reverse=True)


def item_dicts(edition: Edition) -> list[dict]:
    return [
        {"kind": i.kind, "key": i.key, "section": i.section, "order": i.order,
         "heading": i.heading, "text": i.text, "params": dict(i.params or {})}
        for i in edition.items.order_by("order", "id")
    ]


def default_items(year: int) -> list[dict]:
    from staat.editions import inputs

    data_log: list[str] = []
    evidence = inputs.evidence_for(inputs.published_findings(year))
    threads = inputs.thread_views(year, evidence, data_log)
    calls = inputs.call_views(year, evidence, data_log)
    return selection.default_selection(
        year, threads, calls, lichtpunten=[e for e in evidence.values() if e.kind == "lichtpunt"])


@transaction.atomic
def reset_selection(edition: Edition, *, user=None, reason: str = "", record: bool = True,
                    items: list[dict] | None = None) -> int:
    """Replace the edition's items by the default selection computed from the data (or by
    ``items``, a default selection a build computed); later builds follow the data again
    until a person edits the selection."""
    edition.items.all().delete()
    items = default_items(edition.year) if items is None else items
    EditionItem.objects.bulk_create([
        EditionItem(edition=edition, kind=i["kind"], key=i["key"], section=i["section"],
                    order=i["order"], params=i["params"], created_by=_user(user))
        for i in items
    ])
    Edition.objects.filter(pk=edition.pk).update(selection_edited=False)
    edition.selection_edited = False
    if record:
        audit.record(_user(user), "update", edition, changes={"items": [None, len(items)]},
                     reason=reason or "default selection")
    return len(items)


def _edited(edition: Edition) -> None:
    if not edition.selection_edited:
        Edition.objects.filter(pk=edition.pk).update(selection_edited=True)
        edition.selection_edited = True


def ensure_edition(year: int, *, user=None, with_items: bool = False) -> Edition:
    """The edition of ``year``, made if missing. Its default selection is computed by the
    first build, or at once with ``with_items`` (the editor wants to show it)."""
    edition, created = Edition.objects.get_or_create(
        year=year, defaults={"title": builder.default_title(year)})
    if created:
        audit.record(_user(user), "create", edition, changes={"year": [None, year]})
    if with_items and not edition.selection_edited and not edition.items.exists():
        reset_selection(edition, user=user, record=False)
    return edition


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def move_item(item: EditionItem, direction: int, *, user=None) -> None:
    """Swap ``item`` with its neighbour in the same section (direction -1 up, +1 down)."""
    siblings = list(item.edition.items.filter(section=item.section).order_by("order", "id"))
    index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    _renumber(item.edition, section_order={item.section: siblings})
    _edited(item.edition)
    audit.record(_user(user), "update", item.edition,
                 changes={"order": [f"{item.kind}:{item.key}", "up" if direction < 0 else "down"]})


def _renumber(edition: Edition, section_order: dict[str, list[EditionItem]] | None = None) -> None:
    section_order = section_order or {}
    n = 0
    for code in Section.values:
        items = section_order.get(code) or list(edition.items.filter(section=code)
                                                .order_by("order", "id"))
        for it in items:
            n += 1
            if it.order != n:
                it.order = n
                it.save(update_fields=["order", "updated_at"])


@transaction.atomic
def add_item(edition: Edition, *, kind: str, key: str = "", section: str, heading: str = "",
             text: str = "", params: dict | None = None, user=None) -> EditionItem:
    if kind not in ItemKind.values:
        raise ValueError(f"unknown item kind: {kind}")
    last = edition.items.aggregate(m=Max("order"))["m"] or 0
    item = EditionItem.objects.create(edition=edition, kind=kind, key=key, section=section,
                                      heading=heading, text=text, params=params or {},
                                      order=last + 1, created_by=_user(user))
    _renumber(edition)
    _edited(edition)
    audit.record(_user(user), "update", edition, changes={"items": [None, f"{kind}:{key}"]})
    return item


@transaction.atomic
def update_item(item: EditionItem, *, heading: str, text: str, section: str, user=None) -> dict:
    before = {"heading": item.heading, "text": item.text, "section": item.section}
    item.heading, item.text, item.section = heading, text, section
    item.save()
    after = {"heading": heading, "text": text, "section": section}
    changes = audit.diff(before, after)
    if changes:
        _edited(item.edition)
        if "section" in changes:
            _renumber(item.edition)
        audit.record(_user(user), "update", item.edition,
                     changes={f"{item.kind}:{item.key}.{k}": v for k, v in changes.items()})
    return changes


@transaction.atomic
def remove_item(item: EditionItem, *, user=None) -> None:
    edition = item.edition
    label = f"{item.kind}:{item.key}"
    item.delete()
    _renumber(edition)
    _edited(edition)
    audit.record(_user(user), "update", edition, changes={"items": [label, None]})


# --- building ----------------------------------------------------------------------------------


def _set(edition_pk: int, **fields) -> None:
    Edition.objects.filter(pk=edition_pk).update(**fields, updated_at=timezone.now())


def build(edition: Edition, out: Path | None = None, *, progress=None) -> builder.BuildResult:
    """Build ``edition`` (into its data folder unless ``out``), recording status on it."""
    out = Path(out) if out else edition_dir(edition.year)
    lines: list[str] = []
    last_saved = [-1.0]

    def report(percent: int, step: str) -> None:
        lines.append(f"{percent:3d}% {step}")
        # the editor polls the status every second: a step less than half a second after the
        # last one saved is kept in the log and saved with the next one
        now = time.monotonic()
        if now - last_saved[0] >= 0.5:
            last_saved[0] = now
            _set(edition.pk, build_status=Edition.BuildStatus.RUNNING, build_progress=percent,
                 build_step=step, build_log="\n".join(lines))
        if progress:
            progress(percent, step)

    report(0, "starting")
    follow_data = not edition.selection_edited
    if follow_data:
        lines.append("selection: the default, computed from the data (nobody edited it)")
    try:
        result = builder.build_edition(
            edition.year, out, progress=report,
            items=None if follow_data else item_dicts(edition),
            title=edition.title,
            publication_date=edition.publication_date.isoformat() if edition.publication_date else "",
            intro=edition.intro, closing=edition.closing,
        )
    except Exception as exc:
        lines.append(f"FAILED: {type(exc).__name__}: {exc}")
        _set(edition.pk, build_status=Edition.BuildStatus.FAILED, build_log="\n".join(lines))
        raise
    if follow_data:
        reset_selection(edition, record=False, items=result.items)
    lines.extend(result.log)
    lines.append(f"{len(result.files)} files in {result.out} ({result.seconds:.1f} s)")
    _set(edition.pk, build_status=Edition.BuildStatus.DONE, build_progress=100, build_step="done",
         build_log="\n".join(lines), built_at=timezone.now(), output_path=str(result.out))
    return result


def start_background_build(edition: Edition, *, user=None) -> bool:
    """Start a build in a thread; False if one is already running for this edition."""
    with transaction.atomic():
        claimed = Edition.objects.filter(pk=edition.pk).exclude(
            build_status__in=(Edition.BuildStatus.QUEUED, Edition.BuildStatus.RUNNING)
        ).update(build_status=Edition.BuildStatus.QUEUED, build_progress=0,
                 build_step="queued", build_log="")
    if not claimed:
        return False
    audit.record(_user(user), "update", edition, changes={"build": [None, "started"]})
    pk = edition.pk

    def work():
        close_old_connections()
        try:
            build(Edition.objects.get(pk=pk))
        except Exception:  # noqa: BLE001 - recorded on the edition
            log.error("edition build failed:\n%s", traceback.format_exc())
        finally:
            connection.close()

    transaction.on_commit(lambda: threading.Thread(target=work, daemon=True).start())
    return True
