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
   above ``edge_threshold``; the exact cosines of a finding's best partners by the
   selective part alone come first, and a pair whose upper bound stays below the
   ``neighbours``-th best of those cannot be among them, so its exact cosine is skipped
   (the same pairs, fewer cosines). Memory grows with n·neighbours, time with the number of pairs
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

**Incremental runs.** Every result carries a :class:`ClusterState` (the vectors, a
fingerprint and the cluster of every finding, the columns with their idf, the document
frequencies of the key-phrase candidates). Passed back as ``state``, it lets the next run
place only what changed, when the method version and parameters are the same and at most
``incremental_max_share`` (10 %) of the findings were added, removed or changed since the
last full run (summed over the incremental runs since; otherwise everything is clustered):

* unchanged findings keep their vector and cluster; removed ones leave their cluster;
* an added (or changed) finding is vectorised with the idf of the last full run (a word it
  did not know gets the idf it would have had there) and joins the cluster of its kind whose
  centroid it is most similar to, if step 4 would merge the two (centroid cosine ≥
  ``merge_threshold``, average cosine ≥ ``min_average``); a cluster may be a single
  unassigned finding, so a new finding and an unassigned one of another organisation form a
  new thread;
* the added findings that join no cluster are clustered with each other (step 4);
* identity, decisions and descriptions follow as in a full run (steps 6–8), except that a
  thread whose findings did not change (and that lost none) is not described again: it is
  listed in ``ThreadResult.unchanged`` instead of ``threads``. Key phrases of the threads
  that are described use the remembered document frequencies plus the added texts.

So an incremental result can differ slightly from a full recompute (a finding placed by
centroid rather than through its candidate pairs, clusters that lost findings not split,
idf not refreshed); keys stay stable through the identity rules, and a full run (no
``state``) is always available.
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
    "ClusterState",
    "compute_threads",
    "fingerprints",
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
    chunk_entries: int = 1_000_000  # entries of a product chunk (bounds its memory)
    min_reporters: int = 2  # organisations (over all years) for a new thread
    match_min_share: float = 0.5
    profile_threshold: float = 0.5
    related_threshold: float = 0.2
    related_max: int = 3
    representatives: int = 3  # per year
    #: an incremental run is refused when more than this share of the findings was added,
    #: removed or changed since the last full run (counted over the incremental runs since)
    incremental_max_share: float = 0.1
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
    #: what to pass as ``state`` next time (see :class:`ClusterState`)
    state: ClusterState | None = field(default=None, repr=False, compare=False)
    incremental: bool = False  # placed the changes only (else: everything clustered)
    #: incremental runs only: threads whose findings did not change; they are not described
    #: again and not in ``threads`` (keep what was stored for them)
    unchanged: tuple[str, ...] = ()

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
            **({"incremental": True, "unchanged": list(self.unchanged)}
               if self.incremental else {}),
        }


