# SPDX-License-Identifier: EUPL-1.2
"""What goes in the edition: the default selection and resolving items into sections.

Pure functions over the plain views of :mod:`staat.editions.content` (no Django).

**Default selection** (what a new edition starts with; the editor changes it):

- *Wat goed gaat*: the lichtpunt threads with the most organisations (up to
  ``MAX_LICHTPUNT_THREADS``); without lichtpunt threads, the year's lichtpunt findings;
- *Rode draden*: the chart of threads over the years, then the knelpunt threads ranked by the
  number of organisations that name them this year (then findings, then label), up to
  ``MAX_KNELPUNT_THREADS``; then the charts by theme and by organisation type;
- *Oproepen*: the calls of this edition, in their order;
- *Terugblik*: the calls of earlier editions, with what became of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from staat.editions import content as c

MAX_LICHTPUNT_THREADS = 3
MAX_KNELPUNT_THREADS = 8
MAX_LICHTPUNT_FINDINGS = 5


def default_selection(year: int, threads: Iterable[c.ThreadView], calls: Iterable[c.CallView],
                      lichtpunten: Iterable[c.Evidence] = ()) -> list[dict]:
    threads = list(threads)
    items: list[dict] = []

    def add(kind: str, key: str, section: str, **params) -> None:
        items.append({"kind": kind, "key": key, "section": section, "params": params,
                      "order": len(items) + 1, "heading": "", "text": ""})

    bright = sorted((t for t in threads if t.kind == "lichtpunt"),
                    key=lambda t: (-t.count("organisations"), -t.count("findings"), t.label))
    for t in bright[:MAX_LICHTPUNT_THREADS]:
        add("thread", t.key, "wat-goed-gaat")
    if not bright:
        for ev in list(lichtpunten)[:MAX_LICHTPUNT_FINDINGS]:
            add("finding", str(ev.finding_id), "wat-goed-gaat")
    add("chart", "threads-over-years", "rode-draden")
    knelpunten = sorted((t for t in threads if t.kind == "knelpunt"),
                        key=lambda t: (-t.count("organisations"), -t.count("findings"), t.label))
    for t in knelpunten[:MAX_KNELPUNT_THREADS]:
        add("thread", t.key, "rode-draden")
    add("chart", "findings-by-theme-year", "rode-draden")
    add("chart", "findings-by-organisation-type", "rode-draden")
    for call in calls:
        add("call", call.id, "oproepen" if call.year == year else "terugblik")
    return items


def resolve(items: Iterable[dict], *, threads: dict[str, c.ThreadView],
            calls: Iterable[c.CallView], evidence: dict[int, c.Evidence],
            chart_codes: Iterable[str]) -> tuple[list[c.SectionView], list[str]]:
    """Turn stored items into sections of resolved items, in section order then item order.
    Items whose target is gone are left out and named in the returned log lines."""
    calls_by_id = {call.id: call for call in calls}
    charts = set(chart_codes)
    by_section: dict[str, list[c.Item]] = {code: [] for code in c.SECTION_ORDER}
    log: list[str] = []
    for item in sorted(items, key=lambda i: (c.SECTION_ORDER.index(i["section"])
                                              if i["section"] in c.SECTION_ORDER else 99,
                                              i.get("order", 0))):
        kind, key = item["kind"], str(item.get("key", ""))
        heading, text = item.get("heading", ""), item.get("text", "")
        section = item["section"] if item["section"] in by_section else "overig"
        resolved: c.Item | None = None
        if kind == "thread":
            thread = threads.get(key)
            if thread is not None:
                thread.heading, thread.text, thread.selected = heading, text, True
                resolved = c.Item(kind, heading or thread.label, text, thread=thread)
        elif kind == "call":
            call = calls_by_id.get(key)
            if call is not None:
                call.heading, call.text = heading, text
                resolved = c.Item(kind, heading or call.title, text, call=call)
        elif kind == "finding":
            ev = evidence.get(int(key)) if key.isdigit() else None
            if ev is not None:
                resolved = c.Item(kind, heading, text, evidence=ev)
        elif kind == "chart":
            if key in charts:
                resolved = c.Item(kind, heading, text, chart=key)
        elif kind == "instrument_result":
            result = _instrument_result(key, dict(item.get("params") or {}))
            if result is not None:
                resolved = c.Item(kind, heading or result.title, text,
                                  params=dict(item.get("params") or {}), result=result)
        elif kind == "text":
            resolved = c.Item(kind, heading, text, params=dict(item.get("params") or {}))
        if resolved is None:
            log.append(f"Weggelaten: {kind} '{key}' ({section}) bestaat niet meer of is niet "
                       "gepubliceerd")
            continue
        by_section[section].append(resolved)
    sections = [c.SectionView(code, c.SECTION_LABELS[code], entries)
                for code, entries in by_section.items() if entries]
    return sections, log


def _instrument_result(key: str, params: dict):
    """The published (suppressed) result an item refers to, or None when it cannot be had."""
    from staat.instruments.services import ResultUnavailable, edition_result

    try:
        return edition_result(key, params)
    except ResultUnavailable:
        return None


def trim(sections: list[c.SectionView], drop: int) -> tuple[list[c.SectionView], list[str]]:
    """Drop the ``drop`` lowest-ranked threads of the *rode draden* section (for the PDF page
    budget). Returns the new sections and the labels dropped."""
    dropped: list[str] = []
    out = []
    for section in sections:
        if section.code != "rode-draden" or drop <= 0:
            out.append(section)
            continue
        thread_items = [i for i in section.items if i.kind == "thread"]
        removable = sorted(thread_items, key=lambda i: i.thread.rank, reverse=True)[:drop]
        gone = {id(i) for i in removable}
        dropped = [i.thread.label for i in removable]
        out.append(c.SectionView(section.code, section.label,
                                 [i for i in section.items if id(i) not in gone]))
    return out, dropped


def thread_items(sections: Iterable[c.SectionView]) -> list[c.ThreadView]:
    return [i.thread for s in sections for i in s.items if i.kind == "thread"]
