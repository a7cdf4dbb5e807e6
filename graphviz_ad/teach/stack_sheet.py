"""Conv-stack sheets: receptive field r, jump j and input interval per layer, blank.

Wrong paths are the classic slips: the kernel without its dilation, the jump left out,
the stride alone instead of j·s, the padding left out, an interval end off by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..core.errors import GraphvizAdError
from ..receptive.fields import LayerField, receptive_fields
from ..receptive.text import jump_line, recurrence
from .sheet import STACK_BLANKS, Blank, Cell, Look, Math, Path_, Sheet, Text
from .variants import Variant


def stack_sheet(spec: Any, variant: Variant, blanks: Sequence[str] | None = None) -> Sheet:
    """Receptive field ``r``, jump ``j`` and input interval per layer of ``spec`` (axis 0)
    for the variant's output unit and layer settings (``unit``, ``H1.kernel``, ``2.stride``
    …), with ``blanks`` (default all of r, j, interval) left blank."""
    kinds = tuple(blanks) if blanks else STACK_BLANKS
    bad = [k for k in kinds if k not in STACK_BLANKS]
    if bad:
        raise GraphvizAdError(f"--blank {bad[0]}: a conv stack's blanks are "
                              f"{', '.join(STACK_BLANKS)}")
    layers, unit = varied_layers(spec, variant)
    field_ = receptive_fields(layers, unit, spec.input_size)[0]
    rows_: list[list[Cell]] = []
    blanks_: list[Blank] = []
    truth: dict[str, Any] = {}
    prev: tuple[str, str] | None = None  # ids of the previous layer's r and j
    pads: list[tuple[int, str | None]] = []  # (left padding, id of the jump before it)
    for row in field_.layers:
        cells: list[Cell] = [row.name, row.kind, str(row.kernel), str(row.stride),
                             str(row.dilation), f"{row.pad_left},{row.pad_right}",
                             "—" if row.unit is None else str(row.unit)]
        pads.append((row.pad_left, prev[1] if prev else None))
        r_b, j_b = _r_blank(row, prev), _j_blank(row, prev)
        made = {"r": r_b, "j": j_b}
        if row.start is not None:
            made["start"] = _start_blank(row, list(pads), j_b.id)
            made["end"] = _end_blank(row, made["start"].id, r_b.id)
        for key in ("r", "j"):
            cells.append(made[key] if key in kinds else str(made[key].truth))
        if row.start is None:
            cells += ["—", "—"]
        else:
            for key in ("start", "end"):
                cells.append(made[key] if "interval" in kinds else str(made[key].truth))
        truth.update({b.id: b.truth for b in made.values()})
        blanks_ += [b for k, b in made.items() if (k if k in ("r", "j") else "interval") in kinds]
        rows_.append(cells)
        prev = (r_b.id, j_b.id)
    given: list[Text] = [f"output unit {field_.unit} of {field_.layers[-1].name}, input size "
                         f"{field_.input_size}", Math("r₀ = 1, j₀ = 1", r"r_{0} = 1,\ j_{0} = 1"),
                         "units and intervals are 0-based"]
    columns: list[Text] = ["layer", "kind", "k", "s", "d", "pad", "unit", "r", "j", "start",
                           "end"]
    edges = [(k, k + 1) for k in range(len(rows_) - 1)]
    return Sheet(spec.title or spec.name, "For each layer give its receptive field r, its jump j "
                 "and the input interval [start, end] of the unit on the path to the output "
                 "unit.", variant, given, columns, rows_, blanks_, [], False, edges, "TB", truth)


STACK_FIELDS = ("kernel", "stride", "dilation")


def varied_layers(spec: Any, variant: Variant) -> tuple[list[Any], Any]:
    """The stack's layers and output unit with the variant's ``unit`` and
    ``LAYER.kernel|stride|dilation`` values (LAYER: a name or a 1-based index)."""
    layers, unit = list(spec.layers), spec.unit
    for key, value in variant.values.items():
        if key == "unit":
            unit = [int(value)]
            continue
        where, _, what = key.rpartition(".")
        names = [layer.name or str(i + 1) for i, layer in enumerate(layers)]
        index = (int(where) - 1 if where.isdigit() and 1 <= int(where) <= len(layers)
                 else names.index(where) if where in names else None)
        if index is None or what not in STACK_FIELDS:
            raise GraphvizAdError(f"--vary {key}: a conv stack varies unit or LAYER.FIELD "
                                  f"(FIELD: {', '.join(STACK_FIELDS)}; LAYER: "
                                  f"{', '.join(names)} or 1…{len(layers)})")
        if int(value) < 1:
            raise GraphvizAdError(f"--vary {key}: must be at least 1")
        layers[index] = replace(layers[index], **{what: (int(value),)})
    return layers, unit


def _ids(row: Any) -> tuple[str, str, str, str]:
    i = row.index
    return f"r{i}", f"j{i}", f"start{i}", f"end{i}"


def _r_blank(row: Any, prev: tuple[str, str] | None) -> Blank:
    r_id = _ids(row)[0]
    k_hat = row.effective_kernel

    def earlier(look: Look) -> tuple[int, int]:
        return (look(prev[0]), look(prev[1])) if prev else (1, 1)

    def consistent(look: Look) -> Any:
        r0, j0 = earlier(look)
        return r0 + (k_hat - 1) * j0

    def wrong(look: Look) -> list[Path_]:
        r0, j0 = earlier(look)
        out: list[Path_] = []
        if row.dilation != 1:
            out.append(("no-dilation", r0 + (row.kernel - 1) * j0,
                        f"k − 1 = {row.kernel - 1} instead of k̂ − 1 = {k_hat - 1}"))
        if j0 != 1:
            out.append(("no-jump", r0 + (k_hat - 1), f"(k̂ − 1) not multiplied by j = {j0}"))
        return out

    r_prev, j_prev = (row.receptive_field - (k_hat - 1) * (row.jump // row.stride),
                      row.jump // row.stride)
    return Blank(r_id, "r", row.receptive_field,
                 Math(recurrence(row, r_prev, j_prev), recurrence(row, r_prev, j_prev, "latex")),
                 consistent, wrong, prev or ())


def _j_blank(row: LayerField, prev: tuple[str, str] | None) -> Blank:
    def consistent(look: Look) -> Any:
        return (look(prev[1]) if prev else 1) * row.stride

    def wrong(look: Look) -> list[Path_]:
        j0 = look(prev[1]) if prev else 1
        return [("jump-not-multiplied", row.stride, f"s = {row.stride} alone, not j·s")] \
            if j0 != 1 else []

    j_prev = row.jump // row.stride
    return Blank(_ids(row)[1], "j", row.jump,
                 Math(jump_line(row, j_prev), jump_line(row, j_prev, "latex")),
                 consistent, wrong, (prev[1],) if prev else ())


def _start_blank(row: Any, pads: list[tuple[int, str | None]], j_id: str) -> Blank:
    def padding(look: Look) -> int:
        return sum(p * (look(j) if j else 1) for p, j in pads)

    def consistent(look: Look) -> Any:
        return row.unit * look(j_id) - padding(look)

    def wrong(look: Look) -> list[Path_]:
        return [("no-padding", row.unit * look(j_id), "u·j without subtracting P")] \
            if padding(look) else []

    step = Math(f"start = u·j − P = {row.unit}·{row.jump} − {row.effective_padding} = "
                f"{row.start}", rf"\text{{start}} = u \cdot j - P = {row.unit} \cdot {row.jump} - "
                                rf"{row.effective_padding} = {row.start}")
    return Blank(_ids(row)[2], "start", row.start, step, consistent, wrong,
                 tuple(dict.fromkeys([j_id, *(j for _, j in pads if j)])))


def _end_blank(row: Any, start_id: str, r_id: str) -> Blank:
    def consistent(look: Look) -> Any:
        return look(start_id) + look(r_id) - 1

    def wrong(look: Look) -> list[Path_]:
        return [("off-by-one", look(start_id) + look(r_id), "start + r, without the − 1")]

    step = Math(f"end = start + r − 1 = {row.start} + {row.receptive_field} − 1 = {row.end}",
                rf"\text{{end}} = \text{{start}} + r - 1 = {row.start} + {row.receptive_field} "
                rf"- 1 = {row.end}")
    return Blank(_ids(row)[3], "end", row.end, step, consistent, wrong, (start_id, r_id))
