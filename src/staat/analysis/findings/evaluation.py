# SPDX-License-Identifier: EUPL-1.2
"""Quality of the extractor against labelled sentences.

**Kinds**: precision, recall and F1 per kind (support = number of gold sentences), macro
F1 over the four finding kinds (and over all five labels incl. NONE), and accuracy over
all sentences incl. NONE; computed with :func:`sklearn.metrics.precision_recall_fscore_support`.

**Detection** (finding or not, whatever the kind): precision and recall of "is a finding",
and the false-finding rate, the share of gold NONE sentences that were called a finding of
any kind. On descriptive prose (production figures, organisation, reading guides) that
rate is what a reviewer feels: each false finding is one more item in the review queue.

**Themes** (multi-label) on the sentences whose gold kind is a finding (themes are only
labelled there): sample-averaged Jaccard similarity, exact-match ratio, and precision,
recall and F1 per theme and micro-averaged (Tsoumakas & Katakis, "Multi-label
classification: an overview", 2007). The theme coder is scored on every gold finding
sentence, whatever kind the classifier predicted, so the two parts are measured apart.

:func:`cross_validate` gives the honest figure on the development set: k-fold
cross-validation grouped by document (:class:`sklearn.model_selection.GroupKFold`), so no
document contributes sentences to both training and test of a fold; the predictions of all
folds are pooled into one report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedKFold

from .labels import LabelledSentence
from .model import Extractor
from .types import KINDS, NONE, ThemeDef

__all__ = ["EvaluationReport", "cross_validate", "evaluate", "report_from_predictions"]

LABELS = KINDS + (NONE,)


@dataclass
class EvaluationReport:
    description: str
    n_sentences: int
    per_kind: dict[str, dict[str, float]]  # kind -> precision, recall, f1, support (incl. NONE)
    macro_f1: float  # over the four finding kinds
    macro_f1_all: float  # over the four kinds and NONE
    accuracy: float  # over all sentences, NONE included
    detection: dict[str, float]  # finding-or-not: precision, recall, false_findings, ...
    confusion: list[list[int]]  # rows gold, columns predicted, order LABELS
    n_theme_sentences: int
    theme_jaccard: float
    theme_exact_match: float
    theme_micro: dict[str, float]
    per_theme: dict[str, dict[str, float]]
    model: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "description": self.description,
            "model": self.model,
            "n_sentences": self.n_sentences,
            "labels": list(LABELS),
            "per_kind": self.per_kind,
            "macro_f1": self.macro_f1,
            "macro_f1_all": self.macro_f1_all,
            "accuracy": self.accuracy,
            "detection": self.detection,
            "confusion": self.confusion,
            "themes": {
                "n_sentences": self.n_theme_sentences,
                "jaccard": self.theme_jaccard,
                "exact_match": self.theme_exact_match,
                "micro": self.theme_micro,
                "per_theme": self.per_theme,
            },
            **({"extra": self.extra} if self.extra else {}),
        }

    def to_text(self) -> str:
        lines = [self.description]
        if self.model:
            lines.append(f"model: {self.model}")
        lines.append(f"sentences: {self.n_sentences}")
        lines.append("")
        lines.append(f"{'kind':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
        for k in LABELS:
            m = self.per_kind[k]
            lines.append(f"{k:<12} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} "
                         f"{int(m['support']):>8d}")
        lines.append(f"{'macro F1 (4 kinds)':<30} {self.macro_f1:.3f}")
        lines.append(f"{'macro F1 (incl. geen)':<30} {self.macro_f1_all:.3f}")
        lines.append(f"{'accuracy (incl. geen)':<30} {self.accuracy:.3f}")
        d = self.detection
        lines.append(f"finding or not: precision {d['precision']:.3f}, recall {d['recall']:.3f}; "
                     f"false findings {int(d['false_findings'])} of {int(d['n_geen'])} geen "
                     f"sentences ({d['false_finding_rate']:.1%})")
        lines.append("")
        lines.append("confusion (rows gold, columns predicted): " + " ".join(LABELS))
        for k, row in zip(LABELS, self.confusion):
            lines.append(f"  {k:<10} " + " ".join(f"{v:>5d}" for v in row))
        lines.append("")
        lines.append(f"themes on {self.n_theme_sentences} gold finding sentences: "
                     f"Jaccard {self.theme_jaccard:.3f}, exact match {self.theme_exact_match:.3f}, "
                     f"micro P/R/F1 {self.theme_micro['precision']:.3f}/"
                     f"{self.theme_micro['recall']:.3f}/{self.theme_micro['f1']:.3f}")
        lines.append(f"{'theme':<26} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
        for code, m in self.per_theme.items():
            lines.append(f"{code:<26} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} "
                         f"{int(m['support']):>8d}")
        return "\n".join(lines)


def report_from_predictions(
    gold: Sequence[LabelledSentence],
    kinds: Sequence[str],
    themes: Sequence[tuple[str, ...] | None],
    theme_codes: Sequence[str],
    description: str,
    model: str = "",
) -> EvaluationReport:
    """A report from gold labels and predictions (``themes[i]`` is ``None`` where the gold
    kind is NONE)."""
    y = [g.kind for g in gold]
    p, r, f, s = precision_recall_fscore_support(y, list(kinds), labels=list(LABELS),
                                                 zero_division=0)
    per_kind = {k: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                    "f1": round(float(f[i]), 4), "support": int(s[i])}
                for i, k in enumerate(LABELS)}
    macro = float(np.mean(f[: len(KINDS)]))
    macro_all = float(np.mean(f))
    acc = float(accuracy_score(y, list(kinds))) if y else 0.0
    cm = confusion_matrix(y, list(kinds), labels=list(LABELS)).tolist() if y else []
    detection = _detection(cm)

    tg, tp = [], []
    for g, t in zip(gold, themes):
        if g.kind != NONE and t is not None:
            tg.append(set(g.themes))
            tp.append(set(t))
    codes = sorted(set(theme_codes) | {c for s_ in tg for c in s_})
    jac = [len(a & b) / len(a | b) if (a | b) else 1.0 for a, b in zip(tg, tp)]
    exact = [a == b for a, b in zip(tg, tp)]
    per_theme = {}
    TP = FP = FN = 0
    for c in codes:
        tpc = sum(1 for a, b in zip(tg, tp) if c in a and c in b)
        fpc = sum(1 for a, b in zip(tg, tp) if c not in a and c in b)
        fnc = sum(1 for a, b in zip(tg, tp) if c in a and c not in b)
        TP, FP, FN = TP + tpc, FP + fpc, FN + fnc
        pr = tpc / (tpc + fpc) if tpc + fpc else 0.0
        rc = tpc / (tpc + fnc) if tpc + fnc else 0.0
        f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
        per_theme[c] = {"precision": round(pr, 4), "recall": round(rc, 4), "f1": round(f1, 4),
                        "support": tpc + fnc}
    mp = TP / (TP + FP) if TP + FP else 0.0
    mr = TP / (TP + FN) if TP + FN else 0.0
    mf = 2 * mp * mr / (mp + mr) if mp + mr else 0.0
    return EvaluationReport(
        description=description,
        n_sentences=len(gold),
        per_kind=per_kind,
        macro_f1=round(macro, 4),
        macro_f1_all=round(macro_all, 4),
        accuracy=round(acc, 4),
        detection=detection,
        confusion=cm,
        n_theme_sentences=len(tg),
        theme_jaccard=round(float(np.mean(jac)) if jac else 0.0, 4),
        theme_exact_match=round(float(np.mean(exact)) if exact else 0.0, 4),
        theme_micro={"precision": round(mp, 4), "recall": round(mr, 4), "f1": round(mf, 4)},
        per_theme=per_theme,
        model=model,
    )


def _detection(cm: list[list[int]]) -> dict[str, float]:
    """Finding-or-not figures from the confusion matrix (rows gold, columns predicted, NONE
    last): a finding predicted as another kind still counts as detected."""
    k = len(KINDS)
    m = np.asarray(cm, dtype=np.int64) if cm else np.zeros((k + 1, k + 1), dtype=np.int64)
    hit = int(m[:k, :k].sum())  # gold finding, predicted a finding
    false = int(m[k, :k].sum())  # gold NONE, predicted a finding
    missed = int(m[:k, k].sum())  # gold finding, predicted NONE
    n_geen = int(m[k].sum())
    precision = hit / (hit + false) if hit + false else 0.0
    recall = hit / (hit + missed) if hit + missed else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "false_findings": false, "n_geen": n_geen,
            "false_finding_rate": round(false / n_geen, 4) if n_geen else 0.0,
            "missed_findings": missed}


def _predict(extractor: Extractor, labels: Sequence[LabelledSentence]):
    kinds, _ = extractor.predict([g.text for g in labels], [g.context for g in labels])
    finding = [i for i, g in enumerate(labels) if g.kind != NONE]
    th = extractor.predict_themes([labels[i].text for i in finding])
    themes: list[tuple[str, ...] | None] = [None] * len(labels)
    for i, t in zip(finding, th):
        themes[i] = t
    return kinds, themes


def evaluate(extractor: Extractor, labels: Sequence[LabelledSentence],
             description: str = "") -> EvaluationReport:
    """Score a trained extractor on labelled sentences."""
    labels = list(labels)
    kinds, themes = _predict(extractor, labels)
    return report_from_predictions(
        labels, kinds, themes, [t.code for t in extractor.codebook],
        description or f"evaluation on {len(labels)} labelled sentences", extractor.version)


def cross_validate(
    labels: Sequence[LabelledSentence],
    codebook: Sequence[ThemeDef],
    *,
    folds: int = 5,
    group_by_doc: bool = True,
    seed: int = 0,
) -> EvaluationReport:
    """Pooled k-fold cross-validation; grouped by ``doc`` unless ``group_by_doc=False``."""
    labels = list(labels)
    y = [g.kind for g in labels]
    idx = np.arange(len(labels))
    if group_by_doc:
        groups = [g.doc or f"#{i}" for i, g in enumerate(labels)]
        splits = GroupKFold(n_splits=folds).split(idx, y, groups)
        how = f"grouped {folds}-fold cross-validation by document"
    else:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(idx, y)
        how = f"stratified {folds}-fold cross-validation (not grouped)"
    kinds: list[str] = [""] * len(labels)
    themes: list[tuple[str, ...] | None] = [None] * len(labels)
    for train_idx, test_idx in splits:
        ex = Extractor.train([labels[i] for i in train_idx], codebook, seed=seed)
        test = [labels[i] for i in test_idx]
        k, t = _predict(ex, test)
        for j, i in enumerate(test_idx):
            kinds[i] = k[j]
            themes[i] = t[j]
    rep = report_from_predictions(labels, kinds, themes, [t.code for t in codebook],
                                  f"{how} on {len(labels)} labelled sentences")
    rep.extra["predictions"] = kinds
    return rep
