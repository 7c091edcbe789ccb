# SPDX-License-Identifier: EUPL-1.2
"""Benchmark: 100,000 respondents × 60 items, scored and compared between 4 types.

Generates seeded Likert-5 responses from a one-factor model per dimension (6 dimensions of
10 items, 2 reverse items each, about 3 % missing answers and 1 % "weet niet"), then times
the full analysis: scoring every dimension, Cronbach's alpha and McDonald's omega per
dimension, and per dimension the group summary by organisation type, Welch's ANOVA,
Games-Howell post hoc and ICC(1). Prints the median of 3 runs in seconds.

    .venv/bin/python bench/bench_instruments.py [--respondents N] [--runs K]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import yaml

from staat.analysis import statistics as st
from staat.analysis.instrument_schema import parse_instrument
from staat.analysis.scoring import group_summary, item_matrix, score_dimensions

N_DIMS, N_ITEMS = 6, 10
TYPES = np.array(["zbo", "agentschap", "dienst", "beleid"])


def instrument():
    scale = {"options": [{"value": v, "label": str(v)} for v in range(1, 6)]
             + [{"value": 9, "label": "weet niet", "missing": True}]}
    dims = [{"code": f"d{d}", "label": f"Dimensie {d}", "scoring": "mean",
             "items": [{"code": f"d{d}_q{i:02d}", "text": f"Vraag {i}", "scale": "l5",
                        "reverse": i in (3, 7)} for i in range(N_ITEMS)]}
            for d in range(N_DIMS)]
    spec = {"format": "staat-instrument/1", "code": "bench", "version": 1, "title": "Bench",
            "response_scales": {"l5": scale}, "dimensions": dims}
    return parse_instrument(yaml.safe_dump(spec), "bench.yaml")


def generate(n: int, seed: int = 20250101) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    types = TYPES[rng.choice(4, n, p=[0.15, 0.45, 0.3, 0.1])]
    shift = {"zbo": 0.25, "agentschap": 0.0, "dienst": -0.1, "beleid": 0.05}
    t_shift = np.vectorize(shift.get)(types)
    cols = {}
    for d in range(N_DIMS):
        factor = rng.normal(size=n) + t_shift
        for i in range(N_ITEMS):
            latent = 0.7 * factor + 0.7 * rng.normal(size=n)
            if i in (3, 7):
                latent = -latent
            ans = np.clip(np.round(3 + latent), 1, 5)
            u = rng.random(n)
            ans[u < 0.03] = np.nan
            ans[(u >= 0.03) & (u < 0.04)] = 9
            cols[f"d{d}_q{i:02d}"] = ans
    return pd.DataFrame(cols), types


def analyse(data: pd.DataFrame, types: np.ndarray, inst) -> dict:
    scores = score_dimensions(data, inst)
    out = {"summary": group_summary(scores, pd.DataFrame({"type": types}), by="type")}
    for dim in inst.dimensions:
        matrix = item_matrix(data, inst, dim, check=False)
        out[dim.code] = {
            "alpha": st.cronbach_alpha(matrix),
            "omega": st.mcdonald_omega(matrix),
            "welch": st.welch_anova(scores[dim.code].to_numpy(), types),
            "games_howell": st.games_howell(scores[dim.code].to_numpy(), types),
            "icc": st.icc1(scores[dim.code].to_numpy(), types),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    inst = instrument()
    t0 = time.perf_counter()
    data, types = generate(args.respondents)
    gen = time.perf_counter() - t0
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = analyse(data, types, inst)
        times.append(time.perf_counter() - t0)
    first = result["d0"]
    print(f"data: {args.respondents:,} respondents × {data.shape[1]} items "
          f"(generated in {gen:.2f} s)")
    print(f"d0: alpha {first['alpha'].estimate:.3f}, omega {first['omega'].estimate:.3f}, "
          f"Welch F {first['welch'].f:.1f}, ICC(1) {first['icc'].icc1:.3f}")
    print(f"runs: {', '.join(f'{t:.2f}' for t in times)} s")
    print(f"median of {args.runs}: {statistics.median(times):.2f} s "
          "(score all dimensions + reliability + comparison between 4 types)")


if __name__ == "__main__":
    main()
