# SPDX-License-Identifier: EUPL-1.2
"""Instrument definitions as data: the ``staat-instrument/1`` YAML format.

An instrument is a questionnaire with named response scales, scored dimensions (each a list
of items) and unscored attributes used for subgroup analysis. The format, in short::

    format: staat-instrument/1
    code: feedback-maturity          # lower-case slug
    version: 1                       # integer or "1.2"
    title: {nl: ..., en: ...}
    description: {nl: ..., en: ...}  # optional
    min_group_size: 10               # optional, default 10, at least 5
    response_scales:
      likert5:
        type: ordinal                # ordinal (numeric, increasing) | nominal
        options:
          - {value: 1, label: {nl: Helemaal oneens, en: Strongly disagree}}
          - ...
          - {value: 9, label: {nl: Weet niet, en: Don't know}, missing: true}
    dimensions:
      - code: receptiveness
        label: {nl: Ontvankelijkheid, en: Receptiveness}
        scoring: maturity            # mean | sum | mapped_mean | maturity
        min_answered: 0.5            # optional: fraction (0, 1] or a count; default half
        levels:                      # maturity only; thresholds on the mean
          - {level: 1, min: 1.0, label: {...}, description: {...}}
          - {level: 2, min: 2.5, label: {...}, description: {...}}
        items:
          - code: rec01
            text: {nl: ..., en: ...}  # or a plain string (Dutch)
            scale: likert5
            reverse: false
            required: false
            mapping: {1: 0.0, 2: 0.5, 3: 1.0}   # mapped_mean only: every answer to 0..1
            anchors: {1: {nl: ...}, ...}         # optional: a description per answer (rubrics)
            justification_required: false       # rubric items: a written reason is required
    attributes:
      - code: age_group
        label: {nl: Leeftijdsgroep, en: Age group}
        type: category               # category | text | number
        scale: age5                  # category: a scale, or inline `options:` like a scale's
        required: false

:func:`load_instrument` reads a file, :func:`parse_instrument` a string. Every problem is
collected (not only the first) and raised together as :class:`InstrumentError`, each one
naming the file, the line and the field path, for example
``maturity-scan.yaml, line 42, dimensions[1].items[3].scale: unknown scale 'likert7'``.
The result is a tree of frozen dataclasses.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

FORMAT = "staat-instrument/1"
SCORING_METHODS = ("mean", "sum", "mapped_mean", "maturity")
ATTRIBUTE_TYPES = ("category", "text", "number")
SCALE_TYPES = ("ordinal", "nominal")
DEFAULT_MIN_GROUP_SIZE = 10
#: An instrument may raise the publication threshold, never lower it below this floor.
MIN_GROUP_SIZE_FLOOR = 5

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VERSION_RE = re.compile(r"^\d+(\.\d+)*$")


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Dutch and (optionally) English."""

    nl: str
    en: str = ""

    def get(self, language: str = "nl") -> str:
        """The text in ``language``, falling back to Dutch."""
        return (self.en or self.nl) if language == "en" else self.nl


@dataclass(frozen=True, slots=True)
class ScaleOption:
    value: int | float | str
    label: Text
    missing: bool = False  # a valid answer ("weet niet") that counts as missing in scoring
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class ResponseScale:
    code: str
    type: str  # ordinal | nominal
    options: tuple[ScaleOption, ...]

    @property
    def values(self) -> tuple:
        """Every valid answer value, including those that count as missing."""
        return tuple(o.value for o in self.options)

    @property
    def scored_values(self) -> tuple:
        """Answer values that carry a score (not the ``missing: true`` ones)."""
        return tuple(o.value for o in self.options if not o.missing)

    @property
    def missing_values(self) -> tuple:
        return tuple(o.value for o in self.options if o.missing)

    @property
    def ordered(self) -> bool:
        return self.type == "ordinal"

    @property
    def low(self) -> float:
        return float(min(self.scored_values))

    @property
    def high(self) -> float:
        return float(max(self.scored_values))

    @property
    def numeric(self) -> bool:
        return all(_is_number(v) for v in self.values)

    def option(self, value) -> ScaleOption | None:
        for o in self.options:
            if o.value == value:
                return o
        return None


@dataclass(frozen=True, slots=True)
class Level:
    """A maturity level: reached when the dimension mean is at least ``min``."""

    level: int
    min: float
    label: Text
    description: Text


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    text: Text
    scale: str
    reverse: bool = False
    required: bool = False
    mapping: Mapping | None = None  # answer value -> 0..1 (mapped_mean)
    anchors: Mapping | None = None  # answer value -> Text (rubric descriptions)
    justification_required: bool = False


