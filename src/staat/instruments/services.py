# SPDX-License-Identifier: EUPL-1.2
"""What other apps, views and commands call: collect, import, purge, score and publish.

Public functions (the contract other apps rely on; see ``docs/instruments.md``):

* :func:`score_file` – score a response file (CSV, XLSX, .sav) for ``staat instruments score``;
* :func:`results_for` – the published results of one wave (researchers' pages);
* :func:`available_results` and :func:`edition_result` – results an edition can show.

Microdata never leaves this module except as aggregated, suppressed figures.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from staat.analysis import disclosure, microdata
from staat.analysis.instrument_schema import Instrument as Definition
from staat.core import audit
from staat.core.models import Organisation
from staat.instruments import charts, definitions, results
from staat.instruments.models import (
    ImportBatch,
    Instrument,
    Respondent,
    Response,
    Submission,
    Wave,
)

PASSTHROUGH = (microdata.RESPONDENT, "organisation")
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".sav")
JUSTIFICATION_SUFFIX = "__justification"


class AlreadySubmitted(Exception):
    """A person submits a second time for the same organisation and wave."""


class ResultUnavailable(LookupError):
    """An edition result reference that cannot be resolved (unknown key, wave or scale)."""


def language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


# --------------------------------------------------------------------------- pseudonyms


def pseudonym(key) -> str:
    secret = settings.PSEUDONYM_SECRET
    secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return disclosure.pseudonymise(key, secret)


def _respondent(instrument_code: str, key) -> Respondent:
    obj, _created = Respondent.objects.get_or_create(instrument_code=instrument_code,
                                                     key_hash=pseudonym(key))
    return obj


def _plain(value):
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    return value


# --------------------------------------------------------------------------- response frame


def response_frame(waves, with_keys: bool = False) -> pd.DataFrame:
    """The responses of ``waves`` as a frame: items, attributes and the meta columns of
    :data:`staat.instruments.results.META_COLUMNS`. For analysis only (microdata)."""
    rows = []
    qs = (Response.objects.filter(wave__in=list(waves))
          .select_related("organisation", "wave", "respondent").order_by("pk"))
    for r in qs:
        rec = {**(r.attributes or {}),
               **{k: v for k, v in (r.answers or {}).items()
                  if not k.endswith(JUSTIFICATION_SUFFIX)}}
        org = r.organisation
        if org is not None:
            rec.update(organisation=org.code, type=org.type, sector=org.sector or None)
        elif rec.get("org_type"):
            rec["type"] = rec["org_type"]
        rec.update(wave=r.wave.name, year=r.wave.year)
        if with_keys:
            rec["respondent"] = r.respondent.key_hash
        rows.append(rec)
    return pd.DataFrame(rows)


def _fingerprint(waves) -> str:
    agg = Response.objects.filter(wave__in=list(waves)).aggregate(
        n=Count("pk"), last=Max("pk"), at=Max("created_at"))
    stamp = agg["at"].timestamp() if agg["at"] else 0
    return f"{agg['n']}-{agg['last']}-{stamp}"


def _cached(key: str, compute):
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, 3600)
    return value


# --------------------------------------------------------------------------- web forms


def latest_submission(user, organisation, wave) -> Submission | None:
    return (Submission.objects.filter(user=user, organisation=organisation, wave=wave)
            .order_by("-status", "-updated_at").first())


def has_submitted(user, organisation, wave) -> bool:
    return Submission.objects.filter(user=user, organisation=organisation, wave=wave,
                                     status=Submission.Status.SUBMITTED).exists()


def save_draft(user, organisation, wave, answers: Mapping) -> Submission:
    if has_submitted(user, organisation, wave):
        raise AlreadySubmitted
    with transaction.atomic():
        sub = (Submission.objects.filter(user=user, organisation=organisation, wave=wave,
                                         status=Submission.Status.DRAFT).first()
               or Submission(user=user, organisation=organisation, wave=wave))
        sub.answers = dict(answers)
        sub.save()
    return sub


def submit(user, organisation, wave, answers: Mapping, attributes: Mapping) -> Submission:
    """Submit once per person, organisation and wave; the answers are also stored as a
    pseudonymous response for the results. A second submit raises :class:`AlreadySubmitted`
    and changes nothing."""
    definition = wave.instrument.parsed()
    try:
        with transaction.atomic():
            if has_submitted(user, organisation, wave):
                raise AlreadySubmitted
            sub = (Submission.objects.select_for_update()
                   .filter(user=user, organisation=organisation, wave=wave,
                           status=Submission.Status.DRAFT).first()
                   or Submission(user=user, organisation=organisation, wave=wave))
            sub.answers = {**answers, **{f"attr:{k}": v for k, v in attributes.items()}}
            sub.status = Submission.Status.SUBMITTED
            sub.submitted_at = timezone.now()
            sub.save()
            respondent = _respondent(definition.code, f"user:{user.pk}:{organisation.code}")
            Response.objects.create(respondent=respondent, wave=wave, organisation=organisation,
                                    attributes=dict(attributes), answers=dict(answers),
                                    origin=Response.Origin.FORM)
            audit.record(user, "create", sub, changes={"status": "submitted",
                                                       "wave": wave.name,
                                                       "organisation": organisation.code})
    except IntegrityError as exc:  # a parallel submit won the race
        raise AlreadySubmitted from exc
    return sub


# --------------------------------------------------------------------------- imports


def _imports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "microdata" / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_bytes(name: str, head: bytes) -> str:
    """The real type from the bytes must match the file name."""
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError(_("Unsupported file type %(suffix)s: use .csv, .xlsx or .sav.")
                         % {"suffix": suffix or "(none)"})
    if suffix == ".xlsx" and not head.startswith(b"PK\x03\x04"):
        raise ValueError(_("The file is called .xlsx but is not an Excel workbook."))
    if suffix == ".sav" and head[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError(_("The file is called .sav but is not an SPSS data file."))
    if suffix == ".csv" and b"\x00" in head:
        raise ValueError(_("The file is called .csv but contains binary data."))
    return suffix.lstrip(".")


def start_import(wave: Wave, name: str, chunks, *, user=None,
                 organisation: Organisation | None = None) -> tuple[ImportBatch, list[str]]:
    """Store an uploaded file apart from public material and read its columns.

    Returns the batch and the suggested mapping is in ``batch.mapping``. Raises
    ``ValueError`` (nothing stored) when the file cannot be read."""
    data = b"".join(chunks)
    max_bytes = settings.MAX_UPLOAD_MB * 1024 * 1024
    if len(data) > max_bytes:
        raise ValueError(_("The file is larger than %(mb)s MB.") % {"mb": settings.MAX_UPLOAD_MB})
    fmt = _check_bytes(name, data[:8])
    path = _imports_dir() / f"{uuid.uuid4().hex}.{fmt}"
    path.write_bytes(data)
    try:
        table = microdata.read_table(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a clear user error
        path.unlink(missing_ok=True)
        raise ValueError(_("The file could not be read: %(error)s") % {"error": exc}) from exc
    columns = [str(c) for c in table.frame.columns]
    definition = wave.instrument.parsed()
    suggested = microdata.suggest_mapping(columns, definition, PASSTHROUGH)
    batch = ImportBatch.objects.create(
        wave=wave, organisation=organisation, file_name=Path(name).name[:255],
        file_format=fmt, stored_path=str(path), columns=columns, mapping=suggested,
        n_rows=len(table.frame), created_by=user if getattr(user, "is_authenticated",
                                                            False) else None)
    return batch, columns


def _organisation_lookup() -> dict[str, Organisation]:
    out: dict[str, Organisation] = {}
    for org in Organisation.objects.all():
        for label in (org.code, org.name, org.short_name):
            if label:
                out.setdefault(label.strip().casefold(), org)
    return out


def validate_import(batch: ImportBatch, mapping: Mapping[str, str]):
    """Check every mapped value (and the organisations and respondent keys against the
    database). Stores the problems and counts on the batch. Returns the ImportResult with
    extra problems merged in; raises :class:`staat.analysis.microdata.MappingError`."""
    definition = batch.wave.instrument.parsed()
    mapping = {k: v for k, v in mapping.items() if v}
    table = microdata.read_table(batch.stored_path)
    result = microdata.validate(table, definition, mapping, PASSTHROUGH)
    problems = list(result.problems)
    data = result.data
    reverse = {v: k for k, v in mapping.items()}
    if "organisation" in data.columns:
        lookup = _organisation_lookup()
        for row, value in data["organisation"].items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                if batch.organisation_id is None:
                    problems.append(microdata.ValueProblem(int(row), reverse["organisation"], "",
                                                           "organisation is missing"))
                continue
            if str(value).strip().casefold() not in lookup:
                problems.append(microdata.ValueProblem(
                    int(row), reverse["organisation"], str(value),
                    "unknown organisation (use its code from the organisation register)"))
    if microdata.RESPONDENT in data.columns:
        keys = data[microdata.RESPONDENT].dropna()
        hashes = {pseudonym(k): row for row, k in keys.items()}
        taken = set(Response.objects.filter(
            wave=batch.wave, respondent__key_hash__in=list(hashes)).values_list(
            "respondent__key_hash", flat=True))
        for h in taken:
            row = hashes[h]
            problems.append(microdata.ValueProblem(int(row), reverse[microdata.RESPONDENT],
                                                   str(keys[row]),
                                                   "this respondent already has a response in "
                                                   "this wave"))
    problems.sort(key=lambda p: (p.row, batch.columns.index(p.column)
                                 if p.column in batch.columns else -1))
    checked = microdata.ImportResult(data, tuple(problems), dict(mapping))
    batch.mapping = dict(mapping)
    batch.problems = [{"row": p.row, "column": p.column, "value": p.value, "reason": p.reason}
                      for p in problems]
    batch.n_rows = checked.n_rows
    batch.n_valid = checked.n_rows - len(checked.invalid_rows)
    batch.status = ImportBatch.Status.CHECKED
    batch.save()
    return checked


def decide_import(batch: ImportBatch, decision: str, *, user=None) -> int:
    """Import the valid rows (``valid-only``) or nothing (``nothing``), in one transaction.
    The stored file is deleted afterwards either way. Returns the number of rows stored."""
    if batch.status in (ImportBatch.Status.IMPORTED, ImportBatch.Status.REJECTED):
        raise ValueError(_("This import has already been decided."))
    if decision not in (ImportBatch.Decision.VALID_ONLY, ImportBatch.Decision.NOTHING):
        raise ValueError("decision must be 'valid-only' or 'nothing'")
    count = 0
    with transaction.atomic():
        if decision == ImportBatch.Decision.VALID_ONLY:
            checked = validate_import(batch, batch.mapping)
            count = _store_rows(batch, checked.valid)
            batch.status = ImportBatch.Status.IMPORTED
        else:
            batch.status = ImportBatch.Status.REJECTED
        batch.decision = decision
        batch.n_imported = count
        batch.decided_at = timezone.now()
        batch.save()
        audit.record(user or "system", "create" if count else "other", batch,
                     changes={"decision": decision, "rows": batch.n_rows, "valid": batch.n_valid,
                              "imported": count, "wave": batch.wave.name,
                              "file": batch.file_name})
    Path(batch.stored_path).unlink(missing_ok=True)
    return count


def _store_rows(batch: ImportBatch, rows: pd.DataFrame) -> int:
    definition = batch.wave.instrument.parsed()
    items = set(definition.item_codes)
    attrs = set(definition.attribute_codes) - {"organisation"}
    lookup = _organisation_lookup() if "organisation" in rows.columns else {}
    responses = []
    for row, rec in rows.iterrows():
        key = rec.get(microdata.RESPONDENT)
        if key is None or (isinstance(key, float) and math.isnan(key)):
            key = f"anonymous:{uuid.uuid4().hex}"  # no key in the file: not linkable
        org = batch.organisation
        value = rec.get("organisation")
        if isinstance(value, str) and value.strip():
            org = lookup[value.strip().casefold()]
        answers = {c: _plain(rec[c]) for c in rows.columns if c in items}
        attributes = {c: _plain(rec[c]) for c in rows.columns if c in attrs}
        responses.append(Response(
            respondent=_respondent(definition.code, key), wave=batch.wave, organisation=org,
            answers={k: v for k, v in answers.items() if v is not None},
            attributes={k: v for k, v in attributes.items() if v is not None},
            origin=Response.Origin.IMPORT, batch=batch))
    Response.objects.bulk_create(responses, batch_size=500)
    return len(responses)


def import_path(wave: Wave, path: str | Path, *, mapping: Mapping | None = None,
                valid_only: bool = False, user=None, organisation=None):
    """The command-line import: read, map, validate and store (valid rows with
    ``valid_only``; otherwise all rows or, if any row has a problem, nothing)."""
    path = Path(path)
    with path.open("rb") as fh:
        batch, _cols = start_import(wave, path.name, [fh.read()], user=user,
                                    organisation=organisation)
    try:
        checked = validate_import(batch, mapping or batch.mapping)
    except microdata.MappingError:
        decide_import(batch, ImportBatch.Decision.NOTHING, user=user)
        raise
    if checked.problems and not valid_only:
        decide_import(batch, ImportBatch.Decision.NOTHING, user=user)
    else:
        decide_import(batch, ImportBatch.Decision.VALID_ONLY, user=user)
    batch.refresh_from_db()
    return batch, checked


# --------------------------------------------------------------------------- retention


def purge(before: dt.date, *, actor=None, dry_run: bool = False) -> dict:
    """Delete the microdata (responses, submissions' answers, unused pseudonyms, stored
    import files) of waves that ended before ``before``. Waves and published definitions
    stay. Audit-recorded per wave."""
    waves = [w for w in Wave.objects.select_related("instrument") if w.effective_end < before]
    summary = {"waves": [], "responses": 0, "submissions": 0}
    with transaction.atomic():
        for wave in waves:
            n_resp = wave.responses.count()
            n_sub = wave.submissions.count()
            if not (n_resp or n_sub):
                continue
            summary["waves"].append(wave.name)
            summary["responses"] += n_resp
            summary["submissions"] += n_sub
            if dry_run:
                continue
            wave.responses.all().delete()
            wave.submissions.all().delete()
            for batch in wave.imports.exclude(stored_path=""):
                Path(batch.stored_path).unlink(missing_ok=True)
            wave.imports.update(problems=[], stored_path="")
            audit.record(actor or "system", "delete", wave,
                         changes={"microdata_deleted": {"responses": n_resp,
                                                        "submissions": n_sub}},
                         reason=f"retention: microdata of waves ended before {before}")
        if not dry_run:
            Respondent.objects.filter(responses=None).delete()
    return summary


# --------------------------------------------------------------------------- results


def score_file(instrument: Definition | str, path: str | Path, group_by: str | None = None,
               pairwise: bool = True) -> dict:
    """Score a response file (columns named by item codes) and return the published results
    as a dict: every scale's score per group (n, mean, sd, CI; suppressed groups marked),
    its reliability and the comparison between groups. Used by ``staat instruments score``.

    Invalid values are reported (``problems``) and left out of the scores."""
    definition = definitions.resolve(instrument) if isinstance(instrument, str) else instrument
    table = microdata.read_table(path)
    columns = [str(c) for c in table.frame.columns]
    if group_by is not None and group_by not in columns:
        raise KeyError(f"column {group_by!r} is not in the file (columns: {columns})")
    passthrough = (microdata.RESPONDENT, "organisation")
    if group_by is not None and group_by not in definition.attribute_codes:
        passthrough = (*passthrough, group_by)
    mapping = microdata.suggest_mapping(columns, definition, passthrough)
    if group_by is not None:
        mapping = {k: v for k, v in mapping.items() if v != group_by}
        mapping[group_by] = group_by
    checked = microdata.validate(table, definition, mapping, passthrough)
    data = checked.data.reset_index(drop=True)
    out = results.analyse(data, definition, by=group_by, pairwise=pairwise,
                          language="nl")
    out["file"] = Path(path).name
    out["problems"] = [{"row": p.row, "column": p.column, "value": p.value,
                        "reason": p.reason} for p in checked.problems]
    return out


def _wave(instrument_code: str, wave) -> Wave:
    if isinstance(wave, Wave):
        return wave
    qs = Wave.objects.select_related("instrument").filter(instrument__code=instrument_code)
    found = (qs.filter(pk=wave).first() if isinstance(wave, int) or str(wave).isdigit()
             else None) or qs.filter(name=wave).order_by("-pk").first()
    if found is None:
        raise ResultUnavailable(f"no wave {wave!r} of instrument {instrument_code!r}")
    return found


def results_for(instrument: Instrument | str, wave: Wave | str | int, by: str | None = "type",
                pairwise: bool | list[str] = False) -> dict:
    """The published results of a wave: scores per group (``by``: None, ``type``,
    ``sector``, ``organisation`` or an attribute code), reliability and comparisons, as in
    :func:`staat.instruments.results.analyse`. Cached until the wave's responses change."""
    code = instrument if isinstance(instrument, str) else instrument.code
    wave = _wave(code, wave)
    definition = wave.instrument.parsed()
    key = (f"instruments:results:{wave.instrument.definition_hash}:{wave.pk}:{by}:"
           f"{pairwise}:{language()}:{_fingerprint([wave])}")

    def compute():
        frame = response_frame([wave])
        if frame.empty:
            return None
        out = results.analyse(frame, definition, by=by, pairwise=pairwise,
                              language=language())
        out["wave"] = {"name": wave.name, "year": wave.year, "period": wave.period}
        return out

    return _cached(key, compute)


