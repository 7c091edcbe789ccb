# SPDX-License-Identifier: EUPL-1.2
"""REFI-QDA export: a ``.qdpx`` project and a ``.qdc`` codebook, from plain data (no Django).

REFI-QDA is the exchange standard that ATLAS.ti, NVivo, MAXQDA, QualCoder and others read.
This module knows nothing about Staat's models: a service turns findings, the codebook, coders
and memos into the plain data classes below and calls :func:`build_qdpx` or :func:`build_qdc`.

What goes where (see ``docs/refi-qda.md`` for the user's view):

* ``project.qde`` (namespace ``urn:QDA-XML:project:1.0``, root ``Project``): ``Users``,
  ``CodeBook/Codes`` (nested), ``Variables`` (one per source-metadata key), ``Sources`` with
  one ``TextSource`` per source (``plainTextPath="internal://<guid>.txt"``), each coding as a
  ``PlainTextSelection`` with one ``Coding``/``CodeRef``, ``Notes`` (memos) and ``NoteRef``\\ s
  from the source, code or project they are about.
* ``sources/<guid>.txt``: the plain text, UTF-8 without a byte-order mark, in the lowercase
  folder ``sources/`` (ATLAS.ti rejects other spellings).

**Positions** are zero-based character offsets into that exported text, counted in Unicode
code points (Python ``str`` indices), ``startPosition`` inclusive and ``endPosition``
exclusive, so ``text[startPosition:endPosition]`` is the coded text.

**Determinism.** GUIDs come from :func:`stable_guid`, codings and notes are sorted, the zip
entries carry a fixed timestamp and fixed attributes: the same data gives byte-identical
output (with the same zlib; deflate output may differ between zlib versions).

**Validation.** :func:`validate_qde` and :func:`validate_qdc` check a document three ways:
against an XML Schema with ``lxml`` (the official REFI-QDA XSD when it is installed in
:data:`SCHEMA_DIR` or ``$STAAT_REFIQDA_SCHEMA_DIR``, otherwise a schema derived at run time
from the pydantic models that ``pyrefiqda`` generated from that XSD, see
:func:`derived_schema`), by a strict parse into those ``pyrefiqda`` models, and by checks the
XSD cannot express (unique GUIDs, references that resolve, sane positions).
:func:`validate_qdpx` also checks the package: entries, paths and offsets against the texts.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import os
import re
import types
import typing
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path

from lxml import etree

__all__ = [
    "CODEBOOK_NS",
    "GUID_NAMESPACE",
    "PROJECT_NS",
    "SCHEMA_DIR",
    "QdaCode",
    "QdaCoding",
    "QdaNote",
    "QdaProject",
    "QdaSource",
    "QdaUser",
    "RefiQdaError",
    "build_qdc",
    "build_qde",
    "build_qdpx",
    "derived_schema",
    "schema_in_use",
    "stable_guid",
    "validate_qdc",
    "validate_qde",
    "validate_qdpx",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
PROJECT_SCHEMA_LOCATION = (
    "urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
)

#: The fixed namespace of :func:`stable_guid`. Never change it: every exported GUID depends on it.
GUID_NAMESPACE = uuid.UUID("6f1c9d3e-5b0a-5c43-9a4e-2d7f3b8e1a60")

#: Where the official REFI-QDA XSDs are picked up when present (see ``schemas/README.md``).
SCHEMA_DIR = Path(__file__).resolve().with_name("schemas")
SCHEMA_DIR_ENV = "STAAT_REFIQDA_SCHEMA_DIR"
OFFICIAL_PROJECT_XSD = "Project-mrt2019.xsd"
OFFICIAL_CODEBOOK_XSD = "Codebook-mrt2019.xsd"

QDE_NAME = "project.qde"
SOURCES_DIR = "sources/"  # lowercase: ATLAS.ti rejects "Sources/"
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: fixed for determinism

_RGB = re.compile(r"#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})")
# Characters XML 1.0 cannot carry (C0 controls but tab, LF, CR; surrogates; U+FFFE/U+FFFF).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class RefiQdaError(ValueError):
    """The data cannot be exported as it is; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("cannot export REFI-QDA: " + "; ".join(self.problems))


