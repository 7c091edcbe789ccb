# SPDX-License-Identifier: EUPL-1.2
"""A fast rule-based Dutch sentence splitter for government reports.

A regular expression finds candidate boundaries (runs of ``.``, ``!``, ``?`` or ``…``
followed by optional closing quotes or brackets and whitespace, and line breaks); a few
rules then decide each candidate by looking at the token before it and the character after
it. The splitter does not use a model, is deterministic and runs at tens of millions of
characters a second (see ``bench/bench_nlp.py``).

Rules for a period (``.``):

- the next visible character (after whitespace and opening quotes or brackets) is lowercase:
  no boundary (``o.a. de``, ``3 p. lager``); ``'s`` and ``'t`` count as a capital;
- the token before is in :data:`ABBREVIATIONS`: never a boundary for abbreviations that
  cannot end a sentence (``bijv. Den Haag``, ``art. 4:84``, ``Dhr. Jansen``); a boundary
  before a capital only (never before a digit) for those that can (``enz.``, ``etc.``,
  ``jan.``);
- the token is a run of initials (``J.P.``, ``A.``): no boundary, unless it is one capital
  after a word such as ``bijlage`` (``zie bijlage B. De ...``);
- an unknown dotted lowercase abbreviation (``z.g.a.n.``): a boundary before a capital only;
- an enumerator (``2.``, ``2.1.``, ``a.``) at the start of a sentence: no boundary;
- otherwise a boundary when a capital, digit or symbol follows.

``?``, ``!`` and ellipses end a sentence unless a lowercase letter follows. Line breaks: a
blank line always ends a sentence; a single line break ends one when the line it closes
started a sentence and has no final punctuation (a heading) and the next line starts with a
capital, digit or bullet, or when the next line starts with a bullet.
"""

from __future__ import annotations

import re

__all__ = ["ABBREVIATIONS", "split_sentences", "sentences"]

# --------------------------------------------------------------------------------------------
# Abbreviations: written as in text, lower case matches any case. The first list never ends a
# sentence; the second may (then a capital must follow for a boundary).

_NEVER_FINAL = """
o.a. bijv. bv. b.v. d.w.z. dwz. art. artt. m.b.t. t.o.v. i.v.m. ca. c.a. nr. nrs. no. blz. p.
pp. dhr. mevr. mr. dr. drs. ir. ing. prof. mw. mej. vs. incl. excl. min. max. zgn. zg. evt.
vgl. t.a.v. stb. stcrt. trb. jo. hfdst. hst. par. afd. tel. m.i.v. t.b.v. o.b.v. n.a.v.
a.d.h.v. i.p.v. i.c.m. t.g.v. v.w.b. m.u.v. o.l.v. c.q. d.d. i.o.m. i.h.a. m.n. i.c. gem.
resp. bijl. fig. tab. nl. ned. st. ggd. ca. circa. aant. cf. sub. lit. o.m. e.e.a. vlg.
""".split()

_MAY_END = """
etc. enz. e.d. e.a. e.v. o.i.d. jl. a.s. p.m. z.s.m. t.z.t. n.v.t. mln. mld. mrd. jr. sr.
red. bijv.nw. jan. feb. febr. mrt. apr. jun. jul. aug. sep. sept. okt. nov. dec.
""".split()

#: Lowercased abbreviation without its final period → whether it may end a sentence.
#: References such as "Kamerstukken II 2023/24, 31 066, nr. 12" and "Stb. 2021, 123" stay
#: whole because "nr." and "Stb." are listed and digits follow them.
ABBREVIATIONS: dict[str, bool] = {
    **{a.rstrip(".").lower(): False for a in _NEVER_FINAL},
    **{a.rstrip(".").lower(): True for a in _MAY_END},
}

# After these words one capital with a period is a label, not an initial ("bijlage B.").
_LABEL_WORDS = frozenset(
    "bijlage onderdeel categorie scenario variant optie fase klasse groep type model "
    "paragraaf hoofdstuk figuur tabel vitamine cluster pijler route niveau kolom rij".split()
)

_OPENERS = "\"'“‘„«([{"
_SYMBOL_STARTS = "€$£§%#•▪●◦■‣⁃*–—-+"
_TERMINALS = ".!?…"
_CLOSERS_AND_TERMINALS = ".!?…\"'”’»)]}"

_CANDIDATE_RE = re.compile(r"[.!?…]+[\"'”’»)\]}]*(?=\s)|\n")
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")
_DOTTED_RE = re.compile(r"(?:[a-z]{1,4}\.)+[a-z]{1,4}")
_ENUMERATOR_RE = re.compile(r"\d{1,3}(?:\.\d{1,3})*|[a-zA-Z]|[ivxIVX]{1,5}")
_NONSPACE_RE = re.compile(r"\S")
_BULLET_START = "•▪●◦■□▫‣⁃∙·○◆◇►▸➢➤✓✔*"
_HEADING_BAD_END = ",;:-–—(/&"
_MAX_TOKEN = 64


