# SPDX-License-Identifier: EUPL-1.2
"""Common threads (*rode draden*): findings grouped across organisations, sources and years.

Plain data in, plain data out; no Django. The threads app stores what comes out and passes
back what it remembers (:class:`ThreadState`) on the next run. The method, in order (the
user-facing version is ``docs/threads.md``):

1. **Features.** Every finding becomes one vector of three blocks, each a TF-IDF vector
   (sublinear term frequency, smoothed idf, L2-normalised) over the whole input:
   the lemmas of its text (:func:`staat.nlp.lemmas.search_terms`: no stopwords), its theme
   codes and its laws. The blocks are weighted (``text_weight`` 1.0, ``theme_weight`` 0.35,
   ``law_weight`` 0.3) and the whole vector is L2-normalised, so the dot product of two
   findings is their cosine similarity. Two findings that share only their themes reach
   about 0.11, themes and law 0.18 at most: below the thresholds. Shared wording is needed
   to join; themes and laws tip the balance between findings worded differently.
2. **One clustering per kind.** Knelpunten, lichtpunten, oproepen and dilemma's are
   clustered separately, so a thread has one kind and a bright spot never counts as one more
   organisation with the problem (a shrinking bottleneck stays visibly shrinking). The
   threads of other kinds are linked to the knelpunt threads they resemble most
   (``related_keys``).
3. **Candidate pairs without an n×n matrix.** Rows are multiplied in chunks of at most
   ``chunk_entries / n`` rows against the matrix restricted to *selective* features (that
   occur in at most ``max(candidate_df_floor, candidate_df_ratio·n)`` findings; frequent
   words and broad themes cost the most and decide little). The missing part of each
   cosine is bounded by the product of the two findings' norms over the frequent features
   (Cauchy–Schwarz); pairs that cannot reach ``edge_threshold`` are dropped, the rest get
   their exact cosine. Each finding keeps its ``neighbours`` most similar partners at or
   above ``edge_threshold``. Memory grows with n·neighbours, time with the number of pairs
   sharing a selective feature. (Pairs that share only frequent features are not
   considered; with the default floor of 100 that happens only in corpora of thousands of
   findings, for features that carry little weight.)
4. **Linkage over the candidate graph.** Pairs are visited from most to least similar
   (ties by finding id); two clusters merge when the cosine of their centroids is at least
   ``merge_threshold`` *and* the average cosine over all pairs across them (UPGMA) is at
   least ``min_average``. Unlike single linkage (plain union-find) this does not chain
   unrelated findings through intermediates, and the average keeps a large cluster, whose
   centroid is dominated by its shared theme, from swallowing every finding with that
   theme. The pairs are visited again (at most ``max_passes`` times) while merges happen,
   so a merge that only became possible after another one is not missed. Everything is
   computed on the findings sorted by id, so input order does not matter and the output is
   byte-identical.
5. **All years at once.** Findings of all years are clustered together, so the same
   bottleneck worded differently in 2023 and 2025 lands in one cluster: one thread with a
   history, split by year.
6. **Identity.** Each cluster takes the key of the earlier thread it shares most findings
   with (greedy, most shared first; at least ``match_min_share`` of the smaller of the two);
   a cluster without such a thread is compared with the remembered profiles
   (``centroid_terms``, cosine ≥ ``profile_threshold``: findings re-extracted under new ids).
   Otherwise it becomes a new thread if at least ``min_reporters`` organisations report it;
   its key is ``th-`` + the first 12 hex digits of SHA-256 of its smallest finding id, never
   one of the keys passed in (a counter is added on collision). Smaller clusters are
   ``unassigned``.
7. **Researchers' decisions.** A thread merged into another gives its findings to the target
   (chains followed; in a cycle the smallest key stays). Excluded findings are taken out of
   the thread (and of a thread merged into it) and stay unassigned unless pinned elsewhere;
   pinned findings are moved into their thread, whatever the clustering says (a pin wins
   over an exclusion; a finding pinned to two threads goes to the smaller key). A locked
   label is kept. A split is a new state with the split-off findings pinned, and those
   findings excluded from the old thread.
8. **Description.** Key phrases by c-TF-IDF (:mod:`staat.nlp.keyphrases`) against all other
   findings; the label is the best one or two; figures per monitored year; representative
   findings (closest to the thread's centroid, different organisations first); trend status
   per year (:mod:`staat.analysis.trends`); history notes.

Re-running with the states this run produces (:func:`next_states`) gives the same threads.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from staat.analysis.trends import TrendParams, TrendStatus, trend_status
from staat.nlp.keyphrases import KeyPhrase, key_phrases_by_group
from staat.nlp.lemmas import search_terms

__all__ = [
    "KINDS",
    "VERSION",
    "FindingInput",
    "Note",
    "Thread",
    "ThreadFigures",
    "ThreadParams",
    "ThreadResult",
    "ThreadState",
    "compute_threads",
    "describe",
    "next_states",
    "thread_figures",
]

#: Version of the method and its defaults; bump it when a change can move findings between
#: threads, so callers that cache a run by its input know to compute again.
VERSION = "1.0"

KINDS: tuple[str, ...] = ("knelpunt", "lichtpunt", "oproep", "dilemma")
KIND_LABELS = {"knelpunt": "Knelpunt", "lichtpunt": "Lichtpunt", "oproep": "Oproep",
               "dilemma": "Dilemma"}
#: Dutch singular and plural of the organisation types, in the order they are listed.
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "zbo": ("ZBO", "ZBO's"),
    "agentschap": ("agentschap", "agentschappen"),
    "dienst": ("dienst", "diensten"),
    "gemeente": ("gemeente", "gemeenten"),
    "provincie": ("provincie", "provincies"),
    "waterschap": ("waterschap", "waterschappen"),
    "overig": ("andere organisatie", "andere organisaties"),
}
UNKNOWN_TYPE = "onbekend"
KEY_PREFIX = "th-"

ProgressFn = Callable[[str, int, int], None]


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True, slots=True)
class FindingInput:
    """One curated finding. ``organisation_types[i]`` is the type of
    ``organisation_codes[i]`` (or ``organisation_types`` is empty)."""

    id: str
    year: int
    kind: str  # knelpunt | lichtpunt | oproep | dilemma
    text: str
    source_id: str
    organisation_codes: tuple[str, ...] = ()
    organisation_types: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    laws: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThreadState:
    """What is remembered of a thread from earlier runs, with the researchers' decisions."""

    key: str  # stable identity, never reused
    label: str = ""
    label_locked: bool = False  # a researcher renamed it
    finding_ids_by_year: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    pinned_finding_ids: frozenset[str] = frozenset()  # always stay in this thread
    excluded_finding_ids: frozenset[str] = frozenset()  # never put back into this thread
    merged_into: str | None = None  # merged into the thread with this key
    centroid_terms: Mapping[str, float] = field(default_factory=dict)  # remembered profile


