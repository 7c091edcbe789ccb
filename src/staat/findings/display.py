# SPDX-License-Identifier: EUPL-1.2
"""Presenting findings: passages with highlighted spans, explanations as marked-up text.

Passage text is rendered verbatim (no added characters) inside an element that carries
``data-char-start``, so the browser's text content maps one-to-one onto ``Source.text`` and a
selection can be turned back into character offsets (``static/staat/findings.js``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from staat.findings.models import Finding, Kind

KIND_LABELS = dict(Kind.choices)


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    css: str
    title: str = ""
    attrs: str = ""


def marked(text: str, base: int, highlights: list[Highlight]) -> SafeString:
    """``text`` (starting at offset ``base`` of the source) escaped, with every highlight in a
    ``<mark>``; overlapping highlights split into segments so marks never nest."""
    end_text = base + len(text)
    hs = [h for h in highlights if h.end > base and h.start < end_text]
    cuts = sorted({base, end_text, *(max(base, h.start) for h in hs), *(min(end_text, h.end) for h in hs)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        piece = escape(text[a - base:b - base])
        covering = [h for h in hs if h.start <= a and h.end >= b]
        if not covering:
            out.append(piece)
            continue
        h = covering[-1]
        classes = " ".join(dict.fromkeys(c.css for c in covering))
        title = f' title="{escape(h.title)}"' if h.title else ""
        out.append(f'<mark class="staat-hl {classes}"{title}{h.attrs}>{piece}</mark>')
    return mark_safe("".join(out))


def finding_highlights(findings, current: Finding | None = None) -> list[Highlight]:
    hs = []
    for f in findings:
        css = f"staat-hl--{f.kind} staat-hl--{f.status}"
        if current is not None and f.pk == current.pk:
            css += " staat-hl--current"
        hs.append(Highlight(f.char_start, f.char_end, css,
                            title=f"{KIND_LABELS.get(f.kind, f.kind)} · {f.get_status_display()}",
                            attrs=f' data-finding="{f.pk}"'))
    return hs


def passage_blocks(source, passages, highlights: list[Highlight]) -> list[dict]:
    return [
        {"passage": p, "html": marked(p.text, p.char_start, highlights)} for p in passages
    ]


def context_passages(finding: Finding):
    """The passages the finding lies in (at least the one holding its start)."""
    return list(
        finding.source.passages.filter(char_start__lt=finding.char_end,
                                       char_end__gt=finding.char_start).order_by("index")
    )


def machine_kind(finding: Finding) -> str:
    """The kind the machine chose (the explanation is about that, whatever a person decided)."""
    return (finding.machine_suggestion or {}).get("kind") or finding.kind


def supports(cue: dict, kind: str) -> bool:
    """A cue supports the machine's choice when it pushes toward the chosen kind or away from
    another label (a negative weight for "geen" pushes toward being a finding)."""
    weight = float(cue.get("weight", 0))
    return (cue.get("label") == kind) == (weight > 0)


def explained_text(finding: Finding) -> SafeString:
    """The finding's text with the cue words the machine used marked, weight in the title."""
    cues = (finding.explanation or {}).get("cues") or []
    kind = machine_kind(finding)
    hs = []
    for cue in cues:
        try:
            start, end = int(cue["char_start"]), int(cue["char_end"])
        except (KeyError, TypeError, ValueError):
            continue
        weight = float(cue.get("weight", 0))
        css = "staat-cue--for" if supports(cue, kind) else "staat-cue--against"
        hs.append(Highlight(start, end, css,
                            title=f"{cue.get('label', '')}: {weight:+.2f}"))
    return marked(finding.text, finding.char_start, hs)


def cue_list(finding: Finding) -> list[dict]:
    cues = (finding.explanation or {}).get("cues") or []
    kind = machine_kind(finding)
    rows = []
    for cue in sorted(cues, key=lambda c: -abs(float(c.get("weight", 0)))):
        weight = float(cue.get("weight", 0))
        rows.append({"text": cue.get("text", ""), "label": cue.get("label", ""),
                     "weight": weight, "for": supports(cue, kind)})
    return rows


def kind_scores(finding: Finding) -> list[dict]:
    scores = (finding.explanation or {}).get("kind_scores") or {}
    kind = machine_kind(finding)
    rows = []
    for label, score in sorted(scores.items(), key=lambda kv: -float(kv[1])):
        score = float(score)
        rows.append({"label": label, "name": KIND_LABELS.get(label, label), "score": score,
                     "percent": round(100 * score), "chosen": label == kind})
    return rows


def confidence_badge(value) -> SafeString:
    if value is None:
        return format_html('<span class="staat-confidence">{}</span>', "—")
    return format_html('<span class="staat-confidence">{}</span>', f"{value:.2f}")
