# SPDX-License-Identifier: EUPL-1.2
"""Running a parser in a child process with a wall-clock timeout and a memory limit.

Design: a ``multiprocessing`` *forkserver* context. The fork server is a fresh interpreter
(never a fork of the Django process, so no database connections or threads leak into
parsers) that pre-imports the parser modules once; each parse is a ``fork()`` of that small
server, which costs a few milliseconds instead of the ~200 ms a new interpreter with
pypdfium2 and lxml needs. In the child, ``RLIMIT_AS`` caps memory, ``RLIMIT_CPU`` is a
backstop should the parent die, and core dumps are off. The parent waits on the result pipe
and the child's sentinel; after ``timeout_seconds`` it kills the child and always joins it, so
no zombie is left behind. While waiting it samples the child's address-space size, so that a
child killed inside C code (which cannot raise ``MemoryError``) near its limit is reported as
a memory error and not as a crash.
"""

from __future__ import annotations

import io
import math
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing import forkserver, popen_forkserver, spawn, util
from multiprocessing.context import ForkServerProcess, reduction, set_spawning_popen
from typing import Any, TypeVar

from .errors import IngestError
from .limits import MB, Limits

T = TypeVar("T")

PRELOAD = ["staat.sources.parsers.dispatch"]
_SAMPLE_SECONDS = 0.05
_EXIT_GRACE_SECONDS = 5.0
_NEAR_LIMIT = 0.8
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

_lock = threading.Lock()
_ctx: multiprocessing.context.BaseContext | None = None


def _context() -> multiprocessing.context.BaseContext:
    global _ctx
    with _lock:
        if _ctx is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _ctx = ctx
        return _ctx


class _Popen(popen_forkserver.Popen):
    """The stock fork-server launcher, minus re-importing the parent's ``__main__``.

    multiprocessing normally re-runs the parent's main module in every child (for targets
    defined there). Ours live in importable modules, and the parent's main may be
    ``manage.py``, a WSGI server or stdin; skipping it saves time and surprises. The body
    is ``popen_forkserver.Popen._launch`` of CPython 3.11 with two keys dropped.
    """

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Popen:
        return _Popen(process_obj)


class _WorkerContext(multiprocessing.context.ForkServerContext):
    Process = _Process


def worker_context() -> multiprocessing.context.BaseContext:
    """A context for pools of worker processes (``ProcessPoolExecutor(mp_context=...)``).

    Its processes are forked from the same fork server as the parsers: a fresh interpreter
    with the parser modules loaded, holding none of the caller's database connections or
    threads, and without re-running the caller's ``__main__``. Unlike a parse, a worker
    has no time or memory limit of its own; the parses it starts are sandboxed as usual.
    """
    _context()  # sets the fork server's preload before it first starts
    return _WorkerContext()


def _set_limit(kind: int, soft: int, hard: int | None = None) -> None:
    _, current_hard = resource.getrlimit(kind)
    hard = soft if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(kind, (soft, hard))


def _apply_limits(memory_mb: int, timeout_seconds: float) -> None:
    _set_limit(resource.RLIMIT_AS, memory_mb * MB)
    cpu = math.ceil(timeout_seconds) + 2
    _set_limit(resource.RLIMIT_CPU, cpu, cpu + 3)
    _set_limit(resource.RLIMIT_CORE, 0)


def _child_main(conn: Any, func: Callable[..., Any], args: tuple, kwargs: dict,
                memory_mb: int, timeout_seconds: float) -> None:
    """Entry point of the child: apply limits, run, send exactly one message."""
    message: tuple
    try:
        _apply_limits(memory_mb, timeout_seconds)
        message = ("ok", func(*args, **kwargs))
    except IngestError as exc:
        message = ("ingest", exc)
    except MemoryError:
        message = ("memory",)
    except RecursionError:
        message = ("error", "the document is nested too deeply")
    except Exception as exc:  # noqa: BLE001 - anything else is reported, not raised
        message = ("error", f"{type(exc).__name__}: {exc}")
    try:
        conn.send(message)
    except MemoryError:
        del message
        conn.send(("memory",))
    except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
        conn.send(("error", f"the result could not be returned: {type(exc).__name__}"))
    finally:
        conn.close()


def _address_space(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[0]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def _stop(proc: multiprocessing.process.BaseProcess) -> None:
    """Kill (if needed) and reap the child."""
    if proc.exitcode is None:
        proc.join(0)
    if proc.exitcode is None:
        proc.kill()
        proc.join()


def run_sandboxed(func: Callable[..., T], /, *args: Any, filename: str,
                  limits: Limits = Limits(), **kwargs: Any) -> T:
    """Call ``func(*args, **kwargs)`` in a limited child process and return its result.

    ``func`` must be importable by name (a module-level function) and its result picklable.
    An :class:`IngestError` raised in the child is raised here unchanged; a timeout, memory
    exhaustion or crash become ``timeout``, ``memory`` or ``parse_failed`` for ``filename``.
    """
    ctx = _context()
    reader, writer = ctx.Pipe(duplex=False)
    proc = _Process(
        target=_child_main,
        args=(writer, func, args, kwargs, limits.memory_mb, limits.timeout_seconds),
        name="staat-parser",
        daemon=True,
    )
    message: tuple | None = None
    timed_out = False
    started = False
    peak = 0
    exitcode: int | None = None
    try:
        proc.start()
        started = True
        writer.close()
        deadline = time.monotonic() + limits.timeout_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready = multiprocessing.connection.wait(
                [reader, proc.sentinel], timeout=min(remaining, _SAMPLE_SECONDS))
            if reader in ready or (ready and reader.poll(0)):
                try:
                    message = reader.recv()
                except (EOFError, OSError):
                    message = None
                break
            if ready:  # the child ended without sending anything
                break
            peak = max(peak, _address_space(proc.pid))
        if message is not None:
            proc.join(_EXIT_GRACE_SECONDS)
    finally:
        reader.close()
        if started:
            _stop(proc)
            exitcode = proc.exitcode
            proc.close()
        else:
            writer.close()

    if timed_out:
        raise IngestError.of("timeout", filename, seconds=_seconds(limits.timeout_seconds))
    if message is not None:
        return _unwrap(message, filename, limits)
    if exitcode == -signal.SIGXCPU:
        raise IngestError.of("timeout", filename, seconds=_seconds(limits.timeout_seconds))
    if exitcode == -signal.SIGKILL or peak >= _NEAR_LIMIT * limits.memory_mb * MB:
        raise IngestError.of("memory", filename, memory_mb=limits.memory_mb)
    if exitcode is not None and exitcode < 0:
        how = f"signal {-exitcode}"
    else:
        how = f"exit code {exitcode}"
    raise IngestError.of("parse_failed", filename,
                         detail=f"the reader stopped unexpectedly ({how})")


def _seconds(value: float) -> str:
    return f"{value:g}"


def _unwrap(message: tuple, filename: str, limits: Limits) -> Any:
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "ingest":
        raise message[1]
    if kind == "memory":
        raise IngestError.of("memory", filename, memory_mb=limits.memory_mb)
    raise IngestError.of("parse_failed", filename, detail=message[1])
