# SPDX-License-Identifier: EUPL-1.2
"""Work a build does in a thread beside its main one, to use a second processor while the
main thread reads and computes: the database queries that do not depend on the threads
(:func:`staat.editions.builder.collect`) and the chart pictures (their renderer runs without
Python's lock).

A thread that reads the database has a connection of its own, so it sees what is committed:
:func:`can_read_aside` says whether that is the same as what the build's own connection sees
(not inside a transaction, not an in-memory database). Every thread of a build ends
before its pages are rendered: the build's process forks only when it runs no other thread
(:func:`staat.editions.site.can_fork`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any


def can_read_aside(using: str = "default") -> bool:
    """Whether another thread's connection sees the same data as this thread's."""
    from django.db import connections

    connection = connections[using]
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # a private in-memory database is another database for each connection; a
        # shared-cache one is one, but Django never closes a connection
        # to it, so a thread's connection would outlive the thread with its table locks
        # (shared-cache SQLite locks tables: later writers fail with "table is locked")
        return False
    return True


class Aside:
    """``tasks`` done one after the other in a thread (in the language active here; with
    ``database``, on a connection of its own, closed at the end); :meth:`result` waits for
    one of them and gives what it returned or raises what it raised. With ``run=False``
    nothing is started: :meth:`result` does the task then, in the caller's thread."""

    def __init__(self, tasks: Sequence[Callable[[], Any]], *, database: bool = False,
                 run: bool = True, name: str = "edition-aside") -> None:
        from django.utils import translation

        self._tasks = list(tasks)
        self._done = [threading.Event() for _ in self._tasks]
        self._values: list[Any] = [None] * len(self._tasks)
        self._errors: list[BaseException | None] = [None] * len(self._tasks)
        self._thread: threading.Thread | None = None
        self._taken = [False] * len(self._tasks)
        if run:
            self._thread = threading.Thread(
                target=self._work, args=(translation.get_language(), database), name=name,
                daemon=True)
            self._thread.start()

    def _work(self, language: str | None, database: bool) -> None:
        from django.db import connections
        from django.utils import translation

        try:
            with translation.override(language):
                for i, task in enumerate(self._tasks):
                    try:
                        self._values[i] = task()
                    except BaseException as exc:  # noqa: BLE001 - raised by result()
                        self._errors[i] = exc
                    finally:
                        self._done[i].set()
        finally:
            if database:
                connections.close_all()  # this thread's connections only

    def result(self, index: int = 0) -> Any:
        if self._taken[index]:
            raise RuntimeError(f"the result of task {index} was taken already")
        self._taken[index] = True
        if self._thread is None:
            return self._tasks[index]()
        self._done[index].wait()
        if self._errors[index] is not None:
            error, self._errors[index] = self._errors[index], None
            raise error
        value, self._values[index] = self._values[index], None
        return value

    def join(self) -> None:
        """Wait until the thread has ended (its results are kept for :meth:`result`)."""
        if self._thread is not None:
            self._thread.join()
