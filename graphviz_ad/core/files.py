"""Reading untrusted input files: regular files only, never more than a bound.

Graph files, program files and data files travel between courses, so a file may be a
FIFO (reading it would hang), a link to ``/dev/zero`` (its size says 0, reading never
ends) or simply huge.  Every input file is read here, through one open descriptor
that is checked to be a regular file and read at most ``limit + 1`` bytes.

>>> read_text(Path("graphs/problem9.toml")).startswith("title")   # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import GraphvizAdError

DEFAULT_MAX_INPUT_MB = 50
MAX_INPUT_BYTES = DEFAULT_MAX_INPUT_MB * 1_000_000  # set per CLI call by --max-input-mb
LIMIT_HINT = "raise it with graphviz-ad --max-input-mb N"


def _too_large(where: str, limit: int) -> GraphvizAdError:
    return GraphvizAdError(f"{where}: file too large (limit {limit:,} bytes; {LIMIT_HINT})")


def read_bytes(path: str | Path, limit: int | None = None, *,
               follow_links: bool = True) -> bytes:
    """The bytes of a regular file, or one clear error (missing, a directory, a FIFO or
    device, unreadable, a link when ``follow_links`` is false, or larger than ``limit``,
    default :data:`MAX_INPUT_BYTES`)."""
    limit = MAX_INPUT_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise GraphvizAdError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        with open(fd, "rb") as file:  # closes fd
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise GraphvizAdError(f"{path}: is a directory, not a file")
            if not stat.S_ISREG(info.st_mode):
                raise GraphvizAdError(f"{path}: not a regular file (a pipe, socket or device)")
            if info.st_size > limit:
                raise _too_large(str(path), limit)
            data = file.read(limit + 1)
    except OSError as err:
        raise GraphvizAdError(f"{path}: cannot read: {err.strerror or err}") from None
    if len(data) > limit:  # the file grew while being read
        raise _too_large(str(path), limit)
    return data


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 text (a BOM from Windows editors is dropped), or one clear error naming the
    first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise GraphvizAdError(f"{where}: not UTF-8 text (byte {err.start}: "
                              f"0x{data[err.start]:02x})") from None


def read_text(path: str | Path, limit: int | None = None) -> str:
    """A UTF-8 text file read through :func:`read_bytes`."""
    return decode_text(read_bytes(path, limit), str(path))
