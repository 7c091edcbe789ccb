# SPDX-License-Identifier: EUPL-1.2
"""The edition's pure parts: default selection, resolving and trimming items, marking quoted
words in a passage, chart specs."""

from __future__ import annotations

import json

from staat.editions import charts, content as c, selection
from staat.editions.inputs import segments


def thread(key, kind="knelpunt", orgs=1, findings=1, rank=0):
    return c.ThreadView(key=key, slug=key, label=f"Draad {key}", description="", kind=kind,
                        trend="new", figures={"organisations": orgs, "findings": findings},
                        history={2025: {"organisations": orgs, "findings": findings}},
                        evidence=[], rank=rank)


def call(id_, year):
    return c.CallView(id=str(id_), title=f"Oproep {id_}", wording="w", original="w", year=year,
                      audience="allen", versions=[], follow_ups=[], threads=[])


def test_default_selection_puts_what_goes_well_first_and_ranks_by_organisations():
    threads = [thread("k1", orgs=2), thread("k2", orgs=5), thread("l1", "lichtpunt", orgs=1),
               thread("k3", orgs=5, findings=9)]
    items = selection.default_selection(2025, threads, [call(1, 2025), call(2, 2023)])
    assert items[0] == {**items[0], "kind": "thread", "key": "l1", "section": "wat-goed-gaat"}
    knelpunten = [i["key"] for i in items if i["kind"] == "thread" and i["section"] == "rode-draden"]
    assert knelpunten == ["k3", "k2", "k1"]
    calls = {(i["key"], i["section"]) for i in items if i["kind"] == "call"}
    assert calls == {("1", "oproepen"), ("2", "terugblik")}
    assert [i["order"] for i in items] == list(range(1, len(items) + 1))


def test_resolve_orders_sections_and_reports_missing_targets():
    threads = {"k1": thread("k1"), "l1": thread("l1", "lichtpunt")}
    items = [
        {"kind": "thread", "key": "k1", "section": "rode-draden", "order": 1},
        {"kind": "thread", "key": "gone", "section": "rode-draden", "order": 2},
        {"kind": "text", "key": "", "section": "rode-draden", "order": 3, "heading": "Kop",
         "text": "Eigen woorden"},
        {"kind": "thread", "key": "l1", "section": "wat-goed-gaat", "order": 9},
        {"kind": "chart", "key": "no-data", "section": "rode-draden", "order": 4},
    ]
    sections, log = selection.resolve(items, threads=threads, calls=[], evidence={},
                                      chart_codes=["threads-over-years"])
    assert [s.code for s in sections] == ["wat-goed-gaat", "rode-draden"]
    assert [i.kind for i in sections[1].items] == ["thread", "text"]
    assert len(log) == 2 and "gone" in log[0]


def test_trim_drops_the_lowest_ranked_threads_only_from_rode_draden():
    items = [c.Item("thread", thread=thread(k, rank=r)) for k, r in (("a", 1), ("b", 3), ("c", 2))]
    sections = [c.SectionView("wat-goed-gaat", "Wat goed gaat",
                              [c.Item("thread", thread=thread("l", "lichtpunt", rank=9))]),
                c.SectionView("rode-draden", "Rode draden", items)]
    trimmed, dropped = selection.trim(sections, 2)
    assert dropped == ["Draad b", "Draad c"]
    assert [i.thread.key for i in trimmed[1].items] == ["a"]
    assert len(trimmed[0].items) == 1


def ev(fid, start, end):
    return c.Evidence(finding_id=fid, kind="knelpunt", text="", source_id=1, source_title="S",
                      organisation="", page=1, passage_index=0, char_start=start, char_end=end)


def test_segments_mark_overlapping_findings_and_anchor_their_starts():
    text = "Aaaa bbbb cccc dddd."
    parts = segments(text, 0, len(text), [ev(1, 5, 14), ev(2, 10, 19)])
    assert "".join(p["text"] for p in parts) == text
    marked = [(p["text"], p["ids"], p["starts"]) for p in parts if p["marked"]]
    assert marked == [("bbbb ", [1], [1]), ("cccc", [1, 2], [2]), (" dddd", [2], [])]


def test_chart_specs_are_vega_lite_and_stable():
    rows = [{"draad": "A", "jaar": "2024", "organisaties": 2},
            {"draad": "A", "jaar": "2025", "organisaties": 3}]
    spec = charts.CHARTS["threads-over-years"].build(rows)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert charts.spec_json(spec) == charts.spec_json(json.loads(charts.spec_json(spec)))
    assert charts.spec_json(charts.CHARTS["threads-over-years"].build(rows)) == charts.spec_json(spec)


def test_open_data_records_are_json_with_one_record_per_line():
    from staat.editions.opendata import write_csv, write_records
    from staat.editions.output import Tree

    rows = [{"id": 2, "text": "“Wachten”, zei ze:\n\"te lang\"", "themes": ["a", "b"],
             "needs_review": True, "confidence": 0.5, "page": None},
            {"id": 10, "text": "<b>&</b>", "themes": [], "needs_review": False,
             "confidence": None, "page": 3}]
    out = Tree()
    write_records(out, "r.json", rows)
    write_records(out, "empty.json", [])
    text = out.read("r.json").decode()
    assert json.loads(text) == rows and json.loads(out.read("empty.json")) == []
    assert text.splitlines()[1:-1] == [
        json.dumps(r, ensure_ascii=False, sort_keys=True) + ("," if i == 0 else "")
        for i, r in enumerate(rows)]
    write_csv(out, "r.csv", rows, ["id", "themes", "needs_review", "page", "missing"])
    assert out.read("r.csv").decode() == (
        "id,themes,needs_review,page,missing\n2,a;b,True,,\n10,,False,3,\n")


def test_a_lazy_list_is_made_once_when_first_used():
    made = []
    rows = c.LazyList(lambda: made.append(1) or [{"id": 1}, {"id": 2}])
    assert made == []
    assert len(rows) == 2 and rows and rows[1] == {"id": 2} and rows[-1:] == [{"id": 2}]
    assert list(rows) == [{"id": 1}, {"id": 2}]
    assert made == [1]


def test_history_rows_name_the_sources_without_an_organisation():
    view = c.ThreadView(
        key="t", slug="t", label="Draad", description="", kind="knelpunt", trend="growing",
        figures={"organisations": 5, "reporters": 6, "findings": 9},
        history={2024: {"organisations": 3, "reporters": 3, "findings": 4},
                 2025: {"organisations": 5, "reporters": 6, "findings": 9}},
        evidence=[])
    rows = {r["year"]: r for r in view.history_rows}
    assert (rows[2024]["reporters"], rows[2024]["sourceless"]) == (3, 0)
    assert (rows[2025]["organisations"], rows[2025]["reporters"], rows[2025]["sourceless"]) == (
        5, 6, 1)
    assert view.reporters() == 6
    # figures from the fallback grouping carry no reporters: organisations, else sources
    assert thread("x", orgs=2).reporters() == 2
    from staat.editions.pdf import _history_text
    assert _history_text(view) == (
        "organisaties per jaar: 2024: 3, 2025: 5 (+1 bron zonder organisatie)")
