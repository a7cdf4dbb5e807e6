"""ONE sweep, in either direction, walked with interchangeable algebras.

Forward mode and reverse mode (numbers, :func:`graphviz_ad.core.autodiff.forward_mode` and
:func:`~graphviz_ad.core.autodiff.reverse_mode`), the gradient graph (graph nodes,
:func:`graphviz_ad.core.calculus.gradient_graph`) and the cost count (operation counts,
:func:`graphviz_ad.core.calculus.cost`) are the same walk.  Each node n gets the sum, over
its edges to nodes that already carry a derivative, of that derivative taken across the
edge's op:

* forward (tangents, in graph order): the edges from n's operands, carrying their tangents;
* reverse (adjoints, in reverse graph order): the edges to n's consumers, carrying theirs.

Across an elementwise op the term is ``chain(carried, local)``, ``local`` being the op's
partials summed over the positions the operand fills (x·x: both), fitted to n's shape
(un-broadcast, or a reduction spread back); across a linear-map op it is the sum of the
op's JVP or VJP programs (:mod:`graphviz_ad.core.rules`).  An algebra
(:class:`~graphviz_ad.core.algebra.SweepAlgebra`) says what those mean.

>>> from graphviz_ad.core.parse import parse
>>> G = parse("y = sin(x)*x")
>>> counter = CountAlgebra(G, Mode.REVERSE)
>>> _ = sweep(G, {}, counter)
>>> counter.count  # partials b, a (0 ops) and cos(a) (1 op); 3 products; 1 add
5
>>> counter = CountAlgebra(G, Mode.FORWARD)
>>> _ = sweep(G, {"x": 0}, counter)
>>> counter.count  # the same partials and products; the add is where sin(x) and x meet
5
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np

from .algebra import D, L, RuleAlgebra, SweepAlgebra
from .build import GraphBuilder, graph_dicts
from .modes import Mode
from .nodes import node, node_data
from .ops import PRIMITIVES, fit, is_constant, is_leaf
from .program import program_of
from .rules import NUMBERS, OPERAND_NAMES, TANGENT_NAMES, local_function, rule_program
from .trace import Contribution, Deferred, Step

_LINEAR = frozenset(op for op, prim in PRIMITIVES.items() if prim.linear)


def sweep(G: nx.DiGraph, seeds: Mapping[str, D], algebra: SweepAlgebra[D, L],
          needed: Collection[str] | None = None) -> dict[str, D]:
    """The derivative of every node the algebra keeps, from ``seeds`` (node → seed), in
    the algebra's direction.

    Nodes are visited in graph order (forward) or exactly its reverse; constants, seeded
    nodes, inputs in a forward sweep (nothing flows into them) and, when ``needed`` is
    given, nodes outside it are skipped.  Edges are taken in operand order (forward) or
    in graph order of the consumers (reverse), their terms added left to right."""
    derived = dict(seeds)
    nodes, successors = node_data(G), graph_dicts(G).succ
    order = program_of(G).order
    forward = algebra.direction is Mode.FORWARD
    local_of, chain, mapped, add, finish = (algebra.local, algebra.chain, algebra.mapped,
                                            algebra.add, algebra.finish)
    for n in order if forward else reversed(order):
        op = nodes[n]["op"]
        if (n in seeds or (is_leaf(op) if forward else is_constant(op))
                or (needed is not None and n not in needed)):
            continue
        total = None
        edges: Iterable[tuple[str, Any]] = (distinct(nodes[n]["operands"]) if forward
                                            else successors[n].items())
        for other, link in edges:  # link: the positions (forward) or the edge's attributes
            carried = derived.get(other)
            if carried is None:
                continue
            positions: tuple[int, ...] = link if forward else link["positions"]
            operand, consumer = (other, n) if forward else (n, other)
            if nodes[consumer]["op"] in _LINEAR:
                term = mapped(operand, consumer, positions, carried)
            else:
                term = chain(operand, consumer, positions, carried,
                             local_of(operand, consumer, positions))
            total = term if total is None else add(n, total, term)
        kept = finish(n, total)
        if kept is not None:
            derived[n] = kept
    return derived


def distinct(operands: tuple[str, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """Group argument positions by operand, in order of first use: x·x → [("x", (0, 1))]."""
    if len(operands) == 1:
        return [(operands[0], (0,))]
    grouped: dict[str, tuple[int, ...]] = {}
    for position, operand in enumerate(operands):
        grouped[operand] = grouped.get(operand, ()) + (position,)
    return list(grouped.items())


def shaped(op: str) -> bool:
    """Whether an elementwise op's operand may differ in shape from its result (so the
    chain rule's product is un-broadcast): two operands, or a reduction."""
    prim = PRIMITIVES[op]
    return prim.arity > 1 or prim.reduces


def rule_env(G: nx.DiGraph, consumer: str, of: Mapping[str, Any], **extra: Any
             ) -> dict[str, Any]:
    """A rule's inputs for ``consumer``: its operands and its result ``out`` looked up in
    ``of`` (numbers, or builder handles), and its params."""
    d = node(G, consumer)
    return {**dict(zip(OPERAND_NAMES, (of[o] for o in d["operands"]))), "out": of[consumer],
            **dict(d.get("params", ())), **extra}


