# SPDX-License-Identifier: EUPL-1.2
"""The finding extractor: sentence classification, theme coding, merging and explanation.

**Kinds.** Each sentence becomes a bag of feature tokens: its lemmas (``w:``) and lemma
bigrams (``b:``) from :mod:`staat.nlp.lemmas`, the cue-lexicon hits of
``data/lexicon.yaml`` (``cue:<kind>:<phrase>`` and a count ``c:<kind>``), the kind its
section heading hints at (``H:<kind>``) and the heading's lemmas (``h:``), and a few
shape features (an imperative first verb ``IMP``, a question ``Q``, figures ``NUM``,
the first lemma ``F:``). The bag is weighted by TF-IDF (sublinear term frequency, l2
norm) and classified by multinomial logistic regression with balanced class weights
(scikit-learn, Newton-CG solver; Pedregosa et al., JMLR 12, 2011). Training is deterministic: fixed
``random_state``, sorted vocabulary, the labels in the order given.

**Themes** (multi-label). Per codebook theme a binary logistic regression on lemma
features plus the theme's cue hits (one-vs-rest, trained on the finding sentences of the
labels), combined with the codebook's cue lemmas: ``score = max(p_model, cue_score)``
with ``cue_score = CUE_THEME_WEIGHT * (1 - 0.5 ** hits)``. A theme without enough labelled
examples is coded by its cues alone, so a new codebook theme works from day one.

**Explanation.** For the chosen kind *c* and every feature *j* of the sentence the
contribution ``x_j * w_cj`` is compared with the strongest other kind *k*:
``delta_j = x_j * w_cj - max_k x_j * w_kj``. Features with the largest positive delta
are the cues *for* the kind, those with the largest negative delta the cues *against*
it (labelled with the kind they speak for). Each cue is placed on the words it stands for
(lemma features on their tokens, lexicon phrases on their span, heading features on the
heading in the text).

**Merging.** Consecutive sentences of one passage with the same predicted kind become one
finding when the second continues the first (it opens with a connective such as
"Daardoor", "Dit", "Zo", "Bijvoorbeeld", "Ook", or both carry cues of the same theme), at
most :data:`MAX_MERGE` sentences; the explanation notes say so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np
from scipy import sparse

from staat.nlp.lemmas import STOPWORDS
from staat.nlp.lemmas import lemmas as _lemmas

from .labels import LabelledSentence
from .lexicon import LEXICON_PATH, Analysed, Hit, analyse, combined_matcher, heading_hint
from .mentions import LAWS_PATH, find_laws, find_organisations
from .types import (
    KINDS,
    NONE,
    Candidate,
    Cue,
    DocumentInput,
    Explanation,
    JSONText,
    OrganisationDef,
    StoredCandidate,
    ThemeDef,
    ThemeScore,
)

__all__ = ["CODE_VERSION", "EXTRACTOR_NAME", "Extractor", "split_context"]

EXTRACTOR_NAME = "staat-lexical-logreg"
#: Bump when features, model or merging change: it is part of :attr:`Extractor.version`.
CODE_VERSION = "1.1"

LABELS = KINDS + (NONE,)
C_KIND = 10.0
C_THEME = 3.0
MIN_THEME_POSITIVES = 3
CUE_THEME_WEIGHT = 1.0
THEME_THRESHOLD = 0.45
THEME_FALLBACK = 0.25
MAX_MERGE = 4
MAX_CUES_FOR = 6
MAX_CUES_AGAINST = 4
MAX_THEME_CUES = 4

_CONNECTIVES = frozenset(
    ["daardoor", "hierdoor", "daarom", "dit", "dat", "zo", "bijvoorbeeld", "bijv", "ook", "bovendien", "daarbij", "daarmee", "hierbij", "want", "tegelijk", "maar", "en", "zij", "hij", "die", "deze", "dergelijke", "zulke", "daarnaast", "evenmin"]
)
_CONNECTIVE_PHRASES = (("dat", "betekenen"), ("dit", "betekenen"), ("het", "gevolg"),
                       ("een", "voorbeeld"), ("zo", "krijgen"))
_DIGIT_RE = re.compile(r"\d")
_CAPS = "<caps>"
_IMP_BAD_ENDINGS = ("t", "en", "de", "te", "d", "s", "e")


def split_context(context: str) -> tuple[str, ...]:
    """A heading path written as ``"A › B"`` (or ``"A > B"``) as a tuple."""
    if not context:
        return ()
    parts = re.split(r"\s+[›>]\s+", context.strip())
    return tuple(p for p in parts if p)


@lru_cache(maxsize=1 << 14)
def _heading_lemmas(heading: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_lemmas(heading)))


def _identity(tokens):
    return tokens


def _is_imperative(low: str, lem: str) -> bool:
    return (
        len(low) >= 3
        and lem != low
        and lem.endswith("en")
        and not low.endswith(_IMP_BAD_ENDINGS)
        and low.isalpha()
    )


@dataclass(slots=True)
class _Sent:
    """A sentence prepared for the models."""

    a: Analysed
    path: tuple[str, ...]
    kind_hits: list[Hit]
    theme_hits: list[Hit]
    feats: list[str] = field(default_factory=list)
    n_lexical: int = 0  # feats[:n_lexical] are the lemma and bigram features
    imp: int = -1  # token index of an imperative verb, or -1


class Extractor:
    """A trained finding extractor. Build it with :meth:`train` (or
    :func:`~staat.analysis.findings.default_extractor`); it is immutable afterwards."""

    def __init__(self) -> None:  # use Extractor.train
        self.codebook: tuple[ThemeDef, ...] = ()
        self.organisations: tuple[OrganisationDef, ...] = ()
        self.version = EXTRACTOR_NAME
        self.seed = 0

    # ---------------------------------------------------------------------------------
    # training

    @classmethod
    def train(
        cls,
        labels: Sequence[LabelledSentence],
        codebook: Sequence[ThemeDef],
        organisations: Sequence[OrganisationDef] = (),
        *,
        seed: int = 0,
    ) -> Extractor:
        """Train on labelled sentences; deterministic for the same inputs and ``seed``."""
        labels = list(labels)
        if not labels:
            raise ValueError("no labelled sentences to train on")
        kinds_present = {lab.kind for lab in labels}
        if len(kinds_present) < 2:
            raise ValueError("the labels need at least two different kinds")
        self = cls()
        self.codebook = tuple(codebook)
        self.organisations = tuple(organisations)
        self.seed = seed
        self._matcher = combined_matcher(self.codebook)
        self._theme_codes = tuple(t.code for t in self.codebook)
        self.version = _version(labels, self.codebook)

        # scikit-learn is needed for training only: the trained extractor keeps plain arrays
        # and dictionaries, so a process that only extracts (a worker) never imports it.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        sents = [self._prepare(lab.text, split_context(lab.context)) for lab in labels]
        y = [lab.kind for lab in labels]
        vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, lowercase=False)
        X = vec.fit_transform([s.feats for s in sents])
        clf = LogisticRegression(C=C_KIND, class_weight="balanced", max_iter=1000,
                                       solver="newton-cg", random_state=seed)
        clf.fit(X, y)
        self._classes = tuple(str(c) for c in clf.classes_)
        self._coef = clf.coef_.astype(np.float64)
        self._intercept = clf.intercept_.astype(np.float64)
        if self._coef.shape[0] == 1:  # binary problem: make it two rows
            self._coef = np.vstack([-self._coef, self._coef]) / 2
            self._intercept = np.array([-self._intercept[0], self._intercept[0]]) / 2
        self._feature_names = [str(n) for n in vec.get_feature_names_out()]
        self._vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
        self._idf = np.asarray(vec.idf_, dtype=np.float64)
        self._describe_features()

        # themes: one-vs-rest on the finding sentences
        tl = [(s, lab) for s, lab in zip(sents, labels) if lab.kind != NONE]
        tvec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, lowercase=False)
        W, b, modelled = [], [], []
        if tl:
            TX = tvec.fit_transform([self._theme_feats(s) for s, _ in tl])
            for j, code in enumerate(self._theme_codes):
                yy = np.array([code in lab.themes for _, lab in tl], dtype=int)
                if yy.sum() < MIN_THEME_POSITIVES or yy.sum() == len(yy):
                    continue
                m = LogisticRegression(C=C_THEME, class_weight="balanced", max_iter=1000,
                                       solver="newton-cg", random_state=seed)
                m.fit(TX, yy)
                modelled.append(j)
                W.append(m.coef_[0])
                b.append(m.intercept_[0])
        self._theme_modelled = tuple(modelled)
        self._theme_W = np.array(W) if W else np.zeros((0, 0))
        self._theme_b = np.array(b) if b else np.zeros(0)
        self._theme_feature_names = (
            tvec.get_feature_names_out() if tl else np.array([], dtype=object)
        )
        self._tf_index = {str(n): i for i, n in enumerate(self._theme_feature_names)}
        self._tvocab = {str(k): int(v) for k, v in getattr(tvec, "vocabulary_", {}).items()}
        self._tidf = np.asarray(getattr(tvec, "idf_", np.zeros(0)), dtype=np.float64)
        return self

    def with_organisations(self, organisations: Sequence[OrganisationDef]) -> Extractor:
        """A copy that recognises these organisations (the trained models are shared)."""
        other = object.__new__(Extractor)
        for k, v in self.__dict__.items():
            setattr(other, k, v)
        other.organisations = tuple(organisations)
        return other

    def _describe_features(self) -> None:
        """Parse each kind feature once: what in a sentence it points at (or None)."""
        desc: list[tuple | None] = []
        for name in self._feature_names:
            d: tuple | None = None
            if name.startswith("w:"):
                lem = name[2:]
                if lem not in STOPWORDS and lem[:1].isalpha():
                    d = ("w", lem)
            elif name.startswith("b:"):
                x, _, y = name[2:].partition("_")
                if not (x in STOPWORDS and y in STOPWORDS):
                    d = ("b", x, y)
            elif name.startswith("cue:"):
                _, k, phrase = name.split(":", 2)
                d = ("cue", k, phrase)
            elif name == "IMP":
                d = ("imp",)
            elif name == "Q":
                d = ("q",)
            elif name.startswith("F:"):
                if name[2:] not in STOPWORDS:
                    d = ("f", name[2:])
            elif name.startswith("H:") and name != "H:none":
                d = ("head", -1)
            elif name.startswith("h:"):
                d = ("head", 1)
            elif name.startswith("h2:"):
                d = ("head", 2)
            desc.append(d)
        self._feature_desc = desc
        self._displayable = np.array([d is not None for d in desc])
        self._is_cue = [d is not None and d[0] == "cue" for d in desc]

    # ---------------------------------------------------------------------------------
    # features

    def _prepare(self, text: str, path: tuple[str, ...]) -> _Sent:
        a = analyse(text)
        kind_hits: list[Hit] = []
        theme_hits: list[Hit] = []
        for h in self._matcher.match(a):
            if h.label[0] == "#":
                theme_hits.append(Hit(h.label[1:], h.phrase, h.start, h.end))
            else:
                kind_hits.append(h)
        s = _Sent(a, path, kind_hits, theme_hits)
        lem = a.lemmas
        if any(e - b >= 6 for b, e in a.spans):
            # words of six or more capitals are page headers and other layout debris
            # ("FICTIEF DEMONSTRATIEMATERIAAL"): one shared token, not their own lemma
            lem = [_CAPS if e - b >= 6 and text[b:e].isupper() else x
                   for x, (b, e) in zip(lem, a.spans)]
        f = s.feats
        f.extend("w:" + x for x in lem)
        f.extend("b:" + x + "_" + y for x, y in pairwise(lem))
        s.n_lexical = len(f)
        for h in s.kind_hits:
            f.append("c:" + h.label)
            f.append("cue:" + h.label + ":" + h.phrase)
        if path:
            kind, _, _ = heading_hint(path)
            if kind:
                f.append("H:" + kind)
                f.append("H:" + kind)
            for hl in _heading_lemmas(path[-1]):
                f.append("h:" + hl)
            if len(path) > 1:
                for hl in _heading_lemmas(path[-2]):
                    f.append("h2:" + hl)
        else:
            f.append("H:none")
        # shape
        n = len(lem)
        start = 0
        while start < n and not a.lowers[start][0].isalpha():
            start += 1  # skip enumerators ("1.", "2.1")
        if start < n:
            f.append("F:" + lem[start])
            if _is_imperative(a.lowers[start], lem[start]):
                s.imp = start
        colon = text.find(":")
        if s.imp < 0 and colon >= 0:
            for i, (ts, _) in enumerate(a.spans):
                if ts > colon:
                    if _is_imperative(a.lowers[i], lem[i]):
                        s.imp = i
                    break
        if s.imp >= 0:
            f.append("IMP")
            f.append("IMP")
        if "?" in text:
            f.append("Q")
        if _DIGIT_RE.search(text):
            f.append("NUM")
        if "%" in text or "procent" in a.lowers:
            f.append("PCT")
        if n <= 4:
            f.append("SHORT")
        return s

    @staticmethod
    def _theme_feats(s: _Sent) -> list[str]:
        return s.feats[: s.n_lexical] + ["tc:" + h.label for h in s.theme_hits]

    # ---------------------------------------------------------------------------------
    # prediction

    @staticmethod
    def _tfidf(feat_lists, vocab: dict[str, int], idf: np.ndarray) -> sparse.csr_matrix:
        """What ``TfidfVectorizer(sublinear_tf=True, norm="l2").transform`` computes
        (``(1 + ln tf) * idf``, rows scaled to unit length), without its per-call overhead."""
        indptr = [0]
        indices: list[int] = []
        data: list[int] = []
        get = vocab.get
        for feats in feat_lists:
            counts: dict[int, int] = {}
            for f in feats:
                j = get(f)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            indices.extend(counts)
            data.extend(counts.values())
            indptr.append(len(indices))
        X = sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32),
             np.asarray(indptr, dtype=np.int32)), shape=(len(indptr) - 1, len(idf)))
        if X.nnz:
            X.data = (1.0 + np.log(X.data)) * idf[X.indices]
            sq = np.add.reduceat(X.data**2, X.indptr[:-1][np.diff(X.indptr) > 0])
            norms = np.ones(X.shape[0])
            norms[np.diff(X.indptr) > 0] = np.sqrt(sq)
            X.data /= np.repeat(norms, np.diff(X.indptr))
        return X

    def _kind_proba(self, sents: Sequence[_Sent]) -> tuple[sparse.csr_matrix, np.ndarray]:
        X = self._tfidf([s.feats for s in sents], self._vocab, self._idf)
        z = X @ self._coef.T + self._intercept
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return X, p

    def _theme_scores(self, sents: Sequence[_Sent]) -> np.ndarray:
        """Scores (n_sentences × n_themes) and, as side effect, nothing else."""
        n, T = len(sents), len(self._theme_codes)
        scores = np.zeros((n, T))
        if n == 0 or T == 0:
            return scores
        if self._theme_modelled:
            TX = self._tfidf([self._theme_feats(s) for s in sents], self._tvocab, self._tidf)
            z = np.asarray(TX @ self._theme_W.T) + self._theme_b
            scores[:, list(self._theme_modelled)] = 1.0 / (1.0 + np.exp(-z))
        index = {c: j for j, c in enumerate(self._theme_codes)}
        for i, s in enumerate(sents):
            counts: dict[int, int] = {}
            for h in s.theme_hits:
                j = index[h.label]
                counts[j] = counts.get(j, 0) + 1
            for j, k in counts.items():
                cue = CUE_THEME_WEIGHT * (1.0 - 0.5**k)
                scores[i, j] = max(scores[i, j], cue)
        return scores

    def _select_themes(self, row: np.ndarray) -> list[int]:
        order = np.argsort(-row, kind="stable")
        out = [int(j) for j in order if row[j] >= THEME_THRESHOLD]
        if not out and len(order) and row[order[0]] >= THEME_FALLBACK:
            out = [int(order[0])]  # a finding touches at least one theme when any is likely
        return out

    def predict(self, texts: Sequence[str], contexts: Sequence[str] | None = None
                ) -> tuple[list[str], np.ndarray]:
        """Kinds and probability rows (columns in :attr:`classes`) for many sentences."""
        contexts = contexts if contexts is not None else [""] * len(texts)
        sents = [self._prepare(t, split_context(c)) for t, c in zip(texts, contexts)]
        if not sents:
            return [], np.zeros((0, len(self._classes)))
        _, p = self._kind_proba(sents)
        return [self._classes[int(i)] for i in p.argmax(axis=1)], p

    def predict_themes(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Theme codes for many (finding) sentences."""
        sents = [self._prepare(t, ()) for t in texts]
        scores = self._theme_scores(sents)
        return [tuple(self._theme_codes[j] for j in self._select_themes(r)) for r in scores]

    @property
    def classes(self) -> tuple[str, ...]:
        return self._classes

    # ---------------------------------------------------------------------------------
    # explanation

    def _cue_entries(self, X: sparse.csr_matrix, rows: Sequence[int], chosen: Sequence[int]
                     ) -> list[list[tuple[int, float, int]]]:
        """Per row of ``X`` in ``rows``: the displayable features with the largest
        ``|delta|`` as ``(feature, delta, strongest other class)``, computed for all rows
        at once (vectorised)."""
        if not len(rows):
            return []
        sub = X[list(rows)]
        sub.sort_indices()
        cols, vals = sub.indices, sub.data
        lengths = np.diff(sub.indptr)
        row_of = np.repeat(np.arange(len(rows)), lengths)
        keep = self._displayable[cols]
        cols, vals, row_of = cols[keep], vals[keep], row_of[keep]
        if not len(cols):
            return [[] for _ in rows]
        contrib = self._coef[:, cols] * vals  # K × nnz
        ch = np.asarray(chosen)[row_of]
        ar = np.arange(len(cols))
        mine = contrib[ch, ar].copy()
        contrib[ch, ar] = -np.inf
        other = contrib.argmax(axis=0)
        delta = mine - contrib[other, ar]
        order = np.lexsort((-np.abs(delta), row_of))
        limit = MAX_CUES_FOR + MAX_CUES_AGAINST + 6
        out: list[list[tuple[int, float, int]]] = [[] for _ in rows]
        o_row = row_of[order].tolist()
        o_col = cols[order].tolist()
        o_del = delta[order].tolist()
        o_oth = other[order].tolist()
        is_cue = self._is_cue
        for r, j, d, k in zip(o_row, o_col, o_del, o_oth):
            lst = out[r]
            if (len(lst) < limit or is_cue[j]) and (d >= 1e-4 or d <= -1e-4):
                lst.append((j, d, k))  # lexicon cues always: they are shown anyway
        return out

    def _kind_cues(self, s: _Sent, entries: list[tuple[int, float, int]], chosen: int,
                   offset: int, heading_spans: dict[int, tuple[int, int]] | None = None
                   ) -> tuple[Cue, ...]:
        a = s.a
        lem = a.lemmas
        uni: dict[str, list[int]] = {}
        for i, x in enumerate(lem):
            uni.setdefault(x, []).append(i)
        acc: dict[tuple[int, int, str], list] = {}
        classes = self._classes
        desc = self._feature_desc
        spans_of = a.spans
        for j, d, k in entries:
            label = classes[chosen] if d > 0 else classes[k]
            fd = desc[j]
            typ = fd[0]
            if typ == "w":
                spans = [spans_of[i] for i in uni.get(fd[1], ())]
            elif typ == "b":
                y = fd[2]
                spans = [(spans_of[i][0], spans_of[i + 1][1]) for i in uni.get(fd[1], ())
                         if i + 1 < len(lem) and lem[i + 1] == y]
            elif typ == "cue":
                spans = [(spans_of[h.start][0], spans_of[h.end][1]) for h in s.kind_hits
                         if h.label == fd[1] and h.phrase == fd[2]]
            elif typ == "imp":
                spans = [spans_of[s.imp]] if s.imp >= 0 else []
            elif typ == "q":
                q = a.text.find("?")
                spans = [(q, q + 1)] if q >= 0 else []
            elif typ == "f":
                spans = [spans_of[i] for i in uni.get(fd[1], ())][:1]
            else:  # a heading feature
                if not s.path:
                    continue
                depth = heading_hint(s.path)[2] if fd[1] < 0 else len(s.path) - fd[1]
                if depth < 0:
                    continue
                hs = (heading_spans or {}).get(depth)
                start, end = hs if hs is not None else (offset, offset)
                key = (start, end, label)
                if key in acc:
                    acc[key][1] += d
                else:
                    acc[key] = [s.path[depth], d]
                continue
            if not spans:
                continue
            share = d / len(spans)
            for st, en in spans:
                key = (offset + st, offset + en, label)
                if key in acc:
                    acc[key][1] += share
                else:
                    acc[key] = [a.text[st:en], share]
        chosen_label = self._classes[chosen]
        items = sorted(acc.items(), key=lambda kv: (-kv[1][1], kv[0]))
        pro = [kv for kv in items if kv[1][1] > 0 and kv[0][2] == chosen_label][:MAX_CUES_FOR]
        con = [kv for kv in reversed(items)
               if kv[1][1] < 0 or kv[0][2] != chosen_label][:MAX_CUES_AGAINST]
        # lexicon hits always show (they are the readable vocabulary of a kind)
        shown = {k[:2] for k, _ in pro + con}
        span_w: dict[tuple[int, int], float] = {}
        for k, v in items:
            span_w[k[:2]] = span_w.get(k[:2], 0.0) + v[1]
        extra = []
        for h in s.kind_hits:
            st, en = a.spans[h.start][0], a.spans[h.end][1]
            if (offset + st, offset + en) in shown:
                continue
            # weight: the model's contribution of these words toward the chosen kind
            w = span_w.get((offset + st, offset + en), 0.0)
            extra.append(((offset + st, offset + en, h.label), [a.text[st:en], w]))
            shown.add((offset + st, offset + en))
        out = [Cue(text=v[0], weight=round(float(v[1]), 4), char_start=k[0], char_end=k[1],
                   label=k[2]) for k, v in pro + con + extra]
        return tuple(out)

    def _strong_theme_words(self) -> dict[int, dict[int, float]]:
        """Per theme with a model: its lemma features weighing more than 0.5 (feature index
        -> weight), worked out once instead of looked up per sentence."""
        strong = self.__dict__.get("_theme_strong")
        if strong is None:
            strong = {}
            for m, j in enumerate(self._theme_modelled):
                w = self._theme_W[m]
                strong[j] = {int(fi): float(w[fi]) for fi in np.flatnonzero(w > 0.5)}
            self._theme_strong = strong
        return strong

    def _theme_score_objs(self, s: _Sent, row: np.ndarray, offset: int) -> tuple[ThemeScore, ...]:
        out = []
        a = s.a
        strong = self._strong_theme_words()
        words: list[tuple[int, int]] | None = None  # (token, feature) of the content lemmas
        for j in self._select_themes(row):
            code = self._theme_codes[j]
            cues: list[Cue] = []
            seen = set()
            for h in s.theme_hits:
                if h.label != code:
                    continue
                st, en = a.spans[h.start][0], a.spans[h.end][1]
                if (st, en) in seen:
                    continue
                seen.add((st, en))
                cues.append(Cue(a.text[st:en], 1.0, offset + st, offset + en, code))
            if j in strong and len(cues) < 2:
                weights = strong[j]
                if words is None:
                    fidx = self._tf_index
                    words = []
                    for i, x in enumerate(a.lemmas):
                        if x in STOPWORDS or not x[0].isalpha() or len(x) < 3:
                            continue
                        fi = fidx.get("w:" + x)
                        if fi is not None:
                            words.append((i, fi))
                best = [(-weights[fi], i) for i, fi in words if fi in weights]
                for negw, i in sorted(best):
                    st, en = a.spans[i]
                    if (st, en) in seen:
                        continue
                    seen.add((st, en))
                    cues.append(Cue(a.text[st:en], round(-negw, 4), offset + st, offset + en, code))
                    if len(cues) >= MAX_THEME_CUES:
                        break
            out.append(ThemeScore(code=code, score=round(float(row[j]), 4),
                                  cues=tuple(sorted(cues, key=lambda c: c.char_start))))
        return tuple(out)

    # ---------------------------------------------------------------------------------
    # public API for one sentence

    def classify(self, text: str, *, context: str = "", char_offset: int = 0
                 ) -> tuple[str, dict[str, float], tuple[Cue, ...]]:
        """Kind (one of KINDS or NONE), probability per kind and the cues for one sentence.

        ``context`` is an optional heading path ``"A › B"``; cue offsets are
        ``char_offset`` plus indices into ``text`` (a heading cue has a zero-width span at
        ``char_offset``, since the heading is not part of ``text``).
        """
        s = self._prepare(text, split_context(context))
        X, p = self._kind_proba([s])
        c = int(p[0].argmax())
        scores = {self._classes[k]: round(float(p[0, k]), 4) for k in range(len(self._classes))}
        entries = self._cue_entries(X, [0], [c])[0]
        return self._classes[c], scores, self._kind_cues(s, entries, c, char_offset)

    def code_themes(self, text: str, char_offset: int = 0) -> tuple[ThemeScore, ...]:
        """Themes of one text with their evidence cues (offsets ``char_offset`` + index)."""
        s = self._prepare(text, ())
        return self._theme_score_objs(s, self._theme_scores([s])[0], char_offset)

    # ---------------------------------------------------------------------------------
    # documents

    def extract(self, doc: DocumentInput, *,
                organisations: Sequence[OrganisationDef] | None = None) -> list[Candidate]:
        """Findings of one source, ordered by position; deterministic.

        ``doc.text[c.char_start:c.char_end]`` is the text of candidate ``c`` (one sentence or
        several merged ones, from the first sentence's start to the last one's end).
        """
        orgs = self.organisations if organisations is None else tuple(organisations)
        text = doc.text
        passages = {p.index: p for p in doc.passages}
        sents_in = sorted(doc.sentences, key=lambda s: s.index)
        if not sents_in:
            return []
        prepared: list[_Sent] = []
        for si in sents_in:
            p = passages.get(si.passage_index)
            path = tuple(p.heading_path) if p else ()
            prepared.append(self._prepare(text[si.char_start:si.char_end], path))
        X, P = self._kind_proba(prepared)
        pred = P.argmax(axis=1)
        none_id = self._classes.index(NONE) if NONE in self._classes else -1
        finding_rows = [i for i in range(len(prepared)) if pred[i] != none_id]
        if not finding_rows:
            return []
        T = self._theme_scores([prepared[i] for i in finding_rows])
        trow = {i: T[k] for k, i in enumerate(finding_rows)}

        # group consecutive sentences into findings
        groups: list[tuple[list[int], list[str]]] = []
        for i in finding_rows:
            if groups:
                last, notes = groups[-1]
                j = last[-1]
                reason = ""
                if (j == i - 1 and pred[j] == pred[i]
                        and sents_in[j].passage_index == sents_in[i].passage_index
                        and len(last) < MAX_MERGE):
                    reason = self._continues(prepared[j], prepared[i])
                if reason:
                    last.append(i)
                    notes.append(f"merged sentence {sents_in[i].index} with sentence "
                                 f"{sents_in[j].index}: {reason}")
                    continue
            groups.append(([i], []))

        chosen_rows = [int(pred[i]) for i in finding_rows]
        entries = dict(zip(finding_rows, self._cue_entries(X, finding_rows, chosen_rows)))
        heading_cache: dict[int, dict[int, tuple[int, int]]] = {}
        out: list[Candidate] = []
        for rows, notes in groups:
            first, last = sents_in[rows[0]], sents_in[rows[-1]]
            chosen = int(pred[rows[0]])
            pidx = first.passage_index
            if pidx not in heading_cache:
                heading_cache[pidx] = self._heading_spans(text, passages.get(pidx))
            cues: list[Cue] = []
            for i in rows:
                cues.extend(self._kind_cues(prepared[i], entries[i], chosen,
                                            sents_in[i].char_start, heading_cache[pidx]))
            cues = _dedupe_cues(cues)
            probs = P[rows].mean(axis=0)
            kind_scores = {self._classes[k]: round(float(probs[k]), 4)
                           for k in range(len(self._classes))}
            # themes: best score per code over the sentences, cues united
            by_code: dict[str, list] = {}
            for i in rows:
                for ts in self._theme_score_objs(prepared[i], trow[i], sents_in[i].char_start):
                    cur = by_code.get(ts.code)
                    if cur is None:
                        by_code[ts.code] = [ts.score, list(ts.cues)]
                    else:
                        cur[0] = max(cur[0], ts.score)
                        cur[1].extend(ts.cues)
            themes = tuple(
                ThemeScore(code, sc, tuple(_dedupe_cues(cs)))
                for code, (sc, cs) in sorted(by_code.items(), key=lambda kv: (-kv[1][0], kv[0]))
            )
            span = text[first.char_start:last.char_end]
            laws = tuple(find_laws(span, first.char_start))
            orgm = tuple(find_organisations(span, orgs, first.char_start)) if orgs else ()
            note_list = tuple(notes)
            if len(rows) > 1:
                note_list = (f"{len(rows)} adjacent sentences make one point",) + note_list
            out.append(Candidate(
                kind=self._classes[chosen],
                char_start=first.char_start,
                char_end=last.char_end,
                page=first.page,
                passage_index=pidx,
                sentence_indices=tuple(sents_in[i].index for i in rows),
                confidence=round(float(probs[chosen]), 4),
                themes=themes,
                laws=laws,
                organisations=orgm,
                explanation=Explanation(kind_scores=kind_scores, cues=tuple(cues),
                                        model=self.version, notes=note_list),
            ))
        return out

    @staticmethod
    def _heading_spans(text: str, passage) -> dict[int, tuple[int, int]]:
        """Where each heading of a passage's path stands in the text (searched backwards)."""
        if passage is None:
            return {}
        out: dict[int, tuple[int, int]] = {}
        limit = passage.char_start
        for depth in range(len(passage.heading_path) - 1, -1, -1):
            head = passage.heading_path[depth]
            k = text.rfind(head, 0, limit)
            if k >= 0:
                out[depth] = (k, k + len(head))
                limit = k
        return out

    @staticmethod
    def _continues(prev: _Sent, cur: _Sent) -> str:
        lows = cur.a.lowers
        if not lows:
            return ""
        if lows[0] in _CONNECTIVES:
            return f"opens with the connective {cur.a.text[cur.a.spans[0][0]:cur.a.spans[0][1]]!r}"
        if len(lows) > 1:
            pair = (cur.a.lemmas[0], cur.a.lemmas[1])
            if pair in _CONNECTIVE_PHRASES:
                st, en = cur.a.spans[0][0], cur.a.spans[1][1]
                return f"opens with {cur.a.text[st:en]!r}"
        prev_codes = {h.label for h in prev.theme_hits}
        shared = sorted({h.label for h in cur.theme_hits} & prev_codes)
        if shared:
            return "shares theme cues (" + ", ".join(shared) + ")"
        return ""