@dataclass(frozen=True)
class ThreadParams:
    """Every number the thread computation uses (see the module docstring)."""

    text_weight: float = 1.0
    theme_weight: float = 0.35
    law_weight: float = 0.3
    edge_threshold: float = 0.18  # cosine of two findings to be candidates
    merge_threshold: float = 0.22  # cosine of the two clusters' centroids to merge
    min_average: float = 0.15  # and the average cosine over all cross pairs, to merge
    max_passes: int = 4  # passes over the candidate pairs (later passes see merged clusters)
    neighbours: int = 15  # candidate partners kept per finding
    candidate_df_floor: int = 100
    candidate_df_ratio: float = 0.02
    chunk_entries: int = 2_000_000  # rows per product chunk = chunk_entries // n
    min_reporters: int = 2  # organisations (over all years) for a new thread
    match_min_share: float = 0.5
    profile_threshold: float = 0.5
    related_threshold: float = 0.2
    related_max: int = 3
    representatives: int = 3  # per year
    key_phrases: int = 5
    profile_terms: int = 40
    trend: TrendParams = TrendParams()


@dataclass(frozen=True)
class ThreadFigures:
    """A thread's figures in one year. ``reporters`` is what the trend rules count."""

    findings: int
    reporters: int  # organisations, plus one per source that names no organisation
    organisations: int
    sources: int
    organisation_types: dict[str, int]  # organisations per type
    themes: dict[str, int]  # findings per theme code
    laws: dict[str, int]  # findings per law
    organisation_codes: tuple[str, ...]
    source_ids: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "findings": self.findings,
            "reporters": self.reporters,
            "organisations": self.organisations,
            "sources": self.sources,
            "organisation_types": dict(self.organisation_types),
            "themes": dict(self.themes),
            "laws": dict(self.laws),
            "organisation_codes": list(self.organisation_codes),
            "source_ids": list(self.source_ids),
        }


@dataclass(frozen=True, slots=True)
class Note:
    """One line of a thread's history: a machine-readable code, a Dutch sentence, and the
    findings it is about."""

    code: str
    text: str
    finding_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "finding_ids": list(self.finding_ids)}


@dataclass(frozen=True)
class Thread:
    key: str
    label: str
    label_locked: bool
    description: str
    kind: str  # dominant kind of its findings
    finding_ids_by_year: dict[int, tuple[str, ...]]  # years with findings only
    representative_ids_by_year: dict[int, tuple[str, ...]]
    key_phrases: tuple[KeyPhrase, ...]
    figures_by_year: dict[int, ThreadFigures]  # every monitored year from the first on
    trend_by_year: dict[int, TrendStatus]  # same years as figures_by_year
    first_year: int
    last_year: int  # last year with findings
    related_keys: tuple[str, ...]  # threads of another kind about the same matter
    centroid_terms: dict[str, float]  # profile to remember (ThreadState.centroid_terms)
    pinned_finding_ids: frozenset[str]  # the decisions of its own state, passed through
    excluded_finding_ids: frozenset[str]
    notes: tuple[Note, ...]

    @property
    def finding_ids(self) -> tuple[str, ...]:
        return tuple(sorted(f for ids in self.finding_ids_by_year.values() for f in ids))

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "label_locked": self.label_locked,
            "description": self.description,
            "kind": self.kind,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "finding_ids_by_year": {str(y): list(v) for y, v in self.finding_ids_by_year.items()},
            "representative_ids_by_year": {
                str(y): list(v) for y, v in self.representative_ids_by_year.items()
            },
            "key_phrases": [
                {"text": k.text, "lemma": k.lemma, "score": k.score, "count": k.count}
                for k in self.key_phrases
            ],
            "figures_by_year": {str(y): f.to_dict() for y, f in self.figures_by_year.items()},
            "trend_by_year": {str(y): t.to_dict() for y, t in self.trend_by_year.items()},
            "related_keys": list(self.related_keys),
            "centroid_terms": dict(self.centroid_terms),
            "pinned_finding_ids": sorted(self.pinned_finding_ids),
            "excluded_finding_ids": sorted(self.excluded_finding_ids),
            "notes": [n.to_dict() for n in self.notes],
        }