# --------------------------------------------------------------------------- plain data


@dataclass
class QdaUser:
    """A person who coded or wrote memos (a researcher, or the machine extractor)."""

    guid: str
    name: str


@dataclass
class QdaCode:
    """A code (theme) of the codebook; ``children`` nest it."""

    guid: str
    name: str
    description: str = ""
    color: str | None = None  # "#RRGGBB" or "#RGB"
    children: list[QdaCode] = field(default_factory=list)
    codable: bool = True  # False for a grouping node that may not be applied to text

    def walk(self) -> Iterator[QdaCode]:
        """This code and all its descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class QdaSource:
    """A document as plain text; codings point into ``plain_text`` by character offsets."""

    guid: str
    name: str
    plain_text: str
    metadata: dict[str, object] = field(default_factory=dict)  # exported as variables
    created: dt.datetime | None = None


@dataclass
class QdaCoding:
    """One code applied by one user to ``plain_text[start:end]`` of a source."""

    guid: str
    source_guid: str
    start: int
    end: int
    code_guid: str
    user_guid: str | None
    created: dt.datetime
    note: str = ""  # exported as the selection's description (an ATLAS.ti quotation comment)


@dataclass
class QdaNote:
    """A memo on a source (``source_guid``), else on a code (``code_guid``), else the project."""

    guid: str
    name: str
    text: str
    user_guid: str | None
    created: dt.datetime
    source_guid: str | None = None
    code_guid: str | None = None


@dataclass
class QdaProject:
    name: str
    origin: str
    users: list[QdaUser]
    codes: list[QdaCode]
    sources: list[QdaSource]
    codings: list[QdaCoding]
    notes: list[QdaNote]
    created: dt.datetime
    description: str = ""


def stable_guid(*parts: object) -> str:
    """A GUID that depends only on ``parts``: uuid5 over :data:`GUID_NAMESPACE`.

    ``stable_guid("finding", 42, "user", 7)`` is the same on every machine and every run, so an
    export of the same data is byte-identical and a re-export keeps the GUIDs a QDA tool saw.
    """
    if not parts:
        raise ValueError("stable_guid needs at least one part")
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(str(part) for part in parts)))


# --------------------------------------------------------------------------- export


def build_qdpx(project: QdaProject) -> bytes:
    """The ``.qdpx`` package (a zip) of ``project``; raises :class:`RefiQdaError` on bad data."""
    qde = build_qde(project)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _zip_write(archive, QDE_NAME, qde)
        if project.sources:
            _zip_write(archive, SOURCES_DIR, b"")
        for source in project.sources:
            _zip_write(archive, _source_entry(source), source.plain_text.encode("utf-8"))
    return buffer.getvalue()


def build_qde(project: QdaProject) -> bytes:
    """The ``project.qde`` XML of ``project`` (UTF-8, with declaration)."""
    problems = _project_problems(project)
    if problems:
        raise RefiQdaError(problems)

    notes = sorted(project.notes, key=lambda n: (_utc(n.created), _guid(n.guid)))
    notes_on_source: dict[str, list[str]] = {}
    notes_on_code: dict[str, list[str]] = {}
    notes_on_project: list[str] = []
    for note in notes:
        if note.source_guid:
            notes_on_source.setdefault(_guid(note.source_guid), []).append(_guid(note.guid))
        elif note.code_guid:
            notes_on_code.setdefault(_guid(note.code_guid), []).append(_guid(note.guid))
        else:
            notes_on_project.append(_guid(note.guid))

    root = etree.Element(_p("Project"), nsmap={None: PROJECT_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", PROJECT_SCHEMA_LOCATION)
    root.set("name", _clean(project.name))
    root.set("origin", _clean(project.origin))
    root.set("creationDateTime", _xml_datetime(project.created))

    if project.users:
        users = _sub(root, "Users")
        for user in project.users:
            _sub(users, "User", guid=_guid(user.guid), name=_clean(user.name))

    if project.codes:
        codes = _sub(_sub(root, "CodeBook"), "Codes")
        for code in project.codes:
            _code_element(codes, code, PROJECT_NS, notes_on_code)

    variables = _variables(project.sources)
    if variables:
        element = _sub(root, "Variables")
        for variable in variables:
            _sub(element, "Variable", guid=variable.guid, name=_clean(variable.name),
                 typeOfVariable=variable.type)

    if project.sources:
        sources = _sub(root, "Sources")
        codings_by_source: dict[str, list[QdaCoding]] = {}
        for coding in project.codings:
            codings_by_source.setdefault(_guid(coding.source_guid), []).append(coding)
        for source in project.sources:
            guid = _guid(source.guid)
            attributes = {"guid": guid, "name": _clean(source.name),
                          "plainTextPath": f"internal://{guid}.txt"}
            if source.created is not None:
                attributes["creationDateTime"] = _xml_datetime(source.created)
            element = _sub(sources, "TextSource", **attributes)
            codings = sorted(codings_by_source.get(guid, []),
                             key=lambda c: (c.start, c.end, _guid(c.guid)))
            for coding in codings:
                _selection_element(element, coding)
            for note_guid in notes_on_source.get(guid, []):
                _sub(element, "NoteRef", targetGUID=note_guid)
            for variable in variables:
                if variable.name in source.metadata and source.metadata[variable.name] is not None:
                    value = _sub(element, "VariableValue")
                    _sub(value, "VariableRef", targetGUID=variable.guid)
                    _sub(value, f"{variable.type}Value").text = _variable_text(
                        variable.type, source.metadata[variable.name])

    if notes:
        element = _sub(root, "Notes")
        for note in notes:
            attributes = {"guid": _guid(note.guid), "name": _clean(note.name),
                          "creationDateTime": _xml_datetime(note.created)}
            if note.user_guid:
                attributes["creatingUser"] = _guid(note.user_guid)
            _sub(_sub(element, "Note", **attributes), "PlainTextContent").text = _clean(note.text)

    if project.description:
        _sub(root, "Description").text = _clean(project.description)
    for note_guid in notes_on_project:
        _sub(root, "NoteRef", targetGUID=note_guid)

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build_qdc(codes: Sequence[QdaCode], users: Sequence[QdaUser] = (), *,
              origin: str = "Staat") -> bytes:
    """A ``.qdc`` codebook (namespace ``urn:QDA-XML:codebook:1.0``, root ``CodeBook``).

    ``users`` is accepted for symmetry with the project export, but the REFI-QDA codebook has
    no place for users (nor for memos), so they are not written.
    """
    problems = _code_problems(codes)
    if not codes:
        problems.append("a codebook needs at least one code")
    if problems:
        raise RefiQdaError(problems)
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", _clean(origin))
    element = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    for code in codes:
        _code_element(element, code, CODEBOOK_NS, {})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _code_element(parent, code: QdaCode, namespace: str, notes: dict[str, list[str]]) -> None:
    guid = _guid(code.guid)
    element = etree.SubElement(parent, f"{{{namespace}}}Code")
    element.set("guid", guid)
    element.set("name", _clean(code.name))
    element.set("isCodable", "true" if code.codable else "false")
    if code.color:
        element.set("color", _rgb(code.color))
    if code.description:
        etree.SubElement(element, f"{{{namespace}}}Description").text = _clean(code.description)
    for note_guid in notes.get(guid, []):
        etree.SubElement(element, f"{{{namespace}}}NoteRef").set("targetGUID", note_guid)
    for child in code.children:
        _code_element(element, child, namespace, notes)


def _selection_element(source_element, coding: QdaCoding) -> None:
    attributes = {"guid": stable_guid("selection", _guid(coding.guid)),
                  "startPosition": str(coding.start), "endPosition": str(coding.end)}
    coding_attributes = {"guid": _guid(coding.guid)}
    if coding.user_guid:
        attributes["creatingUser"] = coding_attributes["creatingUser"] = _guid(coding.user_guid)
    attributes["creationDateTime"] = coding_attributes["creationDateTime"] = _xml_datetime(
        coding.created)
    selection = _sub(source_element, "PlainTextSelection", **attributes)
    if coding.note:
        _sub(selection, "Description").text = _clean(coding.note)
    _sub(_sub(selection, "Coding", **coding_attributes), "CodeRef",
         targetGUID=_guid(coding.code_guid))


def _source_entry(source: QdaSource) -> str:
    return f"{SOURCES_DIR}{_guid(source.guid)}.txt"


def _zip_write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    info.create_system = 3  # fixed, not the building machine's
    if name.endswith("/"):
        info.external_attr = (0o40755 << 16) | 0x10
        info.compress_type = zipfile.ZIP_STORED
        archive.writestr(info, data)
    else:
        info.external_attr = 0o100644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data, compresslevel=9)


# --------------------------------------------------------------------------- variables


@dataclass(frozen=True)
class _Variable:
    name: str
    guid: str
    type: str  # typeOfVariable: Text, Boolean, Integer, Float, Date or DateTime


def _value_type(value: object) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, (float, Decimal)):
        return "Float" if math.isfinite(value) else "Text"
    if isinstance(value, dt.datetime):
        return "DateTime"
    if isinstance(value, dt.date):
        return "Date"
    return "Text"


def _variables(sources: Iterable[QdaSource]) -> list[_Variable]:
    """One variable per metadata key (sorted); a key whose values differ in type is Text."""
    kinds: dict[str, set[str]] = {}
    for source in sources:
        for key, value in source.metadata.items():
            if value is not None:
                kinds.setdefault(str(key), set()).add(_value_type(value))
    return [
        _Variable(key, stable_guid("variable", key), kind.pop() if len(kind) == 1 else "Text")
        for key, kind in sorted(kinds.items())
    ]


def _variable_text(kind: str, value: object) -> str:
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Integer":
        return str(int(value))
    if kind == "Float":
        return format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    if kind == "DateTime":
        return _xml_datetime(value)
    if kind == "Date":
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(map(str, value)) if isinstance(value, (set, frozenset)) else value
        return _clean(", ".join(map(str, items)))
    return _clean(str(value))


# --------------------------------------------------------------------------- input checks


def _project_problems(project: QdaProject) -> list[str]:
    problems: list[str] = []
    seen: Counter[str] = Counter()

    def guid(value: object, what: str) -> str | None:
        try:
            canonical = _guid(value)
        except (TypeError, ValueError, AttributeError):
            problems.append(f"{what}: {value!r} is not a GUID")
            return None
        seen[canonical] += 1
        return canonical

    users = {g for u in project.users if (g := guid(u.guid, f"user {u.name!r}"))}
    problems += _code_problems(project.codes, register=guid)
    codes = {_guid(c.guid): c for top in project.codes for c in top.walk() if _is_guid(c.guid)}
    sources: dict[str, QdaSource] = {}
    for source in project.sources:
        if g := guid(source.guid, f"source {source.name!r}"):
            sources[g] = source
        try:
            source.plain_text.encode("utf-8")
        except UnicodeEncodeError as error:
            problems.append(f"source {source.name!r}: text cannot be written as UTF-8 ({error})")
    for coding in project.codings:
        what = f"coding {coding.guid}"
        guid(coding.guid, what)
        source = sources.get(_guid(coding.source_guid)) if _is_guid(coding.source_guid) else None
        if source is None:
            problems.append(f"{what}: unknown source {coding.source_guid}")
        elif not (isinstance(coding.start, int) and isinstance(coding.end, int)
                  and 0 <= coding.start < coding.end <= len(source.plain_text)):
            problems.append(
                f"{what}: span {coding.start}-{coding.end} is not a non-empty range inside "
                f"the {len(source.plain_text)} characters of source {source.name!r}")
        code = codes.get(_guid(coding.code_guid)) if _is_guid(coding.code_guid) else None
        if code is None:
            problems.append(f"{what}: unknown code {coding.code_guid}")
        elif not code.codable:
            problems.append(f"{what}: code {code.name!r} is not codable")
        if coding.user_guid and (not _is_guid(coding.user_guid)
                                 or _guid(coding.user_guid) not in users):
            problems.append(f"{what}: unknown user {coding.user_guid}")
    for note in project.notes:
        what = f"note {note.name!r}"
        guid(note.guid, what)
        if note.source_guid and (not _is_guid(note.source_guid)
                                 or _guid(note.source_guid) not in sources):
            problems.append(f"{what}: unknown source {note.source_guid}")
        if note.code_guid and (not _is_guid(note.code_guid) or _guid(note.code_guid) not in codes):
            problems.append(f"{what}: unknown code {note.code_guid}")
        if note.user_guid and (not _is_guid(note.user_guid) or _guid(note.user_guid) not in users):
            problems.append(f"{what}: unknown user {note.user_guid}")
    problems += [f"GUID {g} is used {n} times" for g, n in sorted(seen.items()) if n > 1]
    return problems


def _code_problems(codes: Sequence[QdaCode], register=None) -> list[str]:
    problems: list[str] = []
    seen: Counter[str] = Counter()
    for top in codes:
        for code in top.walk():
            if register is not None:
                register(code.guid, f"code {code.name!r}")
            elif not _is_guid(code.guid):
                problems.append(f"code {code.name!r}: {code.guid!r} is not a GUID")
            else:
                seen[_guid(code.guid)] += 1
            if not code.name:
                problems.append(f"code {code.guid}: a code needs a name")
            if code.color and not _RGB.fullmatch(code.color):
                problems.append(f"code {code.name!r}: colour {code.color!r} is not #RRGGBB")
    problems += [f"GUID {g} is used {n} times" for g, n in sorted(seen.items()) if n > 1]
    return problems


# --------------------------------------------------------------------------- validation


def validate_qde(xml_bytes: bytes) -> list[str]:
    """Every problem found in a ``project.qde`` document; an empty list means valid."""
    return _validate(xml_bytes, "project")


def validate_qdc(xml_bytes: bytes) -> list[str]:
    """Every problem found in a ``.qdc`` codebook document; an empty list means valid."""
    return _validate(xml_bytes, "codebook")


def validate_qdpx(data: bytes) -> list[str]:
    """Every problem found in a ``.qdpx`` package: entries, the ``.qde``, texts and offsets."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        return [f"package: not a zip file ({error})"]
    with archive:
        names = set(archive.namelist())
        errors = [f"package: entry {name!r} is not in the lowercase folder 'sources/'"
                  for name in sorted(names) if name.lower().startswith("sources/")
                  and not name.startswith(SOURCES_DIR)]
        if QDE_NAME not in names:
            return errors + [f"package: no {QDE_NAME} in the archive"]
        qde = archive.read(QDE_NAME)
        errors += validate_qde(qde)
        try:
            root = etree.fromstring(qde, parser=_safe_parser())
        except etree.XMLSyntaxError:
            return errors
        for source in root.iter(_p("TextSource")):
            path = source.get("plainTextPath")
            name = source.get("name")
            if path is None:
                continue
            if not path.startswith("internal://"):
                errors.append(f"package: source {name!r} points outside the package ({path})")
                continue
            entry = SOURCES_DIR + path.removeprefix("internal://")
            if entry not in names:
                errors.append(f"package: source {name!r}: {entry} is missing")
                continue
            try:
                text = archive.read(entry).decode("utf-8")
            except UnicodeDecodeError as error:
                errors.append(f"package: {entry} is not UTF-8 ({error})")
                continue
            if text.startswith("\ufeff"):
                errors.append(f"package: {entry} starts with a byte-order mark")
            for selection in source.iter(_p("PlainTextSelection")):
                try:
                    end = int(selection.get("endPosition", ""))
                except ValueError:
                    continue  # validate_qde reports it
                if end > len(text):
                    errors.append(
                        f"package: selection {selection.get('guid')} ends at {end}, past the "
                        f"{len(text)} characters of {entry}")
    return errors


