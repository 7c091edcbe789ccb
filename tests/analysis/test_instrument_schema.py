# SPDX-License-Identifier: EUPL-1.2
"""The instrument YAML format: shipped definitions load; every error names file, line, path."""

import textwrap

import pytest

from staat.analysis.instrument_schema import (
    InstrumentError,
    load_shipped,
    parse_instrument,
)

BASE = """\
format: staat-instrument/1
code: test-scan
version: 1
title: {nl: Testscan, en: Test scan}
response_scales:
  likert5:
    options:
      - {value: 1, label: Oneens}
      - {value: 2, label: Neutraal}
      - {value: 3, label: Eens}
      - {value: 9, label: Weet niet, missing: true}
  choice:
    type: nominal
    options:
      - {value: a, label: A}
      - {value: b, label: B}
dimensions:
  - code: dim_a
    label: Dimensie A
    scoring: maturity
    levels:
      - {level: 1, min: 1.0, label: Laag, description: Begin}
      - {level: 2, min: 2.0, label: Hoog, description: Verder}
    items:
      - {code: a1, text: Vraag 1, scale: likert5}
      - {code: a2, text: Vraag 2, scale: likert5, reverse: true}
  - code: dim_b
    label: Dimensie B
    scoring: mapped_mean
    items:
      - {code: b1, text: Vraag 3, scale: choice, mapping: {a: 0.0, b: 1.0}}
attributes:
  - {code: region, label: Regio, type: category, scale: choice}
"""


def errors(text: str) -> list[str]:
    with pytest.raises(InstrumentError) as exc:
        parse_instrument(text, "scan.yaml")
    return [str(p) for p in exc.value.problems]


def test_base_loads_as_frozen_dataclasses():
    inst = parse_instrument(BASE, "scan.yaml")
    assert inst.code == "test-scan" and inst.version == "1" and inst.min_group_size == 10
    assert inst.item_codes == ("a1", "a2", "b1")
    assert inst.scale_of("a2").scored_values == (1, 2, 3)
    assert inst.scale_of("a2").missing_values == (9,)
    assert inst.dimension("dim_b").items[0].mapping == {"a": 0.0, "b": 1.0}
    with pytest.raises(AttributeError):
        inst.code = "x"  # frozen


def test_shipped_instruments_load():
    shipped = load_shipped()
    assert set(shipped) == {"feedback-maturity", "management-practices", "culture",
                            "citizen-service", "success-assessment"}
    fm = shipped["feedback-maturity"]
    assert [d.code for d in fm.dimensions] == ["receptiveness", "customer_sensitivity",
                                               "learning_capacity"]
    assert 28 <= len(fm.items) <= 32
    assert any(i.reverse for i in fm.items)
    assert all(len(d.levels) >= 4 and d.levels[0].description.nl for d in fm.dimensions)
    mp = shipped["management-practices"]
    assert [d.code for d in mp.dimensions] == ["targets", "monitoring", "talent", "rewards"]
    assert all(d.scoring == "mapped_mean" for d in mp.dimensions)
    culture = shipped["culture"]
    assert {d.code for d in culture.dimensions} == {
        "psych_safety", "inclusion", "pride", "agility", "engagement", "intention_to_leave"}
    cs = shipped["citizen-service"]
    assert cs.scale_of("mark").scored_values == tuple(range(1, 11))
    assert {"life_event", "age_group", "income_group", "education", "digital_skills",
            "region"} <= set(cs.attribute_codes)
    sa = shipped["success-assessment"]
    assert [d.code for d in sa.dimensions] == ["programmatic", "process", "political",
                                               "endurance"]
    for item in sa.items:
        assert item.justification_required and item.required
        assert set(item.anchors) == {1, 2, 3, 4, 5}
    for inst in shipped.values():  # every item has Dutch and English text
        assert all(i.text.nl and i.text.en for i in inst.items)


def test_error_names_file_line_and_path():
    text = BASE.replace("{code: a2, text: Vraag 2, scale: likert5, reverse: true}",
                        "{code: a2, text: Vraag 2, scale: likert7}")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "likert7" in ln)
    assert errors(text) == [
        f"scan.yaml, line {line}, dimensions[0].items[1].scale: unknown scale 'likert7' "
        "(defined: choice, likert5)"]