def overall_means(wave: Wave) -> dict:
    res = results_for(wave.instrument, wave, by=None)
    if not res:
        return {}
    return {s["code"]: s["groups"][0] for s in res["scales"]}


def wave_change_for(before: Wave, after: Wave) -> list[dict]:
    definition = after.instrument.parsed()
    key = (f"instruments:change:{before.pk}:{after.pk}:{language()}:"
           f"{_fingerprint([before, after])}")
    return _cached(key, lambda: results.wave_change(
        response_frame([before]), response_frame([after]), definition,
        language=language()))


def organisation_vs_type_for(wave: Wave, organisation: str) -> dict:
    definition = wave.instrument.parsed()
    frame = response_frame([wave])
    if frame.empty or "organisation" not in frame.columns:
        raise ResultUnavailable("no responses with an organisation")
    try:
        return results.organisation_vs_type(frame, definition, organisation,
                                            language=language())
    except KeyError as exc:
        raise ResultUnavailable(f"no responses of organisation {organisation!r}") from exc


def lowest_subgroups_for(wave: Wave, dimension: str) -> list[dict]:
    definition = wave.instrument.parsed()
    if dimension not in [d.code for d in definition.dimensions]:
        raise ResultUnavailable(f"unknown scale {dimension!r}")
    key = f"instruments:lowest:{wave.pk}:{dimension}:{language()}:{_fingerprint([wave])}"

    def compute():
        frame = response_frame([wave])
        if frame.empty:
            return []
        return results.lowest_subgroups(frame, definition, dimension, language=language())

    return _cached(key, compute)