def _next_visible(text: str, pos: int, end: int) -> int:
    """Index of the first non-space character in ``text[pos:end]`` or ``end``."""
    m = _NONSPACE_RE.search(text, pos, end)
    return m.start() if m else end


def _starts_bullet(text: str, i: int, end: int) -> bool:
    c = text[i]
    if c in _BULLET_START:
        return True
    return c in "-–—" and i + 1 < end and text[i + 1] in " \t"


def _period_boundary(text: str, lo: int, sent_start: int, ms: int, c: str) -> bool:
    """Decide a single period at ``ms`` followed (after space/openers) by ``c``."""
    # the token before the period
    lo = max(lo, ms - _MAX_TOKEN)  # a longer token is no abbreviation; keeps this O(1)
    ts = max(text.rfind(" ", lo, ms), text.rfind("\n", lo, ms), text.rfind("\t", lo, ms)) + 1
    if ts < lo:
        ts = lo
    while ts < ms and text[ts] in _OPENERS:
        ts += 1
    tok = text[ts:ms]
    if not tok:
        return c.isupper() or c.isdigit()
    may_end = ABBREVIATIONS.get(tok.lower())
    if may_end is not None:
        return may_end and c.isupper()
    if tok[-1].isalpha() and tok[-1].isupper() and _INITIALS_RE.fullmatch(tok):
        if len(tok) == 1 and (c.isupper() or c.isdigit()):
            ps = max(text.rfind(" ", lo, ts - 1), text.rfind("\n", lo, ts - 1)) + 1
            if ts - 1 > ps and text[ps : ts - 1].lower() in _LABEL_WORDS:
                return True
        return False
    if "." in tok and _DOTTED_RE.fullmatch(tok):
        return c.isupper()
    if ts == sent_start and _ENUMERATOR_RE.fullmatch(tok):
        return False
    return c.isupper() or c.isdigit() or c in _SYMBOL_STARTS


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences.

    Returns half-open ``(start, end)`` spans as indices into ``text`` (not into the slice),
    in order, non-overlapping and with surrounding whitespace excluded.
    """
    if end is None:
        end = len(text)
    spans: list[tuple[int, int]] = []
    sent_start = _next_visible(text, start, end)
    if sent_start >= end:
        return spans
    for m in _CANDIDATE_RE.finditer(text, sent_start, end):
        ms, me = m.span()
        if ms < sent_start:
            continue
        j = _next_visible(text, me, end)
        if j >= end:
            break
        if text[ms] == "\n":
            # a blank line always ends a sentence
            if text.find("\n", me, j) != -1:
                boundary = True
            else:
                ls = text.rfind("\n", start, ms) + 1
                if ls < start:
                    ls = start
                prev_end = ms
                while prev_end > ls and text[prev_end - 1] in " \t":
                    prev_end -= 1
                if prev_end <= sent_start:
                    continue
                last = text[prev_end - 1]
                if _starts_bullet(text, j, end):
                    boundary = last not in "-–—(/&"
                elif last in _CLOSERS_AND_TERMINALS or last in _HEADING_BAD_END:
                    boundary = False
                else:
                    nc = text[j]
                    boundary = (
                        sent_start >= ls
                        and prev_end - ls <= 120
                        and (nc.isupper() or nc.isdigit())
                        and (
                            text[ls].isupper()
                            or text[ls].isdigit()
                            or _starts_bullet(text, ls, end)
                        )
                    )
            if boundary:
                e = ms
                while e > sent_start and text[e - 1].isspace():
                    e -= 1
                spans.append((sent_start, e))
                sent_start = j
            continue
        # punctuation run, possibly with closing quotes/brackets
        k = j
        while k < end - 1 and text[k] in _OPENERS:
            k += 1
        c = text[k]
        if k > j and text[k - 1] in "'’" and text[k : k + 2] in ("s ", "t ", "s-"):
            c = "S"  # 's avonds, 't, 's-Hertogenbosch start a sentence like a capital
        core = m.group().rstrip("\"'”’»)]}")
        if core == ".":
            boundary = _period_boundary(text, start, sent_start, ms, c)
        elif "?" in core or "!" in core:
            boundary = not c.islower()
        else:  # ellipsis
            boundary = c.isupper() or c.isdigit()
        if boundary:
            spans.append((sent_start, me))
            sent_start = j
    e = end
    while e > sent_start and text[e - 1].isspace():
        e -= 1
    if e > sent_start:
        spans.append((sent_start, e))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings (convenience wrapper of :func:`split_sentences`)."""
    return [text[s:e] for s, e in split_sentences(text)]
