# SPDX-License-Identifier: EUPL-1.2
"""Labelled sets, codebook, evaluation and the sanity floors of docs/quality.md."""

from __future__ import annotations

import json
from pathlib import Path

from staat.analysis.findings import (
    KINDS,
    NONE,
    LabelledSentence,
    cross_validate,
    default_extractor,
    default_labels,
    evaluate,
    heldout_labels,
    load_default_codebook,
    read_labels,
    write_labels,
)
from staat.analysis.findings.evaluate_cli import main as eval_main

ROOT = Path(__file__).resolve().parents[3]

#: Floors below the measured figures of docs/quality.md (held-out macro F1 0.703, theme
#: Jaccard 0.490; cross-validated macro F1 0.887). A change that drops below them fails.
HELDOUT_MACRO_F1_FLOOR = 0.60
HELDOUT_THEME_JACCARD_FLOOR = 0.40
CV_MACRO_F1_FLOOR = 0.80

STARTER_CODES = [
    "complexiteit-regelgeving", "stapeling-beleid", "betrokkenheid-uitvoering",
    "gegevensuitwisseling", "ict", "personeel-capaciteit", "financiering", "sturing-driehoek",
    "informatie-verantwoording", "organisatiecultuur", "dienstverlening-burger",
    "menselijke-maat", "samenwerking-keten", "signalen-klachten", "eu-internationaal",
]


def test_default_codebook_is_the_starter_codebook():
    cb = load_default_codebook()
    assert [t.code for t in cb] == STARTER_CODES
    assert all(t.label and t.description and len(t.cues) >= 8 for t in cb)
    assert cb[3].label == "Gegevensuitwisseling"


def test_development_set_covers_the_demo_corpus():
    labels = default_labels()
    assert len(labels) >= 900
    docs = {p.stem for p in (ROOT / "demo" / "authoring").glob("*.md")}
    assert {lab.doc for lab in labels} == docs
    kinds = {k: sum(lab.kind == k for lab in labels) for k in KINDS + (NONE,)}
    assert min(kinds.values()) >= 100, kinds
    codes = set(STARTER_CODES)
    assert {t for lab in labels for t in lab.themes} == codes
    assert all(not lab.themes for lab in labels if lab.kind == NONE)
    assert sum(bool(lab.context) for lab in labels) > 0.9 * len(labels)


def test_heldout_set_is_separate_and_large_enough():
    held = heldout_labels()
    assert len(held) >= 250
    assert {lab.kind for lab in held} == set(KINDS + (NONE,))
    assert not {lab.doc for lab in held} & {lab.doc for lab in default_labels()}
    texts = ROOT / "src" / "staat" / "analysis" / "findings" / "data" / "heldout_texts"
    assert {lab.doc for lab in held} == {p.stem for p in texts.glob("*.md")}


def test_labels_round_trip(tmp_path):
    labels = [
        LabelledSentence("Het systeem loopt vast.", "knelpunt", ("ict",), "doc-1", "A › B"),
        LabelledSentence("Dit is fictief: “echt” niet.", NONE, (), "", ""),
        LabelledSentence("Betrek de uitvoering.", "oproep", ("betrokkenheid-uitvoering",
                                                             "sturing-driehoek")),
    ]
    path = tmp_path / "labels.jsonl"
    write_labels(path, labels)
    assert read_labels(path) == labels
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1])["text"] == "Dit is fictief: “echt” niet."
    write_labels(tmp_path / "again.jsonl", read_labels(path))
    assert (tmp_path / "again.jsonl").read_bytes() == path.read_bytes()


def test_read_labels_names_the_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a", "kind": "knelpunt"}\n{"text": "b", "kind": "gedoe"}\n',
                    encoding="utf-8")
    try:
        read_labels(path)
    except ValueError as exc:
        assert "bad.jsonl:2" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected a ValueError")


def test_heldout_sanity_floor():
    report = evaluate(default_extractor(), heldout_labels())
    assert report.macro_f1 >= HELDOUT_MACRO_F1_FLOOR, report.to_text()
    assert report.theme_jaccard >= HELDOUT_THEME_JACCARD_FLOOR, report.to_text()
    d = report.to_dict()
    assert set(d["per_kind"]) == set(KINDS + (NONE,))
    assert d["per_kind"]["knelpunt"]["support"] == sum(
        lab.kind == "knelpunt" for lab in heldout_labels())
    assert "macro F1" in report.to_text()


def test_cross_validation_floor_grouped_by_document():
    report = cross_validate(default_labels(), load_default_codebook(), folds=5)
    assert report.macro_f1 >= CV_MACRO_F1_FLOOR, report.to_text()
    assert report.n_sentences == len(default_labels())
    assert "grouped 5-fold" in report.description


def test_evaluate_cli(tmp_path, capsys):
    held = heldout_labels()[:60]
    path = tmp_path / "some.jsonl"
    write_labels(path, held)
    assert eval_main(["--format", "json", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_sentences"] == 60 and "macro_f1" in out
    assert eval_main([str(tmp_path / "missing.jsonl")]) == 2