@dataclass(frozen=True)
class ThreadResult:
    threads: tuple[Thread, ...]
    assignments: dict[str, str]  # finding id -> thread key, sorted by finding id
    unassigned: tuple[str, ...]  # finding ids in no thread, sorted
    dissolved: tuple[str, ...]  # earlier keys (not merged) that have no findings now
    years: tuple[int, ...]  # monitored years
    notes: tuple[Note, ...]  # run-level notes (dissolved threads, conflicts)

    def thread(self, key: str) -> Thread:
        for t in self.threads:
            if t.key == key:
                return t
        raise KeyError(key)

    def to_dict(self) -> dict:
        return {
            "years": list(self.years),
            "threads": [t.to_dict() for t in self.threads],
            "assignments": dict(self.assignments),
            "unassigned": list(self.unassigned),
            "dissolved": list(self.dissolved),
            "notes": [n.to_dict() for n in self.notes],
        }


# --------------------------------------------------------------------------- features


def _tfidf_block(
    docs: list[list[str]], prefix: str, sublinear: bool
) -> tuple[sp.csr_matrix, list[str]]:
    """TF-IDF (smoothed idf ``ln((1+n)/(1+df)) + 1``), rows L2-normalised; sorted vocabulary."""
    n = len(docs)
    vocab = sorted({t for d in docs for t in d})
    col = {t: j for j, t in enumerate(vocab)}
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for d in docs:
        counts = Counter(col[t] for t in d)
        for j in sorted(counts):
            indices.append(j)
            c = counts[j]
            data.append(1.0 + math.log(c) if sublinear else 1.0)
        indptr.append(len(indices))
    m = sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32),
         np.asarray(indptr, dtype=np.int64)),
        shape=(n, len(vocab)),
    )
    if vocab:
        df = np.bincount(m.indices, minlength=len(vocab))
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        m = m @ sp.diags(idf)
        m = _normalise_rows(m.tocsr())
    return m, [prefix + t for t in vocab]


def _normalise_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    m = m.tocsr()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


def _law_key(law: str) -> str:
    return " ".join(law.split()).casefold()


def _vectorise(fs: Sequence[FindingInput], params: ThreadParams) -> tuple[sp.csr_matrix, list[str]]:
    text, tnames = _tfidf_block([search_terms(f.text) for f in fs], "w:", True)
    themes, thnames = _tfidf_block([sorted(set(f.themes)) for f in fs], "t:", False)
    laws, lnames = _tfidf_block([sorted({_law_key(x) for x in f.laws}) for f in fs], "l:", False)
    x = sp.hstack(
        [params.text_weight * text, params.theme_weight * themes, params.law_weight * laws],
        format="csr",
    )
    x = _normalise_rows(x)
    x.sort_indices()
    return x, tnames + thnames + lnames


# --------------------------------------------------------------------------- clustering


