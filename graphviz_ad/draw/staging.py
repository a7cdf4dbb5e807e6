"""All-or-nothing output: stage files in a private directory, then swap them in at once.

A render's files are written into a fresh directory ``out_dir/.graphviz-ad-XXXXXXXX``
(``tempfile.mkdtemp``: unpredictable, mode 0700; each file created exclusively), so
nothing planted in a shared output directory is followed or overwritten.  The commit
runs under a lock on ``out_dir`` with Ctrl-C/SIGTERM deferred: files about to be
replaced (and stale frames) are moved aside into the private directory, the new files
renamed in, the manifest last; any failure puts everything back as it was.

The manifest (``.graphviz-ad.json``) records what graphviz-ad wrote per stem and format,
so a later, shorter render of the same stem removes its own stale frames and never a
file it did not write.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: renders commit without a lock
    fcntl = None  # type: ignore[assignment]

from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.core.files import read_bytes
from graphviz_ad.draw.names import OutputError, confine, plain_name

__all__ = ["MANIFEST", "OutputError", "Staging", "cannot_write", "read_manifest"]

MANIFEST = ".graphviz-ad.json"
MANIFEST_MAX_BYTES = 10_000_000  # a bigger manifest is treated as damaged (empty)
PRIVATE_PREFIX = ".graphviz-ad-"
Entries = dict[str, dict[str, dict[str, int | None]]]  # stem -> format -> file name -> size


class Staging:
    """Files staged in a private directory inside ``out_dir``; committed together, or
    removed.

    The output directory is created only when the first file is about to be written,
    and removed again on abort when this call created it and it is still empty.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.pairs: list[tuple[Path, Path]] = []  # (staged file, final path)
        self.created: list[Path] = []  # directories this call made, deepest first
        self.private: Path | None = None
        self.finals: set[Path] = set()
        self.staged_count = 0
        self.keep_private = False  # a failed roll-back left originals in it

    def check(self) -> None:
        """Fail early when ``out_dir`` cannot be a directory (a file is in the way)."""
        probe = self.out_dir
        while not probe.exists() and probe != probe.parent:
            if probe.is_symlink():  # a dangling link: mkdir would fail on it
                raise OutputError(f"cannot write to {self.out_dir}: {probe} is a broken link")
            probe = probe.parent
        if not probe.is_dir():
            raise OutputError(f"cannot write to {self.out_dir}: {probe} is not a directory")

    def _ensure_private(self) -> Path:
        if self.private is not None:
            return self.private
        if not self.out_dir.is_dir():
            self.check()
            missing = []
            probe = self.out_dir
            while not probe.exists() and probe != probe.parent:
                missing.append(probe)
                probe = probe.parent
            with self.guard():
                self.out_dir.mkdir(parents=True, exist_ok=True)
            self.created = missing
        with self.guard():
            self.private = Path(tempfile.mkdtemp(dir=self.out_dir, prefix=PRIVATE_PREFIX))
        return self.private

    def path(self, name: str) -> Path:
        """A fresh staging path for the output file ``name`` (a plain name, else refused);
        staging a name again replaces the earlier one."""
        return self._stage(confine(self.out_dir, name))

    def _stage(self, final: Path) -> Path:
        private = self._ensure_private()
        if final in self.finals:
            for staged, earlier in self.pairs:
                if earlier == final:
                    staged.unlink(missing_ok=True)
            self.pairs = [pair for pair in self.pairs if pair[1] != final]
        self.staged_count += 1
        staged = private / f"{self.staged_count:05d}-{final.name}"  # never reused
        self.pairs.append((staged, final))
        self.finals.add(final)
        return staged

    def scratch(self) -> Path:
        """A fresh work directory inside the private directory, for intermediate files
        (e.g. a video's frames); never committed, removed with the private directory."""
        private = self._ensure_private()
        with self.guard():
            return Path(tempfile.mkdtemp(dir=private, prefix="work-"))

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Stage ``data`` as ``name``; return the final path."""
        return self._write(self.path(name), data)

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def _write(self, staged: Path, data: bytes) -> Path:
        with self.guard(), open(staged, "xb") as file:  # exclusive: never an existing file
            file.write(data)
        return self.pairs[-1][1]

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Report an OSError while writing into ``out_dir`` as one OutputError."""
        try:
            yield
        except OSError as exc:
            raise cannot_write(self.out_dir, exc) from exc

    def commit(self, stem: str | None = None, written: dict[str, list[Path]] | None = None
               ) -> None:
        """Swap every staged file in, or none.  With ``stem``, the manifest records
        ``written`` (format -> final paths) and this stem's stale files are removed."""
        # deferred: raster loads PIL; text-only commits (worksheets) don't need it
        from graphviz_ad.draw.raster import deferred_signals

        try:
            if self.pairs:
                with self.guard(), _locked(self.out_dir), deferred_signals():
                    stale = self._stage_manifest(stem, written or {}) if stem else {}
                    self._swap(stale)
        finally:
            self._remove_private()

    def abort(self) -> None:
        """Remove everything staged (and directories this call made, if still empty)."""
        self._remove_private()
        for directory in self.created:  # only directories this call made, only if empty
            try:
                directory.rmdir()
            except OSError:
                break

    def _remove_private(self) -> None:
        if self.private is not None and not self.keep_private:
            shutil.rmtree(self.private, ignore_errors=True)  # never follows links

    def _stage_manifest(self, stem: str, written: dict[str, list[Path]]
                        ) -> dict[str, int | None]:
        """Stage the updated manifest (read inside the lock); return the files an earlier
        call wrote for ``stem`` in the formats written now that this call does not write
        again (name -> recorded size)."""
        if not written:
            return {}
        sizes = {final: staged.stat().st_size for staged, final in self.pairs}
        manifest = read_manifest(self.out_dir)
        previous = manifest.get(stem, {})
        entry = dict(previous)
        for fmt, paths in written.items():
            entry[fmt] = {p.name: sizes.get(p) for p in paths}
        manifest[stem] = entry
        keep = {name for per_format in manifest.values() for names in per_format.values()
                for name in names}
        stale = {name: size for fmt in written for name, size in previous.get(fmt, {}).items()
                 if name not in keep and _ours(stem, name)}
        text = json.dumps({"graphviz-ad": 2, "stems": manifest}, indent=1, sort_keys=True)
        self._write(self._stage(self.out_dir / MANIFEST), (text + "\n").encode("utf-8"))
        return stale

    def _swap(self, stale: dict[str, int | None]) -> None:
        """Move stale files and files about to be replaced aside, rename the new ones in
        (the manifest last); on any failure or interrupt put everything back."""
        aside = self._ensure_private() / "replaced"
        moved: list[tuple[Path, Path]] = []  # (final, where it was moved)
        placed: list[Path] = []
        current = self.out_dir
        try:
            aside.mkdir()
            for name, size in stale.items():
                current = self.out_dir / name
                if _unchanged(current, size):
                    moved.append((current, _move_aside(current, aside, len(moved))))
            for staged, final in self.pairs:
                current = final
                if _exists(final):
                    moved.append((final, _move_aside(final, aside, len(moved))))
                os.replace(staged, final)
                placed.append(final)
        except BaseException as exc:
            lost = _roll_back(placed, moved)
            self.keep_private = bool(lost)
            outcome = (f"nothing in {self.out_dir} was changed" if not lost else
                       f"could not restore {', '.join(lost)}: the originals are in {aside}")
            if isinstance(exc, OSError):
                raise OutputError(f"cannot write to {current}: {exc.strerror or exc} "
                                  f"({outcome})") from exc
            if lost:
                exc.add_note(outcome)
            raise