# --- plain data --------------------------------------------------------------------------

def plain(value):
    """Dataclasses, tuples and numpy numbers as JSON data; floats rounded to 4 decimals
    (what the findings app stores: ``Finding.explanation``, ``machine_suggestion``, …)."""
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        convert = _converter(type(value))
    return convert(value)


def _same(value):
    return value


def _plain_float(value: float) -> float:
    return round(value, 4)


def _plain_list(value) -> list:
    out = []
    get = _CONVERTERS.get
    for v in value:
        convert = get(type(v)) or _converter(type(v))
        out.append(convert(v))
    return out


def _plain_dict(value: dict) -> dict:
    return {str(k): plain(v) for k, v in value.items()}


_CONVERTERS: dict[type, Callable] = {
    float: _plain_float, str: _same, int: _same, bool: _same, type(None): _same,
    list: _plain_list, tuple: _plain_list, dict: _plain_dict,
}


def _converter(kind: type) -> Callable:
    """The conversion of values of type ``kind`` (made once per type and kept)."""
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))

        def convert(value):
            get = _CONVERTERS.get
            out = {}
            for n in names:
                v = getattr(value, n)
                out[n] = (get(type(v)) or _converter(type(v)))(v)
            return out
    elif hasattr(kind, "item"):  # numpy scalars
        def convert(value):
            return plain(value.item())
    else:
        convert = _same
    _CONVERTERS[kind] = convert
    return convert


