"""The record of a worksheet run (``variants.json``): what made each variant, so ``grade``
checks answers against the numbers the student was given, never a guess.

It holds the source's name and SHA-256, the seed, decimals and ranges, the blanks, the
roster's names and every variant's inputs.  ``grade --sheets`` reads it back; a changed
source is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import GraphvizAdError, quoted
from ..core.files import read_bytes
from .variants import Variant

RECORD = "variants.json"
FORMAT = "graphviz-ad worksheet variants"
MAX_RECORD_BYTES = 20_000_000


@dataclass(frozen=True)
class Record:
    """What made a worksheet run's variants."""

    source: str
    sha256: str
    seed: int
    decimals: int
    vary: tuple[str, ...]
    blanks: tuple[str, ...]
    variants: tuple[Variant, ...]

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": 1, "source": self.source,
                           "sha256": self.sha256, "seed": self.seed,
                           "decimals": self.decimals, "vary": list(self.vary),
                           "blanks": list(self.blanks),
                           "roster": [v.student for v in self.variants if v.student],
                           "variants": [{"number": v.number, "student": v.student,
                                         "values": v.values} for v in self.variants]},
                          indent=1, ensure_ascii=False) + "\n"

    def pick(self, number: int | None, student: str | None) -> Variant:
        """The variant by number or by student name (exact, else ignoring case/spaces)."""
        if student is not None:
            wanted = _plain(student)
            found = [v for v in self.variants if v.student == student] or [
                v for v in self.variants if _plain(v.student) == wanted]
            if not found:
                raise GraphvizAdError(f"--student {quoted(student)}: not on the roster of "
                                      f"{RECORD} ({len(self.variants)} variants)")
            if number is not None and found[0].number != number:
                raise GraphvizAdError(f"--student {quoted(student)} has variant "
                                      f"{found[0].number}, not --variant {number}")
            return found[0]
        if number is None:
            if len(self.variants) == 1:
                return self.variants[0]
            raise GraphvizAdError(f"{RECORD} has {len(self.variants)} variants: give "
                                  "--variant N or --student NAME")
        if not 1 <= number <= len(self.variants):
            raise GraphvizAdError(f"--variant {number}: the worksheets have variants 1 to "
                                  f"{len(self.variants)}")
        return self.variants[number - 1]


def _plain(name: str) -> str:
    return " ".join(name.casefold().split())


def source_digest(source: str) -> str:
    """SHA-256 of the source file's bytes (or of the program text given instead)."""
    path = Path(source)
    data = read_bytes(path) if path.suffix and path.is_file() else source.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def make_record(source: str, seed: int, decimals: int, vary: Sequence[str],
                blanks: Sequence[str], variants: Sequence[Variant]) -> Record:
    return Record(Path(source).name if Path(source).suffix else source, source_digest(source),
                  seed, decimals, tuple(vary), tuple(blanks), tuple(variants))


def read_record(path: str | Path, source: str) -> Record:
    """The record at ``path`` (a file, or a directory holding ``variants.json``), checked
    against ``source``: one clear error if it is not a record or the source changed."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORD
    try:
        data = json.loads(read_bytes(path, MAX_RECORD_BYTES))
    except (ValueError, RecursionError):
        raise GraphvizAdError(f"{path}: not a worksheet record (not valid JSON)") from None
    try:
        record = _parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise GraphvizAdError(f"{path}: not a worksheet record ({err})") from None
    if record.sha256 != source_digest(source):
        raise GraphvizAdError(f"{path}: the worksheets were made from a different "
                              f"{record.source} (its SHA-256 differs); grade with the file "
                              "they were made from")
    return record


def _parse(data: Any) -> Record:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"no \"format\": \"{FORMAT}\"")
    variants = []
    for k, item in enumerate(data["variants"], start=1):
        values = {str(n): _number(v) for n, v in dict(item["values"]).items()}
        if int(item["number"]) != k:
            raise ValueError(f"variant {k} is numbered {item['number']}")
        variants.append(Variant(k, values, str(item.get("student", ""))))
    if not variants:
        raise ValueError("no variants")
    return Record(str(data["source"]), str(data["sha256"]), int(data["seed"]),
                  int(data["decimals"]), tuple(map(str, data["vary"])),
                  tuple(map(str, data["blanks"])), tuple(variants))


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value):
        raise ValueError(f"{quoted(value)} is not a finite number")
    return value
