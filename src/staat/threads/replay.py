# SPDX-License-Identifier: EUPL-1.2
"""Researchers' thread decisions replayed onto a result, and the figures of a thread.

Plain Python (no Django), so :mod:`staat.threads.services` can apply the same rules after a
full run of the pure core and right after a single decision.

**Replay.** Decisions are applied in the order they were taken (:func:`replay`):

- ``rename``: the thread keeps this label on every later run (``label_locked``);
- ``pin`` with a finding: the finding is held in this thread and shown first among its quotes;
  ``pin`` without a finding: the thread is shown first;
- ``unpin``: undoes the pin (a finding that was only pinned goes back to the machine);
- ``add_finding``: the finding is held in this thread (and taken out of any other);
- ``remove_finding``: the finding never goes into this thread again (it may join another);
- ``merge`` (``thread_key`` into ``payload["into"]``): the thread's findings and its holds go to
  the other thread; the merged thread is kept as history and points to the other;
- ``split`` (``payload["new_key"]``, ``["label"]``, ``["finding_ids"]``): the chosen findings are
  held in a new thread with that label and never go back to the old one.

**Enforcement** (:func:`enforce`): the core's assignment of findings to threads is followed
through merges; findings a person removed from a thread leave it; findings a person holds in a
thread go to it (the latest decision wins). A finding is in at most one thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Override",
    "Replayed",
    "canonical",
    "enforce",
    "members_by_year",
    "replay",
]


@dataclass
class Override:
    """What people decided about one thread key."""

    key: str
    label: str | None = None
    label_locked: bool = False
    thread_pinned: bool | None = None
    held: set[int] = field(default_factory=set)  # findings a person put or pinned here
    added: set[int] = field(default_factory=set)  # put here by add or split (not only pinned)
    pinned: set[int] = field(default_factory=set)  # findings shown first (subset of held)
    excluded: set[int] = field(default_factory=set)  # findings a person took out
    merged_into: str | None = None
    split_from: str | None = None  # a thread made by a person (split)
    decisions: int = 0


@dataclass
class Replayed:
    overrides: dict[str, Override]
    home: dict[int, str]  # finding id -> thread key a person holds it in (latest decision)
    applied: int = 0

    def get(self, key: str) -> Override:
        if key not in self.overrides:
            self.overrides[key] = Override(key=key)
        return self.overrides[key]


def canonical(key: str, overrides: Mapping[str, Override]) -> str:
    """Follow ``merged_into`` from ``key`` to the thread that is still there."""
    seen = {key}
    while key in overrides and overrides[key].merged_into:
        nxt = overrides[key].merged_into
        if nxt in seen:  # a cycle (a merged back into b after b into a): stop at the first
            break
        seen.add(nxt)
        key = nxt
    return key


def replay(decisions: Iterable[Mapping[str, Any]]) -> Replayed:
    """Apply decisions (dicts with ``action``, ``thread_key``, ``payload``; oldest first).

    Finding ids in the payloads must already be resolved to current ids
    (``payload["finding_ids"]``; a finding that no longer exists is simply left out).
    """
    r = Replayed(overrides={}, home={})

    def hold(fid: int, key: str) -> None:
        old = r.home.get(fid)
        if old is not None and old != key:
            r.get(old).held.discard(fid)
            r.get(old).pinned.discard(fid)
            r.get(old).added.discard(fid)
        r.home[fid] = key
        ov = r.get(key)
        ov.held.add(fid)
        ov.excluded.discard(fid)

    for d in decisions:
        action, key, payload = d["action"], d["thread_key"], d.get("payload") or {}
        ids = [int(i) for i in payload.get("finding_ids", ())]
        ov = r.get(key)
        ov.decisions += 1
        r.applied += 1
        if action == "rename":
            ov.label = payload["label"]
            ov.label_locked = True
        elif action == "pin":
            if not ids and not payload.get("findings"):
                ov.thread_pinned = True
            for fid in ids:
                hold(fid, key)
                ov.pinned.add(fid)
        elif action == "unpin":
            if not ids and not payload.get("findings"):
                ov.thread_pinned = False
            for fid in ids:
                ov.pinned.discard(fid)
                if r.home.get(fid) == key and fid not in ov.added:
                    ov.held.discard(fid)
                    r.home.pop(fid, None)
        elif action == "add_finding":
            for fid in ids:
                hold(fid, key)
                ov.added.add(fid)
        elif action == "remove_finding":
            for fid in ids:
                ov.held.discard(fid)
                ov.pinned.discard(fid)
                ov.added.discard(fid)
                ov.excluded.add(fid)
                if r.home.get(fid) == key:
                    r.home.pop(fid)
        elif action == "merge":
            into = payload["into"]
            ov.merged_into = into
            target = r.get(into)
            pinned, added = set(ov.pinned), set(ov.added)
            for fid in sorted(ov.held):
                hold(fid, into)
            target.pinned |= pinned
            target.added |= added
            target.excluded |= ov.excluded - target.held
        elif action == "split":
            new = r.get(payload["new_key"])
            new.split_from = key
            new.label = payload.get("label") or new.label
            new.label_locked = bool(new.label)
            for fid in ids:
                hold(fid, new.key)
                new.added.add(fid)
                ov.excluded.add(fid)
        else:  # pragma: no cover - the model's choices prevent it
            raise ValueError(f"unknown thread decision {action!r}")
    for ov in r.overrides.values():
        ov.pinned &= ov.held
    return r


def enforce(
    assignments: Mapping[int, str],
    replayed: Replayed,
    known_ids: Iterable[int],
) -> dict[int, tuple[str, str]]:
    """The final home of every finding: ``{finding_id: (thread_key, origin)}``.

    ``assignments`` is the core's (or the stored) ``finding id -> thread key``; ``origin`` is
    ``"person"`` where a person's decision put the finding there, else ``"machine"``.
    """
    known = set(known_ids)
    ovs = replayed.overrides
    out: dict[int, tuple[str, str]] = {}
    for fid, key in assignments.items():
        if fid not in known:
            continue
        final = canonical(key, ovs)
        if any(fid in ovs[k].excluded for k in {key, final} if k in ovs):
            continue
        out[fid] = (final, "machine")
    for fid, key in replayed.home.items():
        if fid in known:
            out[fid] = (canonical(key, ovs), "person")
    return out


def members_by_year(homes: Mapping[int, tuple[str, str]], year_of: Mapping[int, int]
                    ) -> dict[str, dict[int, list[int]]]:
    out: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for fid in sorted(homes):
        out[homes[fid][0]][year_of[fid]].append(fid)
    return {k: dict(v) for k, v in out.items()}