def _plain_cue(cue: Cue) -> dict:
    """What :func:`plain` makes of a cue, spelled out (findings have many cues)."""
    return {"text": cue.text, "weight": round(float(cue.weight), 4),
            "char_start": int(cue.char_start), "char_end": int(cue.char_end),
            "label": cue.label}


def _plain_cues(cues) -> list:
    return [{"text": c.text, "weight": round(float(c.weight), 4),
             "char_start": int(c.char_start), "char_end": int(c.char_end), "label": c.label}
            for c in cues]


def _plain_theme_score(ts: ThemeScore) -> dict:
    return {"code": ts.code, "score": round(float(ts.score), 4), "cues": _plain_cues(ts.cues)}


def _plain_explanation(e: Explanation) -> dict:
    return {"kind_scores": {str(k): plain(v) for k, v in e.kind_scores.items()},
            "cues": _plain_cues(e.cues), "model": plain(e.model), "notes": list(e.notes)}


_CONVERTERS[Cue] = _plain_cue
_CONVERTERS[ThemeScore] = _plain_theme_score
_CONVERTERS[Explanation] = _plain_explanation


def plain_candidate(candidate: Candidate) -> tuple[dict, object]:
    """A candidate as JSON data: (every field but the explanation, the explanation)."""
    names = _CANDIDATE_FIELDS.get(type(candidate))
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(candidate) if f.name != "explanation")
        _CANDIDATE_FIELDS[type(candidate)] = names
    return {k: plain(getattr(candidate, k)) for k in names}, plain(candidate.explanation)


