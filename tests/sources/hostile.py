# SPDX-License-Identifier: EUPL-1.2
"""Deliberately misbehaving "parsers" for the sandbox tests.

They live in a module of their own that imports nothing heavy, because the sandbox child
imports a function's module to run it (importing the test module would import pytest).
"""

from __future__ import annotations

import os
import resource
import signal
import time
from pathlib import Path

from staat.sources.parsers import IngestError


def whoami() -> tuple[int, int]:
    return os.getpid(), resource.getrlimit(resource.RLIMIT_AS)[0]


def refuse(filename: str) -> None:
    raise IngestError.of("encrypted", filename)


def spin(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    while True:
        pass


def sleep_forever(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(3600)


def eat_memory(pid_file: str) -> int:
    Path(pid_file).write_text(str(os.getpid()))
    hog = bytearray(4 * 1024 ** 3)  # 4 GB
    return len(hog)


def eat_memory_slowly(pid_file: str) -> int:
    Path(pid_file).write_text(str(os.getpid()))
    chunks = []
    while True:
        chunks.append(bytearray(16 * 1024 * 1024))


def crash(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGSEGV)


def exit_quietly() -> None:
    os._exit(3)


def blow_up() -> None:
    raise ValueError("unexpected token at byte 42")


def unpicklable():
    return lambda: None
