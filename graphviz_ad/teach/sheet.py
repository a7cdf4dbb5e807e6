"""The blanks of one worksheet variant: what is asked, its answer, and its wrong paths.

One mechanism serves both kinds of sheet.  A :class:`Sheet` is a table whose cells are
given text or :class:`Blank` objects; every blank knows

* its ``truth`` and the worked ``step`` the answer key prints;
* ``consistent(look)``: the number it should have when recomputed from the student's own
  earlier numbers (``look(id)`` is the student's answer for a blank they answered, the true
  number otherwise), so an error carried forward costs one blank, not all that follow;
* ``wrong_paths(look)``: the numbers the common mistakes give, as ``(mistake, number,
  detail)``, found by recomputing the wrong path (one fan-out term only, the local factor
  without the upstream one, a sign flip, the value instead of the derivative; for conv
  stacks the kernel without its dilation, the jump left out, the padding left out, an
  interval end off by one).

Pass sheets (:func:`pass_sheet`) come from a Trace's public Steps and Contributions;
conv-stack sheets (:func:`stack_sheet`) from :func:`graphviz_ad.receptive.receptive_fields`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import GraphvizAdError
from ..formula import definition, fmt_number, node_label
from .variants import Variant

if TYPE_CHECKING:
    import networkx as nx

    from ..trace import Trace

Look = Callable[[str], Any]
Path_ = tuple[str, Any, str]  # (mistake, number, detail)

#: what each mistake is called in reports, by its key
MISTAKES = {
    "carried": "an error carried from an earlier blank (graded as consistent)",
    "missing-term": "a fan-out sum missing a term",
    "no-upstream": "the local derivative without the upstream factor",
    "sign": "a sign error",
    "value-for-derivative": "a value given where a derivative was asked",
    "no-dilation": "the kernel used without its dilation",
    "no-jump": "the jump (product of earlier strides) left out",
    "jump-not-multiplied": "the stride alone, not multiplied by the previous jump",
    "no-padding": "the padding left out of the interval",
    "off-by-one": "the interval end off by one",
}
BLANK_KINDS = ("values", "tangents", "adjoints", "steps")
STACK_BLANKS = ("r", "j", "interval")
KEY_DIGITS = 6


@dataclass(eq=False)
class Blank:
    """One number the student fills in; ``id`` is what the answer file calls it."""

    id: str
    kind: str  # value | tangent | adjoint | r | j | start | end
    truth: Any
    step: str
    consistent: Callable[[Look], Any]
    wrong_paths: Callable[[Look], list[Path_]]
    depends: tuple[str, ...] = ()
    symbol: str = ""  # as the step writes it: ∂y/∂f3 (the quiz matches frame captions)


Cell = str | Blank


@dataclass
class Sheet:
    """One variant's worksheet: a table of given cells and blanks, in grading order."""

    title: str
    question: str
    variant: Variant
    given: list[str]
    columns: list[str]
    rows: list[list[Cell]]
    blanks: list[Blank]
    formulas: list[str] = field(default_factory=list)  # the "steps" column (key only)
    steps_blank: bool = False
    edges: list[tuple[int, int]] = field(default_factory=list)  # row → row, for the drawing
    rankdir: str = "LR"
    truth: dict[str, Any] = field(default_factory=dict)  # every quantity by id, blank or given

    def blank(self, blank_id: str) -> Blank:
        for b in self.blanks:
            if b.id == blank_id:
                return b
        raise KeyError(blank_id)


def shown(value: Any, digits: int = KEY_DIGITS) -> str:
    """A key's number: 6 significant digits; arrays element by element, never previewed
    (a sheet gives every number)."""
    if np.ndim(value) == 0:
        return fmt_number(value, digits=digits)
    return "[" + ", ".join(shown(v, digits) for v in np.asarray(value)) + "]"


# -- passes ---------------------------------------------------------------------------------

def parse_blanks(text: str) -> tuple[str, ...]:
    """``"values,adjoints"`` → ``("values", "adjoints")``; unknown kinds are an error."""
    kinds = tuple(dict.fromkeys(k.strip().lower() for k in text.split(",") if k.strip()))
    for kind in kinds:
        if kind not in BLANK_KINDS + STACK_BLANKS:
            raise GraphvizAdError(f"--blank: unknown kind {kind!r}; choose from "
                                  f"{', '.join(BLANK_KINDS)} (conv stacks: "
                                  f"{', '.join(STACK_BLANKS)})")
    return kinds