@dataclass(frozen=True, eq=False)
class ClusterState:
    """What a run keeps so that the next one can place added findings without clustering
    everything again (see *Incremental runs* in the module docstring). Linear in the number
    of findings: one sparse vector, one fingerprint and one cluster number per finding, the
    columns with their idf, and the document frequency of the key-phrase candidates that
    occur in at least two texts."""

    version: str  # VERSION of the run
    params_key: str  # the ThreadParams of the run
    ids: tuple[str, ...]  # finding ids, sorted: the rows of ``x``
    fingerprints: np.ndarray  # uint64 per row: the finding's content (text, kind, …)
    cluster: np.ndarray  # int64 per row: its cluster (before identity and decisions)
    x: sp.csr_matrix  # the findings' vectors
    names: tuple[str, ...]  # column names
    idf: np.ndarray  # idf per column, as of the last full run
    reference_n: int  # findings in the last full run
    changed: int  # findings added, removed or changed since the last full run
    years: tuple[int, ...]  # monitored years of the run
    phrase_df: Mapping[str, int]  # key-phrase candidate -> texts containing it (>= 2)
    capitalised: frozenset[str]  # words seen capitalised mid-sentence

    def to_bytes(self) -> bytes:
        """A self-describing serialisation (numpy ``.npz``, not compressed: writing it must
        cost little next to an incremental run; no pickle)."""
        import io
        import json

        meta = {
            "version": self.version, "params_key": self.params_key,
            "reference_n": self.reference_n, "changed": self.changed,
            "years": list(self.years),
        }
        text = json.dumps({"meta": meta, "ids": list(self.ids), "names": list(self.names),
                           "phrase_df": dict(self.phrase_df),
                           "capitalised": sorted(self.capitalised)},
                          ensure_ascii=False, separators=(",", ":"))
        buf = io.BytesIO()
        x = self.x.tocsr()
        np.savez(
            buf, fingerprints=self.fingerprints.astype(np.uint64),
            cluster=self.cluster.astype(np.int64), idf=self.idf.astype(np.float64),
            x_data=x.data.astype(np.float64), x_indices=x.indices.astype(np.int32),
            x_indptr=x.indptr.astype(np.int64), x_shape=np.asarray(x.shape, dtype=np.int64),
            text=np.frombuffer(text.encode("utf-8"), dtype=np.uint8),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ClusterState:
        import io
        import json

        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as z:
            text = json.loads(z["text"].tobytes().decode("utf-8"))
            shape = tuple(int(v) for v in z["x_shape"])
            x = sp.csr_matrix((z["x_data"], z["x_indices"], z["x_indptr"]), shape=shape)
            meta = text["meta"]
            return cls(
                version=meta["version"], params_key=meta["params_key"],
                ids=tuple(text["ids"]), fingerprints=z["fingerprints"], cluster=z["cluster"],
                x=x, names=tuple(text["names"]), idf=z["idf"],
                reference_n=int(meta["reference_n"]), changed=int(meta["changed"]),
                years=tuple(int(y) for y in meta["years"]), phrase_df=text["phrase_df"],
                capitalised=frozenset(text["capitalised"]),
            )


# --------------------------------------------------------------------------- features


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def _tf_matrix(docs: Sequence[Sequence[str]], col: Mapping[str, int], width: int,
               sublinear: bool) -> sp.csr_matrix:
    """Term counts of ``docs`` (``1 + ln(count)`` if ``sublinear``, else 1) with sorted
    column indices per row; numpy instead of a Python loop per document."""
    n = len(docs)
    flat = [t for d in docs for t in d]
    if not flat:
        return sp.csr_matrix((n, width), dtype=np.float64)
    cols = np.fromiter((col[t] for t in flat), dtype=np.int64, count=len(flat))
    lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n)
    rows = np.repeat(np.arange(n, dtype=np.int64), lens)
    uniq, counts = np.unique(rows * max(width, 1) + cols, return_counts=True)
    r, c = np.divmod(uniq, max(width, 1))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=n))])
    if sublinear:  # math.log, as the per-document loop did: the same floats
        table = np.asarray([0.0] + [1.0 + math.log(k) for k in range(1, int(counts.max()) + 1)])
        data = table[counts]
    else:
        data = np.ones(len(counts), dtype=np.float64)
    return sp.csr_matrix(
        (data, c.astype(np.int32), indptr.astype(np.int64)), shape=(n, width))


