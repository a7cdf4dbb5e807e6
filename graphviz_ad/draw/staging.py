"""Atomic output: stage files beside their final names, commit by rename, or abort.

A manifest (``.graphviz-ad.json``) records what graphviz-ad wrote per stem and format,
so a later, shorter render of the same stem removes its own stale frames and never a
file it did not write.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

from graphviz_ad.errors import RenderError


class OutputError(RenderError):
    """The output directory, or a file in it, cannot be written (``cannot write to DIR: …``)."""


class Staging:
    """Temporary files beside their final names; committed by rename, or removed.

    The output directory is created only when the first file is about to be written,
    and removed again on abort when this call created it and it is still empty.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.pairs: list[tuple[Path, Path]] = []
        self.created: list[Path] = []  # directories this call made, deepest first

    def check(self) -> None:
        """Fail early when ``out_dir`` cannot be a directory (a file is in the way)."""
        probe = self.out_dir
        while not probe.exists() and probe != probe.parent:
            if probe.is_symlink():  # a dangling link: mkdir would fail on it
                raise OutputError(f"cannot write to {self.out_dir}: {probe} is a broken link")
            probe = probe.parent
        if not probe.is_dir():
            raise OutputError(f"cannot write to {self.out_dir}: {probe} is not a directory")

    def _ensure_dir(self) -> None:
        if self.pairs or self.out_dir.is_dir():
            return
        self.check()
        missing = []
        probe = self.out_dir
        while not probe.exists() and probe != probe.parent:
            missing.append(probe)
            probe = probe.parent
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cannot_write(self.out_dir, exc) from exc
        self.created = missing

    def path(self, name: str) -> Path:
        self._ensure_dir()
        final = self.out_dir / name
        tmp = final.with_name(f".{final.stem}.tmp{os.getpid()}-{len(self.pairs)}{final.suffix}")
        self.pairs.append((tmp, final))
        return tmp

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Stage ``data`` as ``name``; return the final path."""
        tmp = self.path(name)
        with self.guard():
            tmp.write_bytes(data)
        return self.pairs[-1][1]

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    @contextmanager
    def guard(self):  # -> Iterator[None]
        """Report an OSError while writing into ``out_dir`` as one RenderError."""
        try:
            yield
        except OSError as exc:
            raise cannot_write(self.out_dir, exc) from exc

    def commit(self) -> None:
        with self.guard():
            for tmp, final in self.pairs:
                os.replace(tmp, final)

    def abort(self) -> None:
        for tmp, _ in self.pairs:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
        for directory in self.created:  # only directories this call made, only if empty
            try:
                directory.rmdir()
            except OSError:
                break


def cannot_write(where: Path, exc: OSError) -> OutputError:
    """``cannot write to DIR: <reason>`` for an OSError raised while writing output."""
    return OutputError(f"cannot write to {where}: {exc.strerror or exc}")


MANIFEST = ".graphviz-ad.json"
Entries = dict[str, dict[str, dict[str, int | None]]]  # stem -> format -> file name -> size


def read_manifest(out_dir: Path) -> Entries:
    """``{stem: {format: {file name: size}}}`` from ``out_dir/.graphviz-ad.json`` ({} if
    none or unreadable: a damaged manifest only means nothing is cleaned up).  Names
    from older manifests (lists, no sizes) get size None, which protects them."""
    try:
        data = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
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
                out[stem][fmt] = {n: (size if isinstance(size, int) else None)
                                  for n, size in names.items() if _plain_name(n)}
    return out


def _plain_name(name: object) -> bool:
    """A bare file name inside the output directory (no path, not hidden)."""
    return (isinstance(name, str) and bool(name) and not name.startswith(".")
            and "/" not in name and "\\" not in name and "\0" not in name)


def _ours(stem: str, name: str) -> bool:
    """Named like an output of ``stem``: ``stem.ext`` or a frame ``stem-007.ext``."""
    return re.fullmatch(re.escape(stem) + r"(-\d{3,})?\.[A-Za-z0-9]+", name) is not None


def stage_manifest(stage: Staging, stem: str, written: dict[str, list[Path]]
                   ) -> dict[str, int | None]:
    """Stage the updated manifest; return the files (name → recorded size) an earlier call
    wrote for ``stem`` in the formats written now that this call does not write again."""
    if not written:
        return {}
    sizes = {final: tmp.stat().st_size for tmp, final in stage.pairs if tmp.exists()}
    manifest = read_manifest(stage.out_dir)
    previous = manifest.get(stem, {})
    entry = dict(previous)
    for fmt, paths in written.items():
        entry[fmt] = {p.name: sizes.get(p) for p in paths}
    manifest[stem] = entry
    keep = {name for per_format in manifest.values() for names in per_format.values()
            for name in names}
    stale = {name: size for fmt in written for name, size in previous.get(fmt, {}).items()
             if name not in keep}
    stage.write_text(MANIFEST, json.dumps({"graphviz-ad": 2, "stems": manifest}, indent=1,
                                          sort_keys=True) + "\n")
    return {name: size for name, size in stale.items() if _ours(stem, name)}


def remove_stale(out_dir: Path, files: dict[str, int | None]) -> None:
    """Remove files graphviz-ad wrote earlier and no longer wants (best effort): only
    when the file still has the size graphviz-ad recorded, so a file someone replaced or
    edited since is left alone."""
    for name, size in files.items():
        path = out_dir / name
        try:
            if (size is not None and path.is_file() and not path.is_symlink()
                    and path.stat().st_size == size):
                path.unlink()
        except OSError:
            pass