def schema_in_use(kind: str = "project") -> str:
    """Which XML Schema :func:`validate_qde` (``"project"``) or :func:`validate_qdc` uses."""
    path = _official_schema_path(kind)
    if path is not None:
        return f"official REFI-QDA XSD at {path}"
    return (f"schema derived from the pyrefiqda {_pyrefiqda_version()} models "
            "(official XSD not installed)")


def _validate(xml_bytes: bytes, kind: str) -> list[str]:
    try:
        document = etree.fromstring(xml_bytes, parser=_safe_parser())
    except etree.XMLSyntaxError as error:
        return [f"xml: {error}"]
    namespace = PROJECT_NS if kind == "project" else CODEBOOK_NS
    root_name = "Project" if kind == "project" else "CodeBook"
    if document.tag != f"{{{namespace}}}{root_name}":
        return [f"xml: root is {document.tag}, expected {{{namespace}}}{root_name}"]
    schema = _schema(kind)
    errors = []
    if not schema.validate(document):
        errors += [f"schema: line {e.line}: {e.message}" for e in schema.error_log]
    errors += _model_errors(xml_bytes, kind)
    errors += _reference_errors(document, namespace)
    return errors


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _model_errors(xml_bytes: bytes, kind: str) -> list[str]:
    """A strict parse into pyrefiqda's generated models: unknown elements, attributes, values."""
    from xsdata.formats.dataclass.parsers.config import ParserConfig
    from xsdata_pydantic.bindings import XmlParser

    from pyrefiqda.models import CodeBook, Project

    parser = XmlParser(config=ParserConfig(
        fail_on_unknown_properties=True,
        fail_on_unknown_attributes=True,
        fail_on_converter_warnings=True,
    ))
    try:
        parser.from_bytes(xml_bytes, Project if kind == "project" else CodeBook)
    except Exception as error:  # xsdata and pydantic raise several kinds; all mean invalid
        message = " ".join(str(error).split())
        return [f"model: {type(error).__name__}: {message[:500]}"]
    return []