@dataclass(frozen=True, slots=True)
class Dimension:
    code: str
    label: Text
    scoring: str
    items: tuple[Item, ...]
    description: Text | None = None
    levels: tuple[Level, ...] = ()
    min_answered: float | int | None = None  # fraction in (0, 1] or a count; None = half

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    def required_answers(self) -> int:
        """How many answered items a respondent needs for a score on this dimension.

        Default: at least half of the items, rounded up (ceil(k / 2)). A fraction in
        (0, 1] is a share of the items (rounded up); an integer ≥ 1 is a count.
        """
        k = len(self.items)
        m = self.min_answered
        if m is None:
            return max(1, math.ceil(k / 2))
        if isinstance(m, float) and m <= 1.0:
            return max(1, math.ceil(m * k - 1e-9))
        return min(k, int(m))


@dataclass(frozen=True, slots=True)
class Attribute:
    code: str
    label: Text
    type: str  # category | text | number
    options: tuple[ScaleOption, ...] = ()
    scale: str | None = None
    required: bool = False

    @property
    def values(self) -> tuple:
        return tuple(o.value for o in self.options)


@dataclass(frozen=True, slots=True)
class Instrument:
    code: str
    version: str
    title: Text
    scales: Mapping[str, ResponseScale]
    dimensions: tuple[Dimension, ...]
    attributes: tuple[Attribute, ...] = ()
    description: Text | None = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    format: str = FORMAT
    source: str = ""

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for d in self.dimensions for i in d.items)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    @property
    def attribute_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.attributes)

    def item(self, code: str) -> Item:
        for i in self.items:
            if i.code == code:
                return i
        raise KeyError(code)

    def dimension(self, code: str) -> Dimension:
        for d in self.dimensions:
            if d.code == code:
                return d
        raise KeyError(code)

    def attribute(self, code: str) -> Attribute:
        for a in self.attributes:
            if a.code == code:
                return a
        raise KeyError(code)

    def scale_of(self, item: Item | str) -> ResponseScale:
        if isinstance(item, str):
            item = self.item(item)
        return self.scales[item.scale]


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem in a definition file."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}, {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class InstrumentError(ValueError):
    """A definition is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------- YAML with marks


class _Located:
    """Plain Python values from a composed YAML node tree, with the line of every path."""

    def __init__(self, filename: str):
        self.filename = filename
        self.lines: dict[str, int] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")  # only used to construct scalars

    def build(self, node: yaml.Node, path: str = ""):
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, path + ".<key>")
                if isinstance(key, (dict, list)):
                    self.error(path, "a mapping key must be a plain value")
                    continue
                child = f"{path}.{key}" if path else str(key)
                if key in out:
                    self.lines[child + ".<dup>"] = key_node.start_mark.line + 1
                    self.error(child + ".<dup>", f"duplicate key '{key}'", shown=child)
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, f"{path}[{i}]") for i, v in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)

    def line(self, path: str) -> int | None:
        p = path
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            cut = max(p.rfind("."), p.rfind("["))
            p = p[:cut] if cut > 0 else ""

    def error(self, path: str, message: str, shown: str | None = None) -> None:
        self.problems.append(Problem(self.filename, self.line(path), shown or path, message))


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


# --------------------------------------------------------------------------- validation


class _Validator:
    def __init__(self, doc: _Located):
        self.doc = doc
        self.err = doc.error
        self.codes: dict[str, str] = {}  # every column code -> path where first defined

    def keys(self, data: dict, path: str, allowed: set[str], required: set[str]) -> None:
        for k in data:
            if k not in allowed:
                self.err(_join(path, k),
                         f"unknown field '{k}' (allowed: {', '.join(sorted(allowed))})")
        for k in sorted(required - set(data)):
            self.err(path, f"missing required field '{k}'")

    def mapping(self, value, path: str) -> dict | None:
        if not isinstance(value, dict):
            self.err(path, f"expected a mapping, got {_kind(value)}")
            return None
        return value

    def text(self, value, path: str, required: bool = True) -> Text | None:
        if value is None and not required:
            return None
        if isinstance(value, str):
            if not value.strip():
                self.err(path, "text is empty")
            return Text(nl=value.strip())
        if isinstance(value, dict):
            self.keys(value, path, {"nl", "en"}, {"nl"})
            nl, en = value.get("nl", ""), value.get("en", "")
            if not isinstance(nl, str) or not nl.strip():
                if "nl" in value:
                    self.err(_join(path, "nl"), "Dutch text must be a non-empty string")
                nl = ""
            if en is None:
                en = ""
            if not isinstance(en, str):
                self.err(_join(path, "en"), "English text must be a string")
                en = ""
            return Text(nl=nl.strip(), en=en.strip())
        self.err(path, f"expected a text or {{nl: ..., en: ...}}, got {_kind(value)}")
        return Text(nl="")

    def boolean(self, data: dict, key: str, path: str, default: bool = False) -> bool:
        v = data.get(key, default)
        if not isinstance(v, bool):
            self.err(_join(path, key), f"expected true or false, got {v!r}")
            return default
        return v

    def code(self, value, path: str, kind: str, column: bool = True) -> str:
        if not isinstance(value, str) or not _CODE_RE.match(value):
            self.err(path, f"{kind} code {value!r} must be lower-case letters, digits and _ "
                     "and start with a letter")
            return str(value)
        if column:
            if value in self.codes:
                self.err(path, f"duplicate code '{value}' (first defined at {self.codes[value]}, "
                         f"line {self.doc.line(self.codes[value])})")
            else:
                self.codes[value] = path
        return value

    # -- top level

    def instrument(self, data) -> Instrument | None:
        data = self.mapping(data, "")
        if data is None:
            return None
        self.keys(data, "", {"format", "code", "version", "title", "description",
                             "min_group_size", "response_scales", "dimensions", "attributes"},
                  {"format", "code", "version", "title", "response_scales", "dimensions"})
        if "format" in data and data["format"] != FORMAT:
            self.err("format", f"unsupported format {data['format']!r} (expected '{FORMAT}')")
        code = data.get("code", "")
        if "code" in data and (not isinstance(code, str) or not _SLUG_RE.match(code)):
            self.err("code", f"instrument code {code!r} must be a lower-case slug (a-z, 0-9, -)")
        version = data.get("version", "")
        if isinstance(version, bool) or not _VERSION_RE.match(str(version)):
            if "version" in data:
                self.err("version", f"version {version!r} must be an integer or like '1.2'")
        title = self.text(data.get("title"), "title") if "title" in data else Text(nl="")
        description = self.text(data.get("description"), "description", required=False)
        mgs = data.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)
        if not isinstance(mgs, int) or isinstance(mgs, bool) or mgs < MIN_GROUP_SIZE_FLOOR:
            self.err("min_group_size",
                     f"min_group_size must be an integer of at least {MIN_GROUP_SIZE_FLOOR}, "
                     f"got {mgs!r}")
            mgs = DEFAULT_MIN_GROUP_SIZE
        scales = self.scales(data.get("response_scales"), "response_scales")
        dims = self.dimensions(data.get("dimensions"), "dimensions", scales)
        attrs = self.attributes(data.get("attributes", []), "attributes", scales)
        return Instrument(code=str(code), version=str(version), title=title,
                          scales=MappingProxyType(scales),
                          dimensions=dims, attributes=attrs, description=description,
                          min_group_size=mgs, source=self.doc.filename)

    # -- scales

    def options(self, value, path: str, ordinal: bool) -> tuple[ScaleOption, ...]:
        if not isinstance(value, list) or not value:
            self.err(path, "expected a non-empty list of options")
            return ()
        out = []
        seen: dict = {}
        for i, o in enumerate(value):
            p = f"{path}[{i}]"
            if self.mapping(o, p) is None:
                continue
            self.keys(o, p, {"value", "label", "missing", "description"}, {"value", "label"})
            v = o.get("value")
            if isinstance(v, bool) or not (isinstance(v, str) or _is_number(v)):
                self.err(_join(p, "value"), f"answer value {v!r} must be a number or a text "
                         "(quote yes/no: YAML reads them as true/false)")
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            key = v.lower() if isinstance(v, str) else v
            if key in seen:
                self.err(_join(p, "value"), f"duplicate answer value {v!r} (also {seen[key]})")
                continue
            seen[key] = p
            label = self.text(o.get("label"), _join(p, "label")) if "label" in o else Text(nl="")
            desc = self.text(o.get("description"), _join(p, "description"), required=False)
            out.append(ScaleOption(v, label, self.boolean(o, "missing", p), desc))
        scored = [o for o in out if not o.missing]
        if len(scored) < 2:
            self.err(path, "a scale needs at least two answers that are not 'missing'")
        if ordinal and out:
            if not all(_is_number(o.value) for o in out):
                self.err(path, "an ordinal scale needs numeric answer values")
            else:
                vals = [o.value for o in scored]
                if any(b <= a for a, b in zip(vals, vals[1:])):
                    self.err(path, "answer values of an ordinal scale must increase "
                             f"(got {vals}); list them from low to high")
        return tuple(out)

    def scales(self, value, path: str) -> dict[str, ResponseScale]:
        out: dict[str, ResponseScale] = {}
        if self.mapping(value, path) is None:
            return out
        if not value:
            self.err(path, "define at least one response scale")
        for name, spec in value.items():
            p = _join(path, name)
            if not isinstance(name, str) or not re.match(r"^[a-z][a-z0-9_-]*$", name):
                self.err(p, f"scale name {name!r} must be a lower-case name")
            if self.mapping(spec, p) is None:
                continue
            self.keys(spec, p, {"type", "options", "label"}, {"options"})
            kind = spec.get("type", "ordinal")
            if kind not in SCALE_TYPES:
                self.err(_join(p, "type"), f"unknown scale type {kind!r} (use ordinal or nominal)")
                kind = "nominal"
            opts = self.options(spec.get("options"), _join(p, "options"), kind == "ordinal")
            out[str(name)] = ResponseScale(str(name), kind, opts)
        return out

    # -- dimensions and items

    def dimensions(self, value, path: str, scales: dict) -> tuple[Dimension, ...]:
        if not isinstance(value, list) or not value:
            self.err(path, "expected a non-empty list of dimensions")
            return ()
        return tuple(d for i, v in enumerate(value)
                     if (d := self.dimension(v, f"{path}[{i}]", scales)) is not None)

    def dimension(self, d, path: str, scales: dict) -> Dimension | None:
        if self.mapping(d, path) is None:
            return None
        self.keys(d, path, {"code", "label", "description", "scoring", "items", "levels",
                            "min_answered"}, {"code", "label", "scoring", "items"})
        code = self.code(d.get("code"), _join(path, "code"), "dimension")
        label = self.text(d.get("label"), _join(path, "label")) if "label" in d else Text(nl="")
        desc = self.text(d.get("description"), _join(path, "description"), required=False)
        scoring = d.get("scoring", "mean")
        if scoring not in SCORING_METHODS:
            self.err(_join(path, "scoring"), f"unknown scoring method {scoring!r} "
                     f"(use {', '.join(SCORING_METHODS)})")
            scoring = "mean"
        items_raw = d.get("items")
        items: list[Item] = []
        if not isinstance(items_raw, list) or not items_raw:
            self.err(_join(path, "items"), "expected a non-empty list of items")
        else:
            for i, it in enumerate(items_raw):
                item = self.item(it, f"{path}.items[{i}]", scales, scoring)
                if item is not None:
                    items.append(item)
        # every item of a mean, sum or maturity dimension must share one numeric, ordered scale
        if scoring in ("mean", "sum", "maturity") and items:
            used = {it.scale for it in items if it.scale in scales}
            if len(used) > 1:
                self.err(_join(path, "items"), f"items of a '{scoring}' dimension must use one "
                         f"scale, got {sorted(used)} (use mapped_mean to combine scales)")
            for i, it in enumerate(items):
                sc = scales.get(it.scale)
                if sc is not None and (not sc.ordered or not sc.numeric):
                    self.err(f"{path}.items[{i}].scale", f"scale '{it.scale}' is {sc.type}; a "
                             f"'{scoring}' dimension needs an ordinal scale (or use mapped_mean)")
        levels: tuple[Level, ...] = ()
        if scoring == "maturity":
            sc = scales.get(items[0].scale) if items else None
            levels = self.levels(d.get("levels"), _join(path, "levels"), sc)
        elif "levels" in d:
            self.err(_join(path, "levels"), "levels are only allowed with scoring: maturity")
        min_answered = d.get("min_answered")
        if min_answered is not None:
            k = len(items)
            ok = _is_number(min_answered) and (
                (isinstance(min_answered, float) and 0 < min_answered <= 1)
                or (isinstance(min_answered, int) and 1 <= min_answered <= max(k, 1)))
            if not ok:
                self.err(_join(path, "min_answered"), f"min_answered must be a fraction in (0, 1] "
                         f"or a count from 1 to {k}, got {min_answered!r}")
                min_answered = None
        return Dimension(code=code, label=label, scoring=scoring, items=tuple(items),
                         description=desc, levels=levels, min_answered=min_answered)

    def item(self, it, path: str, scales: dict, scoring: str) -> Item | None:
        if self.mapping(it, path) is None:
            return None
        self.keys(it, path, {"code", "text", "scale", "reverse", "required", "mapping",
                             "anchors", "justification_required"}, {"code", "text", "scale"})
        code = self.code(it.get("code"), _join(path, "code"), "item")
        text = self.text(it.get("text"), _join(path, "text")) if "text" in it else Text(nl="")
        scale_name = it.get("scale")
        scale = scales.get(scale_name) if isinstance(scale_name, str) else None
        if "scale" in it and scale is None:
            known = ", ".join(sorted(scales)) or "none"
            self.err(_join(path, "scale"), f"unknown scale {scale_name!r} (defined: {known})")
        reverse = self.boolean(it, "reverse", path)
        if reverse and scale is not None and not (scale.ordered and scale.numeric):
            self.err(_join(path, "reverse"), f"reverse coding needs an ordered numeric scale; "
                     f"'{scale_name}' is {scale.type}")
        if reverse and scoring == "mapped_mean":
            self.err(_join(path, "reverse"), "reverse is not used with mapped_mean: put the "
                     "direction in the mapping")
        mapping = None
        if scoring == "mapped_mean":
            if "mapping" not in it:
                self.err(path, "an item of a mapped_mean dimension needs a mapping "
                         "(every answer value to a number from 0 to 1)")
            else:
                mapping = self.answer_map(it["mapping"], _join(path, "mapping"), scale,
                                          number=True)
        elif "mapping" in it:
            self.err(_join(path, "mapping"), "a mapping is only used with scoring: mapped_mean")
        anchors = None
        if "anchors" in it:
            anchors = self.answer_map(it["anchors"], _join(path, "anchors"), scale, number=False)
        return Item(code=code, text=text, scale=str(scale_name), reverse=reverse,
                    required=self.boolean(it, "required", path),
                    mapping=MappingProxyType(mapping) if mapping is not None else None,
                    anchors=MappingProxyType(anchors) if anchors is not None else None,
                    justification_required=self.boolean(it, "justification_required", path))

    def answer_map(self, value, path: str, scale: ResponseScale | None, number: bool):
        if self.mapping(value, path) is None:
            return None
        out = {}
        for k, v in value.items():
            p = _join(path, k)
            if scale is not None and scale.option(k) is None:
                self.err(p, f"{k!r} is not an answer value of scale '{scale.code}' "
                         f"(values: {list(scale.values)})")
                continue
            if scale is not None and scale.option(k).missing:
                self.err(p, f"answer {k!r} counts as missing and cannot be mapped")
                continue
            if number:
                if not _is_number(v) or not 0 <= v <= 1:
                    self.err(p, f"mapped value must be a number from 0 to 1, got {v!r}")
                    continue
                out[k] = float(v)
            else:
                out[k] = self.text(v, p)
        if scale is not None:
            missing = [v for v in scale.scored_values if v not in value]
            if missing:
                self.err(path, f"does not cover answer value(s) {missing} of scale '{scale.code}'")
        return out

    def levels(self, value, path: str, scale: ResponseScale | None) -> tuple[Level, ...]:
        if not isinstance(value, list) or len(value) < 2:
            self.err(path, "a maturity dimension needs a list of at least two levels")
            return ()
        out: list[Level] = []
        for i, lv in enumerate(value):
            p = f"{path}[{i}]"
            if self.mapping(lv, p) is None:
                continue
            self.keys(lv, p, {"level", "min", "label", "description"},
                      {"level", "min", "label", "description"})
            number, lo = lv.get("level"), lv.get("min")
            if not isinstance(number, int) or isinstance(number, bool) or number != i + 1:
                self.err(_join(p, "level"), f"levels must be numbered 1, 2, 3, ... in order; "
                         f"expected {i + 1}, got {number!r}")
            if not _is_number(lo):
                self.err(_join(p, "min"), f"threshold must be a number, got {lo!r}")
                continue
            if out and lo <= out[-1].min:
                self.err(_join(p, "min"), f"thresholds must increase: {lo} is not above "
                         f"{out[-1].min} of level {out[-1].level}")
            if scale is not None and scale.ordered and scale.numeric:
                if i == 0 and lo > scale.low:
                    self.err(_join(p, "min"), f"the first level must start at or below the scale "
                             f"minimum {scale.low:g} so every score has a level")
                if lo > scale.high:
                    self.err(_join(p, "min"), f"threshold {lo} is above the scale maximum "
                             f"{scale.high:g}; the level could never be reached")
            out.append(Level(level=i + 1, min=float(lo),
                             label=self.text(lv.get("label"), _join(p, "label")),
                             description=self.text(lv.get("description"),
                                                   _join(p, "description"))))
        return tuple(out)

    # -- attributes

    def attributes(self, value, path: str, scales: dict) -> tuple[Attribute, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.err(path, f"expected a list of attributes, got {_kind(value)}")
            return ()
        out = []
        for i, a in enumerate(value):
            p = f"{path}[{i}]"
            if self.mapping(a, p) is None:
                continue
            self.keys(a, p, {"code", "label", "type", "options", "scale", "required"},
                      {"code", "label", "type"})
            code = self.code(a.get("code"), _join(p, "code"), "attribute")
            label = self.text(a.get("label"), _join(p, "label")) if "label" in a else Text(nl="")
            kind = a.get("type", "category")
            if kind not in ATTRIBUTE_TYPES:
                self.err(_join(p, "type"), f"unknown attribute type {kind!r} "
                         f"(use {', '.join(ATTRIBUTE_TYPES)})")
                kind = "text"
            options: tuple[ScaleOption, ...] = ()
            scale_name = a.get("scale")
            if kind == "category":
                if ("options" in a) == ("scale" in a):
                    self.err(p, "a category attribute needs either options or a scale (not both)")
                elif "scale" in a:
                    if scale_name not in scales:
                        self.err(_join(p, "scale"), f"unknown scale {scale_name!r} "
                                 f"(defined: {', '.join(sorted(scales)) or 'none'})")
                    else:
                        options = scales[scale_name].options
                else:
                    options = self.options(a["options"], _join(p, "options"), ordinal=False)
            elif "options" in a or "scale" in a:
                self.err(p, f"options and scale are only used with type: category, not {kind}")
            out.append(Attribute(code=code, label=label, type=kind, options=options,
                                 scale=scale_name if kind == "category" else None,
                                 required=self.boolean(a, "required", p)))
        return tuple(out)


def _kind(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a text", type(None): "nothing"}.get(
        type(value), type(value).__name__)


# --------------------------------------------------------------------------- public API


def parse_instrument(text: str, filename: str = "<string>") -> Instrument:
    """Parse and validate an instrument definition from YAML text.

    Raises :class:`InstrumentError` listing every problem with file, line and field path.
    """
    doc = _Located(filename)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise InstrumentError([Problem(filename, line, "", f"YAML syntax error: {exc.problem}")])
    except yaml.YAMLError as exc:  # pragma: no cover - other reader errors
        raise InstrumentError([Problem(filename, None, "", f"YAML error: {exc}")])
    if node is None:
        raise InstrumentError([Problem(filename, None, "", "the file is empty")])
    try:
        data = doc.build(node)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InstrumentError([Problem(filename, line, "", f"YAML error: {exc.problem}")])
    result = _Validator(doc).instrument(data)
    if doc.problems:
        raise InstrumentError(sorted(doc.problems, key=lambda p: (p.line or 0, p.path)))
    assert result is not None
    return result


def load_instrument(path: str | Path) -> Instrument:
    """Read, parse and validate one YAML definition file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InstrumentError([Problem(path.name, None, "", f"not UTF-8 text: {exc}")])
    return parse_instrument(text, filename=path.name)


def definitions_dir() -> Path:
    """The folder with the instruments shipped with Staat."""
    return Path(__file__).resolve().parent.parent / "instruments" / "definitions"


def load_shipped() -> dict[str, Instrument]:
    """Every shipped instrument, by code (sorted by file name)."""
    out: dict[str, Instrument] = {}
    for p in sorted(definitions_dir().glob("*.yaml")):
        inst = load_instrument(p)
        out[inst.code] = inst
    return out


def scale_values(instrument: Instrument, item_code: str) -> tuple[Any, ...]:
    """Every valid answer value of an item (including values that count as missing)."""
    return instrument.scale_of(item_code).values


__all__ = [
    "FORMAT", "Attribute", "Dimension", "Instrument", "InstrumentError", "Item", "Level",
    "Problem", "ResponseScale", "ScaleOption", "Text", "definitions_dir", "load_instrument",
    "load_shipped", "parse_instrument", "scale_values",
]
