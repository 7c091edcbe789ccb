# SPDX-License-Identifier: EUPL-1.2
"""Size, time and structure limits applied to every file before and while it is parsed."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may cost. The defaults suit a server with a few GB of memory."""

    max_bytes: int = 50 * MB
    timeout_seconds: float = 60.0
    memory_mb: int = 1024
    max_zip_uncompressed: int = 200 * MB
    max_zip_ratio: float = 100.0
    max_zip_entries: int = 10_000
    max_pages: int = 2000

    def __post_init__(self) -> None:
        for name in ("max_bytes", "timeout_seconds", "memory_mb", "max_zip_uncompressed",
                     "max_zip_ratio", "max_zip_entries", "max_pages"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive")