def _reference_errors(document, namespace: str) -> list[str]:
    """What the XSD cannot say: unique GUIDs, references that resolve, sane positions."""
    errors: list[str] = []

    def local(element) -> str:
        return etree.QName(element).localname

    def ns(name: str) -> str:
        return f"{{{namespace}}}{name}"

    guids = Counter(
        e.get("guid").strip("{}").lower() for e in document.iter()
        if isinstance(e.tag, str) and e.get("guid") and local(e) != "MemberCode")
    errors += [f"references: GUID {g} is used {n} times" for g, n in sorted(guids.items())
               if n > 1]

    def targets(tag: str) -> set[str]:
        return {e.get("guid", "").strip("{}").lower() for e in document.iter(ns(tag))}

    kinds = {"CodeRef": targets("Code"), "NoteRef": targets("Note"),
             "VariableRef": targets("Variable"), "MemberCode": targets("Code")}
    for tag, known in kinds.items():
        for element in document.iter(ns(tag)):
            target = (element.get("targetGUID") or element.get("guid") or "").strip("{}").lower()
            if target and target not in known:
                errors.append(f"references: line {element.sourceline}: {tag} points at unknown "
                              f"GUID {target}")
    users = targets("User")
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("creatingUser", "modifyingUser", "creatingUserGUID",
                          "modifyingUserGUID"):
            value = element.get(attribute)
            if value and value.strip("{}").lower() not in users:
                errors.append(f"references: line {element.sourceline}: {attribute} {value} is "
                              "not among the project's users")
    for selection in document.iter(ns("PlainTextSelection")):
        try:
            start = int(selection.get("startPosition", ""))
            end = int(selection.get("endPosition", ""))
        except ValueError:
            continue  # the schema reports it
        if not 0 <= start <= end:
            errors.append(f"references: line {selection.sourceline}: selection {start}-{end} "
                          "is not a range")
    for tag in ("TextSource", "Note"):
        for element in document.iter(ns(tag)):
            has_content = element.find(ns("PlainTextContent")) is not None
            if has_content == (element.get("plainTextPath") is not None):
                errors.append(f"references: line {element.sourceline}: a {tag} needs either "
                              "PlainTextContent or plainTextPath, not both or neither")
    return errors