def correlations_for(x_code: str, y_code: str, year: int) -> list[dict]:
    """Management practices (``x_code``) against outcome scales (``y_code``) for the
    respondents who answered both in ``year`` (linked by their pseudonym)."""
    xw = list(Wave.objects.filter(instrument__code=x_code, year=year).select_related("instrument"))
    yw = list(Wave.objects.filter(instrument__code=y_code, year=year).select_related("instrument"))
    if not xw or not yw:
        raise ResultUnavailable(f"no waves of {x_code} and {y_code} in {year}")
    xd, yd = xw[0].instrument.parsed(), yw[0].instrument.parsed()
    fx, fy = response_frame(xw, with_keys=True), response_frame(yw, with_keys=True)
    if fx.empty or fy.empty:
        return []
    sx = results.score(fx, xd).set_axis(fx["respondent"]).groupby(level=0).mean()
    sy = results.score(fy, yd).set_axis(fy["respondent"]).groupby(level=0).mean()
    sx, sy = sx.align(sy, join="inner", axis=0)
    m = max(xd.min_group_size, yd.min_group_size)
    rows = results.correlations(sx, sy, m)
    lang = language()
    for r in rows:
        r["x_label"] = xd.dimension(r["x"]).label.get(lang)
        r["y_label"] = yd.dimension(r["y"]).label.get(lang)
    return rows


