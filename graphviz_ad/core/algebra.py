"""The two interfaces the engine's interpreters are written against, as Protocols.

* :class:`RuleAlgebra`: what a compiled rule (:meth:`graphviz_ad.core.rules.Program.run`)
  applies its lines with: numbers, display trees, shown terms, graph nodes.
* :class:`SweepAlgebra`: what a sweep (:func:`graphviz_ad.core.sweep.sweep`) asks along
  each edge and at each node, in either direction: numbers (forward and reverse mode),
  graph nodes (the derivative written out in the language), counts (``cost``).

Every edge is named in graph order, ``operand → consumer``, in both directions; the
algebra's ``direction`` (:data:`graphviz_ad.core.modes.SWEEPS`) says which end carries the
derivative in (the operand's tangent forward, the consumer's adjoint in reverse) and which
end the term is formed for.  The algebras of :mod:`graphviz_ad.core.sweep` subclass these
Protocols, so the type checker holds each to its interface where it is defined.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from .modes import Mode

V = TypeVar("V")
D = TypeVar("D")  # a derivative: a number, a graph handle, a placeholder count
L = TypeVar("L")  # a local partial ∂consumer/∂operand


class RuleAlgebra(Protocol[V]):
    """Applies one line of a compiled rule: an op on earlier results, or a constant."""

    def apply(self, op: str, args: list[V], params: Any) -> V: ...

    def const(self, value: Any) -> V: ...


class SweepAlgebra(Protocol[D, L]):
    """What a sweep's derivatives are.  For each node n the sweep visits, every edge whose
    far end carries a derivative gives a term (an elementwise op: ``chain`` of the carried
    derivative and ``local``; a linear-map op: ``mapped``, its VJP or JVP rule); the
    terms are ``add``-ed left to right and ``finish`` says what n keeps (None: nothing)."""

    direction: Mode  # Mode.FORWARD (tangents) or Mode.REVERSE (adjoints)

    def local(self, operand: str, consumer: str, positions: tuple[int, ...]) -> L: ...

    def chain(self, operand: str, consumer: str, positions: tuple[int, ...], carried: D,
              local: L) -> D: ...

    def mapped(self, operand: str, consumer: str, positions: tuple[int, ...],
               carried: D) -> D: ...

    def add(self, n: str, total: D, term: D) -> D: ...

    def finish(self, n: str, total: D | None) -> D | None: ...