def _candidate_edges(
    x: sp.csr_matrix, params: ThreadParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``(a, b, cosine)`` with ``a < b``: each row's ``neighbours`` best partners at or
    above ``edge_threshold``. Never builds an n×n matrix."""
    m, d = x.shape
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    if m < 2 or d == 0:
        return empty
    df = np.bincount(x.indices, minlength=d)
    cap = max(params.candidate_df_floor, int(params.candidate_df_ratio * m))
    selective = (df > 0) & (df <= cap)
    xs = x[:, np.flatnonzero(selective)].tocsr()
    xc = x[:, np.flatnonzero(~selective)].tocsr()
    common_norm = np.sqrt(np.asarray(xc.multiply(xc).sum(axis=1)).ravel())
    xs_t = xs.T.tocsr()
    thr = params.edge_threshold - 1e-12
    chunk = max(1, params.chunk_entries // m)
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    out_s: list[np.ndarray] = []
    batch = 200_000
    for start in range(0, m, chunk):
        stop = min(m, start + chunk)
        prod = (xs[start:stop] @ xs_t).tocoo()
        rows = prod.row.astype(np.int64) + start
        cols = prod.col.astype(np.int64)
        part = prod.data
        del prod
        keep = (rows != cols) & (part + common_norm[rows] * common_norm[cols] >= thr)
        rows, cols, part = rows[keep], cols[keep], part[keep]
        sims = np.empty(len(rows), dtype=np.float64)
        for b0 in range(0, len(rows), batch):
            r, c = rows[b0 : b0 + batch], cols[b0 : b0 + batch]
            common = np.asarray(xc[r].multiply(xc[c]).sum(axis=1)).ravel()
            sims[b0 : b0 + batch] = part[b0 : b0 + batch] + common
        keep = sims >= thr
        rows, cols, sims = rows[keep], cols[keep], sims[keep]
        if not len(rows):
            continue
        order = np.lexsort((cols, -sims, rows))
        rows, cols, sims = rows[order], cols[order], sims[order]
        # rank within each row
        first = np.r_[True, rows[1:] != rows[:-1]]
        starts = np.flatnonzero(first)
        run_start = np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        rank = np.arange(len(rows)) - run_start
        keep = rank < params.neighbours
        rows, cols, sims = rows[keep], cols[keep], sims[keep]
        out_a.append(np.minimum(rows, cols))
        out_b.append(np.maximum(rows, cols))
        out_s.append(sims)
    if not out_a:
        return empty
    a = np.concatenate(out_a)
    b = np.concatenate(out_b)
    s = np.concatenate(out_s)
    pair = a * m + b
    _, first_idx = np.unique(pair, return_index=True)
    return a[first_idx], b[first_idx], s[first_idx]


def _cluster(x: sp.csr_matrix, idx: Sequence[int], params: ThreadParams) -> list[list[int]]:
    """Centroid linkage over the candidate graph of the rows ``idx`` (sorted). Returns
    clusters as sorted lists of global row numbers, singletons included."""
    m = len(idx)
    if m == 0:
        return []
    xk = x[np.asarray(idx, dtype=np.int64)].tocsr()
    a, b, s = _candidate_edges(xk, params)
    order = np.lexsort((b, a, -s))
    parent = list(range(m))
    sums: dict[int, dict[int, float]] = {}  # centroid sums of clusters with 2+ members
    norm2: dict[int, float] = {}
    indptr, indices, data = xk.indptr, xk.indices, xk.data

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def vec(r: int) -> dict[int, float]:
        v = sums.get(r)
        if v is None:  # a single finding: its row (a fresh dict, ours to change)
            lo, hi = indptr[r], indptr[r + 1]
            v = dict(zip(indices[lo:hi].tolist(), data[lo:hi].tolist()))
        return v

    def sq(r: int) -> float:
        n2 = norm2.get(r)
        if n2 is None:
            lo, hi = indptr[r], indptr[r + 1]
            n2 = float(np.dot(data[lo:hi], data[lo:hi]))
        return n2

    size: dict[int, int] = {}
    thr = params.merge_threshold - 1e-12
    thr_avg = params.min_average - 1e-12

    def try_merge(ra: int, rb: int) -> bool:
        va, vb = vec(ra), vec(rb)
        small, big = (va, vb) if len(va) <= len(vb) else (vb, va)
        dot = 0.0
        for k, v in small.items():
            w = big.get(k)
            if w is not None:
                dot += v * w
        na, nb = sq(ra), sq(rb)
        if na <= 0 or nb <= 0 or dot / math.sqrt(na * nb) < thr:
            return False  # centroids too far apart
        sa, sb = size.get(ra, 1), size.get(rb, 1)
        if dot / (sa * sb) < thr_avg:
            return False  # average over all cross pairs too low
        # merge: add the smaller vector into the bigger; the root is the smaller row number
        for k, v in small.items():
            big[k] = big.get(k, 0.0) + v
        root, other = (ra, rb) if ra < rb else (rb, ra)
        sums.pop(other, None)
        norm2.pop(other, None)
        size.pop(other, None)
        sums[root] = big
        norm2[root] = na + nb + 2.0 * dot
        size[root] = sa + sb
        parent[other] = root
        return True

    todo = order.tolist()
    for _ in range(max(1, params.max_passes)):
        left: list[int] = []
        merged_any = False
        for e in todo:
            ra, rb = find(int(a[e])), find(int(b[e]))
            if ra == rb:
                continue
            if try_merge(ra, rb):
                merged_any = True
            else:
                left.append(e)
        todo = left
        if not merged_any or not todo:
            break
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(m):
        groups[find(i)].append(idx[i])
    return [sorted(g) for _, g in sorted(groups.items())]


# --------------------------------------------------------------------------- helpers


def _reporters(f: FindingInput) -> tuple[str, ...]:
    return tuple(sorted(set(f.organisation_codes))) or ("source:" + f.source_id,)


def thread_figures(fs: Sequence[FindingInput]) -> ThreadFigures:
    """The figures of a set of findings (one thread in one year): distinct organisations
    (per type), reporters, sources, findings, and findings per theme and per law."""
    orgs: dict[str, str] = {}
    reporters: set[str] = set()
    sources: set[str] = set()
    themes: Counter[str] = Counter()
    laws: Counter[str] = Counter()
    law_names: dict[str, str] = {}
    for f in fs:
        types = f.organisation_types or (UNKNOWN_TYPE,) * len(f.organisation_codes)
        for code, typ in zip(f.organisation_codes, types):
            orgs.setdefault(code, typ or UNKNOWN_TYPE)
        reporters.update(_reporters(f))
        sources.add(f.source_id)
        themes.update(set(f.themes))
        for lk, name in sorted({_law_key(law): law for law in f.laws}.items()):
            law_names.setdefault(lk, " ".join(name.split()))
            laws[lk] += 1
    type_counts = Counter(orgs.values())
    return ThreadFigures(
        findings=len(fs),
        reporters=len(reporters),
        organisations=len(orgs),
        sources=len(sources),
        organisation_types=dict(sorted(type_counts.items(), key=_type_order)),
        themes=dict(sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))),
        laws={law_names[k]: v for k, v in sorted(laws.items(), key=lambda kv: (-kv[1], kv[0]))},
        organisation_codes=tuple(sorted(orgs)),
        source_ids=tuple(sorted(sources)),
    )


_figures = thread_figures  # the name the threads app first used


def _type_order(kv: tuple[str, int]) -> tuple:
    order = list(TYPE_NAMES)
    return (-kv[1], order.index(kv[0]) if kv[0] in order else len(order), kv[0])


def _new_key(min_id: str, used: set[str]) -> str:
    salt = 0
    while True:
        raw = min_id if salt == 0 else f"{min_id}\n{salt}"
        key = KEY_PREFIX + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
        if key not in used:
            return key
        salt += 1


def _resolve_merges(states: Mapping[str, ThreadState]) -> tuple[dict[str, str], list[Note]]:
    """Final target key of every state key (itself when not merged). Chains are followed;
    in a cycle the smallest key of the cycle stays."""
    notes: list[Note] = []
    cycles: set[tuple[str, ...]] = set()
    target: dict[str, str] = {}
    for key in sorted(states):
        path: list[str] = []
        cur = key
        while cur in states and states[cur].merged_into not in (None, cur):
            if cur in path:
                cycle = tuple(sorted(path[path.index(cur):]))
                cycles.add(cycle)
                cur = cycle[0]
                break
            path.append(cur)
            cur = states[cur].merged_into  # type: ignore[assignment]
        target[key] = cur
    for cycle in sorted(cycles):
        notes.append(Note("merge_cycle", f"Samenvoegingen vormen een kring ({', '.join(cycle)}); "
                                         f"{cycle[0]} blijft bestaan."))
    return target, notes


def _dedupe(notes: Iterable[Note]) -> tuple[Note, ...]:
    return tuple(dict.fromkeys(notes))


def describe(
    kind: str,
    figures_by_year: Mapping[int, ThreadFigures],
    *,
    theme_labels: Mapping[str, str] | None = None,
    latest_year: int | None = None,
) -> str:
    """A short Dutch description: "Knelpunt bij 4 organisaties (2 ZBO's, 1 gemeente,
    1 agentschap) in 2025, sinds 2023; thema's: …; wetten: …"."""
    mentioned = sorted(y for y, f in figures_by_year.items() if f.findings)
    if not mentioned:
        return KIND_LABELS.get(kind, kind.capitalize())
    first, last = mentioned[0], mentioned[-1]
    fig = figures_by_year[last]
    who: str
    if fig.organisations:
        n = fig.organisations
        types = ", ".join(
            f"{c} {TYPE_NAMES.get(t, (t, t))[0 if c == 1 else 1]}"
            for t, c in fig.organisation_types.items()
            if t != UNKNOWN_TYPE
        )
        who = f"bij {n} organisatie{'s' if n != 1 else ''}" + (f" ({types})" if types else "")
        extra = fig.reporters - fig.organisations
        if extra:
            who += f" en in {extra} {'bron' if extra == 1 else 'bronnen'} zonder organisatie"
    else:
        who = f"in {fig.sources} {'bron' if fig.sources == 1 else 'bronnen'}"
    since = f", sinds {first}" if first < last else ", voor het eerst"
    text = f"{KIND_LABELS.get(kind, kind.capitalize())} {who} in {last}{since}"
    if latest_year is not None and latest_year > last:
        text += f"; niet meer genoemd in {latest_year}"
    themes: Counter[str] = Counter()
    laws: Counter[str] = Counter()
    for f in figures_by_year.values():
        themes.update(f.themes)
        laws.update(f.laws)
    labels = theme_labels or {}
    if themes:
        top = sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        text += "; thema's: " + ", ".join(labels.get(t, t) for t, _ in top)
    if laws:
        top = sorted(laws.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        text += "; wetten: " + ", ".join(law for law, _ in top)
    return text + "."


def _label(phrases: Sequence[KeyPhrase], fallback: str) -> str:
    if not phrases:
        return fallback
    first = phrases[0].text
    label = first[:1].upper() + first[1:]
    if (len(phrases) > 1 and phrases[1].score >= 0.75 * phrases[0].score
            and len(label) + len(phrases[1].text) <= 60):
        label += ", " + phrases[1].text
    return label


# --------------------------------------------------------------------------- main


def compute_threads(
    findings: Sequence[FindingInput],
    previous: Sequence[ThreadState] = (),
    *,
    params: ThreadParams = ThreadParams(),
    years: Iterable[int] = (),
    theme_labels: Mapping[str, str] | None = None,
    progress: ProgressFn | None = None,
) -> ThreadResult:
    """Group ``findings`` into threads, keeping the identities and decisions of ``previous``.

    ``years`` adds monitored years without findings (an edition year with no sources yet);
    the years of the findings are always monitored. ``theme_labels`` maps theme codes to
    the labels used in descriptions. ``progress(stage, done, total)`` is called between
    stages. Raises ``ValueError`` on duplicate finding ids or thread keys, an unknown kind,
    or organisation types that do not match the organisation codes.
    """
    def tick(stage: str, done: int) -> None:
        if progress is not None:
            progress(stage, done, 6)

    # ---- input
    fs = sorted(findings, key=lambda f: f.id)
    for i, f in enumerate(fs):
        if i and fs[i - 1].id == f.id:
            raise ValueError(f"duplicate finding id {f.id!r}")
        if f.kind not in KINDS:
            raise ValueError(f"finding {f.id!r}: unknown kind {f.kind!r} (expected one of {KINDS})")
        if f.organisation_types and len(f.organisation_types) != len(f.organisation_codes):
            raise ValueError(
                f"finding {f.id!r}: organisation_types does not match organisation_codes")
    states: dict[str, ThreadState] = {}
    for s in previous:
        if s.key in states:
            raise ValueError(f"duplicate thread key {s.key!r}")
        states[s.key] = s
    n = len(fs)
    pos = {f.id: i for i, f in enumerate(fs)}
    monitored = tuple(sorted({f.year for f in fs} | set(years)))

    # ---- features and clusters
    tick("features", 0)
    x, names = _vectorise(fs, params) if n else (sp.csr_matrix((0, 0)), [])
    tick("clustering", 1)
    clusters: list[list[int]] = []
    for kind in KINDS:
        clusters += _cluster(x, [i for i in range(n) if fs[i].kind == kind], params)
    clusters.sort(key=lambda c: c[0])
    cluster_of = np.full(n, -1, dtype=np.int64)
    for ci, c in enumerate(clusters):
        cluster_of[c] = ci

    def reporters_of(rows: Iterable[int]) -> int:
        return len({r for i in rows for r in _reporters(fs[i])})

    # centroids of all clusters (rows L2-normalised): one sparse product
    tick("identity", 2)
    if n:
        ind = sp.csr_matrix(
            (np.ones(n), np.concatenate([np.asarray(c) for c in clusters]),
             np.cumsum([0] + [len(c) for c in clusters])),
            shape=(len(clusters), n),
        )
        cent = _normalise_rows(ind @ x)
    else:
        cent = sp.csr_matrix((0, 0))

    # ---- identity: overlap with earlier threads, then remembered profiles
    target, run_notes = _resolve_merges(states)
    notes: dict[str, list[Note]] = defaultdict(list)
    present: dict[str, list[int]] = {}
    for key in sorted(states):
        rows = sorted({pos[f] for ids in states[key].finding_ids_by_year.values() for f in ids
                       if f in pos})
        present[key] = rows
    pairs: list[tuple[int, float, str, int]] = []
    for key, rows in present.items():
        if not rows:
            continue
        for ci, overlap in Counter(cluster_of[rows].tolist()).items():
            size_c = len(clusters[ci])
            if overlap >= params.match_min_share * min(size_c, len(rows)):
                jacc = overlap / (size_c + len(rows) - overlap)
                pairs.append((-overlap, -jacc, key, clusters[ci][0]))
    pairs.sort()
    first_row_to_cluster = {c[0]: ci for ci, c in enumerate(clusters)}
    match: dict[int, str] = {}  # cluster -> state key
    matched_states: set[str] = set()
    for neg_overlap, _, key, first_row in pairs:
        ci = first_row_to_cluster[first_row]
        if ci in match or key in matched_states:
            continue
        match[ci] = key
        matched_states.add(key)
        notes[target[key]].append(Note("kept", f"Zelfde draad als bij de vorige berekening "
                                       f"({-neg_overlap} van {len(clusters[ci])} bevindingen "
                                       f"waren er al bij)."))
    # profiles: unmatched states with a profile against unmatched clusters big enough
    prof_states = [k for k in sorted(states)
                   if k not in matched_states and states[k].centroid_terms]
    if prof_states and n:
        col = {name: j for j, name in enumerate(names)}
        cand = [ci for ci in range(len(clusters)) if ci not in match
                and reporters_of(clusters[ci]) >= params.min_reporters]
        if cand:
            rows_i, cols_i, vals = [], [], []
            for r, k in enumerate(prof_states):
                terms = states[k].centroid_terms
                norm = math.sqrt(sum(v * v for v in terms.values())) or 1.0
                for name, v in sorted(terms.items()):
                    j = col.get(name)
                    if j is not None:
                        rows_i.append(r)
                        cols_i.append(j)
                        vals.append(v / norm)
            pm = sp.csr_matrix((vals, (rows_i, cols_i)), shape=(len(prof_states), len(names)))
            sims = (pm @ cent[cand].T).tocoo()
            cands = sorted(
                (-round(float(v), 9), prof_states[r], clusters[cand[c]][0])
                for r, c, v in zip(sims.row, sims.col, sims.data)
                if v >= params.profile_threshold - 1e-12
            )
            for neg_sim, key, first_row in cands:
                ci = first_row_to_cluster[first_row]
                if ci in match or key in matched_states:
                    continue
                match[ci] = key
                matched_states.add(key)
                notes[target[key]].append(Note(
                    "kept_by_profile", f"Herkend aan het bewaarde profiel "
                                       f"(gelijkenis {-neg_sim:.2f})."))

    # ---- memberships
    members: dict[str, set[int]] = defaultdict(set)  # existing keys
    new_clusters: list[set[int]] = []
    unassigned: set[int] = set()
    for ci, c in enumerate(clusters):
        key = match.get(ci)
        if key is not None:
            tk = target[key]
            members[tk].update(c)
            if tk != key:
                notes[tk].append(Note("merged_from", f"Bevat de draad {key}, die een onderzoeker "
                                                     f"hierin heeft samengevoegd."))
        elif reporters_of(c) >= params.min_reporters:
            new_clusters.append(set(c))
        else:
            unassigned.update(c)
    # exclusions (of the thread and of the threads merged into it)
    for key in sorted(states):
        tk = target[key]
        ex = {pos[f] for f in states[key].excluded_finding_ids if f in pos}
        gone = ex & members.get(tk, set())
        if gone:
            members[tk] -= gone
            unassigned |= gone
            notes[tk].append(Note("excluded", "Door een onderzoeker uit deze draad gehaald; "
                                              "blijft eruit.",
                                  tuple(sorted(fs[i].id for i in gone))))
    # pins (override clustering and exclusions); conflicts go to the smaller key
    pinned_by: dict[int, str] = {}
    for key in sorted(states):
        tk = target[key]
        for f in sorted(states[key].pinned_finding_ids):
            if f not in pos:
                continue
            i = pos[f]
            owner = pinned_by.get(i)
            if owner is not None and owner != tk:
                run_notes.append(Note("pin_conflict", f"Bevinding {f} is vastgezet in {owner} en "
                                                      f"in {tk}; zij blijft in {owner}.", (f,)))
                continue
            pinned_by[i] = tk
    for i, tk in sorted(pinned_by.items()):
        for other, rows in members.items():
            if other != tk:
                rows.discard(i)
        for c in new_clusters:
            c.discard(i)
        unassigned.discard(i)
        members[tk].add(i)
    for tk in sorted({tk for tk in pinned_by.values()}):
        ids = tuple(sorted(fs[i].id for i, k in pinned_by.items() if k == tk))
        notes[tk].append(Note("pinned", "Door een onderzoeker in deze draad gezet.", ids))
    # new threads: keys from the smallest finding id, never a key passed in
    used = set(states) | {s.merged_into for s in states.values() if s.merged_into}
    used |= set(members)
    for c in sorted((c for c in new_clusters if c), key=min):
        if reporters_of(c) < params.min_reporters:
            unassigned |= c
            continue
        key = _new_key(fs[min(c)].id, used)
        used.add(key)
        members[key] = set(c)
        notes[key].append(Note("new", "Nieuwe draad."))
    dissolved = []
    for key in sorted(states):
        if target[key] == key and not members.get(key):
            members.pop(key, None)
            dissolved.append(key)
            run_notes.append(Note("dissolved", f"De draad {key} heeft geen bevindingen meer."))
    for key in list(members):
        if not members[key]:
            del members[key]
    assigned_rows = set().union(*members.values()) if members else set()
    unassigned -= assigned_rows
    unassigned |= set(range(n)) - assigned_rows

    # ---- describe every thread
    tick("key phrases", 3)
    keys = sorted(members)
    groups = [[fs[i].text for i in sorted(members[k])] for k in keys]
    phrases = dict(zip(keys, key_phrases_by_group(
        groups, [fs[i].text for i in sorted(unassigned)], top_n=params.key_phrases)))

    tick("figures", 4)
    thread_rows = {k: np.asarray(sorted(members[k]), dtype=np.int64) for k in keys}
    if keys:
        tind = sp.csr_matrix(
            (np.ones(sum(len(r) for r in thread_rows.values())),
             np.concatenate([thread_rows[k] for k in keys]),
             np.cumsum([0] + [len(thread_rows[k]) for k in keys])),
            shape=(len(keys), n),
        )
        tcent = _normalise_rows(tind @ x)
    else:
        tcent = sp.csr_matrix((0, x.shape[1] if n else 0))
    kind_of: dict[str, str] = {}
    for k in keys:
        kc = Counter(fs[i].kind for i in thread_rows[k])
        kind_of[k] = min(kc, key=lambda kd: (-kc[kd], KINDS.index(kd)))

    # related threads: non-knelpunt threads to their most similar knelpunt threads
    related: dict[str, set[str]] = defaultdict(set)
    kn = [j for j, k in enumerate(keys) if kind_of[k] == "knelpunt"]
    other = [j for j, k in enumerate(keys) if kind_of[k] != "knelpunt"]
    if kn and other:
        kn_t = tcent[kn].T.tocsc()
        step = max(1, params.chunk_entries // max(1, len(kn)))
        for s0 in range(0, len(other), step):
            block = (tcent[other[s0 : s0 + step]] @ kn_t).tocoo()
            best: dict[int, list[tuple[float, str]]] = defaultdict(list)
            for r, c, v in zip(block.row, block.col, block.data):
                if v >= params.related_threshold - 1e-12:
                    best[r].append((-round(float(v), 9), keys[kn[c]]))
            for r, lst in best.items():
                ok = keys[other[s0 + r]]
                for _, kk in sorted(lst)[: params.related_max]:
                    related[ok].add(kk)
                    related[kk].add(ok)

    tick("threads", 5)
    threads: list[Thread] = []
    for j, k in enumerate(keys):
        rows = thread_rows[k]
        by_year: dict[int, list[int]] = defaultdict(list)
        for i in rows.tolist():
            by_year[fs[i].year].append(i)
        first = min(by_year)
        figs = {y: thread_figures([fs[i] for i in by_year.get(y, [])])
                for y in monitored if y >= first}
        trends = {y: trend_status(figs, y, params.trend) for y in figs}
        c = tcent[j]
        sims = np.asarray((x[rows] @ c.T).todense()).ravel()
        sim_of = {int(i): round(float(v), 9) for i, v in zip(rows, sims)}
        reps: dict[int, tuple[str, ...]] = {}
        for y in sorted(by_year):
            ranked = sorted(by_year[y], key=lambda i: (-sim_of[i], fs[i].id))
            chosen: list[int] = []
            seen_orgs: set[str] = set()
            for i in ranked:
                if len(chosen) >= params.representatives:
                    break
                if not seen_orgs.isdisjoint(_reporters(fs[i])):
                    continue
                chosen.append(i)
                seen_orgs.update(_reporters(fs[i]))
            for i in ranked:
                if len(chosen) >= params.representatives:
                    break
                if i not in chosen:
                    chosen.append(i)
            reps[y] = tuple(fs[i].id for i in chosen)
        dense_c = c.tocoo()
        top = sorted(zip(dense_c.col.tolist(), dense_c.data.tolist()),
                     key=lambda cv: (-round(cv[1], 9), names[cv[0]]))[: params.profile_terms]
        centroid_terms = {names[col_j]: round(v, 4) for col_j, v in top}
        state = states.get(k)
        kp = phrases[k]
        fallback = KIND_LABELS[kind_of[k]] + ": " + (" ".join(fs[int(rows[0])].text.split()[:8]))
        locked = bool(state and state.label_locked and state.label)
        label = state.label if locked else _label(kp, fallback)
        tnotes = list(notes.get(k, []))
        if locked:
            tnotes.append(Note("label_locked", "Naam vastgezet door een onderzoeker."))
        if state is not None:
            before = {f for ids in state.finding_ids_by_year.values() for f in ids}
            now = {fs[i].id for i in rows.tolist()}
            if now - before:
                tnotes.append(Note("added", "Bevindingen erbij sinds de vorige berekening.",
                                   tuple(sorted(now - before))))
            if before - now:
                tnotes.append(Note("removed", "Bevindingen eruit sinds de vorige berekening.",
                                   tuple(sorted(before - now))))
        threads.append(
            Thread(
                key=k,
                label=label,
                label_locked=locked,
                description=describe(kind_of[k], figs, theme_labels=theme_labels,
                                     latest_year=monitored[-1] if monitored else None),
                kind=kind_of[k],
                finding_ids_by_year={
                    y: tuple(fs[i].id for i in by_year[y]) for y in sorted(by_year)},
                representative_ids_by_year=reps,
                key_phrases=kp,
                figures_by_year=figs,
                trend_by_year=trends,
                first_year=first,
                last_year=max(by_year),
                related_keys=tuple(sorted(related.get(k, ()))),
                centroid_terms=centroid_terms,
                pinned_finding_ids=frozenset(state.pinned_finding_ids if state else ()),
                excluded_finding_ids=frozenset(state.excluded_finding_ids if state else ()),
                notes=_dedupe(tnotes),
            )
        )
    last = monitored[-1] if monitored else 0
    def order(t: Thread) -> tuple:
        now = t.figures_by_year[last].reporters if last in t.figures_by_year else 0
        return (KINDS.index(t.kind), -now, -len(t.finding_ids), t.key)

    threads.sort(key=order)
    assignments = {fs[i].id: k for k in keys for i in members[k]}
    tick("done", 6)
    return ThreadResult(
        threads=tuple(threads),
        assignments=dict(sorted(assignments.items())),
        unassigned=tuple(fs[i].id for i in sorted(unassigned)),
        dissolved=tuple(dissolved),
        years=monitored,
        notes=_dedupe(run_notes),
    )


def next_states(result: ThreadResult, previous: Sequence[ThreadState] = ()) -> list[ThreadState]:
    """The states to remember after ``result``: one per thread (with its decisions passed
    through), plus the earlier merged and dissolved states unchanged, so their keys are never
    reused. Sorted by key."""
    out: dict[str, ThreadState] = {}
    for s in previous:
        out[s.key] = s
    for t in result.threads:
        out[t.key] = ThreadState(
            key=t.key,
            label=t.label,
            label_locked=t.label_locked,
            finding_ids_by_year=dict(t.finding_ids_by_year),
            pinned_finding_ids=t.pinned_finding_ids,
            excluded_finding_ids=t.excluded_finding_ids,
            merged_into=None,
            centroid_terms=dict(t.centroid_terms),
        )
    return [out[k] for k in sorted(out)]
