"""From SOURCE and the variant options to the sheets: what ``worksheet`` and ``grade`` share,
so both always see the same numbers for the same seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import GraphvizAdError
from ..core.source import load, load_toml
from ..receptive.spec import load_toml as load_stack
from .pass_sheet import pass_sheet
from .sheet import Sheet
from .stack_sheet import stack_sheet
from .variants import Variant, draw_variants, name_variants, parse_range, read_roster


@dataclass(frozen=True)
class Options:
    """How the variants are drawn; ``None`` takes the file's ``[variants]`` value."""

    vary: tuple[str, ...] = ()
    seed: int | None = None
    decimals: int | None = None
    count: int | None = None
    roster: str | None = None
    blanks: tuple[str, ...] = ()


def _is_stack(source: str) -> bool:
    """A ``.toml`` file without a ``program``: a conv stack."""
    path = Path(source)
    if path.suffix.lower() != ".toml" or not path.is_file():
        return False
    return "program" not in load_toml(path)


def load_sheets(source: str, options: Options = Options()) -> list[Sheet]:
    """Every variant's sheet of ``source`` (a graph file, program file or program text)."""
    if _is_stack(source):
        spec = load_stack(source)
        table, make = spec.variants, lambda v: stack_sheet(spec, v, options.blanks)
        default_decimals = 0
    else:
        src, graph, inputs = load(source)
        table = src.variants
        make = lambda v: pass_sheet(src, graph, inputs, v, options.blanks)  # noqa: E731
        default_decimals = 2
    ranges = [parse_range(t) for t in options.vary] or [
        parse_range(t, "[variants] vary") for t in table.get("vary", [])]
    names = [r.name for r in ranges]
    if len(set(names)) != len(names):
        raise GraphvizAdError(f"--vary: {next(n for n in names if names.count(n) > 1)} "
                              "given twice")
    students = read_roster(options.roster) if options.roster else []
    count = options.count or len(students) or 1
    if students and options.count and options.count != len(students):
        raise GraphvizAdError(f"--variants {options.count} but the roster names "
                              f"{len(students)} students; give one of them")
    seed = options.seed if options.seed is not None else table.get("seed", 0)
    decimals = options.decimals if options.decimals is not None else table.get(
        "decimals", default_decimals)
    variants = draw_variants(ranges, count, seed, decimals)
    if students:
        variants = name_variants(variants, students)
    return [make(v) for v in variants]


def one_sheet(source: str, number: int, options: Options = Options()) -> Sheet:
    """Variant ``number`` (1-based) of ``source``: the sheet ``grade`` checks against."""
    if number < 1:
        raise GraphvizAdError(f"--variant {number}: variants are numbered from 1")
    count = max(number, options.count or 0)
    sheets = load_sheets(source, Options(options.vary, options.seed, options.decimals,
                                         None if options.roster else count, options.roster,
                                         options.blanks))
    if number > len(sheets):
        raise GraphvizAdError(f"--variant {number}: the roster has {len(sheets)} students")
    return sheets[number - 1]


def variant_rows(sheets: Sequence[Sheet]) -> list[list[str]]:
    """The class list: variant, student, and each varied number."""
    names = list(dict.fromkeys(k for s in sheets for k in s.variant.values))
    rows = [["variant", "student", *names]]
    rows += [[str(s.variant.number), s.variant.student,
              *(str(s.variant.values.get(n, "")) for n in names)] for s in sheets]
    return rows


__all__ = ["Options", "Variant", "load_sheets", "one_sheet", "variant_rows"]
