# SPDX-License-Identifier: EUPL-1.2
"""Parsing XML from untrusted packages: no DTDs, no entities, no network, no huge trees.

OOXML and ODF never carry a document type declaration, so any DTD (the carrier of XXE and
"billion laughs" entity bombs) makes the part invalid rather than merely unexpanded.
"""

from __future__ import annotations

from lxml import etree

from .errors import IngestError


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_xml(data: bytes, *, filename: str, part: str, format_name: str) -> etree._Element:
    """Parse one XML part of a package; a DTD or malformed XML raises ``corrupt``."""
    head = data[:4096].lstrip()
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        raise IngestError.of("corrupt", filename, format_name=format_name,
                             detail=f"{part} declares a DTD or entities, which is not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise IngestError.of("corrupt", filename, format_name=format_name,
                             detail=f"{part} is not well-formed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise IngestError.of("corrupt", filename, format_name=format_name,
                             detail=f"{part} declares a DTD or entities, which is not allowed")
    return root