def _official_schema_path(kind: str) -> Path | None:
    filename = OFFICIAL_PROJECT_XSD if kind == "project" else OFFICIAL_CODEBOOK_XSD
    directories = [Path(d) for d in [os.environ.get(SCHEMA_DIR_ENV)] if d] + [SCHEMA_DIR]
    for directory in directories:
        if (directory / filename).is_file():
            return directory / filename
    return None


@functools.lru_cache(maxsize=8)
def _cached_schema(kind: str, path: Path | None) -> etree.XMLSchema:
    if path is not None:
        return etree.XMLSchema(etree.parse(str(path), parser=_safe_parser()))
    return etree.XMLSchema(etree.fromstring(derived_schema(kind)))


def _schema(kind: str) -> etree.XMLSchema:
    return _cached_schema(kind, _official_schema_path(kind))


# --------------------------------------------------------------------------- derived schema


def derived_schema(kind: str = "project") -> bytes:
    """An XML Schema built from the pydantic models that pyrefiqda generated from the REFI-QDA XSD.

    The models keep each complex type's elements in the XSD's sequence order, their
    occurrence (optional, required, lists with ``min_occurs``), the attributes and whether
    they are required, the built-in types, the enumerations and the GUID and colour patterns;
    this function writes that back as an XSD for ``lxml``. Two things the models flatten:
    the ``Sources`` choice (written back as a repeatable choice, as in the standard, but
    allowing an empty ``Sources``) and the one-of value choice of ``VariableValue`` (written
    as a sequence of optional values, which is stricter about their order). Used only when the
    official XSD is not installed (see :func:`schema_in_use`).
    """
    from pyrefiqda.models import CodeBook, Project

    root, namespace = (Project, PROJECT_NS) if kind == "project" else (CodeBook, CODEBOOK_NS)
    return _Deriver(namespace).schema(root)


