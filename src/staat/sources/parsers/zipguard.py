# SPDX-License-Identifier: EUPL-1.2
"""Opening ZIP-based packages (DOCX, ODT) without being bombed.

Layers: the entry count from the end-of-central-directory record is checked before
:mod:`zipfile` builds its directory; then the declared sizes (total and per-entry ratio);
then every member we read goes through a capped reader, so a lying header cannot make us
inflate more than the budget either.
"""

from __future__ import annotations

import struct
import zipfile
from typing import BinaryIO

from .errors import IngestError
from .limits import MB, Limits

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_CHUNK = 1 * MB
# Small parts legitimately compress well (repetitive XML); the ratio rule applies above this.
_RATIO_MIN_SIZE = 1 * MB


def _bomb(filename: str, detail: str) -> IngestError:
    return IngestError.of("zip_bomb", filename, detail=detail)


def declared_entry_count(stream: BinaryIO) -> int | None:
    """The entry count the end-of-central-directory record declares (None if not found)."""
    stream.seek(0, 2)
    size = stream.tell()
    tail_len = min(size, 65_535 + 22)
    stream.seek(size - tail_len)
    tail = stream.read(tail_len)
    pos = tail.rfind(_EOCD)
    if pos < 0 or len(tail) - pos < 22:
        return None
    (entries,) = struct.unpack("<H", tail[pos + 10: pos + 12])
    if entries == 0xFFFF:
        loc = tail.rfind(_EOCD64_LOCATOR, 0, pos)
        if loc >= 0 and len(tail) - loc >= 20:
            (eocd64_offset,) = struct.unpack("<Q", tail[loc + 8: loc + 16])
            if eocd64_offset + 56 <= size:
                stream.seek(eocd64_offset)
                record = stream.read(56)
                if record[:4] == _EOCD64:
                    (entries,) = struct.unpack("<Q", record[32:40])
    return entries


def open_zip(stream: BinaryIO, *, filename: str, limits: Limits,
             format_name: str = "ZIP package") -> zipfile.ZipFile:
    """Open a package after checking its directory against ``limits``."""
    entries = declared_entry_count(stream)
    if entries is not None and entries > limits.max_zip_entries:
        raise _bomb(filename, f"{entries} entries, the limit is {limits.max_zip_entries}")
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise IngestError.of("corrupt", filename, format_name=format_name,
                             detail=f"unreadable ZIP structure: {exc}") from None
    try:
        check_directory(archive, filename=filename, limits=limits)
    except BaseException:
        archive.close()
        raise
    return archive


def check_directory(archive: zipfile.ZipFile, *, filename: str, limits: Limits) -> None:
    """Entry count, declared total size and compression ratios against ``limits``."""
    infos = archive.infolist()
    if len(infos) > limits.max_zip_entries:
        raise _bomb(filename, f"{len(infos)} entries, the limit is {limits.max_zip_entries}")
    total = 0
    packed = 0
    for info in infos:
        total += info.file_size
        packed += info.compress_size
        if info.file_size > _RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_zip_ratio:
                raise _bomb(filename, f"{info.filename} is compressed {ratio:.0f} to 1, "
                                      f"the limit is {limits.max_zip_ratio:.0f} to 1")
    if total > limits.max_zip_uncompressed:
        raise _bomb(filename, f"{total // MB} MB uncompressed, "
                              f"the limit is {limits.max_zip_uncompressed // MB} MB")
    if total > _RATIO_MIN_SIZE and total / max(packed, 1) > limits.max_zip_ratio:
        raise _bomb(filename, f"compressed {total / max(packed, 1):.0f} to 1 overall, "
                              f"the limit is {limits.max_zip_ratio:.0f} to 1")


def has_member(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def read_member(archive: zipfile.ZipFile, name: str, *, filename: str, limits: Limits,
                format_name: str, cap: int | None = None) -> bytes:
    """Read one member, never inflating more than ``cap`` (default: the package budget)."""
    cap = limits.max_zip_uncompressed if cap is None else cap
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(name) as member:
            while True:
                chunk = member.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise _bomb(filename, f"{name} unpacks to more than {cap // MB or 1} MB")
                chunks.append(chunk)
    except KeyError:
        raise IngestError.of("corrupt", filename, format_name=format_name,
                             detail=f"the part {name} is missing") from None
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError,
            EOFError) as exc:
        raise IngestError.of("corrupt", filename, format_name=format_name,
                             detail=f"the part {name} cannot be unpacked: {exc}") from None
    except Exception as exc:  # zlib.error and friends
        if isinstance(exc, IngestError):
            raise
        raise IngestError.of("corrupt", filename, format_name=format_name,
                             detail=f"the part {name} cannot be unpacked: {exc}") from None
    return b"".join(chunks)
