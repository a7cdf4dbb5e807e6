"""ONE reverse sweep, walked with interchangeable algebras.

Reverse mode (numbers, :func:`graphviz_ad.core.autodiff.reverse_mode`), the gradient graph
(graph nodes, :func:`graphviz_ad.core.calculus.gradient_graph`) and the cost count (operation
counts, :func:`graphviz_ad.core.calculus.cost`) are the same walk: for each node n in reverse
order, sum over its consumers c the adjoint of c pulled back through c's rule, where

* an elementwise consumer gives ``chain(carried, local)`` with ``local`` the sum of its
  partials over the positions n fills (x·x: both), un-broadcast to n's shape;
* a linear-map consumer gives the sum of its VJP programs (:mod:`graphviz_ad.core.rules`).

An algebra says what those mean: ``local``, ``chain``, ``pull``, ``add`` and ``finish``
(what is kept as n's adjoint, None for none).

>>> from graphviz_ad.core.parse import parse
>>> G = parse("y = sin(x)*x")
>>> counter = CountAlgebra(G)
>>> _ = reverse_sweep(G, {}, counter)
>>> counter.count  # partials b, a (0 ops) and cos(a) (1 op); 3 products; 1 add
5
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import networkx as nx
import numpy as np

from .build import graph_dicts
from .ops import PRIMITIVES, fit
from .program import program_of
from .rules import NUMBERS, OPERAND_NAMES, TANGENT_NAMES, rule_program
from .trace import Contribution, Deferred, Step


def reverse_sweep(G: nx.DiGraph, seeds: Mapping[str, Any], algebra: Any,
                  needed: Collection[str] | None = None) -> dict[str, Any]:
    """Adjoints of every node (those the algebra keeps), from ``seeds`` (node → seed).

    Nodes are visited in exactly the reverse of the graph order; constants, seeded
    nodes and, when ``needed`` is given, nodes outside it are skipped.  Consumers are
    taken in graph order, their terms added left to right as they come."""
    adjoints = dict(seeds)
    nodes, successors, _ = graph_dicts(G)
    linear = {op for op, prim in PRIMITIVES.items() if prim.linear}
    pull, local_of, chain, add, finish = (algebra.pull, algebra.local, algebra.chain,
                                          algebra.add, algebra.finish)
    for n in reversed(program_of(G).order):
        if n in seeds or nodes[n]["op"] == "const" or (needed is not None and n not in needed):
            continue
        total = None
        for consumer, edge in successors[n].items():
            carried = adjoints.get(consumer)
            if carried is None:
                continue
            positions = edge["positions"]
            if nodes[consumer]["op"] in linear:
                term = pull(n, consumer, positions, carried)
            else:
                local = local_of(n, consumer, positions)
                term = chain(n, consumer, positions, carried, local)
            total = term if total is None else add(n, total, term)
        kept = finish(n, total)
        if kept is not None:
            adjoints[n] = kept
    return adjoints


def _env(G: nx.DiGraph, consumer: str, _handles: Mapping[str, Any] | None = None,
         **extra: Any) -> dict[str, Any]:
    """A rule's inputs as graph nodes (or, given ``_handles``, their builder handles):
    the consumer's operands, its result ``out`` and its params."""
    d = G.nodes[consumer]
    operands, out = d["operands"], consumer
    if _handles is not None:
        operands, out = [_handles[o] for o in operands], _handles[consumer]
    return {**dict(zip(OPERAND_NAMES, operands)), "out": out,
            **dict(d.get("params", ())), **extra}


def shaped(op: str) -> bool:
    """Whether an elementwise op's operand may differ in shape from its result (so the
    chain rule's product is un-broadcast): two operands, or a reduction."""
    prim = PRIMITIVES[op]
    return prim.arity > 1 or prim.reduces


class NumberAlgebra:
    """The numbers of reverse mode: each edge's term is recorded as a
    :class:`~graphviz_ad.core.trace.Contribution` and each node's as a
    :class:`~graphviz_ad.core.trace.Step` (0 when no consumer carries an adjoint)."""

    def __init__(self, G: nx.DiGraph, values: dict[str, Any], of: str, kind: str | None,
                 local: Callable[..., Any], shown: nx.DiGraph | None = None) -> None:
        self.G, self.values, self.of, self.kind = G, values, of, kind
        self.nodes = graph_dicts(G).nodes
        self.shown = G if shown is None else shown  # the graph the steps point to
        self._local = local  # autodiff._local: ∂op/∂operand summed over positions
        self.steps: list[Step] = []
        self.contributions: list[Contribution] = []

    def local(self, n: str, consumer: str, positions: tuple[int, ...]) -> Any:
        data, values = self.nodes[consumer], self.values
        return self._local(data["op"], positions, [values[o] for o in data["operands"]],
                           values[consumer])

    def chain(self, n: str, consumer: str, positions: tuple[int, ...], carried: Any,
              local: Any) -> Any:
        product = unbroadcast(carried * local, self.values[n])  # or spread a reduction back
        self._contribute(n, consumer, positions, local, carried, product)
        return product

    def pull(self, n: str, consumer: str, positions: tuple[int, ...], carried: Any) -> Any:
        product = unbroadcast(linear_map(self.G, consumer, self.values, "vjp", positions,
                                         carried), self.values[n])
        local = Deferred(lambda: linear_local(self.G, consumer, self.values, positions))
        self._contribute(n, consumer, positions, local, carried, product)
        return product

    def _contribute(self, n: str, consumer: str, positions: tuple[int, ...], local: Any,
                    carried: Any, product: Any) -> None:
        self.contributions.append(Contribution(
            n, consumer, positions, local, carried, product, self.shown,
            trivial=consumer == self.of and self.kind is None))

    @staticmethod
    def add(n: str, total: Any, term: Any) -> Any:
        return total + term

    def finish(self, n: str, total: Any) -> Any:
        result = total if total is not None else _zero_like(self.values[n])
        self.steps.append(Step(len(self.steps), "adjoint", n, result,
                               tuple(self.contributions), self.shown, of=self.of,
                               seed=self.kind))
        self.contributions = []
        return total