def agreement_for(wave: Wave) -> dict:
    definition = wave.instrument.parsed()
    frame = response_frame([wave])
    if frame.empty:
        return {"combined": [], "agreement": []}
    return results.assessments(frame, definition, language=language())


# --------------------------------------------------------------------------- editions


@dataclass(frozen=True)
class EditionResult:
    """One result for an edition: a suppressed table, its chart and notes.

    ``columns`` are ``(field, label)`` pairs; ``rows`` are dicts keyed by field (suppressed
    rows have ``suppressed: True`` and None for every figure). ``chart_spec`` is a
    Vega-Lite dict, ``chart_svg`` the same chart rendered offline. ``notes`` has ``method``,
    ``n``, ``suppression`` and ``measured`` (what was measured, how and by whom)."""

    key: str
    params: dict
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    chart_spec: dict | None
    chart_svg: str
    notes: dict = field(default_factory=dict)
    #: further published tables for the web page (``title``, ``columns``, ``rows``), such as
    #: the test summary and the Games-Howell pairs of a comparison; builders may ignore them
    more: list = field(default_factory=list)

    def cells(self) -> list[list[str]]:
        """The rows as display texts in column order ("—" for a hidden figure)."""
        out = []
        for row in self.rows:
            cells = []
            for f, _label in self.columns:
                v = row.get(f)
                if v is None:
                    cells.append("—")
                elif isinstance(v, bool):
                    cells.append(_("yes") if v else _("no"))
                elif isinstance(v, float):
                    cells.append(f"{v:.2f}")
                else:
                    cells.append(str(v))
            out.append(cells)
        return out

    def as_dict(self) -> dict:
        data = asdict(self)
        data["columns"] = [list(c) for c in self.columns]
        return data


def _measured(definition: Definition, wave: Wave, n) -> str:
    return _("%(title)s, wave %(wave)s (%(year)s): %(n)s respondents; a questionnaire "
             "defined in Staat (version %(version)s).") % {
        "title": definition.title.get(language()), "wave": wave.name, "year": wave.year,
        "n": n if n is not None else "—", "version": definition.version}


def _suppression_note(m: int, rows: list[dict]) -> str:
    hidden = sum(1 for r in rows if r.get("suppressed"))
    return _("No figure is shown for a group of fewer than %(m)s respondents, and other "
             "groups are hidden where a hidden group could otherwise be computed from the "
             "totals. Hidden in this table: %(hidden)s.") % {"m": m, "hidden": hidden}


