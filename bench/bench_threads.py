# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of the thread computation (``staat.analysis.threads.compute_threads``) on a
synthetic corpus: by default 30,000 findings over three years from 200 organisations.

Run: ``.venv/bin/python bench/bench_threads.py [--findings 30000] [--runs 3]``.
Prints the median of ``--runs`` runs of the wall-clock time (without tracemalloc) and of
the peak traced memory (a separate run under ``tracemalloc``), each from a cold lemma
cache. The corpus is generated from a fixed seed (:func:`synthetic_findings`, also used by
the memory test in ``tests/analysis/test_threads.py``).

Then the incremental path: ``--added`` more findings (default 150, about one Stand) are
generated with the same topics, and the run that places them with the kept state
(``compute_threads(..., state=result.state)``) is timed against a full run on the same
input; it reports how many findings keep their thread and how many of the added findings
land where the full run puts them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from staat.analysis.threads import FindingInput, compute_threads, next_states  # noqa: E402
from staat.nlp import keyphrases as keyphrases_mod  # noqa: E402
from staat.nlp import lemmas as lemmas_mod  # noqa: E402

THEMES = [
    "complexiteit-regelgeving", "stapeling-beleid", "betrokkenheid-uitvoering",
    "gegevensuitwisseling", "ict", "personeel-capaciteit", "financiering", "sturing-driehoek",
    "informatie-verantwoording", "organisatiecultuur", "dienstverlening-burger",
    "menselijke-maat", "samenwerking-keten", "signalen-klachten", "eu-internationaal",
]
TYPES = ["zbo"] * 6 + ["agentschap"] * 4 + ["dienst"] * 3 + ["gemeente"] * 5 + [
    "provincie", "waterschap", "overig"]
FILLER = """burger uitvoering organisatie systeem termijn regel wet gemeente informatie aanvraag
proces medewerker dienstverlening beleid ministerie keten partner klant besluit bezwaar
uitkering toeslag vergunning capaciteit budget kosten tijd probleem gevolg situatie
werkwijze afspraak overleg ontwikkeling verbetering kwaliteit""".split()
FUNCTION = "de het een van in op met voor door bij dat en maar omdat waardoor zodat".split()
KINDS = ["knelpunt"] * 12 + ["lichtpunt"] * 4 + ["oproep"] * 3 + ["dilemma"]
SYLLABLES = ["ka", "lo", "me", "ri", "tu", "ve", "sa", "no", "bi", "de", "ge", "pa", "wo",
             "zi", "ha", "ku", "le", "mo", "ne", "ro"]
SUFFIXES = ["ing", "heid", "schap", "er", "te", "", "", ""]


def _pseudo_words(rng: random.Random, n: int) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(SUFFIXES)
        words.add(w)
    return sorted(words)