def pass_sheet(source: Any, graph: Any, inputs: dict[str, Any], variant: Variant,
               blanks: Sequence[str] | None = None) -> Sheet:
    """The Wengert table of ``source`` at the variant's inputs with ``blanks`` left blank
    (default: values and the derivatives of the file's mode)."""
    from ..autodiff import evaluate, forward_mode, reverse_mode

    unknown = sorted(set(variant.values) - set(graph.graph["inputs"]))
    if unknown:
        raise GraphvizAdError(f"--vary {unknown[0]}: not an input of the program (inputs: "
                              f"{', '.join(graph.graph['inputs'])})")
    mode = source.settings.get("mode", "reverse")
    kinds = tuple(blanks) if blanks else ("values", *{"forward": ("tangents",), "reverse": (
        "adjoints",), "both": ("tangents", "adjoints")}.get(mode, ()))
    bad = [k for k in kinds if k in STACK_BLANKS]
    if bad:
        raise GraphvizAdError(f"--blank {bad[0]}: only for conv stacks; a program's blanks "
                              f"are {', '.join(BLANK_KINDS)}")
    at = {**inputs, **variant.values}
    first = lambda v: v[0] if isinstance(v, list) else v  # noqa: E731
    traces = []
    if "tangents" in kinds or (mode in ("forward", "both")):
        traces.append(forward_mode(graph, at, wrt=first(source.settings.get("wrt"))))
    if "adjoints" in kinds or (mode in ("reverse", "both")):
        traces.append(reverse_mode(graph, at, of=first(source.settings.get("of"))))
    values = traces[0] if traces else evaluate(graph, at)
    return _PassSheet(source, graph, variant, kinds, values, traces).sheet()


def trace_sheet(traces: Sequence[Trace], quiet: Iterable[str] = ()) -> Sheet:
    """The sheet of passes already run (``render``'s traces): every derivative step a
    blank (every value for an evaluate pass); ``quiet`` nodes (data) are not asked."""
    from types import SimpleNamespace

    derivative = [t for t in traces if t.mode != "evaluate"]
    kinds = ("tangents", "adjoints") if derivative else ("values",)
    stub = SimpleNamespace(title="", name="", description="", render={},
                           data_inputs=set(quiet))
    return _PassSheet(stub, traces[0].graph, Variant(0), kinds, traces[0], derivative).sheet()


def _seeded(trace: Trace) -> str:
    """The node a derivative pass is seeded at: forward's ``wrt``, reverse's ``of``."""
    node = trace.wrt if trace.mode == "forward" else trace.of
    if node is None:
        raise ValueError(f"a {trace.mode} trace has no seed node")
    return node


