# SPDX-License-Identifier: EUPL-1.2
"""Disclosure control: try to recompute every hidden figure from what is published, and fail.

The attacker here is written independently of the module: it sets up the published
relations (cells add up to totals) for counts and for sums (mean × n), takes every
published number as known, and asks whether a hidden value is fixed: by linear algebra
(scipy's null space) and, for small tables, by enumerating every non-negative integer
table that agrees with the publication.
"""

import hashlib
import hmac
import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import null_space

from staat.analysis.disclosure import (
    TOTAL,
    Relation,
    exposed,
    pseudonymise,
    publishable_summary,
    suppress_nested,
    suppress_one_way,
    suppress_table,
    suppress_two_way,
    two_way_relations,
)
from staat.analysis.scoring import group_summary


# --------------------------------------------------------------------------- the attacker


def recoverable(values: np.ndarray, hidden: np.ndarray, relations) -> list[int]:
    """Hidden entries whose value follows exactly from the visible values and relations
    (``sum(members) == total``). Works for counts and for sums alike."""
    idx = np.flatnonzero(hidden)
    a = np.zeros((len(relations), len(idx)))
    pos = {e: i for i, e in enumerate(idx)}
    for r, (members, total) in enumerate(relations):
        for e in members:
            if e in pos:
                a[r, pos[e]] += 1
        if total in pos:
            a[r, pos[total]] -= 1
    if not a.any():
        return []
    ns = null_space(a)
    return [int(e) for e, i in pos.items() if ns.shape[1] == 0 or np.abs(ns[i]).max() < 1e-9]


def rel_tuples(relations):
    return [(rel.members, rel.total) for rel in relations]


def one_way_solutions(counts, hidden):
    """Every non-negative integer assignment to the hidden cells of a one-way table (last
    entry is the total) that agrees with the published figures."""
    cells = list(range(len(counts) - 1))
    total_hidden = hidden[-1]
    hid = [c for c in cells if hidden[c]]
    if total_hidden:
        return None  # nothing pins the hidden cells: unbounded
    remainder = counts[-1] - sum(counts[c] for c in cells if not hidden[c])
    sols = []
    for combo in itertools.product(range(remainder + 1), repeat=len(hid)):
        if sum(combo) == remainder:
            sols.append(dict(zip(hid, combo)))
    return sols


def two_way_solutions(grid, hidden, limit=200_000):
    """All non-negative integer interiors consistent with the published grid (margins in
    the last row/column): depth-first over rows, each row's hidden cells summing to the
    row's remainder, pruned by the published column totals. Assumes the row margins are
    published; None when the search would exceed ``limit`` steps."""
    r_n, c_n = grid.shape[0] - 1, grid.shape[1] - 1
    col_cap = [grid[r_n, c] if not hidden[r_n, c] else np.inf for c in range(c_n)]
    plans = []
    for r in range(r_n):
        hid = [c for c in range(c_n) if hidden[r, c]]
        rem = grid[r, c_n] - sum(grid[r, c] for c in range(c_n) if not hidden[r, c])
        plans.append((hid, rem))
    sols, steps = [], [0]
    table = grid[:r_n, :c_n].astype(int).copy()
    table[hidden[:r_n, :c_n]] = 0

    def compositions(total, parts):
        if parts == 0:
            if total == 0:
                yield ()
            return
        if parts == 1:
            yield (total,)
            return
        for first in range(total + 1):
            for rest in compositions(total - first, parts - 1):
                yield (first, *rest)

    def dfs(r):
        steps[0] += 1
        if steps[0] > limit:
            raise OverflowError
        col = table.sum(axis=0)
        if any(col[c] > col_cap[c] for c in range(c_n)):
            return
        if r == r_n:
            if all(hidden[r_n, c] or col[c] == grid[r_n, c] for c in range(c_n)):
                sols.append(table.copy())
            return
        hid, rem = plans[r]
        for combo in compositions(rem, len(hid)):
            for c, v in zip(hid, combo):
                table[r, c] = v
            dfs(r + 1)
        for c in hid:
            table[r, c] = 0

    try:
        dfs(0)
    except OverflowError:
        return None
    return sols


# --------------------------------------------------------------------------- one-way


