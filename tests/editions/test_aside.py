# SPDX-License-Identifier: EUPL-1.2
"""Work beside a build's main thread (``staat.editions.aside``): tasks in order in a thread
of their own, each result (or error) where it is asked for, in the caller's language, on a
database connection of its own that sees what is committed; and the chart pictures a build
renders meanwhile, taken from the earlier build only while their data are the same."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.utils import translation

from staat.editions import builder
from staat.editions.aside import Aside, can_read_aside
from staat.editions.output import Tree


def test_tasks_run_in_order_in_a_thread_and_an_error_comes_with_its_result():
    seen = []

    def task(n):
        def run():
            seen.append((n, threading.current_thread().name))
            if n == 1:
                raise ValueError("task 1 failed")
            return n * 10
        return run

    aside = Aside([task(0), task(1), task(2)], name="test-aside")
    assert aside.result(2) == 20 and aside.result(0) == 0
    with pytest.raises(ValueError, match="task 1 failed"):
        aside.result(1)
    aside.join()
    assert seen == [(0, "test-aside"), (1, "test-aside"), (2, "test-aside")]
    assert "test-aside" not in {t.name for t in threading.enumerate()}


def test_without_a_thread_a_task_is_done_when_its_result_is_asked_for():
    seen = []
    aside = Aside([lambda: seen.append(threading.current_thread()) or 5], run=False)
    assert seen == []
    assert aside.result() == 5 and seen == [threading.current_thread()]


def test_tasks_run_in_the_language_of_the_caller():
    with translation.override("nl"):
        aside = Aside([translation.get_language])
    assert aside.result() == "nl"


@pytest.mark.django_db
def test_nothing_is_read_aside_inside_a_transaction():
    # another connection would not see what this transaction wrote
    assert connection.in_atomic_block and not can_read_aside()


@pytest.mark.django_db(transaction=True)
def test_a_thread_reads_on_a_connection_of_its_own():
    from staat.core.models import Organisation

    Organisation.objects.create(code="aside-test", name="Naast", type="overig")
    assert can_read_aside()  # outside a transaction, on a file or server database

    def read():
        names = list(Organisation.objects.filter(code="aside-test").values_list("name", flat=True))
        return names, connections["default"]

    aside = Aside([read], database=True)
    names, used = aside.result()
    aside.join()
    assert names == ["Naast"]
    assert used is not connections["default"]  # its own
    assert used.connection is None  # closed at the end
    assert Organisation.objects.filter(code="aside-test").exists()  # this one still works


@pytest.mark.django_db(transaction=True)
def test_no_reading_aside_in_a_transaction_or_on_an_in_memory_database(monkeypatch):
    # in a transaction another connection would not see this one's uncommitted rows; an
    # in-memory database is another database for every connection (or, shared-cache, one that
    # Django never closes, so a thread's connection would keep its table locks)
    from django.db import transaction

    assert can_read_aside()
    with transaction.atomic():
        assert not can_read_aside()
    assert can_read_aside()
    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setattr(connection, "is_in_memory_db", lambda: True, raising=False)
    assert not can_read_aside()


def _built(tmp_path: Path, chart_data: dict, previous: dict | None = None) -> tuple[dict, list]:
    """The chart files as a build leaves them in ``tmp_path``, and what make_charts gave."""
    made = builder.make_charts(chart_data, previous=previous, earlier=tmp_path)
    tree = Tree()
    _info, keys, _reused = builder.write_charts(SimpleNamespace(chart_data=chart_data), tree,
                                                made=made)
    for rel in tree.names():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(tree.read(rel))
    return keys, made


def test_a_chart_picture_is_reused_only_while_its_data_are_the_same(tmp_path: Path):
    rows = [{"draad": "A", "jaar": "2024", "organisaties": 2},
            {"draad": "A", "jaar": "2025", "organisaties": 3}]
    keys, [(code, spec, svg, reused)] = _built(tmp_path, {"threads-over-years": rows})
    assert code == "threads-over-years" and not reused and svg.startswith("<svg")
    # the same data: the earlier picture
    again = builder.make_charts({"threads-over-years": [dict(r) for r in rows]},
                                previous=keys, earlier=tmp_path)
    assert again == [(code, spec, svg, True)]
    # other data: rendered again, another picture and another key
    changed = [*rows[:1], {**rows[1], "organisaties": 5}]
    new_keys, [(_code, new_spec, new_svg, new_reused)] = _built(
        tmp_path, {"threads-over-years": changed}, previous=keys)
    assert not new_reused and new_spec != spec and new_svg != svg
    assert new_keys["charts/threads-over-years.svg"] != keys["charts/threads-over-years.svg"]
