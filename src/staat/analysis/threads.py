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
fingerprint, the cluster and the key-phrase candidates of every finding, the columns with
their idf, the document frequencies of the candidates). Passed back as ``state``, it lets
the next run place only what changed, when the method version and parameters are the same
and at most ``incremental_max_share`` (10 %) of the findings were added, removed or changed
since the last full run (summed over the incremental runs since; otherwise everything is
clustered):

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
  that are described use the remembered document frequencies plus the added texts, and
  the remembered candidates of their findings: only the added texts are phrased. The
  phrases and scores are those of phrasing every text of the described threads again
  (an index over them sees each surface form in the same order).
* Most of the state is the last full run's: the state records which of its rows each
  finding kept (``base_rows``), so a caller can keep it as changes to that state
  (:meth:`ClusterState.to_bytes` with ``base``), a few percent of the whole.

So an incremental result can differ slightly from a full recompute (a finding placed by
centroid rather than through its candidate pairs, clusters that lost findings not split,
idf not refreshed); keys stay stable through the identity rules, and a full run (no
``state``) is always available.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import scipy.sparse as sp

from staat.analysis.trends import TrendParams, TrendStatus, trend_status
from staat.nlp import keyphrases as kp
from staat.nlp.keyphrases import KeyPhrase
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
    "PhraseTable",
    "compute_threads",
    "fingerprints",
    "describe",
    "next_states",
    "thread_figures",
]