def _group_labels(by: str | None) -> dict:
    labels: dict = {results.TOTAL_LABEL: _("Total"), results.UNKNOWN: _("Unknown")}
    if by in ("type", "organisation"):
        from staat.core.models import OrganisationType

        labels.update(dict(OrganisationType.choices))
    if by == "organisation":
        labels.update({o.code: str(o) for o in Organisation.objects.all()})
    return {k: str(v) for k, v in labels.items()}


def score_rows(res: dict, by: str | None, dimension: str | None = None) -> list[dict]:
    """Flat published rows (one per scale and group) with display labels."""
    labels = _group_labels(by)
    out = []
    for scale in res["scales"]:
        if dimension and scale["code"] != dimension:
            continue
        for g in scale["groups"]:
            out.append({**g, "dimension": scale["code"], "dimension_label": scale["label"],
                        "group_label": labels.get(g["group"], g["group"])})
    return out


SCORE_COLUMNS = ("dimension_label", "group_label", "n", "mean", "sd", "ci_low", "ci_high")


def _score_columns() -> list[tuple[str, str]]:
    names = {"dimension_label": _("Scale"), "group_label": _("Group"), "n": "n",
             "mean": _("Mean"), "sd": _("SD"), "ci_low": _("95% CI low"),
             "ci_high": _("95% CI high")}
    return [(c, names[c]) for c in SCORE_COLUMNS]


def _scale_domain(definition: Definition, dimension: str | None):
    dims = [d for d in definition.dimensions if dimension in (None, d.code)]
    if not dims:
        return None
    if all(d.scoring == "mapped_mean" for d in dims):
        return (0.0, 1.0)
    scales = {definition.scales[d.items[0].scale] for d in dims if d.scoring != "mapped_mean"}
    if len(scales) == 1 and all(d.scoring != "sum" for d in dims):
        sc = scales.pop()
        return (sc.low, sc.high)
    return None


def scores_result(wave: Wave, by: str | None, dimension: str | None = None,
                  key: str = "scores") -> EditionResult:
    definition = wave.instrument.parsed()
    res = results_for(wave.instrument, wave, by=by)
    if res is None:
        raise ResultUnavailable(f"wave {wave.name!r} has no responses")
    if dimension and dimension not in [s["code"] for s in res["scales"]]:
        raise ResultUnavailable(f"unknown scale {dimension!r}")
    rows = score_rows(res, by, dimension)
    by_label = {None: _("overall"), "type": _("by organisation type"),
                "sector": _("by sector"), "organisation": _("by organisation")}.get(
        by, _("by %(attribute)s") % {"attribute": by})
    title = _("%(instrument)s: scores %(by)s, %(wave)s") % {
        "instrument": definition.title.get(language()), "by": by_label, "wave": wave.name}
    spec = charts.group_means(
        [r for r in rows if not r.get("suppressed")], group_title="", mean_title=_("Mean"),
        description=_("Mean score with its 95%% confidence interval per group (%(by)s).")
        % {"by": by_label}, domain=_scale_domain(definition, dimension))
    return EditionResult(
        key=key, params={"instrument": definition.code, "wave": wave.name, "by": by,
                         **({"dimension": dimension} if dimension else {})},
        title=title, columns=_score_columns(), rows=rows, chart_spec=spec,
        chart_svg=charts.to_svg(spec),
        # xgettext:no-python-format
        notes={"method": _("Mean of the answered items per respondent (at least half of a "
                           "scale's items answered), then the mean per group with a t-based "
                           "95% confidence interval."),
               "n": res["n_respondents"],
               "suppression": _suppression_note(res["min_group_size"], rows),
               "measured": _measured(definition, wave, res["n_respondents"])})