def stored_candidate(candidate: Candidate, version: str) -> StoredCandidate:
    """``candidate`` as the findings app stores it (:class:`StoredCandidate`); ``version``
    is the extractor version recorded in the suggestion."""
    fields, explanation = plain_candidate(candidate)
    dumps = json.dumps
    return StoredCandidate(
        kind=candidate.kind,
        char_start=candidate.char_start,
        char_end=candidate.char_end,
        page=candidate.page,
        passage_index=candidate.passage_index,
        sentence_indices=tuple(candidate.sentence_indices),
        confidence=round(float(candidate.confidence), 4),
        themes=tuple((ts["code"], ts["score"], JSONText(dumps(ts["cues"])))
                     for ts in fields["themes"]),
        organisations=tuple(m.canonical for m in candidate.organisations),
        laws=JSONText(dumps(fields["laws"])),
        mentions=JSONText(dumps(fields["organisations"])),
        suggestion=JSONText(dumps({**fields, "extractor_version": version})),
        explanation=JSONText(dumps(explanation)),
    )


_CANDIDATE_FIELDS: dict[type, tuple[str, ...]] = {}


# --- worker processes ------------------------------------------------------------------

_WORKER: tuple[str, Extractor, tuple[OrganisationDef, ...]] | None = None


def warm_up_worker() -> None:
    """Prepare a worker process for :func:`extract_in_worker`: load the word lists and
    patterns extraction uses, and keep numerical libraries to one thread (several workers,
    each with a BLAS thread pool, would fight over the cores for matrices too small to gain).
    The initializer of the pool; it may run before the extractor is trained."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    threadpool_limits(limits=1)
    analyse("De uitvoering van artikel 4:84 Awb.")
    heading_hint(("Knelpunten",))
    find_laws("artikel 4:84 van de Awb")


def extract_in_worker(path: str, doc: DocumentInput) -> list[StoredCandidate]:
    """``Extractor.extract`` with the extractor and organisations pickled in the file
    ``path`` (``pickle.dump((extractor, organisations), file)``, read once per process);
    returns the candidates in the form that is stored (:func:`stored_candidate`), made
    here to spare the process that stores them."""
    global _WORKER
    if _WORKER is None or _WORKER[0] != path:
        with open(path, "rb") as fh:
            extractor, organisations = pickle.load(fh)  # noqa: S301 - written by our parent
        _WORKER = (path, extractor, tuple(organisations))
    _, extractor, organisations = _WORKER
    version = str(extractor.version)
    return [stored_candidate(c, version)
            for c in extractor.extract(doc, organisations=organisations)]


def _dedupe_cues(cues: Sequence[Cue]) -> list[Cue]:
    acc: dict[tuple[int, int, str], Cue] = {}
    for c in cues:
        key = (c.char_start, c.char_end, c.label)
        if key in acc:
            old = acc[key]
            if abs(c.weight) > abs(old.weight):
                acc[key] = c
        else:
            acc[key] = c
    return list(acc.values())


def _version(labels: Sequence[LabelledSentence], codebook: Sequence[ThemeDef]) -> str:
    h = hashlib.sha256()
    h.update(f"{EXTRACTOR_NAME}\0{CODE_VERSION}\0".encode())
    for lab in labels:
        h.update(json.dumps(lab.to_json(), ensure_ascii=False, sort_keys=True).encode())
        h.update(b"\n")
    h.update(b"\0codebook\0")
    for t in codebook:
        h.update(json.dumps([t.code, t.label, t.description, list(t.cues), t.parent],
                            ensure_ascii=False).encode())
        h.update(b"\n")
    for path in (LEXICON_PATH, LAWS_PATH):
        h.update(path.read_bytes())
    return f"{EXTRACTOR_NAME}-{h.hexdigest()[:12]}"
