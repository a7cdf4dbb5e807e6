"""Pass sheets: the Wengert table of a program with values and derivatives left blank.

Built from a Trace's public Steps and Contributions: every blank's consistent number is
recomputed from the student's own earlier numbers, and its wrong paths (one fan-out term
only, the local factor without the upstream one, a sign flip, the value instead of the
derivative) from the same contributions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

import networkx as nx
import numpy as np

from ..core.autodiff import evaluate, forward_mode, reverse_mode
from ..core.errors import GraphvizAdError
from ..core.formula import definition, fmt_name, node_label
from ..core.modes import Mode
from ..core.nodes import node
from ..core.ops import INPUT, PRIMITIVES, is_constant, is_input
from ..core.program import Program, attach, program_of
from ..core.trace import Trace
from ..explain.edges import local_formula
from ..explain.steps import equation, latex, node_symbol, symbol
from .sheet import (
    BLANK_KINDS,
    INPUT_CELL,
    STACK_BLANKS,
    Blank,
    Cell,
    Look,
    Math,
    Path_,
    Sheet,
    number,
)
from .variants import Variant

MAX_CELL_ELEMENTS = 200  # numbers in one cell of a worksheet (every one is printed)


def pass_sheet(source: Any, graph: Any, inputs: dict[str, Any], variant: Variant,
               blanks: Sequence[str] | None = None) -> Sheet:
    """The Wengert table of ``source`` at the variant's inputs with ``blanks`` left blank
    (default: values and the derivatives of the file's mode)."""
    unknown = sorted(set(variant.values) - set(program_of(graph).inputs))
    if unknown:
        raise GraphvizAdError(f"--vary {unknown[0]}: not an input of the program (inputs: "
                              f"{', '.join(program_of(graph).inputs)})")
    mode = source.settings.get("mode", Mode.REVERSE)
    kinds = tuple(blanks) if blanks else ("values", *{Mode.FORWARD: ("tangents",), Mode.REVERSE: (
        "adjoints",), Mode.BOTH: ("tangents", "adjoints")}.get(mode, ()))
    bad = [k for k in kinds if k in STACK_BLANKS]
    if bad:
        raise GraphvizAdError(f"--blank {bad[0]}: only for conv stacks; a program's blanks "
                              f"are {', '.join(BLANK_KINDS)}")
    at = {**inputs, **variant.values}
    first = lambda v: v[0] if isinstance(v, list) else v  # noqa: E731
    traces = []
    if "tangents" in kinds or (mode in (Mode.FORWARD, Mode.BOTH)):
        traces.append(forward_mode(graph, at, wrt=first(source.settings.get("wrt"))))
    if "adjoints" in kinds or (mode in (Mode.REVERSE, Mode.BOTH)):
        traces.append(reverse_mode(graph, at, of=first(source.settings.get("of"))))
    values = traces[0] if traces else evaluate(graph, at)
    sheet = _PassSheet(source, graph, variant, kinds, values, traces).sheet()
    for name, numbers in sheet.truth.items():
        if np.size(numbers) > MAX_CELL_ELEMENTS:
            raise GraphvizAdError(f"{name} has {np.size(numbers):,} numbers; a worksheet "
                                  f"shows every number of a cell, at most "
                                  f"{MAX_CELL_ELEMENTS}")
    return sheet


def trace_sheet(traces: Sequence[Trace], quiet: Iterable[str] = ()) -> Sheet:
    """The sheet of passes already run (``render``'s traces): every derivative step a
    blank (every value for an evaluate pass); ``quiet`` nodes (data) are not asked."""
    derivative = [t for t in traces if t.mode != Mode.EVALUATE]
    kinds = ("tangents", "adjoints") if derivative else ("values",)
    stub = SimpleNamespace(title="", name="", description="", render={},
                           data_inputs=set(quiet))
    return _PassSheet(stub, traces[0].graph, Variant(0), kinds, traces[0], derivative).sheet()


class _PassSheet:
    def __init__(self, source: Any, graph: nx.DiGraph, variant: Variant, kinds: tuple[str, ...],
                 values: Trace, traces: Sequence[Trace]) -> None:
        """``source``: a Source, or a stand-in with its title/name/description/render."""
        self.source, self.G, self.variant, self.kinds = source, graph, variant, kinds
        self.values, self.traces = values, traces
        self.data = set(getattr(source, "data_inputs", ()) or ())
        self.nodes = [n for n in program_of(graph).order if not is_constant(node(graph, n)["op"])]
        self.truth: dict[str, Any] = {}
        for n in program_of(graph).order:
            self.truth[self.vid(n)] = values.value(n)
            for t in traces:
                self.truth[self.did(t, n)] = t.derivative(n)

    def label(self, n: str) -> str:
        return node_label(self.G, n)

    def name(self, n: str) -> Math:
        """A node's label in both forms."""
        return Math(self.label(n), fmt_name(self.label(n), "latex"))

    def definition(self, n: str) -> Math:
        return Math(definition(self.G, n), definition(self.G, n, "latex"))

    def vid(self, n: str) -> str:
        return self.label(n)

    def did(self, trace: Trace, n: str) -> str:
        if trace.mode == Mode.FORWARD:
            return f"d{self.label(n)}/d{self.label(trace.seed_node)}"
        return f"d{self.label(trace.seed_node)}/d{self.label(n)}"

    def sheet(self) -> Sheet:
        G = self.G
        columns: list[str | Math] = ["node", "definition", "value"]
        columns += [self._header(t) for t in self.traces]
        rows, blanks, formulas = [], [], []
        value_blanks = {}
        for n in self.nodes:
            an_input = is_input(node(G, n)["op"])
            row: list[Cell] = [self.name(n), INPUT_CELL if an_input else self.definition(n)]
            if an_input or "values" not in self.kinds:
                row.append(number(self.values.shown(n)))
            else:
                value_blanks[n] = self._value_blank(n)
                row.append(value_blanks[n])
            rows.append(row)
        # derivative columns, each blank in its pass's step order
        derivative_blanks: list[Blank] = []
        for t in self.traces:
            asked = ("tangents" if t.mode == Mode.FORWARD else "adjoints") in self.kinds
            cells = {}
            for s in t.steps:
                if s.node in self.data:
                    continue
                if asked:
                    cells[s.node] = self._derivative_blank(t, s)
                    derivative_blanks.append(cells[s.node])
                formulas.append(Math(equation(s), latex(s)))
            for row, n in zip(rows, self.nodes):
                if n in cells:
                    row.append(cells[n])
                elif n in self.data:
                    row.append("—")
                else:
                    row.append(number(t.shown_derivative(n)))
        blanks = [value_blanks[n] for n in self.nodes if n in value_blanks] + derivative_blanks
        given: list[str | Math] = []
        inputs = program_of(G).inputs
        for n in [n for n in inputs if n not in self.data] + [n for n in inputs if n in self.data]:
            value, name = _given(self.values.value(n)), self.name(n)
            data = (" (data)", r" \text{ (data)}") if n in self.data else ("", "")
            given.append(Math(f"{name.text}{data[0]} = {value.text}",
                              f"{name.latex}{data[1]} = {value.latex}"))
        for t in self.traces:
            seed, value = t.seed_node, _given(t.derivative(t.seed_node))
            given.append(Math(f"seed: {node_symbol(t, seed)} = {value.text}",
                              rf"\text{{seed: }} {node_symbol(t, seed, 'latex')} = {value.latex}"))
        title = self.source.title or self.source.name
        index = {n: i for i, n in enumerate(self.nodes)}
        edges = [(index[o], index[n]) for n in self.nodes
                 for o in dict.fromkeys(node(G, n).get("operands", ())) if o in index]
        rankdir = (self.source.render or {}).get("rankdir", "LR")
        return Sheet(title, getattr(self.source, "description", ""), self.variant, given,
                     columns, rows, blanks, formulas, "steps" in self.kinds, edges,
                     "LR" if rankdir == "auto" else rankdir, self.truth)

    def _header(self, trace: Trace) -> Math:
        other = self.name(trace.seed_node)
        if trace.mode == Mode.FORWARD:
            return Math(f"tangent ∂·/∂{other.text}",
                        rf"\text{{tangent }} \partial\cdot/\partial {other.latex}")
        return Math(f"adjoint ∂{other.text}/∂·",
                    rf"\text{{adjoint }} \partial {other.latex}/\partial\cdot")

    def _value_blank(self, n: str) -> Blank:
        d = node(self.G, n)
        ids = [self.vid(o) for o in d["operands"]]
        fn, params = PRIMITIVES[d["op"]].fn, dict(d.get("params", ()))

        def consistent(look: Look) -> Any:
            with np.errstate(all="ignore"):
                return fn(*[look(i) for i in ids], **params)

        def wrong(look: Look) -> list[Path_]:
            return [("sign", -consistent(look), "the sign flipped")]

        name, formula, value = self.name(n), self.definition(n), number(self.values.shown(n))
        step = Math(f"{name.text} = {formula.text} = {value.text}",
                    f"{name.latex} = {formula.latex} = {value.latex}")
        return Blank(self.vid(n), "value", self.values.value(n), step, consistent, wrong,
                     tuple(dict.fromkeys(ids)), self.label(n))

    def _derivative_blank(self, trace: Any, step: Any) -> Blank:
        forward = trace.mode == Mode.FORWARD
        parts = []  # (carried id, contribution)
        for c in step.contributions:
            other = c.source if forward else c.target
            parts.append((None if c.trivial else self.did(trace, other), c))
        value_id = self.vid(step.node)

        def product(look: Look, carried_id: str | None, c: Any) -> Any:
            operands = node(self.G, c.target)["operands"]
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
                                    local_formula(c).split(" = ")[0] for _, c in parts)
                                + " without the upstream factor"))
            out.append(("value-for-derivative", look(value_id),
                        f"the value of {self.label(step.node)}"))
            return out

        depends = tuple(dict.fromkeys([*(i for i, _ in parts if i is not None), *(
            self.vid(o) for _, c in parts for o in node(self.G, c.target)["operands"])]))
        return Blank(self.did(trace, step.node), (Mode.FORWARD if forward else Mode.REVERSE).kind,
                     step.result, Math(equation(step), latex(step)), consistent, wrong, depends,
                     symbol(step))


def _local_at(G: Any, target: str, source: str, values: dict[str, Any]) -> float:
    """∂target/∂source with target's operands at ``values`` (scalars): forward mode on a
    graph of that one operation, so a wrong earlier value carries into the local factor."""
    data = node(G, target)
    H: nx.DiGraph = nx.DiGraph()
    operands = list(dict.fromkeys(data["operands"]))
    for o in operands:
        d = dict(node(G, o))
        if not is_constant(node(G, o)["op"]):
            d.update(op=INPUT, operands=())
        H.add_node(o, **d)
        H.add_edge(o, target, **G.edges[o, target])
    H.add_node(target, **data)
    inputs = [o for o in operands if is_input(node(H, o)["op"])]
    attach(H, Program(inputs=tuple(inputs), order=(*operands, target), outputs=(target,)))
    with np.errstate(all="ignore"):
        trace = forward_mode(H, {o: float(values[o]) for o in inputs}, wrt=source)
    return float(trace.derivative(target))


def _given(value: Any) -> Math:
    """An input as given: exact for scalars, every element for small arrays."""
    if np.ndim(value) == 0:
        text = repr(float(value))
        text = text.removesuffix(".0") if float(value).is_integer() else text
        return Math(text, text)
    return number(value)
