# SPDX-License-Identifier: EUPL-1.2
"""The files of a build, kept in memory until the build is complete, then published.

:class:`Tree` holds every file by its relative path (``/`` separated) as bytes.
:func:`publish` puts a tree on disk:

- into a new or empty folder: everything is written into a fresh folder next to the target,
  which is renamed into place at the end (nobody sees a half-written site);
- over an earlier build: only files whose bytes differ are written, each into a temporary
  file beside it that is renamed over the old one (a file is never seen half-written); new
  files come first (nothing links to them yet), then the changed ones, then ``last`` (the
  build information); files of the earlier build that are no longer part of it are removed
  at the end. Unchanged files keep their modification time, so a rebuild after a small
  change touches a handful of files and a sync to a web server copies only those. The
  temporary files are made in a hidden folder of the target (``.staging-…``, removed at the
  end), not beside the files they replace.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


class Tree:
    """Files by relative path; text is stored as UTF-8 with the line ends it was given."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write(self, rel: str, content: str | bytes) -> None:
        rel = rel.replace(os.sep, "/").lstrip("/")
        if not rel or any(part in ("", ".", "..") for part in rel.split("/")):
            raise ValueError(f"not a relative file path inside the build: {rel!r}")
        self.files[rel] = content.encode("utf-8") if isinstance(content, str) else bytes(content)

    def read(self, rel: str) -> bytes:
        return self.files[rel]

    def __contains__(self, rel: str) -> bool:
        return rel in self.files

    def names(self) -> list[str]:
        return sorted(self.files)


@dataclass
class Published:
    written: list[str] = field(default_factory=list)  # new or changed files
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)  # files of the earlier build now gone


def _existing(out: Path) -> dict[str, Path]:
    found = {}
    for folder, _dirs, files in os.walk(out):
        for name in files:
            path = Path(folder) / name
            found[path.relative_to(out).as_posix()] = path
    return found


def _write_atomic(path: Path, data: bytes, staging: Path | None = None) -> None:
    """Write ``path`` through a temporary file renamed over it; the temporary file is made in
    ``staging`` (a small folder on the same file system: making a file in a folder of
    thousands costs far more than renaming one into it), else beside ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                               dir=staging or path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _same(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def publish(tree: Tree, out: Path, *, last: str | None = None) -> Published:
    """Put ``tree`` into ``out`` (see the module docstring); ``last`` is written after all
    other files. The caller has checked that ``out`` is new, empty or an earlier build."""
    result = Published()
    names = [n for n in tree.names() if n != last] + ([last] if last in tree else [])
    if not out.exists() or not any(out.iterdir()):
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
        try:
            for rel in names:
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(tree.files[rel])
            os.chmod(tmp, 0o755)
            if out.exists():
                out.rmdir()
            tmp.rename(out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        result.written = names
        return result
    existing = _existing(out)
    new = [rel for rel in names if rel not in existing and rel != last]
    changed = [rel for rel in names
               if rel in existing and rel != last and not _same(existing[rel], tree.files[rel])]
    # the temporary files are made in a folder of their own inside the target (removed at the
    # end; one left behind by a failed build is removed by the next one, as any stray file)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out)) if new or changed else None
    try:
        for rel in new + changed:
            _write_atomic(out / rel, tree.files[rel], staging)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    result.written = new + changed
    if last in tree and not _same(out / last, tree.files[last]):
        _write_atomic(out / last, tree.files[last])
        result.written.append(last)
    result.unchanged = len(names) - len(result.written)
    wanted = set(names)
    for rel in sorted(existing):
        if rel not in wanted:
            existing[rel].unlink(missing_ok=True)
            result.removed.append(rel)
    # folders left empty by the removals (deepest first); the target itself stays
    for folder, _dirs, _files in sorted(os.walk(out), key=lambda w: -len(Path(w[0]).parts)):
        path = Path(folder)
        if path != out and not any(path.iterdir()):
            path.rmdir()
    return result