def test_without_complement_the_attack_works():
    """Sanity check of the attacker: hiding only the small group is not enough."""
    counts = np.array([3, 25, 40, 12, 80])  # last: total
    hidden = np.array([True, False, False, False, False])
    rels = [((0, 1, 2, 3), 4)]
    assert recoverable(counts, hidden, rels) == [0]
    sums = np.array([9.0, 90.0, 150.0, 40.0, 289.0])  # mean × n; total mean 289/80
    assert recoverable(sums, hidden, rels) == [0]
    # the hidden mean: (total mean × total n - Σ published mean × n) / hidden n
    assert (289 - 90 - 150 - 40) / (80 - 25 - 40 - 12) == 3.0


@pytest.mark.parametrize("counts", [
    {"a": 3, "b": 25, "c": 40, "d": 12},
    {"a": 3, "b": 5, "c": 40, "d": 12},
    {"a": 3, "b": 4},
    {"a": 9, "b": 1, "c": 30},
    {"a": 0, "b": 4, "c": 30, "d": 11},
    {"a": 15, "b": 25, "c": 40},
])
def test_one_way_hidden_cells_cannot_be_recomputed(counts):
    out = suppress_one_way(counts, min_group_size=10)
    n = out["n"].to_numpy()
    hidden = out["suppressed"].to_numpy()
    rels = [(tuple(range(len(counts))), len(counts))]
    for v, k in zip(n[:-1], out["suppressed"][:-1]):
        if 0 < v < 10:
            assert k  # primary
    assert recoverable(n, hidden, rels) == []
    rng = np.random.default_rng(0)
    sums = n * rng.uniform(1, 5, len(n))
    sums[-1] = sums[:-1].sum()
    assert recoverable(sums, hidden, rels) == []
    sols = one_way_solutions(n.tolist(), hidden.tolist())
    if sols is not None and hidden.any():
        for c in np.flatnonzero(hidden[:-1]):
            assert len({s[c] for s in sols}) >= 2, f"cell {c} has one possible value"
        hidden_sum = sum(n[c] for c in np.flatnonzero(hidden[:-1]))
        assert hidden_sum == 0 or hidden_sum >= 10  # remainder rule


def test_one_way_reasons():
    out = suppress_one_way({"a": 3, "b": 25, "c": 40, "d": 12}).set_index("group")
    assert out.loc["a", "reason"] == "primary"
    assert out.loc["d", "reason"] == "complementary"  # the next-smallest
    assert not out.loc[TOTAL, "suppressed"]
    out = suppress_one_way({"a": 3, "b": 4}).set_index("group")
    assert out["suppressed"].all()  # no other cell: the total goes too
    out = suppress_one_way({"a": 3, "b": 40}, total_published=False)
    assert out["suppressed"].tolist() == [True, False]


# --------------------------------------------------------------------------- two-way


def check_two_way(table: pd.DataFrame, m: int = 10, enumerate_small: bool = True,
                  must_enumerate: bool = False):
    out = suppress_two_way(table, m)
    r_n, c_n = table.shape
    grid = out["n"].to_numpy().reshape(r_n + 1, c_n + 1)
    hidden = out["suppressed"].to_numpy().reshape(r_n + 1, c_n + 1)
    assert ((grid > 0) & (grid < m) <= hidden).all(), "a small cell is published"
    rels = rel_tuples(two_way_relations(r_n, c_n))
    assert recoverable(grid.ravel(), hidden.ravel(), rels) == [], "a hidden count follows"
    rng = np.random.default_rng(1)
    sums = table.to_numpy() * rng.uniform(1, 5, table.shape)
    sgrid = np.zeros_like(grid, dtype=float)
    sgrid[:r_n, :c_n] = sums
    sgrid[:r_n, c_n] = sums.sum(1)
    sgrid[r_n, :] = sgrid[:r_n].sum(0)
    assert recoverable(sgrid.ravel(), hidden.ravel(), rels) == [], "a hidden sum follows"
    for r in range(r_n + 1):  # remainder rule per line with a published total
        if not hidden[r, c_n]:
            rem = grid[r, :c_n][hidden[r, :c_n]].sum()
            assert rem == 0 or rem >= m
    for c in range(c_n + 1):
        if not hidden[r_n, c]:
            rem = grid[:r_n, c][hidden[:r_n, c]].sum()
            assert rem == 0 or rem >= m
    for e in np.flatnonzero(hidden.ravel()):  # non-negativity cannot pin a hidden count
        lo, hi = count_bounds(grid.ravel(), hidden.ravel(), rels, e)
        assert hi - lo >= 1, f"entry {e} is pinned to {lo}"
    if enumerate_small and not hidden[:, c_n].any():
        sols = two_way_solutions(grid, hidden)
        assert sols is not None or not must_enumerate
        if sols is not None:
            assert sols, "the true table must be among the solutions"
            for r, c in zip(*np.nonzero(hidden[:r_n, :c_n])):
                assert len({int(s[r, c]) for s in sols}) >= 2, f"cell {(r, c)} is pinned"
    return out