class _Deriver:
    _BUILTIN = {str: "string", int: "integer", bool: "boolean", Decimal: "decimal",
                float: "double"}

    def __init__(self, namespace: str):
        self.namespace = namespace
        self.root = etree.Element(f"{{{XSD_NS}}}schema", nsmap={"xsd": XSD_NS, None: namespace})
        for key, value in (("targetNamespace", namespace), ("elementFormDefault", "qualified"),
                           ("attributeFormDefault", "unqualified"), ("version", "1.0")):
            self.root.set(key, value)
        self.simple: dict[object, str] = {}  # enum class or pattern -> simple type name
        self.simple_elements: list = []

    def schema(self, root_cls: type) -> bytes:
        self.root.append(etree.Comment(
            f" Derived at run time from the pyrefiqda {_pyrefiqda_version()} models of the "
            "REFI-QDA XSD; see staat.findings.refiqda.derived_schema "))
        element = self._xsd(self.root, "element", name=_xml_name(root_cls))
        element.set("type", _xml_name(root_cls))
        pending, done = [root_cls], set()
        while pending:
            cls = pending.pop(0)
            if cls in done:
                continue
            done.add(cls)
            pending += self._complex_type(cls)
        for node in self.simple_elements:
            self.root.append(node)
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8",
                              pretty_print=True)

    def _xsd(self, parent, tag: str, **attributes):
        return etree.SubElement(parent, f"{{{XSD_NS}}}{tag}", **attributes)

    def _complex_type(self, cls: type) -> list[type]:
        from pydantic import BaseModel

        found: list[type] = []
        complex_type = self._xsd(self.root, "complexType", name=_xml_name(cls))
        elements, attributes = [], []
        for name, info in cls.model_fields.items():
            metadata = getattr(info, "xsdata_metadata", None) or {}
            kind = metadata.get("type")
            if kind == "Element":
                elements.append((name, info, metadata))
            elif kind == "Attribute":
                attributes.append((name, info, metadata))
            else:
                raise NotImplementedError(f"{cls.__name__}.{name}: field type {kind!r}")
        if elements:
            choice_like = len(elements) > 1 and all(
                _unwrap(info.annotation)[1] and "min_occurs" not in metadata
                for _, info, metadata in elements) and not attributes
            group = (self._xsd(complex_type, "choice", minOccurs="0", maxOccurs="unbounded")
                     if choice_like else self._xsd(complex_type, "sequence"))
            for name, info, metadata in elements:
                inner, is_list, optional = _unwrap(info.annotation)
                element = self._xsd(group, "element", name=metadata.get("name", name))
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    element.set("type", _xml_name(inner))
                    found.append(inner)
                else:
                    element.set("type", self._simple(inner, metadata.get("pattern")))
                if choice_like:
                    continue
                if is_list:
                    element.set("minOccurs", str(metadata.get("min_occurs", 0)))
                    element.set("maxOccurs", str(metadata.get("max_occurs", "unbounded")))
                elif optional or not info.is_required():
                    element.set("minOccurs", "0")
        for name, info, metadata in attributes:
            inner, is_list, _ = _unwrap(info.annotation)
            if is_list:
                raise NotImplementedError(f"{cls.__name__}.{name}: list attribute")
            attribute = self._xsd(complex_type, "attribute", name=metadata.get("name", name),
                                  type=self._simple(inner, metadata.get("pattern")))
            if info.is_required():
                attribute.set("use", "required")
        return found

    def _simple(self, inner: object, pattern: str | None) -> str:
        from xsdata.models.datatype import XmlDate, XmlDateTime

        if isinstance(inner, type) and issubclass(inner, Enum):
            if inner not in self.simple:
                name = _xml_name(inner)
                self.simple[inner] = name
                node = etree.Element(f"{{{XSD_NS}}}simpleType", name=name)
                restriction = etree.SubElement(node, f"{{{XSD_NS}}}restriction",
                                               base="xsd:token")
                for member in inner:
                    etree.SubElement(restriction, f"{{{XSD_NS}}}enumeration",
                                     value=str(member.value))
                self.simple_elements.append(node)
            return self.simple[inner]
        builtin = {XmlDate: "date", XmlDateTime: "dateTime", **self._BUILTIN}.get(inner)
        if builtin is None:
            raise NotImplementedError(f"no XSD type for {inner!r}")
        if pattern is None:
            return f"xsd:{builtin}"
        if pattern not in self.simple:
            name = f"Pattern{len([k for k in self.simple if isinstance(k, str)]) + 1}Type"
            self.simple[pattern] = name
            node = etree.Element(f"{{{XSD_NS}}}simpleType", name=name)
            restriction = etree.SubElement(
                node, f"{{{XSD_NS}}}restriction",
                base="xsd:token" if builtin == "string" else f"xsd:{builtin}")
            etree.SubElement(restriction, f"{{{XSD_NS}}}pattern", value=pattern)
            self.simple_elements.append(node)
        return self.simple[pattern]


