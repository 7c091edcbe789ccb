# SPDX-License-Identifier: EUPL-1.2
"""Shared set-up for the instruments tests: loaded definitions, organisations of several
types, waves, synthetic responses with known effects, and files written at test time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staat.core.models import OrganisationType, Role
from staat.instruments import definitions, services
from staat.instruments.models import Instrument, Response, Wave
from tests.factories import OrganisationFactory, UserFactory

#: organisation code -> (type, sector, respondents). "zbo-small" has 6: below the minimum of 10,
#: so it and a complement must be hidden; "dienst-solo" is the only dienst with 7.
ORGS = {
    "zbo-a": (OrganisationType.ZBO, "sociale zekerheid", 40),
    "zbo-b": (OrganisationType.ZBO, "belastingen", 35),
    "zbo-small": (OrganisationType.ZBO, "sociale zekerheid", 6),
    "ag-a": (OrganisationType.AGENTSCHAP, "belastingen", 45),
    "ag-b": (OrganisationType.AGENTSCHAP, "sociale zekerheid", 30),
    "ag-c": (OrganisationType.AGENTSCHAP, "onderwijs", 12),
    "dienst-solo": (OrganisationType.DIENST, "onderwijs", 7),
}
TYPE_EFFECT = {OrganisationType.ZBO: 0.5, OrganisationType.AGENTSCHAP: 0.0,
               OrganisationType.DIENST: -0.3}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Results are cached per wave; ids are reused after each test's rollback."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def loaded(db):
    definitions.load_shipped()
    return {i.code: i for i in Instrument.objects.filter(is_current=True)}


@pytest.fixture
def organisations(db):
    return {code: OrganisationFactory(code=code, name=f"Fictieve {code}", short_name=code,
                                      type=t, sector=sector)
            for code, (t, sector, _n) in ORGS.items()}


@pytest.fixture
def researcher(db):
    return UserFactory(username="onderzoeker", role=Role.RESEARCHER)


def wave_for(instrument: Instrument, name: str, year: int) -> Wave:
    return Wave.objects.create(instrument=instrument, name=name, year=year)


def simulate(definition, n: int, rng: np.random.Generator, shift: float = 0.0) -> pd.DataFrame:
    """Answers driven by one latent trait (so scales are reliable), shifted by ``shift``."""
    latent = rng.normal(shift, 1.0, n)
    cols = {}
    for dim in definition.dimensions:
        for item in dim.items:
            scale = definition.scales[item.scale]
            values = list(scale.scored_values)
            if dim.scoring == "mapped_mean" or not scale.numeric:
                ordered = sorted(values, key=lambda v: item.mapping[v]) if item.mapping else values
                pos = np.clip(((latent + rng.normal(0, 0.8, n)) + 2) / 4 * len(ordered), 0,
                              len(ordered) - 1).astype(int)
                cols[item.code] = [ordered[p] for p in pos]
            else:
                lo, hi = scale.low, scale.high
                raw = (lo + hi) / 2 + (latent + rng.normal(0, 0.7, n)) * (hi - lo) / 4
                if item.reverse:
                    raw = lo + hi - raw
                snapped = np.clip(np.rint(raw), lo, hi)
                allowed = np.array(sorted(values), dtype=float)
                idx = np.abs(snapped[:, None] - allowed[None, :]).argmin(axis=1)
                cols[item.code] = allowed[idx]
    for at in definition.attributes:
        if at.type == "category" and at.options and at.code != "org_type":
            opts = [o.value for o in at.options if not o.missing]
            cols[at.code] = rng.choice(np.array(opts, dtype=object), n)
    return pd.DataFrame(cols)


def populate(wave: Wave, organisations: dict, seed: int = 7, sizes: dict | None = None,
             key_prefix: str = "R") -> pd.DataFrame:
    """Store simulated responses for every organisation in ``sizes`` (default ORGS)."""
    definition = wave.instrument.parsed()
    rng = np.random.default_rng(seed)
    frames = []
    for code, (org_type, _sector, n) in ORGS.items():
        n = (sizes or {}).get(code, n)
        if not n:
            continue
        frame = simulate(definition, n, rng, TYPE_EFFECT[org_type])
        frame["organisation"] = code
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    items, attrs = set(definition.item_codes), set(definition.attribute_codes)
    for i, rec in enumerate(data.to_dict("records")):
        respondent = services._respondent(definition.code, f"{key_prefix}-{i:05d}")
        Response.objects.create(
            respondent=respondent, wave=wave, organisation=organisations[rec["organisation"]],
            answers={k: services._plain(v) for k, v in rec.items() if k in items},
            attributes={k: services._plain(v) for k, v in rec.items()
                        if k in attrs and k != "organisation"},
            origin=Response.Origin.IMPORT)
    return data


def write_file(frame: pd.DataFrame, path, fmt: str):
    """Write a response frame as CSV (semicolon, Dutch Excel style), XLSX or SPSS .sav."""
    if fmt == "csv":
        frame.to_csv(path, sep=";", index=False)
    elif fmt == "xlsx":
        frame.to_excel(path, index=False)
    elif fmt == "sav":
        import pyreadstat

        out = frame.copy()
        for c in out.columns:
            if out[c].dtype == object:
                out[c] = out[c].astype(str)
        pyreadstat.write_sav(out, str(path))
    return path
