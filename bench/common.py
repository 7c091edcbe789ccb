# SPDX-License-Identifier: EUPL-1.2
"""Shared helpers for the benchmarks: a throw-away Django set-up and median timing."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def django_setup(database_url: str = "") -> Path:
    """Configure Django on a fresh data folder (SQLite unless ``database_url``) and migrate."""
    data_dir = Path(tempfile.mkdtemp(prefix="staat-bench-"))
    os.environ["STAAT_DATA_DIR"] = str(data_dir)
    os.environ["STAAT_DEBUG"] = "false"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staat.settings.dev")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data_dir


def median_time(func: Callable[[], object], *, repeat: int = 3,
                setup: Callable[[], object] | None = None) -> tuple[float, list[float]]:
    """Median wall-clock seconds of ``func`` over ``repeat`` runs (``setup`` is not timed)."""
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def row(name: str, value: str, note: str = "") -> str:
    return f"| {name} | {value} | {note} |"
