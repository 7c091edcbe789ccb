# SPDX-License-Identifier: EUPL-1.2
"""Dutch key phrases of a group of texts, scored against the rest of the corpus.

**Candidates.** Every text is tokenised and lemmatised with :mod:`staat.nlp.lemmas` (no
tokeniser of our own). A *content word* is a word whose lemma is not a stopword
(:data:`staat.nlp.lemmas.STOPWORDS` plus :data:`GENERIC_WORDS`, words that make poor labels
such as *krijgen*, *vaak*, *jaar*), has at least three letters and no digit. Candidates are
runs of consecutive words inside one clause (punctuation ends a run):

* one to three content words: ``hardheidsclausule``, ``wettelijke grondslag``,
  ``wet langdurige zorg``;
* content word, linking preposition (:data:`LINK_WORDS`), optional article, content word:
  ``gegevensuitwisseling tussen gemeenten``, ``stapeling van regels``,
  ``betrokkenheid van de uitvoering``.

A candidate's identity is its lemma sequence with the article left out
(``gegevensuitwisseling tussen gemeente``); its *readable form* is the wording that occurs
most often in the group (ties: the alphabetically first), with a capital at the start of a
sentence dropped unless the word is also capitalised mid-sentence (``Participatiewet``,
``AVG`` keep theirs).

**Scoring: class-based TF-IDF** (c-TF-IDF, Grootendorst 2022, *BERTopic: Neural topic
modeling with a class-based TF-IDF procedure*, arXiv:2203.05794). The groups and the
background texts together form the corpus; each group is a class. Counts are numbers of
*texts* containing the phrase (one long text repeating a word does not outweigh several
texts naming it once)::

    score(p, g) = tf(p, g) · log(1 + A / F(p)) · (1 + 0.15 · (words(p) − 1))

where ``tf(p, g)`` is the share of the group's texts containing ``p``, ``F(p)`` the number
of texts in the whole corpus containing ``p`` and ``A`` the average number of texts per
class. The last factor prefers the longer of two equally specific phrases
(``gegevensuitwisseling tussen gemeenten`` over ``gegevensuitwisseling``). A single word
mostly seen in an inflected form ending in *-e* where its lemma does not (``incidentele``,
``werkte``: adjectives and verb forms) scores ``INFLECTED_FACTOR`` (0.6) times less: alone,
it makes a poor label. A phrase that does not look like a noun phrase
(:func:`is_noun_like`: a verb form inside, such as ``knelpunt noemen`` or ``burgers daalde``,
or an adjective or adverb as its head, such as ``merkbaar``) scores ``NON_NOUN_FACTOR`` (0.5)
times less: a thread is best named by the thing it is about. Numerals, conjunctions and
adverbs such as *inmiddels* are :data:`GENERIC_WORDS`. A phrase must occur in at least
``min_count`` texts of the group (default 2; a group of one text needs one); only when no
phrase passes is that relaxed. A phrase that shares a content lemma with a better phrase is skipped, so the list is varied.

Everything is deterministic: ties are broken by score, then the longer phrase, then
alphabetically, and the result does not depend on the
order of the groups.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from staat.nlp.lemmas import _TOKEN_RE, STOPWORDS, lemma

__all__ = [
    "GENERIC_WORDS",
    "KeyPhrase",
    "is_noun_like",
    "is_verb_form",
    "LINK_WORDS",
    "candidate_phrases",
    "key_phrases",
    "key_phrases_by_group",
]

#: Prepositions that may link two content words inside a phrase.
LINK_WORDS: frozenset[str] = frozenset(
    "aan bij door in met na naar onder op over tegen tussen uit van voor zonder".split()
)
#: Articles allowed (and ignored in the phrase identity) after a linking preposition.
ARTICLES: frozenset[str] = frozenset({"de", "het", "een"})

#: Lemmas that are not stopwords for search, but make poor key phrases on their own.
GENERIC_WORDS: frozenset[str] = frozenset(
    """
    aantal alleen ander bepaald blijven daardoor dergelijk deel eigen enkel echter gaan
    geven gevolg goed groot heel hierdoor hoog houden jaar keer klein komen krijgen laten
    leiden liggen maken manier minder mogelijk nemen nieuw nodig ongeveer paar procent
    pas dan nu al reeds soms sprake staan steeds vaak verschillend vinden volgens waar weinig
    weten zeggen
    zien zitten zeker zodat zoals ca bijv bijvoorbeeld o.a onder andere namelijk per
    twee drie vier vijf zes zeven acht negen tien elf twaalf twintig dertig veertig vijftig
    honderd duizend miljoen miljard helft eerste tweede derde vierde
    voordat nadat terwijl zodra totdat wanneer indien hoewel doordat ofschoon
    waarvoor waarmee waarop waarover waaraan waaruit waartoe daarvoor daarop daaraan
    daaruit daartoe hiervoor hiermee hierop
    inmiddels nauwelijks weer terug direct eerst ruim totaal ooit nooit vervolgens
    tegelijk tevens bovendien daarna vanaf tegenover hoeveel zoveel art
    """.split()
)

_SENTENCE_END = frozenset(".!?:;•")
#: Score factor of a single word that is mostly an inflected form (``incidentele``).
INFLECTED_FACTOR = 0.6
#: Score factor of a phrase that does not look like a noun phrase (see :func:`is_noun_like`).
NON_NOUN_FACTOR = 0.5
#: Endings of Dutch adjectives and adverbs (``merkbaar``, ``moeilijk``, ``nauwelijks``).
ADJECTIVE_ENDINGS = ("baar", "lijk", "lijks", "ig", "isch", "ief", "loos", "els")
_DOUBLE = frozenset("bdfgklmnprstz")
_VOWELS = frozenset("aeiou")
_MAX_CONTENT = 3


@dataclass(frozen=True, slots=True)
class KeyPhrase:
    """A key phrase of a group: its readable form, lemma identity, score and support."""

    text: str  # readable form, e.g. "gegevensuitwisseling tussen gemeenten"
    lemma: str  # identity, e.g. "gegevensuitwisseling tussen gemeente"
    score: float  # c-TF-IDF score (rounded to 6 decimals)
    count: int  # number of texts of the group containing it


@lru_cache(maxsize=1 << 18)
def _word_class(tok: str) -> tuple[str, str, str]:
    """``(class, lemma, lowercased form)``; class is ``c`` (content), ``l`` (link word),
    ``d`` (article) or ``x`` (breaks a phrase)."""
    w = tok.replace("’", "'").lower()
    if not w[0].isalpha():
        return "x", w, w
    if w in LINK_WORDS:
        return "l", w, w
    if w in ARTICLES:
        return "d", w, w
    if w in STOPWORDS:
        return "x", w, w
    lem = lemma(w)
    if (
        lem in STOPWORDS
        or lem in GENERIC_WORDS
        or w in GENERIC_WORDS
        or len(lem) < 3
        or any(ch.isdigit() for ch in lem)
    ):
        return "x", lem, w
    return "c", lem, w


@lru_cache(maxsize=1 << 16)
def _dictionary_lemma(word: str) -> str:
    import simplemma

    return simplemma.lemmatize(word, lang="nl")


def _third_person(infinitive: str) -> set[str]:
    """Candidate present-tense forms of a Dutch infinitive (``bespreken`` → ``bespreekt``,
    ``bellen`` → ``belt``, ``geloven`` → ``gelooft``); spelling rules, not a dictionary."""
    if infinitive.endswith("aan"):  # gaan, staan, slaan: gaat, staat, slaat
        return {infinitive[:-1] + "t"}
    stem = infinitive[:-2]
    if len(stem) < 2:
        return set()
    if stem[-1] == stem[-2] and stem[-1] in _DOUBLE:
        stem = stem[:-1]
    stem = stem[:-1] + {"v": "f", "z": "s"}.get(stem[-1], stem[-1])
    forms = {stem, stem + "t"}
    if (len(stem) >= 3 and stem[-1] not in _VOWELS and stem[-2] in _VOWELS
            and stem[-3] not in _VOWELS):
        long = stem[:-1] + stem[-2] + stem[-1]
        forms |= {long, long + "t"}
    return {f for f in forms if not f.endswith("tt")}


@lru_cache(maxsize=1 << 16)
def is_verb_form(word: str) -> bool:
    """Whether a Dutch word form is (most likely) a verb: a finite form or participle whose
    dictionary lemma is an infinitive (``belt``, ``daalde``, ``toegenomen``), or an
    infinitive whose present-tense form the dictionary knows (``bespreken``: ``bespreekt``).
    A plural in *-s* of a noun in *-en* (``inkomens``) is not a verb. Heuristic: without a
    part-of-speech tagger some nouns that are also infinitives (``inkomen``) count as verbs;
    this only lowers a phrase's rank as a label, it never removes it."""
    import simplemma

    w = word.lower()
    lem = _dictionary_lemma(w)
    if "_" in lem:  # separable verbs: aan_houden
        return True
    if not lem.endswith(("en", "aan")) or w.endswith("s") and lem == w[:-1]:
        return False
    if lem != w:
        return True
    return any(simplemma.is_known(f, lang="nl") and _dictionary_lemma(f) == lem
               for f in _third_person(lem))