def _exists(path: Path) -> bool:
    """Whether anything (even a dangling link) is at ``path``; a directory there is an
    error, never moved or replaced."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    return True


def _move_aside(path: Path, aside: Path, index: int) -> Path:
    target = aside / str(index)
    os.replace(path, target)
    return target


def _roll_back(placed: list[Path], moved: list[tuple[Path, Path]]) -> list[str]:
    """Remove new files renamed in, then move the originals back; return the names of
    originals that could not be put back (they stay in the private directory)."""
    for final in placed:
        try:
            os.unlink(final)
        except OSError:
            pass
    lost = []
    for final, backup in reversed(moved):
        try:
            os.replace(backup, final)
        except OSError:
            lost.append(final.name)
    return lost


def _unchanged(path: Path, size: int | None) -> bool:
    """A regular file (not a link) that still has the size graphviz-ad recorded."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return size is not None and stat.S_ISREG(info.st_mode) and info.st_size == size


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """An exclusive lock on ``out_dir`` itself (``flock`` on the directory: no lock file
    to plant a link at), held while a render commits; without ``fcntl``, no lock."""
    if fcntl is None:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def cannot_write(where: Path, exc: OSError) -> OutputError:
    """``cannot write to DIR: <reason>`` for an OSError raised while writing output."""
    return OutputError(f"cannot write to {where}: {exc.strerror or exc}")


def read_manifest(out_dir: Path) -> Entries:
    """``{stem: {format: {file name: size}}}`` from ``out_dir/.graphviz-ad.json`` ({} if
    none, unreadable, not a regular file, over ``MANIFEST_MAX_BYTES`` or malformed: a
    damaged manifest only means nothing is cleaned up).  Names from older manifests
    (lists, no sizes) get size None, which protects them."""
    try:
        data = json.loads(read_bytes(Path(out_dir) / MANIFEST, MANIFEST_MAX_BYTES,
                                     follow_links=False))
    except (GraphvizAdError, ValueError, RecursionError, MemoryError):
        return {}
    stems = data.get("stems") if isinstance(data, dict) else None
    if not isinstance(stems, dict):
        return {}
    out: Entries = {}
    for stem, per_format in stems.items():
        if not (isinstance(stem, str) and isinstance(per_format, dict)):
            continue
        out[stem] = {}
        for fmt, names in per_format.items():
            if isinstance(names, list):
                names = {n: None for n in names if isinstance(n, str)}
            if isinstance(fmt, str) and isinstance(names, dict):
                out[stem][fmt] = {n: (size if type(size) is int else None)
                                  for n, size in names.items() if plain_name(n)}
    return out


def _ours(stem: str, name: str) -> bool:
    """Named like an output of ``stem``: ``stem.ext`` or a frame ``stem-007.ext``."""
    return re.fullmatch(re.escape(stem) + r"(-\d{3,})?\.[A-Za-z0-9]+", name) is not None
