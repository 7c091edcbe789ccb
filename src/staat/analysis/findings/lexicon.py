# SPDX-License-Identifier: EUPL-1.2
"""Cue lexicons matched on lemmas: the kind cues (``data/lexicon.yaml``), the codebook's
theme cues and the heading hints.

A phrase is written as it appears in text and lemmatised once with
:func:`staat.nlp.lemmas.lemma`; a sentence is tokenised with
:func:`staat.nlp.lemmas.tokenize` and each word is compared by lemma *or* lowercased form,
so "lukt niet", "lukte niet" and "lukken niet" all match. ``...`` in a phrase allows a gap
of up to :data:`MAX_GAP` words ("wij roepen de wetgever op"); a word ending in ``*``
matches every word that starts with it ("ict*" matches "ICT-systemen").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import yaml

from staat.nlp.lemmas import lemma, tokenize

from .labels import DATA_DIR

__all__ = [
    "Analysed",
    "PhraseMatcher",
    "analyse",
    "combined_matcher",
    "heading_hint",
    "kind_matcher",
]

MAX_GAP = 8
LEXICON_PATH = DATA_DIR / "lexicon.yaml"


@dataclass(slots=True)
class Analysed:
    """A tokenised sentence: word tokens with offsets (relative to the sentence), their
    lowercased forms and lemmas."""

    text: str
    spans: list[tuple[int, int]]
    lowers: list[str]
    lemmas: list[str]


_LEMMA_CACHE: dict[str, str] = {}


def analyse(text: str) -> Analysed:
    """Word tokens of ``text`` (``staat.nlp.lemmas.tokenize``) with lowercased forms and
    lemmas (``staat.nlp.lemmas.lemma``, memoised per lowercased form)."""
    spans: list[tuple[int, int]] = []
    lowers: list[str] = []
    lems: list[str] = []
    cache = _LEMMA_CACHE
    for s, e, tok in tokenize(text):
        c = tok[0]
        if not (c.isalnum() or (c in "'’" and len(tok) > 1)):
            continue
        spans.append((s, e))
        low = tok.lower()
        lem = cache.get(low)
        if lem is None:
            low = low.replace("’", "'")
            lem = lemma(low)
            if len(cache) < 1 << 20:
                cache[tok.lower()] = lem
        lowers.append(low)
        lems.append(lem)
    return Analysed(text, spans, lowers, lems)


# -------------------------------------------------------------------------------------------
# phrase matching

_GAP = ("gap", "")


def _compile(phrase: str) -> tuple[tuple[str, str], ...]:
    items: list[tuple[str, str]] = []
    for part in re.split(r"\s+", phrase.strip()):
        if part in ("...", "…"):
            if items and items[-1] != _GAP:
                items.append(_GAP)
            continue
        if part.endswith("*") and len(part) > 1:
            items.append(("pre", part[:-1].lower()))
            continue
        toks = [t for _, _, t in tokenize(part) if t[0].isalnum() or t[0] in "'’"]
        for t in toks:
            low = t.replace("’", "'").lower()
            items.append(("lem", lemma(low) + "\0" + low))
    while items and items[-1] == _GAP:
        items.pop()
    while items and items[0] == _GAP:
        items.pop(0)
    return tuple(items)


def _item_ok(item: tuple[str, str], low: str, lem: str) -> bool:
    kind, val = item
    if kind == "pre":
        return low.startswith(val) or lem.startswith(val)
    l, w = val.split("\0")
    return lem == l or low == w or low == l


@dataclass(frozen=True, slots=True)
class Hit:
    label: str  # kind or theme code
    phrase: str  # the phrase as written in the lexicon
    start: int  # first token index
    end: int  # last token index (inclusive)


class PhraseMatcher:
    """Match many lemma phrases, each with a label, against analysed sentences."""

    def __init__(self, entries: Iterable[tuple[str, str]]):
        self._by_first: dict[str, list[tuple[int, tuple]]] = {}
        self._prefix_first: list[tuple[int, tuple]] = []
        self.entries: list[tuple[str, str]] = []
        for label, phrase in entries:
            items = _compile(phrase)
            if not items:
                continue
            idx = len(self.entries)
            self.entries.append((label, phrase))
            first = items[0]
            if first[0] == "pre":
                self._prefix_first.append((idx, items))
            else:
                l, w = first[1].split("\0")
                self._by_first.setdefault(l, []).append((idx, items))
                if w != l:
                    self._by_first.setdefault(w, []).append((idx, items))
        self._prefixes = tuple(sorted({it[0][1] for _, it in self._prefix_first}))

    def _rest(self, items, a: Analysed, i: int) -> int:
        """Index of the last token when ``items[1:]`` match from token ``i + 1``, else -1."""
        n = len(a.lemmas)
        j = i + 1
        k = 1
        while k < len(items):
            item = items[k]
            if item == _GAP:
                nxt = items[k + 1]
                found = -1
                for jj in range(j, min(n, j + MAX_GAP + 1)):
                    if _item_ok(nxt, a.lowers[jj], a.lemmas[jj]):
                        found = jj
                        break
                if found < 0:
                    return -1
                j = found + 1
                k += 2
                continue
            if j >= n or not _item_ok(item, a.lowers[j], a.lemmas[j]):
                return -1
            j += 1
            k += 1
        return j - 1

    def match(self, a: Analysed) -> list[Hit]:
        """All hits in ``a``, in token order; a phrase is reported once per start token."""
        hits: list[Hit] = []
        spans_seen: set[tuple[str, int, int]] = set()
        by_first = self._by_first
        prefixes = self._prefixes
        for i, (low, lem) in enumerate(zip(a.lowers, a.lemmas)):
            cands = by_first.get(lem)
            if low != lem:
                more = by_first.get(low)
                if more:
                    cands = (cands or []) + more
            if prefixes and (low.startswith(prefixes) or lem.startswith(prefixes)):
                cands = (cands or []) + [
                    c for c in self._prefix_first if _item_ok(c[1][0], low, lem)
                ]
            if not cands:
                continue
            seen: set[int] = set()
            for idx, items in cands:
                if idx in seen:
                    continue
                seen.add(idx)
                end = self._rest(items, a, i) if len(items) > 1 else i
                if end >= 0:
                    label, phrase = self.entries[idx]
                    key = (label, i, end)
                    if key not in spans_seen:
                        spans_seen.add(key)
                        hits.append(Hit(label, phrase, i, end))
        return hits


@lru_cache(maxsize=1)
def _lexicon() -> dict:
    with open(LEXICON_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def kind_matcher() -> PhraseMatcher:
    """Matcher of the kind cue lexicons (label = kind)."""
    lex = _lexicon()["kinds"]
    return PhraseMatcher((kind, str(p)) for kind in sorted(lex) for p in lex[kind])


def kind_lexicon() -> dict[str, list[str]]:
    return {k: [str(p) for p in v] for k, v in _lexicon()["kinds"].items()}


@lru_cache(maxsize=1)
def _heading_res() -> tuple[tuple[str, re.Pattern], ...]:
    heads = _lexicon()["headings"]
    out = []
    for kind in ("geen", "dilemma", "oproep", "lichtpunt", "knelpunt"):
        words = sorted((str(w).lower() for w in heads.get(kind, ())), key=len, reverse=True)
        if words:
            out.append((kind, re.compile("|".join(re.escape(w) for w in words))))
    return tuple(out)


@lru_cache(maxsize=1 << 14)
def heading_hint(heading_path: tuple[str, ...]) -> tuple[str, str, int]:
    """The kind a heading path hints at: ``(kind, heading, depth)`` of the deepest heading
    with a hit, or ``("", "", -1)``. Kind ``"geen"`` marks introductions and closings."""
    for depth in range(len(heading_path) - 1, -1, -1):
        h = heading_path[depth].lower()
        for kind, rx in _heading_res():
            if rx.search(h):
                return kind, heading_path[depth], depth
    return "", "", -1


def combined_matcher(codebook: Sequence) -> PhraseMatcher:
    """One matcher for the kind cues (label = kind) and the theme cues (label = ``"#"`` +
    theme code), so a sentence is scanned once."""
    lex = _lexicon()["kinds"]
    entries = [(kind, str(p)) for kind in sorted(lex) for p in lex[kind]]
    entries += [("#" + t.code, c) for t in codebook for c in t.cues]
    return PhraseMatcher(entries)


def theme_matcher(codebook: Sequence) -> PhraseMatcher:
    """Matcher of the codebook's theme cues (label = theme code)."""
    return PhraseMatcher((t.code, c) for t in codebook for c in t.cues)