@lru_cache(maxsize=1 << 16)
def is_noun_like(phrase: str) -> bool:
    """Whether a phrase (its readable form) looks like a noun phrase, the kind of phrase that
    names a thread well (``stapeling van regels``, ``incidentele financiering``): no verb form
    among its words other than an inflected adjective, and a head (the first word before a
    linking preposition, otherwise the last word) that is neither a verb nor an adjective
    or adverb, and that does not end on an inflected adjective waiting for its noun
    (``invloed van Europese``: the phrase was cut before *regels*)."""
    words = [w.lower() for w in phrase.split() if w.lower() not in ARTICLES]
    if not words:
        return False
    link = next((i for i, w in enumerate(words) if w in LINK_WORDS and i > 0), None)
    head = words[0] if link is not None else words[-1]
    if is_verb_form(head) or head.endswith(ADJECTIVE_ENDINGS):
        return False
    if len(words) > 1 and _is_inflected_adjective(words[-1]):
        return False
    return not any(is_verb_form(w) and _dictionary_lemma(w) != w and not w.endswith("e")
                   for w in words if w not in LINK_WORDS)


def _is_inflected_adjective(word: str) -> bool:
    """``europese``, ``hoge``, ``lange``: an *-e* form whose dictionary lemma has no *-e*
    (a noun ending in *-e*, such as ``ziekte``, is its own lemma)."""
    if not word.endswith("e") or word in LINK_WORDS:
        return False
    base = _dictionary_lemma(word)
    return base != word and not base.endswith("e")


