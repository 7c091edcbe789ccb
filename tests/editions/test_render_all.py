# SPDX-License-Identifier: EUPL-1.2
"""Making many pages in two processes (``staat.editions.site.render_all``): the same pages in
the same order as one process, and an error in the other process's share is raised here.

Each check runs in a fresh process: pages are forked only by a process that runs no other
thread, and a test session may run some (a live server, a background build)."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from staat.editions import site

JOBS = [("page.html", {"n": i}) for i in range(site.PARALLEL_FROM + 1)]


def render(job: tuple[str, dict]) -> str:
    template, ctx = job
    if ctx.get("fail") == ctx["n"]:
        raise ValueError(f"cannot render page {ctx['n']}")
    return f"{template} {ctx['n']} by {os.getpid()}"


def in_fresh_process(func, *args):
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(func, *args).result()


def render_here(jobs, processes, busy=0.0):
    """Render ``jobs``; this process is ``busy`` seconds with other work first (meanwhile)."""
    calls = []

    def meanwhile():
        calls.append(1)
        time.sleep(busy)

    pages = site.render_all(render, jobs, processes=processes, meanwhile=meanwhile)
    return site.can_fork(), os.getpid(), pages, calls


def test_pages_come_back_in_order_from_two_processes():
    could, pid, pages, calls = in_fresh_process(render_here, JOBS, 2, 0.5)
    assert could and calls == [1]
    assert [p.split(" by ")[0] for p in pages] == [f"page.html {i}" for i in range(len(JOBS))]
    by = [p.split(" by ")[1] for p in pages]
    assert len(set(by) - {str(pid)}) == 1  # another process rendered pages meanwhile
    # this process took pages from the front, the other from the back
    assert by == sorted(by, key=lambda who: who != str(pid))


def test_few_pages_or_one_process_render_here():
    could, pid, pages, calls = in_fresh_process(render_here, JOBS[:3], 2)
    assert could and calls == [1]
    assert pages == [f"page.html {i} by {pid}" for i in range(3)]
    could, pid, pages, calls = in_fresh_process(render_here, JOBS, 1)
    assert {p.split(" by ")[1] for p in pages} == {str(pid)} and calls == [1]


def test_an_error_in_the_other_process_is_raised_here():
    last = len(JOBS) - 1  # the other process starts at the back
    jobs = [(t, {**ctx, "fail": last}) for t, ctx in JOBS]
    with pytest.raises(ValueError, match=f"cannot render page {last}"):
        in_fresh_process(render_here, jobs, 2, 0.5)


def test_a_process_with_other_threads_renders_everything_itself():
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pages = site.render_all(render, JOBS, processes=2)
    finally:
        stop.set()
        other.join()
    assert {p.split(" by ")[1] for p in pages} == {str(os.getpid())}
