# SPDX-License-Identifier: EUPL-1.2
"""Laws, articles and organisations named in a text.

Laws come from ``data/laws.yaml`` (canonical titles with abbreviations and aliases) plus a
generic pattern for other titles: ``Wet …``/``Besluit …``/``Regeling …`` followed by
lowercase words, capitalised compounds ending in ``-wet`` (``Participatiewet``) and EU acts
(``Verordening (EU) 2016/679``). Article references ("artikel 4:84 van de Algemene wet
bestuursrecht", "art. 8 Wet inburgering 2021", "artikel 58, lid 2, van de Participatiewet",
"artikel 23 en artikel 24 van de Wahv") extend the law mention to the left and fill
:attr:`Mention.article`. Abbreviations are matched case-sensitively as whole words; titles
case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import yaml

from staat.nlp.lemmas import STOPWORDS

from .labels import DATA_DIR
from .types import Mention, OrganisationDef

__all__ = ["find_laws", "find_organisations", "load_laws"]

LAWS_PATH = DATA_DIR / "laws.yaml"

_W = r"[^\W\d_]"  # a letter
_B = r"(?<![\w-])"  # word start
_E = r"(?![\w-])"  # word end (a following hyphen means a compound such as "Wmo-ondersteuning")


@lru_cache(maxsize=1)
def load_laws() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """``(title, abbreviations, aliases)`` per law of ``data/laws.yaml``."""
    with open(LAWS_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return tuple(
        (
            str(d["title"]),
            tuple(str(a) for a in d.get("abbreviations", ())),
            tuple(str(a) for a in d.get("aliases", ())),
        )
        for d in data["laws"]
    )


@lru_cache(maxsize=1)
def _known() -> tuple[re.Pattern, re.Pattern, dict[str, str], dict[str, str]]:
    titles: dict[str, str] = {}  # lowercased title/alias -> canonical
    abbrevs: dict[str, str] = {}  # abbreviation -> canonical
    for title, abbr, aliases in load_laws():
        titles[title.lower()] = title
        for a in aliases:
            titles[a.lower()] = title
        for a in abbr:
            abbrevs[a] = title
    t_alt = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    a_alt = "|".join(re.escape(a) for a in sorted(abbrevs, key=len, reverse=True))
    title_re = re.compile(rf"{_B}(?:{t_alt}){_E}", re.IGNORECASE)
    abbr_re = re.compile(rf"{_B}(?:{a_alt}){_E}")
    return title_re, abbr_re, titles, abbrevs


# words that end a generic title ("de Wet vereenvoudiging beslagvrije voet vraagt ...")
_STOP = frozenset(
    ["aan", "als", "bij", "dat", "de", "die", "dit", "door", "en", "er", "geen", "het", "heeft", "hebben", "in", "is", "kan", "kunnen", "maar", "met", "moet", "moeten", "na", "naar", "niet", "nog", "of", "om", "ook", "op", "over", "te", "tot", "uit", "van", "voor", "waarin", "wat", "wel", "werd", "wordt", "worden", "zal", "zijn", "zou", "vraagt", "vroeg", "regelt", "bepaalt", "schrijft", "geeft", "biedt", "kent", "voorziet", "gaat", "ging", "gold", "geldt", "stelt", "eist", "maakt", "legt", "liet", "laat", "bevat", "noemt", "treedt", "trad", "trad", "werkt", "was", "waren", "zegt", "zei", "al", "sinds", "per", "zoals", "omdat", "waardoor", "terwijl", "tegen", "via", "wij", "we", "zij", "ze", "hij", "u", "ik", "ontvangen", "ontving", "krijgen", "kreeg", "staat", "staan", "stond"]
)
_GENERIC_RE = re.compile(
    rf"""
    {_B}(?P<kw>Wet|Besluit|Regeling|Rijkswet|Verordening|Richtlijn)
    (?P<tail>(?:\s+(?:op\s+de|op\s+het|van\s+de|tot|inzake|op))?
      (?:\s+[a-zà-ÿ][\w-]*){{1,6}}(?:\s+\d{{4}})?)
    |{_B}(?P<compound>[A-Z][a-zà-ÿ]{{2,}}wet(?:boek)?(?:\s+\d{{4}})?){_E}
    |{_B}(?P<eu>(?:Verordening|Richtlijn)\s+\((?:EU|EG|EEG|Euratom)\)\s+(?:nr\.\s+)?\d{{2,4}}/\d+)
    """,
    re.VERBOSE,
)
_ART = r"\d+[a-z]?(?::\d+[a-z]?)?(?:\.\d+)?"
_ARTICLE_RE = re.compile(
    rf"""
    (?P<ref>
      (?:[Aa]rtikel(?:en)?|[Aa]rt\.|[Aa]rtt\.)\s+
      (?P<nums>{_ART}(?:\s*(?:,|en|jo\.)\s*(?:(?:artikel|art\.)\s+)?{_ART})*)
      (?:\s*,?\s*(?P<lid>(?:eerste|tweede|derde|vierde|vijfde)\s+lid|lid\s+\d+[a-z]?))?
      (?:\s*,?\s*onderdeel\s+\w+)?
      \s*,?\s*(?:van\s+(?:de|het)\s+|uit\s+(?:de|het)\s+|de\s+|het\s+)?
    )$
    """,
    re.VERBOSE,
)
_GATE_RE = re.compile(r"wet|besluit|regeling|verordening|richtlijn|keur", re.IGNORECASE)
_ORDINALS = {"eerste": "1", "tweede": "2", "derde": "3", "vierde": "4", "vijfde": "5"}


def _generic(m: re.Match) -> tuple[int, int, str] | None:
    if m.group("eu"):
        return m.start("eu"), m.end("eu"), re.sub(r"\s+", " ", m.group("eu"))
    if m.group("compound"):
        text = m.group("compound")
        return m.start("compound"), m.end("compound"), text
    kw = m.group("kw")
    words = m.group("tail").split()
    keep: list[str] = []
    lead = True
    for w in words:
        if lead and w in ("op", "de", "het", "van", "tot", "inzake"):
            keep.append(w)
            continue
        lead = False
        if w.lower() in _STOP or w.lower() in STOPWORDS:
            break
        keep.append(w)
    while keep and keep[-1] in ("op", "de", "het", "van", "tot", "inzake"):
        keep.pop()
    content = [w for w in keep if w not in ("op", "de", "het", "van", "tot", "inzake")]
    if not content or (kw in ("Verordening", "Richtlijn", "Regeling") and len(content) < 1):
        return None
    # measure the kept words in the original text
    end = m.start("kw") + len(kw)
    text = m.string
    for w in keep:
        j = text.find(w, end)
        if j < 0:
            return None
        end = j + len(w)
    return m.start("kw"), end, re.sub(r"\s+", " ", text[m.start("kw"):end])


def find_laws(text: str, offset: int = 0) -> list[Mention]:
    """Laws and regulations named in ``text``, with article references, in text order.

    Offsets are ``offset + index`` into ``text``; ``text[m.char_start - offset :
    m.char_end - offset] == m.text``. Known laws get their canonical title; other titles
    found by the generic pattern are their own canonical form (whitespace normalised).
    """
    title_re, abbr_re, titles, abbrevs = _known()
    found: list[tuple[int, int, int, str]] = []
    for m in abbr_re.finditer(text):
        found.append((0, m.start(), m.end(), abbrevs[m.group()]))
    if _GATE_RE.search(text):  # every title and generic pattern holds one of these words
        for m in title_re.finditer(text):
            found.append((0, m.start(), m.end(), titles[m.group().lower()]))
        for m in _GENERIC_RE.finditer(text):
            g = _generic(m)
            if g:
                found.append((1, *g))
    if not found:
        return []
    # known laws before generic titles, then longest first, then leftmost; drop overlaps
    found.sort(key=lambda f: (f[0], -(f[2] - f[1]), f[1]))
    taken: list[tuple[int, int, str]] = []
    for _, s, e, canon in found:
        if any(s < te and ts < e for ts, te, _ in taken):
            continue
        taken.append((s, e, canon))
    taken.sort()
    out: list[Mention] = []
    for s, e, canon in taken:
        article = ""
        lo = max(0, s - 120)
        am = _ARTICLE_RE.search(text[lo:s])
        if am:
            nums = re.split(r"\s*(?:,|en|jo\.)\s*(?:(?:artikel|art\.)\s+)?", am.group("nums"))
            article = ", ".join(n for n in nums if n)
            lid = am.group("lid")
            if lid:
                parts = lid.split()
                k = _ORDINALS.get(parts[0], parts[-1])
                article += f" lid {k}"
            s = lo + am.start("ref")
        out.append(Mention(text=text[s:e], canonical=canon, char_start=offset + s,
                           char_end=offset + e, article=article))
    return out


@lru_cache(maxsize=64)
def _org_patterns(organisations: tuple[OrganisationDef, ...]):
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for org in organisations:
        for name in org.names:
            name = name.strip()
            if not name:
                continue
            if len(name) <= 6 or name.isupper():
                exact.setdefault(name, org.code)
            else:
                folded.setdefault(name.lower(), org.code)
    # (pattern, names, case-folded, needles): a pattern can only match where one of its
    # needles occurs, a quick test that saves most regex scans. Exact names are needles as
    # they are; folded names only if all are ASCII, and then only for ASCII text (where
    # IGNORECASE means no more than equal lowercase letters).
    pats = []
    if exact:
        alt = "|".join(re.escape(n) for n in sorted(exact, key=len, reverse=True))
        pats.append((re.compile(rf"(?<![\w]){alt}(?![\w])"), exact, False, tuple(exact)))
    if folded:
        alt = "|".join(re.escape(n) for n in sorted(folded, key=len, reverse=True))
        needles = tuple(folded) if all(n.isascii() for n in folded) else None
        pats.append((re.compile(rf"(?<![\w]){alt}(?![\w])", re.IGNORECASE), folded, True,
                     needles))
    return tuple(pats)


_LAST_PATTERNS: list = [None, ()]  # [organisations, their patterns]: the last ones used


def _patterns_of(organisations: Sequence[OrganisationDef]):
    """``_org_patterns`` for the same sequence as last time without hashing it again."""
    if organisations is not _LAST_PATTERNS[0]:
        _LAST_PATTERNS[1] = _org_patterns(tuple(organisations))
        _LAST_PATTERNS[0] = organisations
    return _LAST_PATTERNS[1]


def find_organisations(
    text: str, organisations: Sequence[OrganisationDef], offset: int = 0
) -> list[Mention]:
    """Organisations of the register named in ``text`` (full or short names), in text order.

    Names of up to six characters and all-capital names (acronyms such as ``LVU``) match
    case-sensitively, longer names case-insensitively; always on word boundaries, so
    ``LVU`` matches in "het LVU" and "LVU-medewerkers" but not in "PLVUX". The longest name
    wins where names overlap; ``canonical`` is the organisation code.
    """
    if not organisations:
        return []
    found: list[tuple[int, int, str]] = []
    lowered = None
    for rx, names, fold, needles in _patterns_of(organisations):
        if not fold:
            if not any(n in text for n in needles):
                continue
        elif needles is not None and text.isascii():
            if lowered is None:
                lowered = text.lower()
            if not any(n in lowered for n in needles):
                continue
        for m in rx.finditer(text):
            key = m.group().lower() if fold else m.group()
            found.append((m.start(), m.end(), names[key]))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int, str]] = []
    for s, e, code in found:
        if any(s < te and ts < e for ts, te, _ in taken):
            continue
        taken.append((s, e, code))
    taken.sort()
    return [Mention(text=text[s:e], canonical=c, char_start=offset + s, char_end=offset + e)
            for s, e, c in taken]