class _PassSheet:
    def __init__(self, source: Any, graph: nx.DiGraph, variant: Variant, kinds: tuple[str, ...],
                 values: Trace, traces: Sequence[Trace]) -> None:
        """``source``: a Source, or a stand-in with its title/name/description/render."""
        self.source, self.G, self.variant, self.kinds = source, graph, variant, kinds
        self.values, self.traces = values, traces
        self.data = set(getattr(source, "data_inputs", ()) or ())
        self.nodes = [n for n in graph.graph["order"] if graph.nodes[n]["op"] != "const"]
        self.truth: dict[str, Any] = {}
        for n in graph.graph["order"]:
            self.truth[self.vid(n)] = values.value(n)
            for t in traces:
                self.truth[self.did(t, n)] = t.derivative(n)

    def label(self, n: str) -> str:
        return node_label(self.G, n)

    def vid(self, n: str) -> str:
        return self.label(n)

    def did(self, trace: Trace, n: str) -> str:
        if trace.mode == "forward":
            return f"d{self.label(n)}/d{self.label(_seeded(trace))}"
        return f"d{self.label(_seeded(trace))}/d{self.label(n)}"

    def sheet(self) -> Sheet:
        G = self.G
        columns = ["node", "definition", "value"] + [self._header(t) for t in self.traces]
        rows, blanks, formulas = [], [], []
        value_blanks = {}
        for n in self.nodes:
            op = G.nodes[n]["op"]
            row: list[Cell] = [self.label(n), "input" if op == "input" else definition(G, n)]
            if op == "input" or "values" not in self.kinds:
                row.append(shown(self.values.value(n)))
            else:
                value_blanks[n] = self._value_blank(n)
                row.append(value_blanks[n])
            rows.append(row)
        # derivative columns, each blank in its pass's step order
        derivative_blanks: list[Blank] = []
        for t in self.traces:
            asked = ("tangents" if t.mode == "forward" else "adjoints") in self.kinds
            cells = {}
            for s in t.steps:
                if s.node in self.data:
                    continue
                if asked:
                    cells[s.node] = self._derivative_blank(t, s)
                    derivative_blanks.append(cells[s.node])
                formulas.append(s.equation)
            for row, n in zip(rows, self.nodes):
                if n in cells:
                    row.append(cells[n])
                elif n in self.data:
                    row.append("—")
                else:
                    row.append(shown(t.derivative(n)))
        blanks = [value_blanks[n] for n in self.nodes if n in value_blanks] + derivative_blanks
        given = [f"{self.label(n)} = {_given(self.values.value(n))}"
                 for n in G.graph["inputs"] if n not in self.data]
        given += [f"{self.label(n)} (data) = {_given(self.values.value(n))}"
                  for n in G.graph["inputs"] if n in self.data]
        for t in self.traces:
            given.append(f"seed: {t.symbol(_seeded(t))} = {_given(t.derivative(_seeded(t)))}")
        title = self.source.title or self.source.name
        index = {n: i for i, n in enumerate(self.nodes)}
        edges = [(index[o], index[n]) for n in self.nodes
                 for o in dict.fromkeys(G.nodes[n].get("operands", ())) if o in index]
        rankdir = (self.source.render or {}).get("rankdir", "LR")
        return Sheet(title, getattr(self.source, "description", ""), self.variant, given,
                     columns, rows, blanks, formulas, "steps" in self.kinds, edges,
                     "LR" if rankdir == "auto" else rankdir, self.truth)

    def _header(self, trace: Any) -> str:
        other = trace.wrt if trace.mode == "forward" else trace.of
        if trace.mode == "forward":
            return f"tangent ∂·/∂{self.label(other)}"
        return f"adjoint ∂{self.label(other)}/∂·"

    def _value_blank(self, n: str) -> Blank:
        from ..ops import PRIMITIVES

        d = self.G.nodes[n]
        ids = [self.vid(o) for o in d["operands"]]
        fn, params = PRIMITIVES[d["op"]].fn, dict(d.get("params", ()))

        def consistent(look: Look) -> Any:
            with np.errstate(all="ignore"):
                return fn(*[look(i) for i in ids], **params)

        def wrong(look: Look) -> list[Path_]:
            return [("sign", -consistent(look), "the sign flipped")]

        step = f"{self.label(n)} = {definition(self.G, n)} = {shown(self.values.value(n))}"
        return Blank(self.vid(n), "value", self.values.value(n), step, consistent, wrong,
                     tuple(dict.fromkeys(ids)), self.label(n))

    def _derivative_blank(self, trace: Any, step: Any) -> Blank:
        forward = trace.mode == "forward"
        parts = []  # (carried id, contribution)
        for c in step.contributions:
            other = c.source if forward else c.target
            parts.append((None if c.trivial else self.did(trace, other), c))
        value_id = self.vid(step.node)

        def product(look: Look, carried_id: str | None, c: Any) -> Any:
            operands = self.G.nodes[c.target]["operands"]
            own = [look(self.vid(o)) for o in operands]
            if all(np.ndim(v) == 0 for v in [*own, c.carried]):  # scalars: any wrong path
                local = _local_at(self.G, c.target, c.source, dict(zip(operands, own)))
                return local * (1.0 if carried_id is None else look(carried_id))
            if carried_id is None:
                return c.product
            new = look(carried_id)
            if np.ndim(c.carried) == 0 and np.all(c.carried != 0):
                return c.product * (new / c.carried)  # products are linear in the carried
            if np.shape(np.multiply(new, c.local)) == np.shape(c.product):
                return np.multiply(new, c.local)
            return c.product

        def consistent(look: Look) -> Any:
            if not parts:
                return np.zeros_like(step.result)
            return sum(product(look, i, c) for i, c in parts)

        def wrong(look: Look) -> list[Path_]:
            terms = [product(look, i, c) for i, c in parts]
            out: list[Path_] = [("sign", -consistent(look), "the sign flipped")]
            if len(terms) >= 2:
                for k, (_, c) in enumerate(parts):
                    path = self.label(c.source if forward else c.target)
                    out.append(("missing-term", terms[k], f"only the path through {path}"))
                    if len(terms) > 2:
                        out.append(("missing-term", sum(terms) - terms[k],
                                    f"the path through {path} left out"))
            if parts and any(i is not None and not np.allclose(look(i), 1) for i, _ in parts):
                locals_ = [c.local for _, c in parts]
                if all(np.shape(v) in ((), np.shape(step.result)) for v in locals_):
                    out.append(("no-upstream", sum(locals_),
                                "the local factor(s) " + " + ".join(
                                    c.local_formula().split(" = ")[0] for _, c in parts)
                                + " without the upstream factor"))
            out.append(("value-for-derivative", look(value_id),
                        f"the value of {self.label(step.node)}"))
            return out

        depends = tuple(dict.fromkeys([*(i for i, _ in parts if i is not None), *(
            self.vid(o) for _, c in parts for o in self.G.nodes[c.target]["operands"])]))
        return Blank(self.did(trace, step.node), "tangent" if forward else "adjoint",
                     step.result, step.equation, consistent, wrong, depends, step.symbol())