def comparison_result(wave: Wave, dimension: str, by: str = "type") -> EditionResult:
    definition = wave.instrument.parsed()
    res = results_for(wave.instrument, wave, by=by, pairwise=[dimension])
    scale = next((s for s in (res or {}).get("scales", []) if s["code"] == dimension), None)
    if scale is None:
        raise ResultUnavailable(f"unknown scale {dimension!r} or no responses")
    comp = scale["comparison"]
    labels = _group_labels(by)
    rows = []
    if comp:
        for s in comp["spread"]:
            rows.append({**s, "group_label": labels.get(s["group"], s["group"]),
                         "suppressed": False})
    title = _("%(scale)s: difference between and spread within groups, %(wave)s") % {
        "scale": scale["label"], "wave": wave.name}
    spec = charts.spread(rows, group_title="", score_title=scale["label"],
                         description=_("Per group the middle half of the scores (box), the "
                                       "median (line) and the mean (dot).")) if rows else None
    if comp:
        test = comp["test_label"]
        if comp["test"] == "welch_anova":
            stat = (f"F({comp['df1']:.0f}; {comp['df2']:.1f}) = {comp['statistic']:.2f}, "
                    f"p = {comp['p']:.3g}, ω² = {comp['effect_sizes']['omega_squared']:.3f}")
        else:
            stat = (f"t({comp['df']:.1f}) = {comp['statistic']:.2f}, p = {comp['p']:.3g}, "
                    f"Hedges' g = {comp['effect_sizes']['hedges_g']:.2f}")
        icc = comp.get("icc1") or {}
        method = _("%(test)s: %(stat)s. ICC(1) = %(icc)s: the share of the differences "
                   "between people that lies between the groups. %(why)s") % {
            "test": test, "stat": stat,
            "icc": f"{icc.get('icc1'):.3f}" if icc.get("icc1") is not None else "—",
            "why": comp["why"]}
    else:
        method = _("Fewer than two groups can be shown, so there is no comparison. With two "
                   "groups Staat uses Welch's t-test, with three or more Welch's ANOVA with "
                   "Games-Howell pairs. %(why)s") % {"why": results.WELCH_WHY}
    columns = [("group_label", _("Group")), ("n", "n"), ("mean", _("Mean")), ("sd", _("SD")),
               ("q1", _("First quartile")), ("median", _("Median")),
               ("q3", _("Third quartile")), ("iqr", _("Interquartile range"))]
    more = []
    if comp:
        eff = comp["effect_sizes"]
        icc = comp.get("icc1") or {}
        more.append({"title": _("Test"), "columns": [
            ("test", _("Test")), ("statistic_name", _("Statistic")), ("statistic", _("Value")),
            ("df1", "df1"), ("df2", "df2"), ("p", "p"), ("effect", _("Effect size")),
            ("icc1", "ICC(1)"), ("icc_ci", _("95% CI of ICC(1)")),
            ("sd_between", _("SD between groups")), ("sd_within", _("SD within groups"))],
            "rows": [{"test": comp["test_label"], "statistic_name": comp["statistic_name"],
                      "statistic": comp["statistic"], "df1": comp["df1"], "df2": comp["df2"],
                      "p": comp["p"],
                      "effect": ", ".join(f"{k} = {v:.3f}" for k, v in eff.items()
                                          if v is not None),
                      "icc1": icc.get("icc1"),
                      "icc_ci": (f"{icc['ci_low']:.3f} – {icc['ci_high']:.3f}"
                                 if icc.get("ci_low") is not None else None),
                      "sd_between": icc.get("sd_between"), "sd_within": icc.get("sd_within")}]})
        pairs = comp.get("pairwise") or []
        if comp["test"] == "welch_t" and comp.get("difference"):
            d = comp["difference"]
            pairs = [{"A": d["A"], "B": d["B"], "diff": d["diff"], "ci_low": d["ci_low"],
                      "ci_high": d["ci_high"], "p": comp["p"],
                      "hedges_g": eff.get("hedges_g")}]
        if pairs:
            more.append({"title": _("Pairs of groups (Games-Howell)") if comp["test"] ==
                         "welch_anova" else _("Difference between the two groups"),
                         "columns": [("A_label", "A"), ("B_label", "B"),
                                     ("diff", _("Difference A − B")),
                                     ("ci_low", _("95% CI low")), ("ci_high", _("95% CI high")),
                                     ("p", "p"), ("hedges_g", "Hedges' g")],
                         "rows": [{**p, "A_label": labels.get(p["A"], p["A"]),
                                   "B_label": labels.get(p["B"], p["B"])} for p in pairs]})
    return EditionResult(
        key="comparison", params={"instrument": definition.code, "wave": wave.name,
                                  "dimension": dimension, "by": by},
        title=title, columns=columns, rows=rows, chart_spec=spec,
        chart_svg=charts.to_svg(spec), more=more,
        notes={"method": method, "n": comp["n"] if comp else None,
               "suppression": _("Only groups whose scores are published take part; groups of "
                                "fewer than %(m)s respondents or hidden to protect them are "
                                "left out.") % {"m": res["min_group_size"]},
               "measured": _measured(definition, wave, res["n_respondents"])})


def reliability_result(wave: Wave) -> EditionResult:
    definition = wave.instrument.parsed()
    res = results_for(wave.instrument, wave, by=None)
    if res is None:
        raise ResultUnavailable(f"wave {wave.name!r} has no responses")
    rows = []
    for s in res["scales"]:
        rel = s["reliability"]
        if not rel.get("applicable"):
            continue
        alpha = rel.get("cronbach_alpha") or {}
        omega = rel.get("mcdonald_omega") or {}
        rows.append({"dimension_label": s["label"], "k": rel.get("k"), "n": rel.get("n"),
                     "alpha": alpha.get("estimate"), "alpha_ci_low": alpha.get("ci_low"),
                     "alpha_ci_high": alpha.get("ci_high"), "omega": omega.get("estimate"),
                     "suppressed": rel.get("suppressed", False)})
    spec = charts.bars(rows, field="alpha", label_field="dimension_label",
                       value_title="Cronbach's alpha", rules=(0.7,), domain=(0, 1),
                       description=_("Cronbach's alpha per scale; the dashed line is 0.70."))
    columns = [("dimension_label", _("Scale")), ("k", _("Items")), ("n", "n"),
               ("alpha", "Cronbach's α"), ("alpha_ci_low", _("95% CI low")),
               ("alpha_ci_high", _("95% CI high")), ("omega", "McDonald's ω")]
    return EditionResult(
        key="reliability", params={"instrument": definition.code, "wave": wave.name},
        title=_("%(instrument)s: reliability of the scales, %(wave)s") % {
            "instrument": definition.title.get(language()), "wave": wave.name},
        columns=columns, rows=rows, chart_spec=spec, chart_svg=charts.to_svg(spec),
        notes={"method": _("Cronbach's alpha with Feldt's confidence interval and McDonald's "
                           "omega (one-factor model), on respondents who answered every item "
                           "of the scale."),
               "n": res["n_respondents"],
               "suppression": _("Not computed for fewer than %(m)s complete answers.")
               % {"m": res["min_group_size"]},
               "measured": _measured(definition, wave, res["n_respondents"])})