def _tfidf_block(
    docs: list[list[str]], prefix: str, sublinear: bool
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """TF-IDF (smoothed idf ``ln((1+n)/(1+df)) + 1``), rows L2-normalised; sorted vocabulary
    and the idf of each of its terms."""
    n = len(docs)
    vocab = sorted({t for d in docs for t in d})
    col = {t: j for j, t in enumerate(vocab)}
    m = _tf_matrix(docs, col, len(vocab), sublinear)
    idf = np.empty(0, dtype=np.float64)
    if vocab:
        df = np.bincount(m.indices, minlength=len(vocab))
        idf = _idf(df, n)
        m = m @ sp.diags(idf)
        m = _normalise_rows(m.tocsr())
    return m, [prefix + t for t in vocab], idf


def _normalise_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    m = m.tocsr()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


def _law_key(law: str) -> str:
    return " ".join(law.split()).casefold()


def _terms_by_text(fs: Sequence[FindingInput]) -> list[list[str]]:
    """:func:`search_terms` of every text, each distinct text once."""
    seen: dict[str, list[str]] = {}
    out = []
    for f in fs:
        terms = seen.get(f.text)
        if terms is None:
            terms = seen[f.text] = search_terms(f.text)
        out.append(terms)
    return out


def _blocks(fs: Sequence[FindingInput], params: ThreadParams) -> list[tuple]:
    """``(prefix, sublinear, weight, docs)`` of the three feature blocks."""
    return [
        ("w:", True, params.text_weight, _terms_by_text(fs)),
        ("t:", False, params.theme_weight, [sorted(set(f.themes)) for f in fs]),
        ("l:", False, params.law_weight, [sorted({_law_key(x) for x in f.laws}) for f in fs]),
    ]


def _vectorise_model(
    fs: Sequence[FindingInput], params: ThreadParams
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """The feature vectors, the column names and the idf of every column."""
    mats, names, idfs = [], [], []
    for prefix, sublinear, weight, docs in _blocks(fs, params):
        m, nm, idf = _tfidf_block(docs, prefix, sublinear)
        mats.append(weight * m)
        names += nm
        idfs.append(idf)
    x = sp.hstack(mats, format="csr")
    x = _normalise_rows(x)
    x.sort_indices()
    return x, names, np.concatenate(idfs)


def _vectorise(fs: Sequence[FindingInput], params: ThreadParams) -> tuple[sp.csr_matrix, list[str]]:
    x, names, _ = _vectorise_model(fs, params)
    return x, names


def _vectorise_frozen(
    fs: Sequence[FindingInput], names: Sequence[str], idf: np.ndarray, reference_n: int,
    params: ThreadParams,
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """Vectors of findings added since a run, with that run's columns and idf (so the
    vectors of the findings it had stay valid). A term it did not know gets a new column
    at the end, with the idf it would have had among ``reference_n`` findings."""
    names = list(names)
    col = {name: j for j, name in enumerate(names)}
    extra_idf: list[float] = []
    blocks = _blocks(fs, params)
    for prefix, _, _, docs in blocks:
        df = Counter(t for d in docs for t in set(d) if prefix + t not in col)
        for t in sorted(df):
            col[prefix + t] = len(names)
            names.append(prefix + t)
            extra_idf.append(math.log((1.0 + reference_n) / (1.0 + df[t])) + 1.0)
    idf = np.concatenate([np.asarray(idf, dtype=np.float64), np.asarray(extra_idf)])
    width = len(names)
    total = sp.csr_matrix((len(fs), width), dtype=np.float64)
    for prefix, sublinear, weight, docs in blocks:
        m = _tf_matrix([[prefix + t for t in d] for d in docs], col, width, sublinear)
        if m.nnz:
            total = total + weight * _normalise_rows(m @ sp.diags(idf))
    x = _normalise_rows(total)
    x.sort_indices()
    return x, names, idf


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
    # Chunks of rows whose product has at most ``chunk_entries`` entries: a row's entries are
    # bounded by the document frequencies of its selective features (and by m), which is far
    # below m for most rows, so chunks hold many more rows than ``chunk_entries // m``.
    work = np.minimum(
        np.add.reduceat(np.r_[df[np.flatnonzero(selective)][xs.indices], 0].astype(np.int64),
                        np.minimum(xs.indptr[:-1], xs.nnz))
        * (np.diff(xs.indptr) > 0), m)
    cum = np.cumsum(work)
    bounds = [0]
    while bounds[-1] < m:
        start = bounds[-1]
        base = cum[start - 1] if start else 0
        stop = int(np.searchsorted(cum, base + params.chunk_entries, side="right"))
        bounds.append(min(m, max(stop, start + 1)))
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    out_s: list[np.ndarray] = []
    batch = 50_000  # pairs whose frequent-feature rows are multiplied at once
    for start, stop in zip(bounds[:-1], bounds[1:]):
        prod = (xs[start:stop] @ xs_t).tocsr()
        cols = prod.indices
        part = prod.data
        rows = np.repeat(np.arange(start, stop, dtype=cols.dtype), np.diff(prod.indptr))
        del prod
        off_diag = rows != cols
        # (the cosine's upper bound: the selective part plus the frequent norms' product)
        upper = part + common_norm[rows] * common_norm[cols]
        keep = off_diag & (upper >= thr)
        # The selective part is a lower bound of the cosine (all weights are >= 0), so the
        # pairs it already puts at or above the threshold are sure partners. The exact
        # cosines of each row's best sure partners (by that lower bound, twice
        # ``neighbours`` of them) come first: the ``neighbours``-th best of them is a floor
        # the row's best partners reach, so a pair whose upper bound stays below it cannot
        # be among that row's best (the pair is seen again from the other row's side).
        # Skips the exact cosine of most pairs; any subset of partners gives a valid floor.
        first_sims = None
        if params.neighbours > 0:
            sure = np.flatnonzero(off_diag & (part >= thr))
            if len(sure):
                r_s = rows[sure]
                o = np.lexsort((-part[sure], r_s))
                sure, r_s = sure[o], r_s[o]
                starts_s = np.flatnonzero(np.r_[True, r_s[1:] != r_s[:-1]])
                rank_s = np.arange(len(r_s)) - np.repeat(
                    starts_s, np.diff(np.r_[starts_s, len(r_s)]))
                best = np.sort(sure[rank_s < 2 * params.neighbours])
                r_b = rows[best].astype(np.int64)
                c_b = cols[best].astype(np.int64)
                s_b = part[best] + _common_dots(xc, r_b, c_b, batch)
                first_sims = (r_b, c_b, s_b)
                o = np.lexsort((-s_b, r_b))
                r_o, p_o = r_b[o], s_b[o]
                starts_o = np.flatnonzero(np.r_[True, r_o[1:] != r_o[:-1]])
                rank_o = np.arange(len(r_o)) - np.repeat(
                    starts_o, np.diff(np.r_[starts_o, len(r_o)]))
                at_k = rank_o == params.neighbours - 1
                floor = np.full(m, -np.inf)
                floor[r_o[at_k]] = p_o[at_k]
                keep &= upper + 1e-9 >= floor[rows]
                keep[best] = False  # (done)
        del off_diag, upper
        kept = np.flatnonzero(keep)
        del keep
        rows, cols, part = rows[kept].astype(np.int64), cols[kept].astype(np.int64), part[kept]
        sims = part + _common_dots(xc, rows, cols, batch)
        if first_sims is not None:
            rows = np.concatenate([rows, first_sims[0]])
            cols = np.concatenate([cols, first_sims[1]])
            sims = np.concatenate([sims, first_sims[2]])
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


def _common_dots(xc: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, batch: int
                 ) -> np.ndarray:
    """``xc[rows[i]] · xc[cols[i]]`` for every pair: the same floats as
    ``xc[rows].multiply(xc[cols]).sum(axis=1)`` (the products of the shared columns in
    column order, summed by ``np.add.reduceat``), without building the two row-indexed
    matrices: the ``rows`` side (sorted) is looked up in a small dense block."""
    out = np.zeros(len(rows), dtype=np.float64)
    width = xc.shape[1]
    if not len(rows) or not width or not xc.nnz:
        return out
    xc = xc.tocsr()
    if not xc.has_sorted_indices:
        xc = xc.sorted_indices()
    indptr, indices, data = xc.indptr, xc.indices, xc.data
    span_max = max(1, 500_000 // width)  # rows of a dense block (4 MB at most)
    n = len(rows)
    b0 = 0
    while b0 < n:
        b1 = min(n, b0 + batch)
        while b1 - b0 > 1 and int(rows[b0:b1].max()) - int(rows[b0:b1].min()) >= span_max:
            b1 = b0 + (b1 - b0) // 2
        r, c = rows[b0:b1], cols[b0:b1]
        lo = int(r.min())
        dense = xc[lo : int(r.max()) + 1].toarray()
        starts = indptr[c].astype(np.int64)
        lens = indptr[c + 1].astype(np.int64) - starts
        total = int(lens.sum())
        if total:
            pair = np.repeat(np.arange(len(c), dtype=np.int64), lens)
            pos = np.arange(total, dtype=np.int64) + np.repeat(starts - (np.cumsum(lens) - lens),
                                                               lens)
            prod = dense[r[pair] - lo, indices[pos]] * data[pos]
            nz = prod != 0
            prod, pair = prod[nz], pair[nz]
            if len(prod):
                first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
                out[b0 + pair[first]] = np.add.reduceat(prod, first)
        b0 = b1
    return out


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

    single_sq: dict[int, float] = {}

    def sq(r: int) -> float:
        n2 = norm2.get(r)
        if n2 is None:
            n2 = single_sq.get(r)
            if n2 is None:
                lo, hi = indptr[r], indptr[r + 1]
                n2 = single_sq[r] = float(np.dot(data[lo:hi], data[lo:hi]))
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

    # A cluster only changes when it absorbs another (its size grows), so a pair of roots
    # that failed at these sizes fails again: remember it instead of computing it again.
    failed: dict[int, int] = {}  # lo * m + hi -> size_lo * (m + 1) + size_hi (ints: compact)
    a_l, b_l = a.tolist(), b.tolist()
    todo = order.tolist()
    for _ in range(max(1, params.max_passes)):
        left: list[int] = []
        merged_any = False
        for e in todo:
            ra, rb = find(a_l[e]), find(b_l[e])
            if ra == rb:
                continue
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            pair = lo * m + hi
            sizes = size.get(lo, 1) * (m + 1) + size.get(hi, 1)
            if failed.get(pair) == sizes:
                left.append(e)
                continue
            if try_merge(ra, rb):
                merged_any = True
            else:
                failed[pair] = sizes
                left.append(e)
        todo = left
        if not merged_any or not todo:
            break
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(m):
        groups[find(i)].append(idx[i])
    return [sorted(g) for _, g in sorted(groups.items())]


# --------------------------------------------------------------------------- incremental


def fingerprints(fs: Sequence[FindingInput]) -> np.ndarray:
    """A 64-bit digest (BLAKE2b) of everything the method reads of each finding; a finding
    whose digest changed counts as removed and added again."""
    blake2b = hashlib.blake2b
    digests = b"".join(
        blake2b("\x1f".join((
            f.id, str(f.year), f.kind, f.text, f.source_id, "\x1e".join(f.organisation_codes),
            "\x1e".join(f.organisation_types), "\x1e".join(f.themes), "\x1e".join(f.laws),
        )).encode("utf-8"), digest_size=8).digest()
        for f in fs)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def _params_key(params: ThreadParams) -> str:
    import dataclasses

    plain = dataclasses.replace(params, incremental_max_share=0.0)
    return hashlib.sha256(repr(plain).encode("utf-8")).hexdigest()[:16]


@dataclass
class _Plan:
    """How the current findings relate to the rows of a :class:`ClusterState`."""

    kept: np.ndarray  # current rows whose finding is in the state unchanged
    kept_old: np.ndarray  # their rows in the state
    added: np.ndarray  # current rows that are new or changed
    removed: int  # state rows that are gone or changed
    touched: np.ndarray  # current rows in a cluster that lost a finding


def _plan(fs: Sequence[FindingInput], fps: np.ndarray, state: ClusterState | None,
          params: ThreadParams) -> _Plan | None:
    """The incremental plan, or ``None`` when a full run is needed: no state, another method
    version or other parameters, or more than ``incremental_max_share`` of the findings
    changed since the last full run."""
    if state is None or state.version != VERSION or state.params_key != _params_key(params):
        return None
    old_row = {fid: r for r, fid in enumerate(state.ids)}
    kept, kept_old, added = [], [], []
    for i, f in enumerate(fs):
        r = old_row.get(f.id)
        if r is not None and state.fingerprints[r] == fps[i]:
            kept.append(i)
            kept_old.append(r)
        else:
            added.append(i)
    removed = len(state.ids) - len(kept)
    if state.changed + len(added) + removed > params.incremental_max_share * max(len(fs), 1):
        return None
    kept_a = np.asarray(kept, dtype=np.int64)
    kept_old_a = np.asarray(kept_old, dtype=np.int64)
    gone = np.ones(len(state.ids), dtype=bool)
    gone[kept_old_a] = False
    lost = np.isin(state.cluster[kept_old_a], state.cluster[gone])
    return _Plan(kept_a, kept_old_a, np.asarray(added, dtype=np.int64), removed,
                 kept_a[lost])


def _place(fs: Sequence[FindingInput], plan: _Plan, state: ClusterState, params: ThreadParams
           ) -> tuple[sp.csr_matrix, list[str], np.ndarray, list[list[int]]]:
    """Clusters of the current findings from the state's clusters: unchanged findings stay
    in their cluster, removed ones leave it; each added finding joins the cluster of its
    kind whose centroid it is most similar to, if the linkage would merge the two (centroid
    cosine ≥ ``merge_threshold`` and average cosine ≥ ``min_average``; clusters of one
    unassigned finding included); the rest are clustered with each other. Returns the
    vectors, column names, idf and the clusters (sorted lists of rows, sorted by first)."""
    n = len(fs)
    xa, names, idf = _vectorise_frozen([fs[i] for i in plan.added], state.names, state.idf,
                                       state.reference_n, params)
    width = len(names)
    old = state.x[plan.kept_old].tocsr()
    old = sp.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], width))
    stacked = np.concatenate([plan.kept, plan.added])
    perm = np.empty(n, dtype=np.int64)
    perm[stacked] = np.arange(n, dtype=np.int64)
    x = sp.vstack([old, xa], format="csr")[perm].tocsr()
    x.sort_indices()

    label = np.full(n, -1, dtype=np.int64)
    label[plan.kept] = state.cluster[plan.kept_old]
    next_label = int(state.cluster.max()) + 1 if len(state.cluster) else 0
    if len(plan.added):
        have = np.flatnonzero(label >= 0)
        labels, inverse = np.unique(label[have], return_inverse=True)
        k = len(labels)
        if k:
            ind = sp.csr_matrix((np.ones(len(have)), (inverse, have)), shape=(k, n))
            sums = (ind @ x).tocsr()
            norm2 = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()
            size = np.bincount(inverse, minlength=k).astype(np.float64)
            first = np.full(k, n, dtype=np.int64)
            np.minimum.at(first, inverse, have)
            kind_of = [fs[int(r)].kind for r in first]
            sims = (x[plan.added] @ sums.T).tocoo()
            best: dict[int, tuple[float, int, int]] = {}
            thr = params.merge_threshold - 1e-12
            thr_avg = params.min_average - 1e-12
            # the pairs that can join (same kind, close enough), found with numpy; the
            # exact tests and the choice below, per pair, as before
            code = {kd: j for j, kd in enumerate(KINDS)}
            kind_c = np.asarray([code[kd] for kd in kind_of], dtype=np.int64)
            kind_a = np.asarray([code[fs[int(i)].kind] for i in plan.added], dtype=np.int64)
            with np.errstate(divide="ignore", invalid="ignore"):
                near = ((kind_c[sims.col] == kind_a[sims.row]) & (norm2[sims.col] > 0)
                        & (sims.data / np.sqrt(norm2[sims.col]) >= thr - 1e-9)
                        & (sims.data / size[sims.col] >= thr_avg - 1e-9))
            for r, c, dot in zip(sims.row[near].tolist(), sims.col[near].tolist(),
                                 sims.data[near].tolist()):
                i = int(plan.added[r])
                if kind_of[c] != fs[i].kind or norm2[c] <= 0:
                    continue
                cos = dot / math.sqrt(norm2[c])
                if cos < thr or dot / size[c] < thr_avg:
                    continue
                cand = (-round(cos, 9), int(first[c]), c)
                if i not in best or cand < best[i]:
                    best[i] = cand
            for i, (_, _, c) in best.items():
                label[i] = labels[c]
        rest = [int(i) for i in plan.added if label[i] < 0]
        for kind in KINDS:
            for group in _cluster(x, [i for i in rest if fs[i].kind == kind], params):
                label[group] = next_label
                next_label += 1
    order = np.argsort(label, kind="stable")  # by label, rows ascending within each
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    clusters = sorted((part.tolist() for part in np.split(order, cuts)), key=lambda c: c[0])
    return x, names, idf, clusters


def _keyphrase_index():
    """The index and scoring of :mod:`staat.nlp.keyphrases` (internal there), or ``None``."""
    from staat.nlp import keyphrases as kp

    if hasattr(kp, "_Index") and hasattr(kp, "_score_group"):
        return kp
    return None


def _phrases_full(groups: list[list[str]], background: list[str], top_n: int
                  ) -> tuple[list[tuple[KeyPhrase, ...]], dict[str, int], frozenset[str]]:
    """:func:`key_phrases_by_group`, also returning the document frequency of every
    candidate in at least two texts and the words seen capitalised (kept for incremental
    runs)."""
    kp = _keyphrase_index()
    if kp is None:
        return key_phrases_by_group(groups, background, top_n=top_n), {}, frozenset()
    index = kp._Index()
    per_group = [[index.add(t) for t in texts] for texts in groups]
    n_background = 0
    for t in background:
        index.add(t)
        n_background += 1
    n_texts = sum(len(g) for g in per_group) + n_background
    n_classes = len(groups) + (1 if n_background else 0)
    df = {p: d for p, d in zip(index.phrases, index.df) if d >= 2}
    if not n_classes or not n_texts:
        return [() for _ in groups], df, frozenset(index.capitalised)
    avg = n_texts / n_classes
    out = [kp._score_group(index, texts, avg, top_n, 2) for texts in per_group]
    return out, df, frozenset(index.capitalised)


def _phrases_incremental(groups: list[list[str]], added: list[str], state: ClusterState,
                         n_texts: int, n_classes: int, top_n: int
                         ) -> tuple[list[tuple[KeyPhrase, ...]], dict[str, int], frozenset[str]]:
    """Key phrases of the changed threads only, scored as a full run would: each candidate's
    document frequency is the remembered one plus its count among the added texts (a
    candidate seen in one text only was not remembered: at least its count in the groups).
    Returns the phrases and the updated frequencies and capitalised words."""
    kp = _keyphrase_index()
    df = dict(state.phrase_df)
    if kp is None:
        return key_phrases_by_group(groups, [], top_n=top_n), df, state.capitalised
    extra = kp._Index()
    for t in added:
        extra.add(t)
    for p, d in zip(extra.phrases, extra.df):
        if p in df or d >= 2:
            df[p] = df.get(p, 0) + d
    capitalised = frozenset(state.capitalised | extra.capitalised)
    index = kp._Index()
    per_group = [[index.add(t) for t in texts] for texts in groups]
    for pid, p in enumerate(index.phrases):
        index.df[pid] = max(index.df[pid], df.get(p, 0))
    index.capitalised |= capitalised
    if not n_classes or not n_texts:
        return [() for _ in groups], df, capitalised
    avg = n_texts / n_classes
    return ([kp._score_group(index, texts, avg, top_n, 2) for texts in per_group], df,
            capitalised)


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
    state: ClusterState | None = None,
) -> ThreadResult:
    """Group ``findings`` into threads, keeping the identities and decisions of ``previous``.

    ``years`` adds monitored years without findings (an edition year with no sources yet);
    the years of the findings are always monitored. ``theme_labels`` maps theme codes to
    the labels used in descriptions. ``progress(stage, done, total)`` is called between
    stages. Raises ``ValueError`` on duplicate finding ids or thread keys, an unknown kind,
    or organisation types that do not match the organisation codes.

    ``state`` is the :attr:`ThreadResult.state` of the last run: when it fits (same method
    version and parameters, at most ``incremental_max_share`` of the findings changed since
    the last full run) only the changes are placed and only the threads whose findings
    changed are described again (the result is ``incremental``; see the module docstring).
    Without it everything is clustered.
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
    fps = fingerprints(fs)
    plan = _plan(fs, fps, state, params) if n else None
    if plan is not None:
        assert state is not None
        tick("placing added findings", 1)
        x, names, idf, clusters = _place(fs, plan, state, params)
        reference_n = state.reference_n
        changed = state.changed + len(plan.added) + plan.removed
    else:
        if n:
            x, names, idf = _vectorise_model(fs, params)
        else:
            x, names, idf = sp.csr_matrix((0, 0)), [], np.empty(0)
        tick("clustering", 1)
        clusters = []
        for kind in KINDS:
            clusters += _cluster(x, [i for i in range(n) if fs[i].kind == kind], params)
        clusters.sort(key=lambda c: c[0])
        reference_n, changed = n, 0
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

    # ---- describe every thread (incremental: every thread whose findings changed)
    tick("key phrases", 3)
    keys = sorted(members)
    unchanged: set[str] = set()
    if plan is not None and state is not None and monitored == state.years:
        added_rows = set(plan.added.tolist()) | set(plan.touched.tolist())
        for k in keys:
            st = states.get(k)
            if st is None or not members[k].isdisjoint(added_rows):
                continue
            before = {f for ids in st.finding_ids_by_year.values() for f in ids}
            if len(before) == len(members[k]) and before == {fs[i].id for i in members[k]}:
                unchanged.add(k)
    described = [k for k in keys if k not in unchanged]
    groups = [[fs[i].text for i in sorted(members[k])] for k in described]
    if plan is not None and state is not None:
        found, phrase_df, capitalised = _phrases_incremental(
            groups, [fs[i].text for i in plan.added.tolist()], state, n,
            len(keys) + (1 if unassigned else 0), params.key_phrases)
    else:
        found, phrase_df, capitalised = _phrases_full(
            groups, [fs[i].text for i in sorted(unassigned)], params.key_phrases)
    phrases = dict(zip(described, found))

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
    # the rows of every thread one after the other: one fancy index, then slices
    if keys:
        bounds = np.cumsum([0] + [len(thread_rows[k]) for k in keys])
        x_by_thread = x[np.concatenate([thread_rows[k] for k in keys])].tocsr()
    threads: list[Thread] = []
    for j, k in enumerate(keys):
        if k in unchanged:
            continue
        rows = thread_rows[k]
        by_year: dict[int, list[int]] = defaultdict(list)
        for i in rows.tolist():
            by_year[fs[i].year].append(i)
        first = min(by_year)
        figs = {y: thread_figures([fs[i] for i in by_year.get(y, [])])
                for y in monitored if y >= first}
        trends = {y: trend_status(figs, y, params.trend) for y in figs}
        c = tcent[j]
        sims = np.asarray((x_by_thread[bounds[j]:bounds[j + 1]] @ c.T).todense()).ravel()
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
    new_state = ClusterState(
        version=VERSION, params_key=_params_key(params), ids=tuple(f.id for f in fs),
        fingerprints=fps, cluster=cluster_of, x=x, names=tuple(names), idf=idf,
        reference_n=reference_n, changed=changed, years=monitored, phrase_df=phrase_df,
        capitalised=capitalised,
    )
    return ThreadResult(
        threads=tuple(threads),
        assignments=dict(sorted(assignments.items())),
        unassigned=tuple(fs[i].id for i in sorted(unassigned)),
        dissolved=tuple(dissolved),
        years=monitored,
        notes=_dedupe(run_notes),
        state=new_state,
        incremental=plan is not None,
        unchanged=tuple(sorted(unchanged)),
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
