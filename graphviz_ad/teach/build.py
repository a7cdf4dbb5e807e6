"""From SOURCE and the variant options to the sheets: what ``worksheet`` and ``grade`` share,
so both always see the same numbers for the same seed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import GraphvizAdError
from ..core.program import program_of
from ..core.source import read_toml_table
from ..draw.compose import check_title
from ..draw.derivative_story import MAX_DRAWN_NODES
from ..frontends.sources import load
from ..receptive.spec import load_stack_spec
from .pass_sheet import pass_sheet
from .record import Record, make_record
from .sheet import Sheet
from .stack_sheet import stack_sheet
from .variants import (
    MAX_VARIANTS,
    Variant,
    draw_variants,
    name_variants,
    parse_input_range,
    read_roster,
)

MAX_DESCRIPTION = 20_000  # characters of a sheet's question (a page of prose)


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
    return "program" not in read_toml_table(path)


def sheet_maker(source: str, blanks: Sequence[str] = ()
                ) -> tuple[Callable[[Variant], Sheet], dict[str, Any], int]:
    """(variant → its sheet, the file's ``[variants]`` table, default decimals): the
    source is read once, each sheet costs one pass."""
    if _is_stack(source):
        spec = load_stack_spec(source)
        check_limits(spec.title or spec.name, "", len(spec.layers))
        return (lambda v: stack_sheet(spec, v, blanks)), spec.variants, 0
    src, graph, inputs = load(source)
    check_limits(src.title or src.name, src.description or "", len(program_of(graph).order))
    return (lambda v: pass_sheet(src, graph, inputs, v, blanks)), src.variants, 2


def check_limits(title: str, description: str, nodes: int) -> None:
    """A sheet's title, description and drawing within the limits render keeps (refused
    before any work: a sheet is one page of drawing and prose)."""
    check_title(title)
    if len(description) > MAX_DESCRIPTION:
        raise GraphvizAdError(f"the description has {len(description):,} characters, over "
                              f"the limit of {MAX_DESCRIPTION:,} for a worksheet")
    if nodes > MAX_DRAWN_NODES:
        raise GraphvizAdError(f"the graph has {nodes} nodes; worksheets stop at "
                              f"{MAX_DRAWN_NODES} (a sheet is drawn whole)")


def varies(source: str) -> bool:
    """Whether the source's own ``[variants]`` table draws anything."""
    return bool(sheet_maker(source)[1].get("vary"))


def worksheet_run(source: str, options: Options = Options()) -> tuple[list[Sheet], Record]:
    """Every variant's sheet of ``source`` and the record of what made them."""
    make, record = drawn(source, options)
    return [make(v) for v in record.variants], record


def drawn(source: str, options: Options = Options()
          ) -> tuple[Callable[[Variant], Sheet], Record]:
    """The variants of ``source`` drawn (no sheet made yet) and the sheet maker."""
    make, table, default_decimals = sheet_maker(source, options.blanks)
    vary = list(options.vary) or [str(t) for t in table.get("vary", [])]
    ranges = [parse_input_range(t, "--vary" if options.vary else "[variants] vary") for t in vary]
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
    return make, make_record(source, seed, decimals, vary, options.blanks, variants)


def load_sheets(source: str, options: Options = Options()) -> list[Sheet]:
    """Every variant's sheet of ``source`` (a graph file, program file or program text)."""
    return worksheet_run(source, options)[0]


def one_sheet(source: str, number: int, options: Options = Options()) -> Sheet:
    """Variant ``number`` (1-based) of ``source``: the sheet ``grade`` checks against."""
    if number < 1:
        raise GraphvizAdError(f"--variant {number}: variants are numbered from 1")
    if number > MAX_VARIANTS:
        raise GraphvizAdError(f"--variant {number}: worksheets have at most {MAX_VARIANTS} "
                              "variants")
    count = max(number, options.count or 0)
    make, record = drawn(source, Options(options.vary, options.seed, options.decimals,
                                         None if options.roster else count, options.roster,
                                         options.blanks))
    if number > len(record.variants):
        raise GraphvizAdError(f"--variant {number}: the roster has {len(record.variants)} "
                              "students")
    return make(record.variants[number - 1])


def variant_rows(sheets: Sequence[Sheet]) -> list[list[str]]:
    """The class list: variant, student, and each varied number."""
    names = list(dict.fromkeys(k for s in sheets for k in s.variant.values))
    rows = [["variant", "student", *names]]
    rows += [[str(s.variant.number), s.variant.student,
              *(str(s.variant.values.get(n, "")) for n in names)] for s in sheets]
    return rows


__all__ = ["Options", "Variant", "load_sheets", "one_sheet", "sheet_maker", "variant_rows",
           "worksheet_run"]