def change_result(before: Wave, after: Wave) -> EditionResult:
    definition = after.instrument.parsed()
    rows = wave_change_for(before, after)
    chart_rows = []
    for r in rows:
        if r.get("suppressed"):
            continue
        chart_rows += [{"dimension_label": r["label"], "wave": before.name,
                        "mean": r["mean_before"], "n": r["n_before"]},
                       {"dimension_label": r["label"], "wave": after.name,
                        "mean": r["mean_after"], "n": r["n_after"]}]
    spec = charts.wave_change(chart_rows, wave_title="", mean_title=_("Mean"),
                              description=_("Mean per scale in two waves."))
    rows = [{**r, "dimension_label": r["label"]} for r in rows]
    columns = [("dimension_label", _("Scale")), ("n_before", f"n {before.name}"),
               ("mean_before", f"{_('Mean')} {before.name}"), ("n_after", f"n {after.name}"),
               ("mean_after", f"{_('Mean')} {after.name}"), ("diff", _("Change")),
               ("ci_low", _("95% CI low")), ("ci_high", _("95% CI high")), ("p", "p"),
               ("hedges_g", "Hedges' g")]
    return EditionResult(
        key="wave-change", params={"instrument": definition.code, "before": before.name,
                                   "after": after.name},
        title=_("%(instrument)s: change from %(before)s to %(after)s") % {
            "instrument": definition.title.get(language()), "before": before.name,
            "after": after.name},
        columns=columns, rows=rows, chart_spec=spec, chart_svg=charts.to_svg(spec),
        notes={"method": _("Difference of means between the waves with Welch's t-test for "
                           "independent samples and Hedges' g."),
               "n": sum((r.get("n_before") or 0) + (r.get("n_after") or 0) for r in rows[:1]),
               "suppression": _("A scale is left out when a wave has fewer than %(m)s "
                                "respondents.") % {"m": definition.min_group_size},
               "measured": _measured(definition, after, None)})


def subgroups_result(wave: Wave, dimension: str) -> EditionResult:
    definition = wave.instrument.parsed()
    rows = lowest_subgroups_for(wave, dimension)
    overall = overall_means(wave).get(dimension, {}).get("mean")
    label = definition.dimension(dimension).label.get(language())
    spec = charts.subgroups(rows, overall=overall, group_title="", mean_title=label,
                            description=_("The subgroups with the lowest mean; the dashed "
                                          "line is the mean of everyone.")) if rows else None
    columns = [("attribute_label", _("Characteristic")), ("category_label", _("Group")),
               ("n", "n"), ("mean", _("Mean")), ("ci_low", _("95% CI low")),
               ("ci_high", _("95% CI high")), ("diff", _("Difference with the rest")),
               ("p_holm", _("p (Holm)")), ("hedges_g", "Hedges' g")]
    return EditionResult(
        key="lowest-subgroups", params={"instrument": definition.code, "wave": wave.name,
                                        "dimension": dimension},
        title=_("%(scale)s: the subgroups that score lowest, %(wave)s") % {
            "scale": label, "wave": wave.name},
        columns=columns, rows=rows, chart_spec=spec, chart_svg=charts.to_svg(spec),
        notes={"method": _("Each subgroup against everyone else with a known value: Welch's "
                           "t-test, Holm-adjusted p-values, Hedges' g."),
               "n": (rows[0]["n"] + rows[0]["rest_n"]) if rows else None,
               "suppression": _("Only subgroups that may be published are compared: at least "
                                "%(m)s respondents, and not hidden to protect a smaller "
                                "group.") % {"m": definition.min_group_size},
               "measured": _measured(definition, wave, None)})


def correlations_result(x_code: str, y_code: str, year: int) -> EditionResult:
    rows = correlations_for(x_code, y_code, int(year))
    spec = charts.correlations(rows, x_title="", y_title="",
                               description=_("Correlation (Pearson's r) of every management "
                                             "practice with every outcome scale."))
    columns = [("x_label", _("Practice")), ("y_label", _("Outcome")), ("n", "n"), ("r", "r"),
               ("ci_low", _("95% CI low")), ("ci_high", _("95% CI high")), ("p", "p")]
    m = max((r.get("n") or 0) for r in rows) if rows else None
    return EditionResult(
        key="correlations", params={"x": x_code, "y": y_code, "year": int(year)},
        title=_("Management practices and outcomes, %(year)s") % {"year": year},
        columns=columns, rows=rows, chart_spec=spec, chart_svg=charts.to_svg(spec),
        # xgettext:no-python-format
        notes={"method": _("Pearson correlations with a Fisher-z 95% confidence interval, "
                           "for respondents who answered both questionnaires (linked by "
                           "their pseudonym)."),
               "n": m, "suppression": _("Left out below the minimum group size."),
               "measured": f"{x_code} × {y_code}, {year}"})


def agreement_result(wave: Wave) -> EditionResult:
    definition = wave.instrument.parsed()
    data = agreement_for(wave)
    rows = [{**r, "suppressed": False} for r in data["agreement"]]
    for r in rows:
        if r["criterion"] == "(overall)":
            r["criterion_label"] = _("All criteria")
    spec = charts.bars(rows, field="alpha", label_field="criterion_label",
                       value_title="Krippendorff's α (ordinal)", rules=(0.667, 0.8),
                       domain=(-0.2, 1),
                       description=_("Agreement between assessors per criterion; dashed "
                                     "lines at 0.667 and 0.80.")) if rows else None
    columns = [("criterion_label", _("Criterion")), ("alpha", "α"), ("n_units", _("Cases")),
               ("n_values", _("Scores"))]
    return EditionResult(
        key="agreement", params={"instrument": definition.code, "wave": wave.name},
        title=_("Agreement between assessors, %(wave)s") % {"wave": wave.name},
        columns=columns, rows=rows, chart_spec=spec, chart_svg=charts.to_svg(spec),
        notes={"method": _("Krippendorff's alpha for ordinal data (Krippendorff 2011); 0.80 "
                           "or more is reliable, 0.667 the lowest acceptable."),
               "n": sum(r.get("n_values") or 0 for r in rows[:-1]) if rows else None,
               "suppression": _("Only agreement figures are published, never an individual "
                                "assessment."),
               "measured": _measured(definition, wave, None)})