class NumberAlgebra(SweepAlgebra[Any, Any]):
    """The numbers of forward or reverse mode: each edge's term is recorded as a
    :class:`~graphviz_ad.core.trace.Contribution` and each node's as a
    :class:`~graphviz_ad.core.trace.Step` (0 when no edge carries a derivative).

    ``seeded`` is the node the pass starts from (``wrt`` forward, ``of`` in reverse) and
    ``seed_label`` how its seed is labelled (:func:`~graphviz_ad.core.autodiff.seed_label`);
    the steps point to ``shown``."""

    def __init__(self, G: nx.DiGraph, values: dict[str, Any], direction: Mode, seeded: str,
                 seed_label: str | None, shown: nx.DiGraph | None = None) -> None:
        self.G, self.values, self.direction = G, values, direction
        self.seeded, self.seed_label = seeded, seed_label
        self.nodes = node_data(G)
        self.shown = G if shown is None else shown
        self.kind = direction.kind
        self.forward = direction is Mode.FORWARD
        self.wrt: str | None = seeded if self.forward else None  # the Step's seeded end
        self.of: str | None = None if self.forward else seeded
        self.steps: list[Step] = []
        self.contributions: list[Contribution] = []

    def local(self, operand: str, consumer: str, positions: tuple[int, ...]) -> Any:
        data, values = self.nodes[consumer], self.values
        return local_partial(data["op"], positions, [values[o] for o in data["operands"]],
                             values[consumer])

    def chain(self, operand: str, consumer: str, positions: tuple[int, ...], carried: Any,
              local: Any) -> Any:
        # fitted to the node formed: reverse sums a broadcast operand's adjoint back (or
        # spreads a reduction's), forward sums a reduction's tangent or broadcasts it up
        product = fitted(carried * local, self.values[consumer if self.forward else operand])
        self._contribute(operand, consumer, positions, local, carried, product)
        return product

    def mapped(self, operand: str, consumer: str, positions: tuple[int, ...],
               carried: Any) -> Any:
        values = self.values
        rule, formed = ("jvp", consumer) if self.forward else ("vjp", operand)
        product = fitted(linear_map(self.G, consumer, values, rule, positions, carried),
                         values[formed])
        local = Deferred(lambda: linear_local(self.G, consumer, values, positions))
        self._contribute(operand, consumer, positions, local, carried, product)
        return product

    def _contribute(self, operand: str, consumer: str, positions: tuple[int, ...],
                    local: Any, carried: Any, product: Any) -> None:
        carrier = operand if self.forward else consumer  # ∂x/∂x or ∂y/∂y = 1: trivial
        self.contributions.append(Contribution(
            operand, consumer, positions, local, carried, product, self.shown,
            trivial=carrier == self.seeded and self.seed_label is None))

    @staticmethod
    def add(n: str, total: Any, term: Any) -> Any:
        return total + term

    def finish(self, n: str, total: Any) -> Any:
        result = total if total is not None else zero_like(self.values[n])
        self.steps.append(Step(len(self.steps), self.kind, n, result,
                               tuple(self.contributions), self.shown, wrt=self.wrt,
                               of=self.of, seed=self.seed_label))
        self.contributions = []
        return total


def local_partial(op: str, positions: tuple[int, ...], args: list[Any], out: Any) -> Any:
    """∂op/∂operand at ``args`` (``out`` is op's result), summed over the positions that
    operand fills."""
    total = local_function(op, positions[0])(args, out)
    for p in positions[1:]:
        total = total + local_function(op, p)(args, out)
    return total


def linear_map(G: nx.DiGraph, consumer: str, values: Mapping[str, Any], kind: str,
               positions: tuple[int, ...], carried: Any) -> Any:
    """A linear-map op's ``"vjp"`` (``carried`` is its adjoint) or ``"jvp"`` (the
    operand's tangent) in numbers, summed over the operand's positions."""
    op, env = node(G, consumer)["op"], rule_env(G, consumer, values)
    total = None
    for p in positions:
        env["g" if kind == "vjp" else TANGENT_NAMES[p]] = carried
        part = rule_program(op, kind, p).run(NUMBERS, env)
        total = part if total is None else total + part
    return total


def linear_local(G: nx.DiGraph, consumer: str, values: Mapping[str, Any],
                 positions: tuple[int, ...] = (0,)) -> Any:
    """What a linear-map op shows as its local derivative: the VJP of ones (for a
    reduction, each element's weight: 𝟙 for sum, 𝟙/n for mean, softmax for logsumexp)."""
    return linear_map(G, consumer, values, "vjp", positions, ones_like(values[consumer]))


def ones_like(value: Any) -> Any:
    """Ones of ``value``'s shape (a float64 for a scalar): the seed of a pass by default."""
    return np.ones_like(value, dtype=float) if np.ndim(value) else np.float64(1.0)