def _unwrap(annotation: object) -> tuple[object, bool, bool]:
    """(inner type, is a list, is optional) of a model field's annotation."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(arguments) < len(typing.get_args(annotation))
        if len(arguments) != 1:
            raise NotImplementedError(f"union {annotation!r}")
        annotation = arguments[0]
        origin = typing.get_origin(annotation)
    if origin is list:
        return typing.get_args(annotation)[0], True, optional
    return annotation, False, optional


def _xml_name(cls: type) -> str:
    meta = getattr(cls, "Meta", None)
    return getattr(meta, "name", None) or cls.__name__


def _pyrefiqda_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyrefiqda")
    except PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "?"


# --------------------------------------------------------------------------- helpers


def _p(name: str) -> str:
    return f"{{{PROJECT_NS}}}{name}"


def _sub(parent, tag: str, /, **attributes: str):
    element = etree.SubElement(parent, _p(tag))
    for key, value in attributes.items():
        element.set(key, value)
    return element


def _is_guid(value: object) -> bool:
    try:
        _guid(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _guid(value: object) -> str:
    """The canonical lowercase form of a GUID (``{...}`` and upper case accepted)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(uuid.UUID(str(value).strip()))


def _rgb(color: str) -> str:
    """``#RRGGBB`` in capitals (``#RGB`` is valid REFI-QDA, but not every tool reads it)."""
    digits = color.removeprefix("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits.upper()


def _clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (each becomes a space)."""
    return _XML_ILLEGAL.sub(" ", text)


def _utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def _xml_datetime(moment: dt.datetime) -> str:
    """``2025-03-01T09:30:00Z``: UTC, whole seconds (what every QDA tool reads)."""
    return _utc(moment).replace(microsecond=0, tzinfo=None).isoformat() + "Z"