def count_bounds(values, hidden, relations, entry):
    """Smallest and largest value of a hidden entry over all non-negative tables that agree
    with the publication (linear programs; integral for two-way margin constraints)."""
    from scipy.optimize import linprog

    idx = list(np.flatnonzero(hidden))
    a_eq, b_eq = [], []
    for members, total in relations:
        row = np.zeros(len(idx))
        rhs = 0.0
        for e, sign in [*[(m, 1.0) for m in members], (total, -1.0)]:
            if hidden[e]:
                row[idx.index(e)] += sign
            else:
                rhs -= sign * values[e]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    c = np.zeros(len(idx))
    c[idx.index(entry)] = 1
    if not a_eq:
        return 0.0, np.inf
    lo = linprog(c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None))
    hi = linprog(-c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None))
    return lo.fun, (np.inf if hi.status == 3 else -hi.fun)


def test_two_way_example():
    t = pd.DataFrame([[3, 20, 30], [15, 25, 40], [12, 18, 22]], index=["r1", "r2", "r3"],
                     columns=["x", "y", "z"])
    out = check_two_way(t)
    hid = out[out.suppressed][["row", "column"]].apply(tuple, axis=1).tolist()
    assert hid == [("r1", "x"), ("r1", "y"), ("r3", "x"), ("r3", "y")]


def test_bridge_cell_is_caught_by_the_audit():
    """Every line has two hidden cells, yet the cell joining two blocks is determined."""
    t = np.full((4, 4), 30)
    hidden = np.zeros((5, 5), bool)
    for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        hidden[r, c] = True
    grid = np.zeros((5, 5))
    grid[:4, :4] = t
    grid[:4, 4] = t.sum(1)
    grid[4] = grid[:4].sum(0)
    rels = two_way_relations(4, 4)
    assert recoverable(grid.ravel(), hidden.ravel(), rel_tuples(rels)) == [1 * 5 + 2]
    assert exposed(grid.ravel(), hidden.ravel(), rels) == [7]


def test_regression_table_needing_the_audit():
    t = pd.DataFrame([[12, 20, 8, 12, 5], [2, 12, 0, 20, 0], [12, 12, 1, 12, 20]])
    out = check_two_way(t)
    assert (out.reason == "audit").any()


@pytest.mark.parametrize("seed", range(12))
def test_random_two_way_tables(seed):
    rng = np.random.default_rng(seed)
    r_n, c_n = rng.integers(2, 6), rng.integers(2, 5)
    vals = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 40], size=(r_n, c_n),
                      p=[0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.15, 0.15, 0.15])
    check_two_way(pd.DataFrame(vals), enumerate_small=r_n * c_n <= 9)


@pytest.mark.parametrize("seed", range(8))
def test_small_tables_by_enumeration(seed):
    """Small counts and a threshold of 5, so every consistent table can be listed."""
    rng = np.random.default_rng(100 + seed)
    vals = rng.choice([0, 1, 2, 3, 5, 6, 8], size=(3, 3), p=[0.1, 0.2, 0.1, 0.1, 0.2, 0.1, 0.2])
    vals[vals.sum(axis=1) < 5, 0] += 5  # keep row totals publishable
    check_two_way(pd.DataFrame(vals), m=5, must_enumerate=True)