@pytest.mark.parametrize("old,new,expected", [
    ("code: a2,", "code: a1,", "dimensions[0].items[1].code: duplicate code 'a1'"),
    ("code: dim_b", "code: a1", "dimensions[1].code: duplicate code 'a1'"),
    ("{code: b1, text: Vraag 3, scale: choice, mapping: {a: 0.0, b: 1.0}}",
     "{code: b1, text: Vraag 3, scale: choice, mapping: {a: 0.0}}",
     "dimensions[1].items[0].mapping: does not cover answer value(s) ['b']"),
    ("mapping: {a: 0.0, b: 1.0}", "mapping: {a: 0.0, b: 1.5}",
     "mapping.b: mapped value must be a number from 0 to 1"),
    ("mapping: {a: 0.0, b: 1.0}", "mapping: {a: 0.0, b: 1.0, c: 0.5}",
     "mapping.c: 'c' is not an answer value of scale 'choice'"),
    ("{level: 2, min: 2.0,", "{level: 2, min: 1.0,", "levels[1].min: thresholds must increase"),
    ("{level: 2, min: 2.0,", "{level: 2, min: 4.0,", "above the scale maximum 3"),
    ("{level: 2, min: 2.0,", "{level: 3, min: 2.0,", "levels must be numbered"),
    ("scoring: mapped_mean", "scoring: median", "unknown scoring method 'median'"),
    ("{code: b1, text: Vraag 3, scale: choice, mapping: {a: 0.0, b: 1.0}}",
     "{code: b1, text: Vraag 3, scale: choice, reverse: true, mapping: {a: 0.0, b: 1.0}}",
     "reverse coding needs an ordered numeric scale"),
    ("      - {value: 2, label: Neutraal}\n      - {value: 3, label: Eens}",
     "      - {value: 3, label: Neutraal}\n      - {value: 2, label: Eens}",
     "answer values of an ordinal scale must increase"),
    ("format: staat-instrument/1", "format: staat-instrument/2", "unsupported format"),
    ("version: 1", "version: one", "version 'one' must be"),
    ("title: {nl: Testscan, en: Test scan}", "title: {nl: Testscan, fr: Scan}",
     "title.fr: unknown field 'fr'"),
    ("    label: Dimensie B\n", "    label: Dimensie B\n    lable: typo\n",
     "dimensions[1].lable: unknown field 'lable'"),
    ("      - {value: b, label: B}", "      - {value: a, label: B}", "duplicate answer value"),
    ("{code: region, label: Regio, type: category, scale: choice}",
     "{code: region, label: Regio, type: category}", "needs either options or a scale"),
    ("version: 1\n", "version: 1\nmin_group_size: 3\n",
     "min_group_size must be an integer of at least 5"),
])
def test_validation_errors(old, new, expected):
    assert old in BASE
    found = errors(BASE.replace(old, new))
    assert any(expected in e for e in found), found
    assert all(e.startswith("scan.yaml, line ") for e in found)


def test_mixed_scales_in_mean_dimension_rejected():
    text = BASE.replace("{code: a2, text: Vraag 2, scale: likert5, reverse: true}",
                        "{code: a2, text: Vraag 2, scale: choice}")
    found = errors(text)
    assert any("must use one scale" in e for e in found)
    assert any("needs an ordinal scale" in e for e in found)


def test_duplicate_key_and_yaml_syntax_error():
    found = errors(BASE.replace("version: 1\n", "version: 1\nversion: 2\n"))
    assert found == ["scan.yaml, line 4, version: duplicate key 'version'"]
    found = errors("format: staat-instrument/1\ncode: [unclosed\n")
    assert found[0].startswith("scan.yaml, line 3") and "YAML syntax error" in found[0]


def test_all_problems_reported_at_once():
    text = BASE.replace("scale: likert5}", "scale: nope}").replace("scoring: mapped_mean",
                                                                   "scoring: x")
    assert len(errors(text)) >= 3


def test_min_answered_rule():
    inst = parse_instrument(textwrap.dedent(BASE), "scan.yaml")
    assert inst.dimension("dim_a").required_answers() == 1  # ceil(2 / 2)
    text = BASE.replace("    scoring: maturity\n", "    scoring: maturity\n    min_answered: 2\n")
    assert parse_instrument(text).dimension("dim_a").required_answers() == 2
    found = errors(BASE.replace("    scoring: maturity\n",
                                "    scoring: maturity\n    min_answered: 5\n"))
    assert any("min_answered" in e for e in found)
