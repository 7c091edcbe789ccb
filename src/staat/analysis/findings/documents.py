# SPDX-License-Identifier: EUPL-1.2
"""Build a :class:`DocumentInput` from the segmenter's output (``staat.nlp.segment``)."""

from __future__ import annotations

from staat.nlp.document import SegmentedDocument

from .types import DocumentInput, PassageInput, SentenceInput

__all__ = ["document_from_segmented"]


def document_from_segmented(seg: SegmentedDocument, key: str = "", kind: str = "stand"
                            ) -> DocumentInput:
    """The extractor's input for a segmented document (same text, passages, sentences)."""
    return DocumentInput(
        key=key,
        text=seg.text,
        passages=tuple(PassageInput(p.index, tuple(p.heading_path), p.page_start,
                                    p.char_start, p.char_end) for p in seg.passages),
        sentences=tuple(SentenceInput(s.index, s.passage_index, s.page, s.char_start,
                                      s.char_end) for s in seg.sentences),
        kind=kind,
    )