def test_nested_organisations_within_types():
    s = pd.Series({("zbo", "a"): 4, ("zbo", "b"): 30, ("zbo", "c"): 22,
                   ("agentschap", "d"): 50, ("agentschap", "e"): 61,
                   ("dienst", "f"): 7})
    out = suppress_nested(s)
    hidden = out["suppressed"].to_numpy()
    keys = list(zip(out.parent, out.child))
    idx = {k: i for i, k in enumerate(keys)}
    assert hidden[idx[("zbo", "a")]] and hidden[idx[("dienst", "f")]]
    assert hidden[idx[("dienst", TOTAL)]]  # the type total equals the one small org
    rels = []
    for parent in ["agentschap", "dienst", "zbo"]:
        members = tuple(i for k, i in idx.items() if k[0] == parent and k[1] != TOTAL)
        rels.append((members, idx[(parent, TOTAL)]))
    rels.append((tuple(idx[(p, TOTAL)] for p in ["agentschap", "dienst", "zbo"]),
                 idx[(TOTAL, TOTAL)]))
    assert recoverable(out["n"].to_numpy(), hidden, rels) == []


# --------------------------------------------------------------------------- summaries


def test_publishable_summary_hides_means_that_totals_would_reveal():
    rng = np.random.default_rng(2)
    groups = np.array(["a"] * 4 + ["b"] * 30 + ["c"] * 45 + ["d"] * 12)
    scores = pd.DataFrame({"trust": rng.uniform(1, 5, len(groups))})
    body = group_summary(scores, pd.DataFrame({"org": groups}), by="org")
    total = group_summary(scores).assign(org=TOTAL)
    pub = publishable_summary(pd.concat([body, total], ignore_index=True), by="org")
    shown = pub[~pub.suppressed].set_index("org")
    assert set(pub[pub.suppressed].org) == {"a", "d"}
    assert pub.loc[pub.suppressed, ["n", "mean", "sd", "ci_low"]].isna().all().all()
    # attack: total sum minus published sums gives only the combined sum of a and d
    rest_sum = shown.loc[TOTAL, "n"] * shown.loc[TOTAL, "mean"] - sum(
        shown.loc[g, "n"] * shown.loc[g, "mean"] for g in ["b", "c"])
    rest_n = shown.loc[TOTAL, "n"] - shown.loc["b", "n"] - shown.loc["c", "n"]
    assert rest_n == 16 >= 10
    assert rest_sum / rest_n == pytest.approx(scores.trust[(groups == "a") | (groups == "d")]
                                              .mean())


def test_publishable_summary_two_way():
    rng = np.random.default_rng(3)
    org_type = rng.choice(["zbo", "agentschap", "dienst"], 400, p=[0.1, 0.6, 0.3])
    age = rng.choice(["<30", "30-45", "45-60", "60+"], 400, p=[0.05, 0.35, 0.45, 0.15])
    scores = pd.DataFrame({"s": rng.normal(3, 1, 400)})
    g = pd.DataFrame({"type": org_type, "age": age})
    parts = [group_summary(scores, g, by=["type", "age"]),
             group_summary(scores, g, by="type").assign(age=TOTAL),
             group_summary(scores, g, by="age").assign(type=TOTAL),
             group_summary(scores).assign(type=TOTAL, age=TOTAL)]
    pub = publishable_summary(pd.concat(parts, ignore_index=True), by=["type", "age"])
    small = pub[(pub.type != TOTAL) & (pub.age != TOTAL)]
    counts = pd.crosstab(g.type, g.age)
    for _, row in small.iterrows():
        if counts.loc[row.type, row.age] < 10:
            assert row.suppressed
    assert pub.suppressed.sum() >= 4


# --------------------------------------------------------------------------- pseudonyms


def test_pseudonymise():
    secret = b"0123456789abcdef-secret"
    ref = hmac.new(secret, "R-00042".encode(), hashlib.sha256).hexdigest()
    assert pseudonymise(" R-00042 ", secret) == ref
    assert pseudonymise("R-00042", b"another-secret-of-16") != ref
    assert pseudonymise("Ame\u0301lie", secret) == pseudonymise("Am\u00e9lie", secret)  # NFC
    assert len(ref) == 64
    with pytest.raises(ValueError):
        pseudonymise("x", b"short")
    with pytest.raises(ValueError):
        pseudonymise("  ", secret)


def test_suppress_table_rejects_inconsistent_totals():
    with pytest.raises(ValueError, match="do not add up"):
        suppress_table(["a", "b", "t"], [3, 4, 8], [Relation((0, 1), 2)])