def _surface(tok: str, sentence_start: bool) -> str:
    """The form shown: lowercased, except words capitalised beyond a sentence start."""
    if tok[:1].isupper():
        rest = tok[1:]
        if any(ch.isupper() for ch in rest):  # AVG, ICT-systemen, DigiD
            return tok
        if not sentence_start:
            return tok  # Participatiewet, Lindeveen mid-sentence: a name
        return "\0" + tok  # decided later: capitalised only at a sentence start
    return tok


@lru_cache(maxsize=1 << 18)
def _token(tok: str) -> tuple[str, str, str, str]:
    """``(class, lemma, surface at a sentence start, surface elsewhere)`` of a token, class
    as in :func:`_word_class` plus ``p`` for punctuation (its lemma is ``"."`` when it ends a
    sentence); one cached lookup per token in :func:`candidate_phrases`."""
    if not tok[0].isalnum():
        return "p", "." if tok in _SENTENCE_END else "", "", ""
    cls, lem, _w = _word_class(tok)
    if cls == "c":
        return cls, lem, _surface(tok, True), _surface(tok, False)
    low = tok.lower()
    return cls, lem, low, low


def candidate_phrases(text: str) -> list[tuple[str, str]]:
    """Candidate phrases of ``text`` as ``(lemma identity, surface form)``, in order of
    occurrence (duplicates kept). A surface word starting with ``"\\0"`` was capitalised
    only because it starts a sentence (see :func:`key_phrases_by_group`)."""
    out: list[tuple[str, str]] = []
    append = out.append
    classes: list[str] = []  # the current run: classes, lemmas and surfaces of its words
    lems: list[str] = []
    surfs: list[str] = []
    prev_end = True

    def flush() -> None:
        n = len(classes)
        for i in range(n):
            if classes[i] != "c":
                continue
            # runs of content words
            key, surface = lems[i], surfs[i]
            append((key, surface))
            j = i + 1
            while j < n and j - i < _MAX_CONTENT and classes[j] == "c":
                key += " " + lems[j]
                surface += " " + surfs[j]
                append((key, surface))
                j += 1
            # content, link, [article], content
            if i + 2 < n and classes[i + 1] == "l":
                k = i + 2
                if classes[k] == "d" and k + 1 < n:
                    k += 1
                if classes[k] == "c":
                    append((f"{lems[i]} {lems[i + 1]} {lems[k]}", " ".join(surfs[i : k + 1])))
        classes.clear()
        lems.clear()
        surfs.clear()

    token = _token
    for tok in _TOKEN_RE.findall(text):
        cls, lem, at_start, elsewhere = token(tok)
        if cls == "p":
            if classes:
                flush()
            prev_end = lem == "."
            continue
        if cls == "x":
            if classes:
                flush()
        else:
            classes.append(cls)
            lems.append(lem)
            surfs.append(at_start if prev_end else elsewhere)
        prev_end = False
    if classes:
        flush()
    return out