#: Version of the method and its defaults; bump it when a change can move findings between
#: threads, so callers that cache a run by its input know to compute again (1.2: key phrases
#: that end on an inflected adjective no longer name threads, and trend explanations name
#: sources without an organisation apart; a full run redoes every label and explanation).
VERSION = "1.2"

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
    columns with their idf, the document frequency of the key-phrase candidates that occur
    in at least two texts and every finding's candidates (:class:`PhraseTable`).

    An incremental run's state shares most rows with a base state, the last full run's
    (``base_rows``); :meth:`to_bytes` with that state as ``base`` writes only what differs
    (a few percent of the whole), :meth:`from_bytes` with it reads that back."""

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
    #: the key-phrase candidates of every row (``None``: the next run phrases the texts of
    #: every thread it describes again)
    phrase_table: PhraseTable | None = None
    #: per row, the row of the same finding (vector, fingerprint, candidates unchanged) in
    #: the base state, -1 for a finding placed since; ``None``: this state is the base (a
    #: full run's, or one read back whole), and the next run's rows refer to it
    base_rows: np.ndarray | None = None

    def to_bytes(self, base: ClusterState | None = None) -> bytes:
        """A self-describing serialisation (numpy ``.npz``, not compressed: writing it must
        cost little next to an incremental run; no pickle). With ``base`` (the state this
        one's ``base_rows`` refer to): only what differs from it; read it back with the same
        ``base``. (Without, or if this state does not extend ``base``: the whole state.)"""
        import io
        import json

        delta = base is not None and self._extends(base)
        meta = {
            "version": self.version, "params_key": self.params_key,
            "reference_n": self.reference_n, "changed": self.changed,
            "years": list(self.years), "delta": delta,
        }
        pt = self.phrase_table
        arrays: dict[str, np.ndarray] = {"cluster": self.cluster.astype(np.int64)}
        if delta:
            assert base is not None and self.base_rows is not None
            fresh = np.flatnonzero(self.base_rows < 0)
            rows, x = fresh, self.x.tocsr()[fresh]
            b_names, b_pt = len(base.names), base.phrase_table
            b_phrases = len(b_pt.phrases) if b_pt is not None and pt is not None else 0
            b_surfaces = len(b_pt.surfaces) if b_pt is not None and pt is not None else 0
            meta.update(base_n=len(base.ids), base_names=b_names, base_check=base._check())
            arrays["base_rows"] = self.base_rows.astype(np.int64)
        else:
            rows, x = np.arange(len(self.ids)), self.x.tocsr()
            b_names = b_phrases = b_surfaces = 0
        text = {"meta": meta, "ids": [self.ids[i] for i in rows.tolist()],
                "names": list(self.names[b_names:]), "phrase_df": dict(self.phrase_df),
                "capitalised": sorted(self.capitalised), "phrase_table": None}
        if pt is not None:
            text["phrase_table"] = {"phrases": len(pt.phrases) - b_phrases,
                                    "surfaces": len(pt.surfaces) - b_surfaces,
                                    "base_phrases": b_phrases, "base_surfaces": b_surfaces}
            positions, lens = _ragged_take(pt.ptr, rows)
            arrays.update(pt_phrases=_joined(pt.phrases[b_phrases:]),
                          pt_surfaces=_joined(pt.surfaces[b_surfaces:]),
                          pt_surface_phrase=pt.surface_phrase[b_surfaces:].astype(np.int32),
                          pt_lens=lens.astype(np.int64),
                          pt_sids=pt.sids[positions].astype(np.int32))
        arrays.update(
            fingerprints=self.fingerprints[rows].astype(np.uint64),
            idf=self.idf[b_names:].astype(np.float64),
            x_data=x.data.astype(np.float64), x_indices=x.indices.astype(np.int32),
            x_indptr=x.indptr.astype(np.int64), x_shape=np.asarray(x.shape, dtype=np.int64),
            text=np.frombuffer(json.dumps(text, ensure_ascii=False, separators=(",", ":"))
                               .encode("utf-8"), dtype=np.uint8))
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    def _check(self) -> str:
        """A digest of the findings (ids and contents) of the rows."""
        return hashlib.blake2b(self.fingerprints.astype("<u8").tobytes(),
                               digest_size=8).hexdigest()

    def _extends(self, base: ClusterState) -> bool:
        """Whether this state's rows, columns and phrases extend those of ``base``."""
        if self.base_rows is None or len(self.base_rows) != len(self.ids):
            return False
        if self.names[:len(base.names)] != base.names or len(self.idf) != len(self.names):
            return False
        if int(self.base_rows.max(initial=-1)) >= len(base.ids):
            return False
        pt, b_pt = self.phrase_table, base.phrase_table
        return pt is None or (b_pt is not None and pt.phrases[:len(b_pt.phrases)] == b_pt.phrases
                              and pt.surfaces[:len(b_pt.surfaces)] == b_pt.surfaces)

    @classmethod
    def from_bytes(cls, data: bytes, base: ClusterState | None = None) -> ClusterState:
        """The state :meth:`to_bytes` wrote (with the same ``base`` if it was given one)."""
        import io
        import json

        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            text = json.loads(z["text"].tobytes().decode("utf-8"))
            meta = text["meta"]
            x = sp.csr_matrix((z["x_data"], z["x_indices"], z["x_indptr"]),
                              shape=tuple(int(v) for v in z["x_shape"]))
            cluster, fingerprints, idf = z["cluster"], z["fingerprints"], z["idf"]
            ids, names = text["ids"], tuple(text["names"])
            pt = text.get("phrase_table")
            if pt is not None:
                phrases = _split(z["pt_phrases"], pt["phrases"])
                surfaces = _split(z["pt_surfaces"], pt["surfaces"])
                surface_phrase = z["pt_surface_phrase"]
                pt_lens, pt_sids = z["pt_lens"], z["pt_sids"]
            base_rows = z["base_rows"] if meta.get("delta") else None
        table = None
        if base_rows is None:
            if pt is not None:
                ptr = np.zeros(len(pt_lens) + 1, dtype=np.int64)
                np.cumsum(pt_lens, out=ptr[1:])
                table = PhraseTable(phrases=phrases, surfaces=surfaces,
                                    surface_phrase=surface_phrase, ptr=ptr, sids=pt_sids)
            ids_t = tuple(ids)
        else:
            if base is None or (len(base.ids), len(base.names), base._check()) != (
                    meta["base_n"], meta["base_names"], meta["base_check"]):
                raise ValueError("this state is kept as changes to another; pass that one")
            n = len(base_rows)
            kept = np.flatnonzero(base_rows >= 0)
            fresh = np.flatnonzero(base_rows < 0)
            old = base_rows[kept]
            all_ids = np.empty(n, dtype=object)
            all_ids[kept] = np.asarray(base.ids, dtype=object)[old]
            all_ids[fresh] = ids
            ids_t = tuple(all_ids.tolist())
            every_fp = np.empty(n, dtype=np.uint64)
            every_fp[kept] = base.fingerprints[old]
            every_fp[fresh] = fingerprints
            fingerprints = every_fp
            names = base.names + names
            idf = np.concatenate([base.idf, idf])
            x = _rows_together(base.x, old, kept, x, fresh, n, len(names))
            if pt is not None:
                b_pt = base.phrase_table
                if b_pt is None or (len(b_pt.phrases), len(b_pt.surfaces)) != (
                        pt["base_phrases"], pt["base_surfaces"]):
                    raise ValueError("the phrase table does not extend the base's")
                table = _table_together(
                    b_pt, old, kept, pt_lens, pt_sids, fresh, n,
                    phrases=b_pt.phrases + phrases, surfaces=b_pt.surfaces + surfaces,
                    surface_phrase=np.concatenate([b_pt.surface_phrase, surface_phrase]))
        return cls(
            version=meta["version"], params_key=meta["params_key"], ids=ids_t,
            fingerprints=fingerprints, cluster=cluster, x=x, names=names, idf=idf,
            reference_n=int(meta["reference_n"]), changed=int(meta["changed"]),
            years=tuple(int(y) for y in meta["years"]), phrase_df=text["phrase_df"],
            capitalised=frozenset(text["capitalised"]), phrase_table=table,
            base_rows=base_rows,
        )


def _joined(strings: Sequence[str]) -> np.ndarray:
    """Phrases or surface forms as one UTF-8 text, one per line (they hold no line breaks:
    tokens hold no white space), cheaper to read back than a JSON list of millions."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _split(joined: np.ndarray, count: int) -> tuple[str, ...]:
    return tuple(joined.tobytes().decode("utf-8").split("\n")) if count else ()


@dataclass(frozen=True, eq=False)
class PhraseTable:
    """The key-phrase candidates (:func:`staat.nlp.keyphrases.candidate_phrases`) of every
    finding of a run, kept so that the next incremental run phrases only the findings
    added since: the phrases and surface forms seen (a surface always stands for the same
    phrase), and per finding (the rows of :class:`ClusterState`) its distinct surfaces in
    the order they first occur in its text. A text's candidates follow from these: each of
    its phrases counts once, with the first of its surfaces."""

    phrases: tuple[str, ...]
    surfaces: tuple[str, ...]
    surface_phrase: np.ndarray  # int32 per surface: its phrase
    ptr: np.ndarray  # int64, rows + 1: row r's surfaces are ``sids[ptr[r]:ptr[r + 1]]``
    sids: np.ndarray  # int32


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
    get = dict(zip(state.ids, range(len(state.ids)))).get
    old_row = np.fromiter((get(f.id, -1) for f in fs), dtype=np.int64, count=len(fs))
    same = old_row >= 0
    same[same] = state.fingerprints[old_row[same]] == fps[same]
    kept_a = np.flatnonzero(same)
    kept_old_a = old_row[kept_a]
    added = np.flatnonzero(~same)
    removed = len(state.ids) - len(kept_a)
    if state.changed + len(added) + removed > params.incremental_max_share * max(len(fs), 1):
        return None
    gone = np.ones(len(state.ids), dtype=bool)
    gone[kept_old_a] = False
    lost = np.isin(state.cluster[kept_old_a], state.cluster[gone])
    return _Plan(kept_a, kept_old_a, added, removed, kept_a[lost])


def _rows_together(old: sp.csr_matrix, old_rows: np.ndarray, at: np.ndarray,
                   new: sp.csr_matrix, new_at: np.ndarray, n: int, width: int
                   ) -> sp.csr_matrix:
    """An ``n``-row matrix of ``width`` columns whose row ``at[i]`` is ``old[old_rows[i]]``
    and row ``new_at[i]`` is ``new[i]`` (rows with sorted columns stay so)."""
    old, new = old.tocsr(), new.tocsr()
    lens = np.zeros(n, dtype=np.int64)
    src_old, lens[at] = _ragged_take(old.indptr.astype(np.int64), old_rows)
    src_new, lens[new_at] = _ragged_take(new.indptr.astype(np.int64),
                                         np.arange(new.shape[0], dtype=np.int64))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    data = np.empty(int(indptr[-1]), dtype=np.float64)
    for src, rows, m in ((src_old, at, old), (src_new, new_at, new)):
        dest, _ = _ragged_take(indptr, rows)
        indices[dest] = m.indices[src]
        data[dest] = m.data[src]
    x = sp.csr_matrix((data, indices, indptr), shape=(n, width))
    x.sort_indices()
    return x


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
    x = _rows_together(state.x, plan.kept_old, plan.kept, xa, plan.added, n, len(names))

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


def _phrases_full(groups: list[list[int]], background: list[int], fs: Sequence[FindingInput],
                  top_n: int) -> tuple[list[tuple[KeyPhrase, ...]], dict[str, int],
                                       frozenset[str], PhraseTable | None]:
    """:func:`key_phrases_by_group` of the texts of the rows of each group against those of
    ``background``, also returning the document frequency of every candidate in at least
    two texts, the words seen capitalised and the :class:`PhraseTable` of all rows (every
    row is in a group or in the background; kept for incremental runs)."""
    index = kp._Index()
    orders: list[array | None] = [None] * len(fs)
    per_group = []
    for rows in groups:
        flats = []
        for i in rows:
            flat, orders[i] = index.add_ordered(fs[i].text)
            flats.append(flat)
        per_group.append(flats)
    for i in background:
        _, orders[i] = index.add_ordered(fs[i].text)
    n_texts = sum(len(g) for g in per_group) + len(background)
    n_classes = len(groups) + (1 if background else 0)
    df = {p: d for p, d in zip(index.phrases, index.df) if d >= 2}
    table = _phrase_table(index, orders)
    if not n_classes or not n_texts:
        return [() for _ in groups], df, frozenset(index.capitalised), table
    avg = n_texts / n_classes
    out = [kp._score_group(index, texts, avg, top_n, 2) for texts in per_group]
    return out, df, frozenset(index.capitalised), table


def _phrase_table(index: kp._Index, orders: Sequence[array | None]) -> PhraseTable | None:
    """The :class:`PhraseTable` of the texts an index saw with ``add_ordered`` (``orders``:
    per row); ``None`` when a row is missing or a surface stood for two phrases."""
    if index.ambiguous or any(o is None for o in orders):
        return None
    lens = np.fromiter((len(o) for o in orders), dtype=np.int64, count=len(orders))
    ptr = np.zeros(len(orders) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    return PhraseTable(
        phrases=tuple(index.phrases), surfaces=tuple(index.surfaces),
        surface_phrase=np.asarray(index.surface_phrase, dtype=np.int32), ptr=ptr,
        sids=_array_values(orders, int(ptr[-1])))


def _array_values(arrays: Iterable[array], total: int) -> np.ndarray:
    """The values of ``array('l')`` objects one after the other, as int32."""
    buf = b"".join(a.tobytes() for a in arrays)
    return np.frombuffer(buf, dtype=np.dtype(f"i{array('l').itemsize}"), count=total
                         ).astype(np.int32)


def _ragged_take(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ragged rows (row r is ``values[ptr[r]:ptr[r + 1]]``): the positions in
    ``values`` of the given rows one after the other, and the lengths of those rows."""
    starts = ptr[rows]
    lens = ptr[rows + 1] - starts
    total = int(lens.sum())
    firsts = np.cumsum(lens) - lens
    return np.repeat(starts - firsts, lens) + np.arange(total, dtype=np.int64), lens


def _next_table(state: ClusterState, plan: _Plan, added: kp._Index, orders: list[array],
                n: int) -> PhraseTable | None:
    """The state's :class:`PhraseTable` for the current rows: unchanged rows keep theirs,
    added rows get ``orders`` (in the order of ``plan.added``, numbered by the index
    ``added`` that phrased them), their phrases and surfaces added to the table's. ``None``
    when a surface would stand for two phrases."""
    old = state.phrase_table
    assert old is not None
    # the table's ids of the added texts' phrases and surfaces (one pass over the table's,
    # which may be millions: no dictionary of them all), new ones after the table's
    phrase_id = _ids_in(old.phrases, added.phrases)
    surface_id = _ids_in(old.surfaces, added.surfaces)
    new_phrases = [p for p, g in zip(added.phrases, phrase_id) if g < 0]
    phrase_id[phrase_id < 0] = len(old.phrases) + np.arange(len(new_phrases))
    local_phrase = phrase_id[np.asarray(added.surface_phrase, dtype=np.int64)]
    known = surface_id >= 0
    if added.ambiguous or not np.array_equal(old.surface_phrase[surface_id[known]],
                                             local_phrase[known]):
        return None
    new_surfaces = [w for w, g in zip(added.surfaces, surface_id) if g < 0]
    surface_id[~known] = len(old.surfaces) + np.arange(len(new_surfaces))
    lens = np.fromiter((len(o) for o in orders), dtype=np.int64, count=len(orders))
    return _table_together(
        old, plan.kept_old, plan.kept, lens, surface_id[_array_values(orders, int(lens.sum()))],
        plan.added, n, phrases=old.phrases + tuple(new_phrases),
        surfaces=old.surfaces + tuple(new_surfaces),
        surface_phrase=np.concatenate([old.surface_phrase,
                                       local_phrase[~known].astype(np.int32)]))


def _ids_in(vocabulary: Sequence[str], strings: Sequence[str]) -> np.ndarray:
    """The position of each of ``strings`` in ``vocabulary`` (-1: not in it)."""
    local = dict(zip(strings, range(len(strings))))
    out = np.full(len(strings), -1, dtype=np.int64)
    get = local.get
    for i, j in enumerate(map(get, vocabulary)):
        if j is not None:
            out[j] = i
    return out


def _table_together(old: PhraseTable, old_rows: np.ndarray, at: np.ndarray,
                    new_lens: np.ndarray, new_sids: np.ndarray, new_at: np.ndarray, n: int, *,
                    phrases: tuple[str, ...], surfaces: tuple[str, ...],
                    surface_phrase: np.ndarray) -> PhraseTable:
    """A :class:`PhraseTable` of ``n`` rows whose row ``at[i]`` is ``old``'s row
    ``old_rows[i]`` and row ``new_at[i]`` the i-th of ``new_sids`` (of ``new_lens[i]``
    surfaces), with these phrases and surfaces (``old``'s, then others)."""
    lens = np.zeros(n, dtype=np.int64)
    src, lens[at] = _ragged_take(old.ptr, old_rows)
    lens[new_at] = new_lens
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    sids = np.empty(int(ptr[-1]), dtype=np.int32)
    dest, _ = _ragged_take(ptr, at)
    sids[dest] = old.sids[src]
    dest, _ = _ragged_take(ptr, new_at)
    sids[dest] = new_sids
    return PhraseTable(phrases=phrases, surfaces=surfaces, surface_phrase=surface_phrase,
                       ptr=ptr, sids=sids)


class _RunPhrases:
    """What :func:`staat.nlp.keyphrases._score_counts` reads of an index: phrases, their
    document frequency, surfaces (numbered in the order an index over the groups would
    have seen them) and the words seen capitalised."""

    def __init__(self, phrases, df, surfaces, capitalised) -> None:
        self.phrases, self.df, self.surfaces, self.capitalised = (
            phrases, df, surfaces, capitalised)


def _phrases_from_table(groups: list[list[int]], fs: Sequence[FindingInput], plan: _Plan,
                        state: ClusterState, n_texts: int, n_classes: int, top_n: int):
    """What :func:`_phrases_incremental` returns, plus the :class:`PhraseTable` of the
    current rows, without phrasing the texts of the groups again: only the added texts are
    phrased; every group's counts are gathered from the table (``None`` when an added text
    makes a surface stand for two phrases: then the caller phrases the texts)."""
    extra = kp._Index()  # the added texts
    orders = [extra.add_ordered(fs[i].text)[1] for i in plan.added.tolist()]
    table = _next_table(state, plan, extra, orders, len(fs))
    if table is None:
        return None
    # document frequencies: the remembered ones plus the added texts (as
    # :func:`_phrases_incremental`)
    df = dict(state.phrase_df)
    for p, d in zip(extra.phrases, extra.df):
        if p in df or d >= 2:
            df[p] = df.get(p, 0) + d
    capitalised = frozenset(state.capitalised | extra.capitalised)
    if not n_classes or not n_texts:
        return [() for _ in groups], df, capitalised, table
    # every group's surfaces, the groups one after the other, each one's rows in order:
    # an index over the groups would number the surfaces in order of first occurrence here
    rows = np.fromiter((i for g in groups for i in g), dtype=np.int64,
                       count=sum(len(g) for g in groups))
    pos, lens = _ragged_take(table.ptr, rows)
    sid = table.sids[pos].astype(np.int64)
    text = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
    group_of_text = np.repeat(np.arange(len(groups), dtype=np.int64), [len(g) for g in groups])
    seen, first = np.unique(sid, return_index=True)
    rank = np.empty(len(seen), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(seen))
    run_sid = rank[np.searchsorted(seen, sid)]
    surfaces = [""] * len(seen)
    for s, r in zip(seen.tolist(), rank.tolist()):
        surfaces[r] = table.surfaces[s]
    # each text's phrases, with the first of their surfaces in it
    pid = table.surface_phrase[sid].astype(np.int64)
    _, counted = np.unique(text * len(table.phrases) + pid, return_index=True)
    g, p, w = group_of_text[text[counted]], pid[counted], run_sid[counted]
    phrase_ids, texts_with = np.unique(p, return_counts=True)
    doc_freq = {q: max(c, df.get(table.phrases[q], 0))
                for q, c in zip(phrase_ids.tolist(), texts_with.tolist())}
    o = np.lexsort((w, p, g))
    g, p, w = g[o], p[o], w[o]
    starts = np.flatnonzero(np.r_[len(g) > 0, (g[1:] != g[:-1]) | (p[1:] != p[:-1])
                                  | (w[1:] != w[:-1])])
    n_pair = np.diff(np.r_[starts, len(g)])
    g, p, w = g[starts], p[starts], w[starts]
    run = _RunPhrases(table.phrases, doc_freq, surfaces, capitalised)
    avg = n_texts / n_classes
    bounds = np.searchsorted(g, np.arange(len(groups) + 1)).tolist()
    p_l, w_l, n_l = p.tolist(), w.tolist(), n_pair.tolist()
    out = []
    for j, rows_j in enumerate(groups):
        lo, hi = bounds[j], bounds[j + 1]
        pairs = dict(zip(zip(p_l[lo:hi], w_l[lo:hi]), n_l[lo:hi]))
        counts: Counter[int] = Counter()
        for (q, _), c in pairs.items():
            counts[q] += c
        out.append(kp._score_counts(run, counts, pairs, len(rows_j), avg, top_n, 2))
    return out, df, capitalised, table


def _phrases_incremental(groups: list[list[str]], added: list[str], state: ClusterState,
                         n_texts: int, n_classes: int, top_n: int
                         ) -> tuple[list[tuple[KeyPhrase, ...]], dict[str, int], frozenset[str]]:
    """Key phrases of the changed threads only, scored as a full run would: each candidate's
    document frequency is the remembered one plus its count among the added texts (a
    candidate seen in one text only was not remembered: at least its count in the groups).
    Returns the phrases and the updated frequencies and capitalised words. (Phrases every
    text of the groups; :func:`_phrases_from_table` gives the same from the kept table.)"""
    df = dict(state.phrase_df)
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
    reporters: set[str] = set()  # the union of every finding's ``_reporters``
    sources: set[str] = set()
    theme_list: list[str] = []  # each finding's distinct themes
    laws: Counter[str] = Counter()
    law_names: dict[str, str] = {}
    for f in fs:
        codes = f.organisation_codes
        if codes:
            types = f.organisation_types or (UNKNOWN_TYPE,) * len(codes)
            for code, typ in zip(codes, types):
                orgs.setdefault(code, typ or UNKNOWN_TYPE)
            reporters.update(codes)
        else:
            reporters.add("source:" + f.source_id)
        sources.add(f.source_id)
        if f.themes:
            theme_list += set(f.themes)
        if f.laws:
            for lk, name in sorted({_law_key(law): law for law in f.laws}.items()):
                law_names.setdefault(lk, " ".join(name.split()))
                laws[lk] += 1
    themes = Counter(theme_list)
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


_KIND_SET = frozenset(KINDS)
_KIND_CODE = {kind: c for c, kind in enumerate(KINDS)}


def _dots_with(x: sp.csr_matrix, rows: np.ndarray, m: sp.csr_matrix, which: np.ndarray
               ) -> np.ndarray:
    """``x[rows[i]] · m[which[i]]`` for every i: the same floats as the sparse product
    ``x[rows[i]] @ m[which[i]].T`` (the products of the shared columns added one by one in
    the order of ``x``'s columns, from 0), for all rows at once."""
    out = np.zeros(len(rows), dtype=np.float64)
    if not len(rows) or not m.nnz:
        return out
    xr = x[rows].tocsr()
    lens = np.diff(xr.indptr).astype(np.int64)
    width = max(m.shape[1], 1)
    mc = m.tocoo()
    m_keys = mc.row.astype(np.int64) * width + mc.col
    o = np.argsort(m_keys, kind="stable")
    m_keys, m_vals = m_keys[o], mc.data[o]
    keys = np.repeat(np.asarray(which, dtype=np.int64), lens) * width + xr.indices
    at = np.minimum(np.searchsorted(m_keys, keys), len(m_keys) - 1)
    prod = np.where(m_keys[at] == keys, xr.data * m_vals[at], 0.0)
    starts = xr.indptr[:-1].astype(np.int64)
    for k in range(int(lens.max()) if len(lens) else 0):
        live = np.flatnonzero(lens > k)
        out[live] += prod[starts[live] + k]
    return out


def _top_terms(m: sp.csr_matrix, j: int, names: Sequence[str], k: int
               ) -> list[tuple[int, float]]:
    """The ``k`` largest ``(column, value)`` of row ``j``, by value rounded to 9 digits, then
    column name. (Only values close to the k-th largest can be among them: the others are
    left out before sorting.)"""
    lo, hi = m.indptr[j], m.indptr[j + 1]
    cols, vals = m.indices[lo:hi], m.data[lo:hi]
    if k <= 0:
        return []
    if len(vals) > k:
        kth = np.partition(vals, len(vals) - k)[len(vals) - k]
        near = vals >= kth - 1e-8
        cols, vals = cols[near], vals[near]
    return sorted(zip(cols.tolist(), vals.tolist()),
                  key=lambda cv: (-round(cv[1], 9), names[cv[0]]))[:k]


def _check_findings(fs: Sequence[FindingInput]) -> None:
    """Raise ``ValueError`` for the first finding (by id) that is a duplicate, of an unknown
    kind or with organisation types that do not match its codes."""
    for i, f in enumerate(fs):
        if i and fs[i - 1].id == f.id:
            raise ValueError(f"duplicate finding id {f.id!r}")
        if f.kind not in KINDS:
            raise ValueError(f"finding {f.id!r}: unknown kind {f.kind!r} (expected one of {KINDS})")
        if f.organisation_types and len(f.organisation_types) != len(f.organisation_codes):
            raise ValueError(
                f"finding {f.id!r}: organisation_types does not match organisation_codes")


def _state_rows(states: Mapping[str, ThreadState], keys: Sequence[str], pos: Mapping[str, int],
                n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The findings of each state (``keys``) that are still here: ``(owner, rows, bounds)``,
    the distinct rows of state ``keys[j]`` being ``rows[bounds[j]:bounds[j + 1]]``
    (ascending, ``owner`` = j), and whether each state has all its findings still here."""
    lens: list[int] = []
    flat: list[str] = []
    for key in keys:
        before = len(flat)
        for ids in states[key].finding_ids_by_year.values():
            flat += ids
        lens.append(len(flat) - before)
    get = pos.get
    rows = np.fromiter((get(f, -1) for f in flat), dtype=np.int64, count=len(flat))
    owner = np.repeat(np.arange(len(keys), dtype=np.int64), lens)
    here = rows >= 0
    complete = np.bincount(owner[~here], minlength=len(keys)) == 0
    pair = np.unique(owner[here] * max(n, 1) + rows[here])
    owner, rows = np.divmod(pair, max(n, 1))
    bounds = np.searchsorted(owner, np.arange(len(keys) + 1))
    return owner, rows, bounds, complete


def compute_threads(
    findings: Sequence[FindingInput],
    previous: Sequence[ThreadState] = (),
    *,
    params: ThreadParams = ThreadParams(),
    years: Iterable[int] = (),
    theme_labels: Mapping[str, str] | None = None,
    progress: ProgressFn | None = None,
    state: ClusterState | None = None,
    input_fingerprints: np.ndarray | None = None,
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

    ``findings`` may be any objects with the attributes of :class:`FindingInput` (named
    tuples, say: cheaper to build by the hundred thousand). ``input_fingerprints``: their
    :func:`fingerprints`, in the order of ``findings``, if the caller has them already.
    """
    def tick(stage: str, done: int) -> None:
        if progress is not None:
            progress(stage, done, 6)

    # ---- input
    if not isinstance(findings, (list, tuple)):
        findings = list(findings)
    by_id = sorted(range(len(findings)), key=[f.id for f in findings].__getitem__)
    fs = [findings[i] for i in by_id]
    fids = [f.id for f in fs]
    pos = dict(zip(fids, range(len(fids))))
    if (len(pos) != len(fs) or not {f.kind for f in fs} <= _KIND_SET
            or any(f.organisation_types and len(f.organisation_types) != len(f.organisation_codes)
                   for f in fs)):
        _check_findings(fs)
    states: dict[str, ThreadState] = {}
    for s in previous:
        if s.key in states:
            raise ValueError(f"duplicate thread key {s.key!r}")
        states[s.key] = s
    n = len(fs)
    monitored = tuple(sorted({f.year for f in fs} | set(years)))

    # ---- features and clusters
    tick("features", 0)
    if input_fingerprints is None:
        fps = fingerprints(fs)
    else:
        fps = np.asarray(input_fingerprints, dtype=np.uint64)[np.asarray(by_id, dtype=np.int64)]
    plan = _plan(fs, fps, state, params) if n else None
    if plan is not None:
        assert state is not None
        tick("placing added findings", 1)
        x, names, idf, clusters = _place(fs, plan, state, params)
        reference_n = state.reference_n
        changed = state.changed + len(plan.added) + plan.removed
        base_rows = np.full(n, -1, dtype=np.int64)
        base_rows[plan.kept] = (plan.kept_old if state.base_rows is None
                                else state.base_rows[plan.kept_old])
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
        reference_n, changed, base_rows = n, 0, None
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
    # every state's findings that are still here, against the clusters (numpy: thousands of
    # states with hundreds of thousands of findings)
    state_keys = sorted(states)
    s_owner, s_rows, s_bounds, s_complete = _state_rows(states, state_keys, pos, n)
    pairs: list[tuple[int, float, str, int]] = []
    if len(s_rows):
        n_c = len(clusters)
        both, overlap = np.unique(s_owner * n_c + cluster_of[s_rows], return_counts=True)
        owner_o, ci_o = np.divmod(both, n_c)
        size_c = np.fromiter((len(c) for c in clusters), dtype=np.int64, count=n_c)[ci_o]
        size_s = np.diff(s_bounds)[owner_o]
        ok = overlap >= params.match_min_share * np.minimum(size_c, size_s)
        overlap, size_c, size_s = overlap[ok], size_c[ok], size_s[ok]
        jacc = overlap / (size_c + size_s - overlap)
        pairs = sorted(zip((-overlap).tolist(), (-jacc).tolist(),
                           [state_keys[j] for j in owner_o[ok].tolist()],
                           [clusters[ci][0] for ci in ci_o[ok].tolist()]))
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
        state_index = {k: j for j, k in enumerate(state_keys)}
        for k in keys:
            j = state_index.get(k)
            if j is None or not members[k].isdisjoint(added_rows):
                continue
            # the same findings as the state's (all of which are still here)
            before = s_rows[s_bounds[j]:s_bounds[j + 1]]
            if (s_complete[j] and len(before) == len(members[k])
                    and members[k].issuperset(before.tolist())):
                unchanged.add(k)
    described = [k for k in keys if k not in unchanged]
    groups = [sorted(members[k]) for k in described]
    phrase_table = None
    if plan is not None and state is not None:
        n_classes = len(keys) + (1 if unassigned else 0)
        kept = None
        if state.phrase_table is not None:
            kept = _phrases_from_table(groups, fs, plan, state, n, n_classes,
                                       params.key_phrases)
        if kept is not None:
            found, phrase_df, capitalised, phrase_table = kept
        else:
            found, phrase_df, capitalised = _phrases_incremental(
                [[fs[i].text for i in g] for g in groups],
                [fs[i].text for i in plan.added.tolist()], state, n, n_classes,
                params.key_phrases)
    else:
        found, phrase_df, capitalised, phrase_table = _phrases_full(
            groups, sorted(unassigned), fs, params.key_phrases)
    phrases = dict(zip(described, found))

    tick("figures", 4)
    # the thread of every row (-1: unassigned); the rows of thread j, ascending, are
    # by_thread[t_bounds[j]:t_bounds[j + 1]]
    owner = np.full(n, -1, dtype=np.int64)
    owner[np.fromiter(chain.from_iterable(members[k] for k in keys), dtype=np.int64,
                      count=sum(len(members[k]) for k in keys))] = np.repeat(
        np.arange(len(keys), dtype=np.int64), [len(members[k]) for k in keys])
    t_sizes = np.bincount(owner[owner >= 0], minlength=len(keys))
    t_bounds = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(t_sizes, out=t_bounds[1:])
    by_thread = np.argsort(owner, kind="stable")[n - int(t_bounds[-1]):]
    if keys:
        tind = sp.csr_matrix((np.ones(len(by_thread)), by_thread, t_bounds),
                             shape=(len(keys), n))
        tcent = _normalise_rows(tind @ x)
    else:
        tcent = sp.csr_matrix((0, x.shape[1] if n else 0))
    # a thread's kind: its most frequent (ties: the first in KINDS)
    kind_code = np.fromiter((_KIND_CODE[f.kind] for f in fs), dtype=np.int64, count=n)
    per_kind = np.bincount(owner[by_thread] * len(KINDS) + kind_code[by_thread],
                           minlength=len(keys) * len(KINDS)).reshape(len(keys), len(KINDS))
    kind_of = {k: KINDS[c] for k, c in zip(keys, per_kind.argmax(axis=1).tolist())}

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
            near = block.data >= params.related_threshold - 1e-12
            for r, c, v in zip(block.row[near].tolist(), block.col[near].tolist(),
                               block.data[near].tolist()):
                best[r].append((-round(v, 9), keys[kn[c]]))
            for r, lst in best.items():
                ok = keys[other[s0 + r]]
                for _, kk in sorted(lst)[: params.related_max]:
                    related[ok].add(kk)
                    related[kk].add(ok)

    tick("threads", 5)
    # every described thread's findings' cosines with its centroid, at once
    described_j = [j for j, k in enumerate(keys) if k not in unchanged]
    d_rows = (np.concatenate([by_thread[t_bounds[j]:t_bounds[j + 1]] for j in described_j])
              if described_j else np.empty(0, dtype=np.int64))
    d_sims = _dots_with(x, d_rows, tcent, owner[d_rows])
    sim_all = dict(zip(d_rows.tolist(), [round(v, 9) for v in d_sims.tolist()]))
    threads: list[Thread] = []
    for j in described_j:
        k = keys[j]
        rows = by_thread[t_bounds[j]:t_bounds[j + 1]]
        by_year: dict[int, list[int]] = defaultdict(list)
        for i in rows.tolist():
            by_year[fs[i].year].append(i)
        first = min(by_year)
        figs = {y: thread_figures([fs[i] for i in by_year.get(y, [])])
                for y in monitored if y >= first}
        trends = {y: trend_status(figs, y, params.trend) for y in figs}
        reps: dict[int, tuple[str, ...]] = {}
        for y in sorted(by_year):
            # (rows are in the order of the finding ids)
            ranked = sorted(by_year[y], key=lambda i: (-sim_all[i], i))
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
        top = _top_terms(tcent, j, names, params.profile_terms)
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
    assigned = np.flatnonzero(owner >= 0).tolist()  # in the order of the finding ids
    assignments = dict(zip([fids[i] for i in assigned],
                           [keys[j] for j in owner[assigned].tolist()]))
    tick("done", 6)
    new_state = ClusterState(
        version=VERSION, params_key=_params_key(params), ids=tuple(fids),
        fingerprints=fps, cluster=cluster_of, x=x, names=tuple(names), idf=idf,
        reference_n=reference_n, changed=changed, years=monitored, phrase_df=phrase_df,
        capitalised=capitalised, phrase_table=phrase_table, base_rows=base_rows,
    )
    return ThreadResult(
        threads=tuple(threads),
        assignments=assignments,
        unassigned=tuple(fids[i] for i in np.flatnonzero(owner < 0).tolist()),
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