def linear_map(G: nx.DiGraph, node: str, values: Mapping[str, Any], kind: str,
               positions: tuple[int, ...], carried: Any) -> Any:
    """A linear-map op's ``"vjp"`` (``carried`` is node's adjoint) or ``"jvp"`` (the
    operand's tangent) in numbers, summed over the operand's positions."""
    d = G.nodes[node]
    env = {**dict(zip(OPERAND_NAMES, (values[o] for o in d["operands"]))),
           "out": values[node], **dict(d.get("params", ()))}
    total = None
    for p in positions:
        env["g" if kind == "vjp" else TANGENT_NAMES[p]] = carried
        part = rule_program(d["op"], kind, p).run(NUMBERS, env)
        total = part if total is None else total + part
    return total


def linear_local(G: nx.DiGraph, node: str, values: Mapping[str, Any],
                 positions: tuple[int, ...] = (0,)) -> Any:
    """What a linear-map op shows as its local derivative: the VJP of ones (for a
    reduction, each element's weight: 𝟙 for sum, 𝟙/n for mean, softmax for logsumexp)."""
    ones = _seed_ones(values[node])
    return linear_map(G, node, values, "vjp", positions, ones)


def _seed_ones(value: Any) -> Any:
    return np.ones_like(value, dtype=float) if np.ndim(value) else np.float64(1.0)


class GraphAlgebra:
    """Adjoints as nodes of a growing graph (a :class:`~graphviz_ad.core.build.GraphBuilder`
    made ``from_graph(G)``, sharing identical nodes and folding ×1, +0): reverse mode
    written out in the language.  Adjoints are the builder's handles."""

    def __init__(self, G: nx.DiGraph, builder: Any) -> None:
        self.G, self.w = G, builder
        self.h = builder.handles  # G's node id -> handle
        self.pos: tuple[int, int] = (0, 0)

    # the rules.Program algebra: lines become nodes at the position of the current node
    def apply(self, op: str, args: list[int], params: Any) -> int:
        return self.w.node(op, tuple(args), self.pos, params)

    def const(self, value: Any) -> int:
        return self.w.const(float(value), None, self.pos)

    def _at(self, n: str) -> None:
        d = self.G.nodes[n]
        self.pos = (d["line"], d["column"])

    def local(self, n: str, consumer: str, positions: tuple[int, ...]) -> int:
        self._at(n)
        op, env = self.G.nodes[consumer]["op"], _env(self.G, consumer, self.h)
        first, *rest = positions
        local: int = rule_program(op, "partial", first).run(self, env)
        for p in rest:
            part = rule_program(op, "partial", p).run(self, env)
            local = self.w.node("add", (local, part), self.pos)
        return local

    def chain(self, n: str, consumer: str, positions: tuple[int, ...], carried: int,
              local: int) -> int:
        term = self.w.node("mul", (carried, local), self.pos)
        if shaped(self.G.nodes[consumer]["op"]):  # shapes may differ: fit to n's shape
            term = self.w.node("sum_like", (term, self.h[n]), self.pos)
        return term

    def pull(self, n: str, consumer: str, positions: tuple[int, ...], carried: int) -> int:
        self._at(n)
        op, env = self.G.nodes[consumer]["op"], _env(self.G, consumer, self.h, g=carried)
        first, *rest = positions
        total: int = rule_program(op, "vjp", first).run(self, env)
        for p in rest:
            part = rule_program(op, "vjp", p).run(self, env)
            total = self.w.node("add", (total, part), self.pos)
        return total

    def add(self, n: str, total: int, term: int) -> int:
        return self.w.node("add", (total, term), self.pos)

    def finish(self, n: str, total: int | None) -> int | None:
        return total


class CountAlgebra:
    """Counts primitive evaluations: the ops of every rule applied, one product per
    edge, one addition wherever terms meet.  Every visited node gets an adjoint."""

    def __init__(self, G: nx.DiGraph) -> None:
        self.G, self.count = G, 0

    def _ops(self, consumer: str, kind: str, positions: tuple[int, ...]) -> None:
        op = self.G.nodes[consumer]["op"]
        self.count += sum(len(rule_program(op, kind, p).ops) for p in positions)

    def local(self, n: str, consumer: str, positions: tuple[int, ...]) -> None:
        self._ops(consumer, "partial", positions)

    def chain(self, n: str, consumer: str, positions: tuple[int, ...], carried: Any,
              local: Any) -> int:
        self.count += 1
        return 0

    def pull(self, n: str, consumer: str, positions: tuple[int, ...], carried: Any) -> int:
        self._ops(consumer, "show", positions)  # as written: promotion reshapes are free
        return 0

    def add(self, n: str, total: Any, term: Any) -> int:
        self.count += 1
        return 0

    def finish(self, n: str, total: Any) -> int:
        return 0


def _zero_like(value: Any) -> Any:
    """Zeros of ``value``'s shape (a float64 for a scalar)."""
    if type(value) is np.float64:
        return _ZERO
    zero = np.zeros_like(value, dtype=float)
    return zero[()] if zero.ndim == 0 else zero


_ZERO = np.float64(0.0)


def unbroadcast(product: Any, like: Any) -> Any:
    """``product`` summed down to ``like``'s shape, skipped for two scalars (the fast path
    of scalar programs)."""
    if type(product) is np.float64 and type(like) is np.float64:
        return product
    return fit(product, like)