def _readable(surface: str, capitalised: set[str]) -> str:
    words = []
    for w in surface.split(" "):
        if w.startswith("\0"):
            w = w[1:]
            if w not in capitalised:
                w = w.lower()
        words.append(w)
    return " ".join(words)


class _Index:
    """Interned candidates of every text: phrase ids and surface ids per text."""

    def __init__(self) -> None:
        self.phrase_ids: dict[str, int] = {}
        self.phrases: list[str] = []
        self.surface_ids: dict[str, int] = {}
        self.surfaces: list[str] = []
        self.df: list[int] = []  # texts containing the phrase, whole corpus
        self.capitalised: set[str] = set()  # words seen capitalised mid-sentence
        #: the phrase of each surface, and whether a surface was ever seen as two phrases
        #: (then a text's surfaces do not tell its phrases)
        self.surface_phrase = array("l")
        self.ambiguous = False
        self._texts: dict[str, tuple[array, array]] = {}  # what add_ordered gave per text

    def add(self, text: str) -> array:
        """Index one text; returns its phrases and their surfaces in it, as flat
        ``(phrase id, surface id)`` pairs by phrase id (each phrase once, with the first of
        its surfaces in the text)."""
        return self.add_ordered(text)[0]

    def add_ordered(self, text: str) -> tuple[array, array]:
        """:meth:`add`, also returning the text's distinct surfaces in the order they first
        occur (what fixes the order in which an index sees them: the first-seen surface
        wins a tie in :func:`_main_sid`). With :attr:`surface_phrase` these tell the
        text's candidates: each phrase counts with the first of its surfaces. A text seen
        before is not phrased again (the arrays returned are shared: do not change them)."""
        again = self._texts.get(text)
        if again is not None:
            df = self.df
            for pid in again[0][0::2]:
                df[pid] += 1
            return again
        seen: dict[int, int] = {}
        order: dict[int, None] = {}
        phrase_ids, surface_ids = self.phrase_ids, self.surface_ids
        surface_phrase = self.surface_phrase
        for key, surface in candidate_phrases(text):
            pid = phrase_ids.get(key)
            if pid is None:
                pid = phrase_ids[key] = len(self.phrases)
                self.phrases.append(key)
                self.df.append(0)
            sid = surface_ids.get(surface)
            if sid is None:
                sid = surface_ids[surface] = len(self.surfaces)
                self.surfaces.append(surface)
                surface_phrase.append(pid)
                for w in surface.split(" "):
                    if w[:1].isupper():
                        self.capitalised.add(w)
            elif surface_phrase[sid] != pid:
                self.ambiguous = True
            if pid not in seen:
                seen[pid] = sid
            order[sid] = None
        df = self.df
        flat = array("l")
        for pid in sorted(seen):
            df[pid] += 1
            flat.append(pid)
            flat.append(seen[pid])
        out = self._texts[text] = (flat, array("l", order))
        return out


def key_phrases_by_group(
    groups: Sequence[Sequence[str]],
    background: Iterable[str] = (),
    *,
    top_n: int = 5,
    min_count: int = 2,
) -> list[tuple[KeyPhrase, ...]]:
    """Key phrases of each group of texts, scored by c-TF-IDF against the other groups and
    the ``background`` texts. Returns one tuple per group, best first."""
    index = _Index()
    per_group = [[index.add(t) for t in texts] for texts in groups]
    n_background = 0
    for t in background:
        index.add(t)
        n_background += 1
    n_texts = sum(len(g) for g in per_group) + n_background
    n_classes = len(groups) + (1 if n_background else 0)
    if not n_classes or not n_texts:
        return [() for _ in groups]
    avg = n_texts / n_classes
    results: list[tuple[KeyPhrase, ...]] = []
    for texts in per_group:
        results.append(_score_group(index, texts, avg, top_n, min_count))
    return results