class GraphAlgebra(SweepAlgebra[int, int], RuleAlgebra[int]):
    """Derivatives as nodes of a growing graph (a :class:`~graphviz_ad.core.build.GraphBuilder`
    made ``from_graph(G)``, sharing identical nodes and folding ×1, +0): forward or reverse
    mode written out in the language.  Derivatives are the builder's handles; each new
    node sits at the source position of the node whose derivative it forms."""

    def __init__(self, G: nx.DiGraph, builder: GraphBuilder, direction: Mode) -> None:
        self.G, self.w, self.direction = G, builder, direction
        self.forward = direction is Mode.FORWARD
        self.h = builder.handles  # G's node id -> handle
        self.pos: tuple[int, int] = (0, 0)

    # the RuleAlgebra of rules.Program: lines become nodes at the current position
    def apply(self, op: str, args: list[int], params: Any) -> int:
        return self.w.node(op, tuple(args), self.pos, params)

    def const(self, value: Any) -> int:
        return self.w.const(float(value), None, self.pos)

    def _at(self, operand: str, consumer: str) -> None:
        d = node(self.G, consumer if self.forward else operand)
        self.pos = (d["line"], d["column"])

    def _rules(self, kind: str, consumer: str, positions: tuple[int, ...],
               env: dict[str, Any], carried: int | None = None) -> int:
        """The sum over ``positions`` of the consumer's ``kind`` rule (a JVP reads the
        carried tangent as its position's ``da``/``db``)."""
        op, total = node(self.G, consumer)["op"], None
        for p in positions:
            if carried is not None and kind == "jvp":
                env = {**env, TANGENT_NAMES[p]: carried}
            part: int = rule_program(op, kind, p).run(self, env)
            total = part if total is None else self.w.node("add", (total, part), self.pos)
        assert total is not None  # an edge fills at least one position
        return total

    def local(self, operand: str, consumer: str, positions: tuple[int, ...]) -> int:
        self._at(operand, consumer)
        return self._rules("partial", consumer, positions, rule_env(self.G, consumer, self.h))

    def chain(self, operand: str, consumer: str, positions: tuple[int, ...], carried: int,
              local: int) -> int:
        formed = consumer if self.forward else operand
        factors = (local, carried) if self.forward else (carried, local)  # as written: P·da, g·P
        term = self.w.node("mul", factors, self.pos)
        if shaped(node(self.G, consumer)["op"]):  # shapes may differ: fit to formed's shape
            term = self.w.node("sum_like", (term, self.h[formed]), self.pos)
        return term

    def mapped(self, operand: str, consumer: str, positions: tuple[int, ...],
               carried: int) -> int:
        self._at(operand, consumer)
        if self.forward:
            return self._rules("jvp", consumer, positions, rule_env(self.G, consumer, self.h),
                               carried)
        return self._rules("vjp", consumer, positions,
                           rule_env(self.G, consumer, self.h, g=carried))

    def add(self, n: str, total: int, term: int) -> int:
        return self.w.node("add", (total, term), self.pos)

    def finish(self, n: str, total: int | None) -> int | None:
        return total


class CountAlgebra(SweepAlgebra[int, None]):
    """Counts primitive evaluations: the ops of every rule applied, one product per
    elementwise edge, one addition wherever terms meet.  Every visited node gets a
    derivative (a placeholder 0)."""

    def __init__(self, G: nx.DiGraph, direction: Mode) -> None:
        self.G, self.direction, self.count = G, direction, 0
        # a linear map's rule as written: the JVP forward, the VJP in reverse (its display
        # form: promotion reshapes are free)
        self.rule = "jvp" if direction is Mode.FORWARD else "show"

    def _ops(self, consumer: str, kind: str, positions: tuple[int, ...]) -> None:
        op = node(self.G, consumer)["op"]
        self.count += sum(len(rule_program(op, kind, p).ops) for p in positions)

    def local(self, operand: str, consumer: str, positions: tuple[int, ...]) -> None:
        self._ops(consumer, "partial", positions)

    def chain(self, operand: str, consumer: str, positions: tuple[int, ...], carried: int,
              local: None) -> int:
        self.count += 1
        return 0

    def mapped(self, operand: str, consumer: str, positions: tuple[int, ...],
               carried: int) -> int:
        self._ops(consumer, self.rule, positions)
        return 0

    def add(self, n: str, total: int, term: int) -> int:
        self.count += 1
        return 0

    def finish(self, n: str, total: int | None) -> int:
        return 0


def zero_like(value: Any) -> Any:
    """Zeros of ``value``'s shape (a float64 for a scalar)."""
    if type(value) is np.float64:
        return _ZERO
    zero = np.zeros_like(value, dtype=float)
    return zero[()] if zero.ndim == 0 else zero


_ZERO = np.float64(0.0)


def fitted(product: Any, like: Any) -> Any:
    """``product`` brought to ``like``'s shape (summed down, or broadcast up), skipped for
    two scalars (the fast path of scalar programs)."""
    if type(product) is np.float64 and type(like) is np.float64:
        return product
    return fit(product, like)
