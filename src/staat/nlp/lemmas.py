# SPDX-License-Identifier: EUPL-1.2
"""Dutch tokens, lemmas and search terms.

Lemmas come from simplemma's Dutch dictionary (``simplemma.lemmatize(word, lang="nl")``),
cached per distinct lowercased word form, so a corpus costs one dictionary lookup per
distinct form. A compound that simplemma does not know is lemmatised on its head: the
longest known final part whose lemma differs is replaced by that lemma
(``uitvoeringsorganisaties`` → ``uitvoeringsorganisatie``).

Search terms (:func:`search_terms`) are lowercased lemmas without stopwords and punctuation.
They never contain whitespace, ``%`` or ``_``, so the app can store ``" term1 term2 … "`` and
search for ``" term "`` with the same ``LIKE``/``contains`` query on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "STOPWORDS",
    "lemma",
    "lemmas",
    "search_terms",
    "search_text",
    "tokenize",
]

#: Dutch function words left out of search terms (compared with the lowercased lemma and
#: with the lowercased word form).
STOPWORDS: frozenset[str] = frozenset(
    """
    aan af al alle alles als altijd ander andere anders ben bij bijna daar daarbij daarin
    daarmee daarnaast daarom dan dat de deze die dit doch doen door dus een eens en er erg
    even ge geen geweest haar had hadden heb hebben heeft hem het hier hij hoe hun iemand
    iets ik in is ja je jij jou jouw jullie kan kon kunnen kunt maar me meer men met mij
    mijn moet moeten na naar niet niets nog nu of om omdat ons onze ook op over reeds
    omtrent te tegen toch toen tot u uit uw van veel voor vooral want waren was wat we
    wel welk welke werd werden wie wij wil worden wordt word zal ze zelf zich zij zijn
    zo zonder zou zouden zullen zeer sinds tussen via waarbij waarin waardoor hierbij
    hiervan daarvan elk elke ieder iedere beide één eén the and of to a in is for on
    """.split()
)

# Words: letters/digits joined by internal hyphens, apostrophes, or (between digits) a
# period, comma, slash or colon; plus single punctuation characters.
_TOKEN_RE = re.compile(
    r"""
    [^\W_]+(?:[-'’][^\W_]+)*      # words, ICT-systemen, ICT'ers, zee-egel
    (?:(?<=\d)[.,/:](?=\d)\d+)*   # 3,5  1.200  2023/24  4:84
    |['’][st]\b                   # 's  't
    |[^\w\s]                      # punctuation, one character
    """,
    re.VERBOSE,
)
_WORDISH_RE = re.compile(r"[^\W_]")


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """Tokens of ``text`` as ``(start, end, token)``; ``text[start:end] == token``.

    Words keep internal hyphens and apostrophes (``ICT-systemen``, ``ICT'ers``); numbers keep
    their decimal comma, separators and ranges (``3,5``, ``1.200``, ``2023/24``, ``4:84``);
    every other non-space character is a token of its own.
    """
    return [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]


@lru_cache(maxsize=1 << 20)
def _lemma_lower(word: str) -> str:
    """Lemma of a lowercased word form (cached)."""
    import simplemma

    if not word[0].isalpha():
        return word
    out = simplemma.lemmatize(word, lang="nl").lower()
    if not out or any(c.isspace() or c in "%_" for c in out):
        return word
    if out == word and len(word) >= 8 and "-" not in word and not simplemma.is_known(word, "nl"):
        # an unknown compound: lemmatise its head (the longest known final part, >= 4 chars)
        for i in range(3, len(word) - 3):
            head = word[i:]
            if simplemma.is_known(head, lang="nl"):
                head_lemma = simplemma.lemmatize(head, lang="nl").lower()
                if head_lemma != head:
                    return word[:i] + head_lemma
                break
    return out


@lru_cache(maxsize=1 << 20)
def _search_form(word: str) -> str:
    """The one form that stands for a word in search: its lemma, made canonical.

    simplemma is not idempotent for some verbs ("wachten" → "wacht" but "wacht" →
    "wachten"), so a query and a text could lemmatise to different forms. Following the
    lemma chain until it repeats and taking the smallest form of the final cycle gives every
    form of such a group the same search term.
    """
    seen = [_lemma_lower(word)]
    for _ in range(6):
        following = _lemma_lower(seen[-1])
        if following in seen:
            return min(seen[seen.index(following):])
        seen.append(following)
    return seen[-1]


def lemma(word: str) -> str:
    """The lowercased Dutch lemma of one word (cached per lowercased form)."""
    w = word.replace("’", "'").lower()
    return _lemma_lower(w) if w else w


def lemmas(text: str) -> list[str]:
    """Lowercased lemmas of the word tokens of ``text``, in order (punctuation left out)."""
    return [
        _lemma_lower(t.replace("’", "'").lower())
        for _, _, t in tokenize(text)
        if _WORDISH_RE.match(t)
    ]


def search_terms(text: str) -> list[str]:
    """Search terms of ``text`` in order: lowercased lemmas without stopwords, punctuation
    and one-letter words.

    A hyphenated word yields its own lemma and those of its parts
    (``ICT-systemen`` → ``ict-systeem``, ``ict``, ``systeem``), so a search for ``systeem``
    finds it. Apply the same function to a query as to the indexed text.
    """
    out: list[str] = []
    for _, _, tok in tokenize(text):
        if not _WORDISH_RE.match(tok):
            continue
        w = tok.replace("’", "'").lower()
        if w in STOPWORDS:
            continue
        lem = _search_form(w)
        if lem in STOPWORDS or len(lem) < 2:
            continue
        out.append(lem)
        if "-" in w:
            for part in w.split("-"):
                if len(part) >= 2 and part not in STOPWORDS:
                    p = _search_form(part)
                    if p not in STOPWORDS and len(p) >= 2:
                        out.append(p)
    return out


def search_text(text: str) -> str:
    """The stored form of a search index: ``" term1 term2 … "``, every term in text order
    with its repeats, so that ``" term "`` is a substring exactly when the term occurs and
    relevance ranking can count how often it does."""
    terms = search_terms(text)
    return " " + " ".join(terms) + " " if terms else ""
