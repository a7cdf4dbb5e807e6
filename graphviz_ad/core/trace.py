"""``Contribution``, ``Step`` and ``Trace``: what a pass computed, in order, as plain records.

A step holds its numbers and its terms (one :class:`Contribution` per edge of the chain
rule), no text: its formulas and equations are built from these records by
:mod:`graphviz_ad.explain.steps`, a whole trace's table, Markdown and LaTeX by
:mod:`graphviz_ad.explain.report`, its JSON by :mod:`graphviz_ad.explain.trace_json`, its
drawings by :mod:`graphviz_ad.draw`.  So a
100,000-step trace costs little until it is shown, and showing it does not make it bigger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .errors import GraphvizAdError
from .lookup import find_node, same_step
from .modes import Mode
from .nodes import node_data, quantity
from .noise import Scales
from .number_format import without_noise
from .program import program_of


class Deferred:
    """A number computed when first needed."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[], Any]) -> None:
        self.compute = compute


@dataclass(eq=False, slots=True)
class Contribution:
    """One edge's share in a chain-rule step.

    Forward mode: ``carried`` is the source's tangent, the step's node is ``target``.
    Reverse mode: ``carried`` is the target's adjoint, the step's node is ``source``.
    ``local`` is ∂target/∂source at the current values and ``product = carried·local``;
    ``positions`` are the operand slots of ``target`` that ``source`` fills (x·x: both).
    Its text (``∂f4/∂f3 = exp(f3)``) is :func:`graphviz_ad.explain.edges.local_formula`.
    """

    source: str
    target: str
    positions: tuple[int, ...]
    local_: Any  # the number, or a Deferred one (a linear map's, computed when shown)
    carried: Any
    product: Any
    graph: nx.DiGraph = field(repr=False)
    trivial: bool = False  # the carried factor is ∂x/∂x or ∂y/∂y = 1: show the local part only

    @property
    def local(self) -> Any:
        """∂target/∂source at the current values (for a linear-map op, the pullback of
        ones, computed on first access: only drawings and JSON show it)."""
        if isinstance(self.local_, Deferred):
            self.local_ = self.local_.compute()
        return self.local_


