# SPDX-License-Identifier: EUPL-1.2
"""An independent checker for a built edition site: parses every page with lxml and follows
every link, picture and style sheet (the builder's own code is not used)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import html as lhtml

QUOTES = "“”\"'"


def norm(text: str) -> str:
    return " ".join((text or "").split())


@dataclass
class Report:
    pages: int = 0
    links: int = 0
    evidence_links: int = 0
    problems: list[str] = field(default_factory=list)


def _ids(tree) -> dict[str, object]:
    return {el.get("id"): el for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}


def check_site(root: Path) -> Report:
    report = Report()
    trees: dict[Path, object] = {}

    def tree_of(path: Path):
        if path not in trees:
            trees[path] = lhtml.fromstring(path.read_bytes())
        return trees[path]

    for page in sorted(root.rglob("*.html")):
        report.pages += 1
        tree = tree_of(page)
        refs = [(el, "href", el.get("href")) for el in tree.iter("a", "link") if el.get("href")]
        refs += [(el, "src", el.get("src")) for el in tree.iter("img", "script") if el.get("src")]
        for el, _attr, ref in refs:
            report.links += 1
            parts = urlsplit(ref)
            where = f"{page.relative_to(root)}: {ref}"
            if parts.scheme or parts.netloc or ref.startswith("/"):
                report.problems.append(f"{where}: not a relative link (the site must work "
                                       "offline and from any folder)")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_relative_to(root.resolve()):
                report.problems.append(f"{where}: leaves the site folder")
                continue
            if not target.is_file():
                report.problems.append(f"{where}: {target.relative_to(root.resolve())} missing")
                continue
            if parts.fragment and target.suffix == ".html":
                anchor = _ids(tree_of(target)).get(unquote(parts.fragment))
                if anchor is None:
                    report.problems.append(f"{where}: no element with id {parts.fragment}")
                    continue
                if "ed-evidence" in (el.get("class") or "").split():
                    report.evidence_links += 1
                    _check_evidence(el, anchor, where, report)
    return report


def _check_evidence(link, anchor, where: str, report: Report) -> None:
    """The anchored passage contains the quoted words, on the page the link names."""
    item = next((a for a in link.iterancestors()
                 if "ed-quote" in (a.get("class") or "").split()), None)
    if item is not None:
        quote = norm(item.find(".//blockquote").text_content()).strip(QUOTES)
        if quote not in norm(anchor.text_content()):
            report.problems.append(f"{where}: the passage does not contain “{quote[:60]}…”")
    page = link.get("data-page")
    if page:
        first, last = int(anchor.get("data-page", 0)), int(anchor.get("data-page-end", 0))
        if not first <= int(page) <= max(first, last):
            report.problems.append(f"{where}: link says page {page}, passage is on {first}-{last}")
        if not re.search(rf"\b{page}\b", link.text_content()):
            report.problems.append(f"{where}: the page number is not visible in the link")