def _local_at(G: Any, target: str, source: str, values: dict[str, Any]) -> float:
    """∂target/∂source with target's operands at ``values`` (scalars): forward mode on a
    graph of that one operation, so a wrong earlier value carries into the local factor."""
    import networkx as nx

    from ..autodiff import forward_mode

    data = G.nodes[target]
    H: nx.DiGraph = nx.DiGraph()
    operands = list(dict.fromkeys(data["operands"]))
    for o in operands:
        d = dict(G.nodes[o])
        if d["op"] != "const":
            d.update(op="input", operands=())
        H.add_node(o, **d)
        H.add_edge(o, target, **G.edges[o, target])
    H.add_node(target, **data)
    inputs = [o for o in operands if H.nodes[o]["op"] == "input"]
    H.graph.update(inputs=inputs, outputs=[target], order=[*operands, target])
    with np.errstate(all="ignore"):
        trace = forward_mode(H, {o: float(values[o]) for o in inputs}, wrt=source)
    return float(trace.derivative(target))


def _given(value: Any) -> str:
    """An input as given: exact for scalars, every element for small arrays."""
    if np.ndim(value) == 0:
        return repr(float(value)).removesuffix(".0") if float(value).is_integer() else repr(
            float(value))
    return shown(value)




# -- conv stacks ----------------------------------------------------------------------------

def stack_sheet(spec: Any, variant: Variant, blanks: Sequence[str] | None = None) -> Sheet:
    """Receptive field ``r``, jump ``j`` and input interval per layer of ``spec`` (axis 0)
    for the variant's output unit and layer settings (``unit``, ``H1.kernel``, ``2.stride``
    …), with ``blanks`` (default all of r, j, interval) left blank."""
    from ..receptive import receptive_fields

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
    given = [f"output unit {field_.unit} of {field_.layers[-1].name}, input size "
             f"{field_.input_size}; r₀ = 1, j₀ = 1; units and intervals are 0-based"]
    columns = ["layer", "kind", "k", "s", "d", "pad", "unit", "r", "j", "start", "end"]
    edges = [(k, k + 1) for k in range(len(rows_) - 1)]
    return Sheet(spec.title or spec.name, "For each layer give its receptive field r, its jump j "
                 "and the input interval [start, end] of the unit on the path to the output "
                 "unit.", variant, given, columns, rows_, blanks_, [], False, edges, "TB", truth)


STACK_FIELDS = ("kernel", "stride", "dilation")


def varied_layers(spec: Any, variant: Variant) -> tuple[list[Any], Any]:
    """The stack's layers and output unit with the variant's ``unit`` and
    ``LAYER.kernel|stride|dilation`` values (LAYER: a name or a 1-based index)."""
    from dataclasses import replace

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

    from ..receptive_text import recurrence
    r_prev, j_prev = (row.receptive_field - (k_hat - 1) * (row.jump // row.stride),
                      row.jump // row.stride)
    return Blank(r_id, "r", row.receptive_field, recurrence(row, r_prev, j_prev),
                 consistent, wrong, prev or ())


def _j_blank(row: Any, prev: tuple[str, str] | None) -> Blank:
    from ..receptive_text import jump_line

    def consistent(look: Look) -> Any:
        return (look(prev[1]) if prev else 1) * row.stride

    def wrong(look: Look) -> list[Path_]:
        j0 = look(prev[1]) if prev else 1
        return [("jump-not-multiplied", row.stride, f"s = {row.stride} alone, not j·s")] \
            if j0 != 1 else []

    return Blank(_ids(row)[1], "j", row.jump, jump_line(row, row.jump // row.stride),
                 consistent, wrong, (prev[1],) if prev else ())


def _start_blank(row: Any, pads: list[tuple[int, str | None]], j_id: str) -> Blank:
    def padding(look: Look) -> int:
        return sum(p * (look(j) if j else 1) for p, j in pads)

    def consistent(look: Look) -> Any:
        return row.unit * look(j_id) - padding(look)

    def wrong(look: Look) -> list[Path_]:
        return [("no-padding", row.unit * look(j_id), "u·j without subtracting P")] \
            if padding(look) else []

    step = (f"start = u·j − P = {row.unit}·{row.jump} − {row.effective_padding} = {row.start}")
    return Blank(_ids(row)[2], "start", row.start, step, consistent, wrong,
                 tuple(dict.fromkeys([j_id, *(j for _, j in pads if j)])))


def _end_blank(row: Any, start_id: str, r_id: str) -> Blank:
    def consistent(look: Look) -> Any:
        return look(start_id) + look(r_id) - 1

    def wrong(look: Look) -> list[Path_]:
        return [("off-by-one", look(start_id) + look(r_id), "start + r, without the − 1")]

    step = f"end = start + r − 1 = {row.start} + {row.receptive_field} − 1 = {row.end}"
    return Blank(_ids(row)[3], "end", row.end, step, consistent, wrong, (start_id, r_id))