@dataclass(eq=False, slots=True)
class Step:
    """One step of a pass: the quantity computed for ``node`` and how.

    ``kind`` is ``"value"`` (evaluate), ``"tangent"`` (forward: ∂node/∂wrt) or
    ``"adjoint"`` (reverse: ∂of/∂node); ``result`` is the number computed, the sum of
    its ``contributions``' products.  ``seed`` says what the pass was seeded with when
    that was not the scalar 1 (see :func:`graphviz_ad.core.formula.seeded_symbol`): ``"1"``
    (an array seeded with ones, so a tangent is the derivative along all-ones, ``∂f/∂z·1``,
    and an adjoint the gradient of the sum, ``∂(Σy)/∂f``), ``"[i]"`` (one-hot) or ``"v"``
    (any other).  Its texts (symbol, formula, equation, LaTeX) are built by
    :mod:`graphviz_ad.explain.steps` (``ad.explain_step(step)``).
    """

    index: int
    kind: str
    node: str
    result: Any
    contributions: tuple[Contribution, ...]
    graph: nx.DiGraph = field(repr=False)
    wrt: str | None = None
    of: str | None = None
    seed: str | None = None
    scales: Scales | None = field(default=None, repr=False)  # its pass's, set by the Trace

    def same_as(self, other: Step, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
        """Whether ``other`` computes the same quantity through the same edges with the same
        numbers, compared by structure, not by names or strings (for autograders)."""
        return same_step(self, other, rtol, atol)

    def scale(self) -> Any:
        """The scale of :attr:`result` (see :mod:`graphviz_ad.core.noise`): below
        1e-12 of it, a number is rounding noise and shown as 0.  None outside a Trace."""
        if self.scales is None:
            return None
        if self.kind == "value":
            return self.scales.value(self.node)
        return self.scales.derivative(self.node)

    def carried_scale(self, c: Contribution) -> Any:
        """The scale of a contribution's carried number (its node's tangent or adjoint)."""
        if self.scales is None:
            return None
        return self.scales.derivative(c.source if self.kind == "tangent" else c.target)

    def value_scale(self, node: str) -> Any:
        """The scale of ``node``'s value (None outside a Trace)."""
        return None if self.scales is None else self.scales.value(node)

    def shown_local(self, c: Contribution) -> Any:
        """``c.local`` as displays show it: at the shown values (see ``Scales.local``)."""
        return c.local if self.scales is None else self.scales.local(c)


@dataclass(eq=False)
class Trace:
    """The result of a pass: an annotated copy of the graph and the ordered steps.

    Node attributes added: ``value`` always, ``tangent`` (forward) or ``adjoint``
    (reverse), and ``nonfinite=True`` where numbers became nan/inf.  Edges used by a
    derivative step get ``local`` (their local partial derivative).  Shown as text by
    ``ad.table``, ``ad.markdown``, ``ad.latex``, ``ad.to_json``; drawn by ``ad.render``
    and ``ad.player`` (and in Jupyter, once ``graphviz_ad`` is imported, as its graph).
    """

    graph: nx.DiGraph
    steps: list[Step]
    mode: Mode
    inputs: dict[str, Any]
    wrt: str | None = None
    of: str | None = None
    seed: str | None = None  # as Step.seed: None when seeded with the scalar 1
    # nodes a restricted reverse pass (``reverse_mode(wrt=…)``) computed no adjoint for
    skipped: frozenset[str] = frozenset()
    scales: Scales = field(init=False, repr=False)  # which numbers are rounding noise

    def __post_init__(self) -> None:
        self.scales = Scales(self.graph, self.steps)
        for step in self.steps:
            if step.scales is None:
                step.scales = self.scales

    def shown(self, node: str, attribute: str = "value") -> Any:
        """``node``'s ``attribute`` (``"value"``, ``"tangent"`` or ``"adjoint"``) as
        displays show it: its rounding noise set to 0 (see :mod:`graphviz_ad.core.noise`)."""
        return without_noise(quantity(node_data(self.graph)[node], attribute),
                             self.scales.of(node, attribute))

    def shown_derivative(self, node: str) -> Any:
        """``node``'s tangent or adjoint as displays show it (rounding noise as 0)."""
        attribute = self.derivative_attribute
        if attribute is None:
            raise GraphvizAdError("an evaluate trace has no derivatives")
        return self.shown(node, attribute)

    @property
    def outputs(self) -> list[str]:
        return list(program_of(self.graph).outputs)

    @property
    def seed_node(self) -> str:
        """The node the pass is seeded at: ``wrt`` (forward) or ``of`` (reverse)."""
        node = self.wrt if self.mode == Mode.FORWARD else self.of
        if node is None:
            raise GraphvizAdError(f"a {self.mode} trace has no seeded node")
        return node

    @property
    def derivative_attribute(self) -> str | None:
        """``"tangent"``, ``"adjoint"`` or None for an evaluate trace."""
        return None if self.mode == Mode.EVALUATE else self.mode.kind

    def node(self, query: str) -> str:
        """The node id that ``query`` names: an id (``c``: the last binding of ``c``), an
        earlier binding's label or id (``c⁽¹⁾``, ``c#1``) or an expression
        (``exp(x) + exp(x)^2``) matched by structure, whatever the program named it."""
        return find_node(self.graph, query)

    def value(self, node: str) -> Any:
        """The value of a node given as :meth:`node` accepts it."""
        return node_data(self.graph)[self.node(node)]["value"]

    def derivative(self, node: str) -> Any:
        """The tangent (forward) or adjoint (reverse) of a node given as :meth:`node`
        accepts it (``trace.derivative("exp(x)")``)."""
        attribute = self.derivative_attribute
        if attribute is None:
            raise GraphvizAdError("an evaluate trace has no derivatives")
        return quantity(node_data(self.graph)[self.node(node)], attribute)

    def gradient(self) -> dict[str, Any]:
        """Reverse mode: ∂of/∂input for every input.  Forward mode: ∂output/∂wrt per output."""
        if self.mode == Mode.REVERSE:
            return {n: self.derivative(n) for n in program_of(self.graph).inputs}
        return {n: self.derivative(n) for n in self.outputs}

    @property
    def flagged(self) -> list[str]:
        """Nodes whose value or derivative is nan or inf, in graph order."""
        nodes = node_data(self.graph)
        return [n for n in program_of(self.graph).order if nodes[n].get("nonfinite")]

    def __repr__(self) -> str:
        return (f"<Trace {self.mode}: {self.graph.number_of_nodes()} nodes, "
                f"{len(self.steps)} steps>")
