# SPDX-License-Identifier: EUPL-1.2
"""Originals stored content-addressed: ``<ORIGINALS_DIR>/<sha[:2]>/<sha>``."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def path_for(sha256: str) -> Path:
    return Path(settings.ORIGINALS_DIR) / sha256[:2] / sha256


def store(path: Path, sha256: str) -> tuple[Path, bool]:
    """Copy ``path`` into the store; returns (stored path, whether it was newly written)."""
    target = path_for(sha256)
    if target.exists():
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            while chunk := src.read(CHUNK):
                out.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target, True


def remove(sha256: str) -> None:
    path_for(sha256).unlink(missing_ok=True)