def key_phrases(
    texts: Sequence[str],
    background: Iterable[str] = (),
    *,
    top_n: int = 5,
    min_count: int = 2,
) -> tuple[KeyPhrase, ...]:
    """Key phrases of one set of ``texts`` against the ``background`` (the rest of the
    corpus)."""
    return key_phrases_by_group([texts], background, top_n=top_n, min_count=min_count)[0]


def _main_sid(surfaces: Mapping[int, int]) -> int:
    """The surface seen most often (ties: the first one the index saw)."""
    if len(surfaces) == 1:
        return next(iter(surfaces))
    return max(surfaces.items(), key=lambda kv: (kv[1], -kv[0]))[0]


def _main_form(index: _Index, surfaces: Mapping[int, int]) -> str:
    return index.surfaces[_main_sid(surfaces)].replace("\0", "")


def _inflected(index: _Index, key: str, surfaces: Mapping[int, int]) -> bool:
    """A single word mostly seen as an inflected adjective or verb form (ends in -e where its
    lemma does not: ``incidentele``, ``werkte``): a poor label on its own."""
    form = index.surfaces[_main_sid(surfaces)].lstrip("\0").lower()
    return form.endswith("e") and not key.endswith("e") and form != key


@lru_cache(maxsize=1 << 18)
def _content_words(key: str) -> int:
    return sum(1 for w in key.split(" ") if w not in LINK_WORDS)


def _score_group(
    index: _Index, texts: list[array], avg: float, top_n: int, min_count: int
) -> tuple[KeyPhrase, ...]:
    if not texts or top_n <= 0:
        return ()
    counts: Counter[int] = Counter()  # texts of the group containing the phrase
    pairs: Counter[tuple[int, int]] = Counter()  # (phrase, its surface in a text): texts
    for flat in texts:
        pids = flat[0::2]
        counts.update(pids)
        pairs.update(zip(pids, flat[1::2]))
    return _score_counts(index, counts, pairs, len(texts), avg, top_n, min_count)


def _score_counts(
    index, counts: Mapping[int, int], pairs: Mapping[tuple[int, int], int], size: int,
    avg: float, top_n: int, min_count: int,
) -> tuple[KeyPhrase, ...]:
    """The key phrases of a group of ``size`` texts from its counts: ``counts[pid]`` texts
    contain the phrase, ``pairs[(pid, sid)]`` of them first as that surface. ``index`` gives
    ``phrases[pid]``, ``df[pid]``, ``surfaces[sid]`` (sids numbered in the order an index
    saw them) and ``capitalised``: an :class:`_Index` or the same kept in another form."""
    if not size or top_n <= 0:
        return ()
    need = min(min_count, size)
    surfaces: dict[int, dict[int, int]] = {}
    phrases, df = index.phrases, index.df
    log = math.log

    def score(frequent: bool) -> list[tuple[float, str, int]]:
        """The scores of the phrases in at least ``need`` texts (or of the others)."""
        for (pid, sid), n in pairs.items():
            if (counts[pid] >= need) == frequent:
                surfaces.setdefault(pid, {})[sid] = n
        out: list[tuple[float, str, int]] = []
        for pid, c in counts.items():
            if (c >= need) != frequent:
                continue
            key = phrases[pid]
            n_words = _content_words(key)
            value = (c / size) * log(1 + avg / df[pid]) * (1 + 0.15 * (n_words - 1))
            surf = surfaces[pid]
            if n_words == 1 and _inflected(index, key, surf):
                value *= INFLECTED_FACTOR
            if not is_noun_like(_main_form(index, surf)):
                value *= NON_NOUN_FACTOR
            out.append((round(value, 6), key, pid))
        out.sort(key=lambda s: (-s[0], -len(s[1]), s[1]))
        return out

    # Phrases in fewer than ``need`` texts only count when none of the others is chosen: they
    # are scored only then (the order of the others does not depend on them).
    chosen: list[KeyPhrase] = []
    chosen_sets: list[set[str]] = []
    for relax in (False, True):
        if relax and chosen:
            break
        for value, key, pid in score(not relax):
            if len(chosen) >= top_n:
                break
            c = counts[pid]
            content = {w for w in key.split(" ") if w not in LINK_WORDS}
            if any(content & s for s in chosen_sets):
                continue
            forms: Counter[str] = Counter()
            for sid, n in surfaces[pid].items():
                forms[_readable(index.surfaces[sid], index.capitalised)] += n
            text = min(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            chosen.append(KeyPhrase(text=text, lemma=key, score=value, count=c))
            chosen_sets.append(content)
        if len(chosen) >= top_n:
            break
    return tuple(chosen)