def organisation_result(wave: Wave, organisation: str) -> EditionResult:
    definition = wave.instrument.parsed()
    data = organisation_vs_type_for(wave, organisation)
    labels = _group_labels("organisation")
    rows = [{**r, "dimension_label": r["label"]} for r in data["rows"]]
    org_label = labels.get(organisation, organisation)
    type_label = labels.get(data["type"], data["type"])
    columns = [("dimension_label", _("Scale")), ("n_organisation", f"n {org_label}"),
               ("mean_organisation", f"{_('Mean')} {org_label}"),
               ("n_rest", _("n rest of type")), ("mean_rest", _("Mean rest of type")),
               ("diff", _("Difference")), ("ci_low", _("95% CI low")),
               ("ci_high", _("95% CI high")), ("p", "p"), ("hedges_g", "Hedges' g"),
               ("glass_delta", "Glass's Δ")]
    chart_rows = []
    for r in rows:
        if not r.get("suppressed"):
            chart_rows.append({"dimension_label": r["label"], "group_label": org_label,
                               "mean": r["mean_organisation"], "n": r["n_organisation"],
                               "ci_low": None, "ci_high": None})
            chart_rows.append({"dimension_label": r["label"], "group_label": type_label,
                               "mean": r["mean_rest"], "n": r["n_rest"],
                               "ci_low": None, "ci_high": None})
    spec = charts.group_means(chart_rows, group_title="", mean_title=_("Mean"),
                              description=_("The organisation's mean next to the mean of "
                                            "the other organisations of its type."),
                              domain=_scale_domain(definition, None)) if chart_rows else None
    return EditionResult(
        key="organisation-vs-type", params={"instrument": definition.code, "wave": wave.name,
                                            "organisation": organisation},
        title=_("%(organisation)s against the other organisations of its type (%(type)s), "
                "%(wave)s") % {"organisation": org_label, "type": type_label,
                               "wave": wave.name},
        columns=columns, rows=rows, chart_spec=spec, chart_svg=charts.to_svg(spec),
        notes={"method": _("Welch's t-test of the organisation against the rest of its type "
                           "(the organisation itself left out), with Hedges' g and Glass's Δ "
                           "(the difference in standard deviations of the rest of the type)."),
               "n": None,
               "suppression": _("Shown only when the organisation and its type total are both "
                                "published and the rest of the type has at least %(m)s "
                                "respondents.") % {"m": definition.min_group_size},
               "measured": _measured(definition, wave, None)})


def edition_result(key: str, params: dict) -> EditionResult:
    """Resolve a result reference from an edition item (``kind == "instrument_result"``).

    Raises :class:`ResultUnavailable` when the reference cannot be resolved."""
    params = dict(params or {})
    try:
        if key == "correlations":
            return correlations_result(params["x"], params["y"], int(params["year"]))
        code = params["instrument"]
        if key == "wave-change":
            return change_result(_wave(code, params["before"]), _wave(code, params["after"]))
        wave = _wave(code, params["wave"])
        if key == "scores":
            return scores_result(wave, params.get("by") or None, params.get("dimension"))
        if key == "comparison":
            return comparison_result(wave, params["dimension"], params.get("by") or "type")
        if key == "reliability":
            return reliability_result(wave)
        if key == "lowest-subgroups":
            return subgroups_result(wave, params["dimension"])
        if key == "agreement":
            return agreement_result(wave)
        if key == "organisation-vs-type":
            return organisation_result(wave, params["organisation"])
    except KeyError as exc:
        raise ResultUnavailable(f"{key}: missing or unknown parameter {exc}") from exc
    raise ResultUnavailable(f"unknown result key {key!r}")


def available_results() -> list[tuple[str, str, dict]]:
    """Every result a researcher can place in an edition: ``(key, title, params)``."""
    out: list[tuple[str, str, dict]] = []
    waves = (Wave.objects.select_related("instrument")
             .annotate(n=Count("responses")).filter(n__gt=0).order_by("instrument__code",
                                                                      "year", "name"))
    by_code: dict[str, list[Wave]] = {}
    lang = language()
    for wave in waves:
        d = wave.instrument.parsed()
        by_code.setdefault(d.code, []).append(wave)
        name = d.title.get(lang)
        base = {"instrument": d.code, "wave": wave.name}
        if d.code == "success-assessment":
            out.append(("agreement", _("%(i)s: agreement between assessors, %(w)s")
                        % {"i": name, "w": wave.name}, base))
            continue
        for by, label in ((None, _("overall")), ("type", _("by organisation type")),
                          ("sector", _("by sector"))):
            out.append(("scores", f"{name}: {_('scores')} {label}, {wave.name}",
                        {**base, "by": by}))
        out.append(("reliability", f"{name}: {_('reliability')}, {wave.name}", base))
        cat_attrs = [a for a in d.attributes if a.type == "category"]
        for dim in d.dimensions:
            label = dim.label.get(lang)
            out.append(("comparison", f"{name}: {label}, {_('types compared')}, {wave.name}",
                        {**base, "dimension": dim.code, "by": "type"}))
            if cat_attrs:
                out.append(("lowest-subgroups",
                            f"{name}: {label}, {_('lowest-scoring subgroups')}, {wave.name}",
                            {**base, "dimension": dim.code}))
    for code, ws in by_code.items():
        for before, after in zip(ws, ws[1:]):
            name = after.instrument.parsed().title.get(lang)
            out.append(("wave-change", f"{name}: {before.name} → {after.name}",
                        {"instrument": code, "before": before.name, "after": after.name}))
    years_x = {w.year for w in by_code.get("management-practices", [])}
    years_y = {w.year for w in by_code.get("culture", [])}
    for year in sorted(years_x & years_y):
        out.append(("correlations", _("Management practices and culture, %(year)s")
                    % {"year": year}, {"x": "management-practices", "y": "culture",
                                       "year": year}))
    return out