def synthetic_findings(
    n: int = 30_000, years: tuple[int, ...] = (2023, 2024, 2025), seed: int = 2025,
    organisations: int = 200, topics_out: dict[str, int] | None = None,
) -> list[FindingInput]:
    """``n`` synthetic findings: about ``n // 40`` topics (each with its own words, themes and
    sometimes a law, popularity skewed), reported by ``organisations`` organisations over
    ``years``; texts of 14-24 words mixing topic words, common words and noise. If
    ``topics_out`` is given, it receives the true topic of every finding id."""
    rng = random.Random(seed)
    vocab = _pseudo_words(rng, 8000)
    laws = [f"Wet {w}" for w in vocab[:40]]
    orgs = [(f"org-{i:03d}", rng.choice(TYPES)) for i in range(organisations)]
    n_topics = max(1, n // 40)
    topics = []
    for _ in range(n_topics):
        topics.append((
            rng.sample(vocab, 8),
            tuple(sorted(rng.sample(THEMES, rng.randint(1, 2)))),
            (rng.choice(laws),) if rng.random() < 0.3 else (),
        ))
    weights = [1.0 / (k + 1) ** 0.8 for k in range(n_topics)]
    out: list[FindingInput] = []
    for i in range(n):
        t = rng.choices(range(n_topics), weights)[0]
        words, themes, law = topics[t]
        code, typ = rng.choice(orgs)
        body = rng.sample(words, rng.randint(4, 6)) + rng.sample(FILLER, rng.randint(5, 9))
        body += rng.sample(vocab, rng.randint(1, 3))
        rng.shuffle(body)
        text = []
        for w in body:
            text.append(w)
            if rng.random() < 0.5:
                text.append(rng.choice(FUNCTION))
        out.append(FindingInput(
            id=f"f{i:06d}", year=rng.choice(years), kind=rng.choice(KINDS),
            text=" ".join(text).capitalize() + ".", source_id=f"s-{code}-{rng.choice(years)}",
            organisation_codes=(code,), organisation_types=(typ,), themes=themes, laws=law,
        ))
        if topics_out is not None:
            topics_out[out[-1].id] = t
    return out


def _quality(result, topic_of: dict[str, int], findings: list[FindingInput]) -> str:
    """Purity (share of threaded findings in their thread's majority topic and kind) and
    fragmentation (threads per topic and kind that has a thread)."""
    kind = {f.id: f.kind for f in findings}
    pure = total = 0
    per_topic: dict[tuple[int, str], int] = {}
    for t in result.threads:
        labels = [(topic_of[f], kind[f]) for f in t.finding_ids]
        top = max(set(labels), key=lambda lab: (labels.count(lab), lab))
        pure += labels.count(top)
        total += len(labels)
        per_topic[top] = per_topic.get(top, 0) + 1
    frag = sum(per_topic.values()) / max(1, len(per_topic))
    return f"purity {pure / max(1, total):.3f}, threads per topic-and-kind {frag:.2f}"


def _run(findings: list[FindingInput], traced: bool) -> tuple[float, float, float, object]:
    lemmas_mod._lemma_lower.cache_clear()
    keyphrases_mod._word_class.cache_clear()
    keyphrases_mod._token.cache_clear()
    keyphrases_mod._content_words.cache_clear()
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    c0 = time.process_time()
    result = compute_threads(findings)
    cpu = time.process_time() - c0
    seconds = time.perf_counter() - t0
    peak = 0.0
    if traced:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, cpu, peak, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--added", type=int, default=150,
                    help="findings added for the incremental measurement")
    args = ap.parse_args()
    topic_of: dict[str, int] = {}
    everything = synthetic_findings(args.findings + args.added, topics_out=topic_of)
    findings, added = everything[:args.findings], everything[args.findings:]
    runs = [_run(findings, traced=False) for _ in range(args.runs)]
    times = [r[0] for r in runs]
    cpus = [r[1] for r in runs]
    peaks = []
    result = None
    for _ in range(args.runs):
        _, _, peak, result = _run(findings, traced=True)
        peaks.append(peak)
    assert result is not None
    t0 = time.process_time()
    again = compute_threads(findings, next_states(result))
    rerun = time.process_time() - t0
    same = again.assignments == result.assignments
    sizes = sorted((len(t.finding_ids) for t in result.threads), reverse=True)
    print(f"findings: {len(findings)} over {len(result.years)} years")
    print(f"threads: {len(result.threads)} (largest {sizes[:5]}), "
          f"unassigned: {len(result.unassigned)}")
    print(f"quality against the generating topics: {_quality(result, topic_of, findings)}")
    print(f"seconds (median of {args.runs}, cold lemma cache): {statistics.median(times):.2f} "
          f"{[round(t, 2) for t in times]}; CPU seconds {statistics.median(cpus):.2f}")
    print(f"peak traced memory MB (median of {args.runs}): {statistics.median(peaks):.1f} "
          f"{[round(p, 1) for p in peaks]}")
    print(f"re-run with the remembered states: {rerun:.2f} CPU s, same assignments: {same}")
    dense = len(findings) ** 2 * 8 / 2**20
    print(f"(a dense n×n float64 matrix would need {dense:,.0f} MB)")

    # incremental: the added findings placed with the kept state, against a full run
    states = next_states(result)
    kept = type(result.state).from_bytes(result.state.to_bytes())  # as the app stores it
    inc_times, inc_peaks = [], []
    inc = None
    for traced in [False] * args.runs + [True]:
        if traced:
            tracemalloc.start()
        t0 = time.perf_counter()
        inc = compute_threads(everything, states, state=kept)
        seconds = time.perf_counter() - t0
        if traced:
            inc_peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
            tracemalloc.stop()
        else:
            inc_times.append(seconds)
    assert inc is not None and inc.incremental
    t0 = time.perf_counter()
    full = compute_threads(everything, states)
    full_s = time.perf_counter() - t0
    same_all = sum(1 for f in everything
                   if inc.assignments.get(f.id) == full.assignments.get(f.id))
    threaded = [f.id for f in added if f.id in full.assignments]
    agree = sum(1 for f in threaded if inc.assignments.get(f) == full.assignments[f])
    print(f"incremental, {len(added)} findings added: {statistics.median(inc_times):.2f} s "
          f"(median of {args.runs}, warm lemma cache) {[round(t, 2) for t in inc_times]}; "
          f"peak traced memory {inc_peaks[0]:.1f} MB; "
          f"{len(inc.threads)} threads described again, {len(inc.unchanged)} kept")
    print(f"full run on the same input: {full_s:.2f} s; same thread as the full run: "
          f"{same_all} of {len(everything)} findings, {agree} of {len(threaded)} added "
          f"findings that the full run threads")
    print(f"kept state: {len(result.state.to_bytes()) / 2**20:.1f} MB serialised")


if __name__ == "__main__":
    main()
