"""``Step`` and ``Trace``: what a pass computed, in order, with its chain-rule formulas.

Steps are cheap records of numbers; their formulas (Unicode and LaTeX) are built from
the graph each time they are asked for and not kept, so a 100,000-step trace costs
little until it is shown, and showing it does not make it bigger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from .errors import GraphvizAdError
from .formula import (
    definition,
    definition_leaves,
    definition_tree,
    derivative_symbol,
    fmt_name,
    fmt_number,
    hadamard,
    hadamard_tree,
    node_label,
    parenthesize_negative,
    product,
    seeded_symbol,
    show,
    show_leaves,
    sum_over,
    without_noise,
)
from .modes import Mode
from .nodes import node_data, quantity
from .noise import Scales
from .ops import PRIMITIVES
from .program import program_of
from .rules import (
    OPERAND_NAMES,
    TANGENT_NAMES,
    name_leaf,
    number_leaf,
    op_tree,
    partial_tree,
    rule_program,
    rule_tree,
    simplify,
)
from .shown import Known, Shown, elementwise_numeric, summed_over, value_leaf


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
    ``local`` is ∂target/∂source at the current values and ``product = carried·local``.
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

    def local_tree(self) -> Any:
        """Display tree of ∂target/∂source in terms of the target's operands."""
        data = node_data(self.graph)[self.target]
        leaves = definition_leaves(self.graph, self.target)
        if PRIMITIVES[data["op"]].linear:  # the pullback of 𝟙, as the numbers of `local`
            return self.rule_tree("g", number_leaf(1.0))
        return _partials(data["op"], self.positions, leaves)

    def local_shown(self, style: str = "text") -> str:
        """``show(self.local_tree(), style)``, laid out once per op, operand positions
        and constants (see :func:`graphviz_ad.core.formula.show_leaves`)."""
        op = node_data(self.graph)[self.target]["op"]
        if PRIMITIVES[op].linear:
            return show(self.local_tree(), style)
        positions = self.positions
        return show_leaves(("partial", op, positions),
                           lambda leaves: _partials(op, positions, leaves),
                           definition_leaves(self.graph, self.target), style)

    def rule_tree(self, carried: str, leaf: Any) -> Any:
        """A linear-map op's rule as written, over the target's operands, with the
        carried factor (``"g"`` for the VJP, ``"d"`` for the JVP) shown as ``leaf``."""
        data = node_data(self.graph)[self.target]
        leaves = definition_leaves(self.graph, self.target)
        env = {**dict(zip(OPERAND_NAMES, leaves)), "g": leaf,
               "out": name_leaf(node_label(self.graph, self.target)),
               **dict(data.get("params", ()))}
        trees = []
        for p in self.positions:
            kind = "show" if carried == "g" else "jvp"
            trees.append(rule_tree(rule_program(data["op"], kind, p),
                                   {**env, TANGENT_NAMES[p]: leaf}))
        tree = trees[0]
        for extra in trees[1:]:
            tree = op_tree("add", (tree, extra))
        return simplify(tree)

    def local_formula(self, style: str = "text", kind: str = "adjoint") -> str:
        """``∂f4/∂f3 = exp(f3)`` (or its LaTeX); a matrix op's as the map a ``kind`` pass
        applies along the edge (see :meth:`map_shown`), ``∂z/∂W: G ↦ G · xᵀ``."""
        symbol = derivative_symbol(self._name(self.target), self._name(self.source), style)
        if PRIMITIVES[node_data(self.graph)[self.target]["op"]].matrix:  # a map, not a number
            return f"{symbol} \\colon {self.map_shown(kind, style)}" if style == "latex" \
                else f"{symbol}: {self.map_shown(kind, style)}"
        return f"{symbol} = {self.local_shown(style)}"

    def map_shown(self, kind: str = "adjoint", style: str = "text") -> str:
        """A linear-map op's edge as the map a pass applies along it, from the rule table:
        ``kind`` "tangent" (forward) its JVP, ``dW ↦ dW · x``; "adjoint" (reverse) its
        pullback (VJP), ``G ↦ G · xᵀ``."""
        carried, rule = "G", "g"
        if kind == "tangent":
            source, rule = self._name(self.source), "d"
            carried = (rf"\mathrm{{d}}{fmt_name(source, style)}" if style == "latex"
                       else f"d{source}")  # a LaTeX leaf that is no identifier stays as is
        body = show(self.rule_tree(rule, name_leaf(carried)), style)
        return (rf"{carried} \mapsto {body}" if style == "latex" else f"{carried} ↦ {body}")

    def _name(self, node: str) -> str:
        return node_label(self.graph, node)


def _partials(op: str, positions: tuple[int, ...], leaves: tuple) -> Any:
    """∂op/∂operand summed over ``positions`` (x·x: both slots are x), over ``leaves``."""
    tree = partial_tree(op, positions[0], leaves)
    for p in positions[1:]:
        tree = op_tree("add", (tree, partial_tree(op, p, leaves)))
    return simplify(tree)


@dataclass(eq=False, slots=True)
class Step:
    """One step of a pass: the quantity computed for ``node`` and how.

    ``kind`` is ``"value"`` (evaluate), ``"tangent"`` (forward: ∂node/∂wrt) or
    ``"adjoint"`` (reverse: ∂of/∂node); ``result`` is the number computed.  ``seed``
    says what the pass was seeded with when that was not the scalar 1 (see
    :func:`graphviz_ad.core.formula.seeded_symbol`): ``"1"`` (an array seeded with ones, so
    a tangent is the derivative along all-ones, ``∂f/∂z·1``, and an adjoint the
    gradient of the sum, ``∂(Σy)/∂f``), ``"[i]"`` (one-hot) or ``"v"`` (any other).
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
        from ..explain.lookup import same_step  # deferred: explain/ is above core/

        return same_step(self, other, rtol, atol)

    @property
    def derivative(self) -> str:
        """The quantity as a symbol: ``∂y/∂f3``, ``∂f3/∂x`` or the node label for values."""
        return self.symbol("text")

    def symbol(self, style: str = "text") -> str:
        """The step's quantity as a symbol (text or LaTeX), labels and seed included."""
        if self.kind == "value":
            return fmt_name(self._name(self.node), style)
        return self._symbol_of(self.node, style)

    def _symbol_of(self, node: str, style: str) -> str:
        """The tangent or adjoint symbol of any node of this pass."""
        other = self.wrt if self.kind == "tangent" else self.of
        return seeded_symbol(self.kind, self._name(node), self._name(other), self.seed, style)

    @property
    def formula(self) -> str:
        """The chain rule in symbols: ``∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3``."""
        return f"{self.symbol()} = {self._symbolic('text', self._matrices())}"

    @property
    def equation(self) -> str:
        """Symbols, then numbers, then the result: what a slide caption shows."""
        return _equation(self._parts("text"))

    @property
    def latex(self) -> str:
        """:attr:`equation` in LaTeX (for an ``align*`` block)."""
        return _equation(self._parts("latex"))

    def texts(self) -> tuple[str, str, str, str]:
        """:attr:`derivative`, :attr:`formula`, :attr:`equation` and :attr:`latex` at once,
        each symbol and term built once for all four (what a JSON report shows).  Like
        them, built when asked for and not kept: a long trace's steps stay small."""
        parts = self._scalar_parts()
        if parts is None:
            matrices = self._matrices()
            parts = self._parts("text", matrices), self._parts("latex", matrices)
        text, latex = parts
        return (text[0], f"{text[0]} = {text[1]}", _equation(text), _equation(latex))

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

    def shown_local(self, c: Contribution) -> Any:
        """``c.local`` as displays show it: at the shown values (see ``Scales.local``)."""
        return c.local if self.scales is None else self.scales.local(c)

    def _value_scale(self, node: str) -> Any:
        return None if self.scales is None else self.scales.value(node)

    def _scalar_parts(self) -> tuple[list[str], list[str]] | None:
        """:meth:`_parts` in both styles in one pass, for the common step: a derivative
        of a pass seeded with 1 whose terms are all scalar products carried·local of
        elementwise ops on scalars (what :meth:`_term` and ``elementwise_numeric`` write
        for them, no term in matrix form); None for any other step."""
        if self.kind == "value" or self.seed is not None or not self.contributions:
            return None
        nodes = node_data(self.graph)
        tangent = self.kind == "tangent"
        other = self._name(self.wrt if tangent else self.of)
        styles = ("text", "latex")
        symbolic: tuple[list[str], list[str]] = ([], [])
        numeric: tuple[list[str], list[str]] = ([], [])
        for c in self.contributions:
            target_data = nodes[c.target]
            if PRIMITIVES[target_data["op"]].linear or not isinstance(target_data["value"], float):
                return None
            local, carried = c.local, c.carried
            if not (isinstance(local, float) and isinstance(carried, float)
                    and isinstance(c.product, float)):
                return None
            for operand in target_data["operands"]:
                if not isinstance(nodes[operand]["value"], float):
                    return None
            target, source = self._name(c.target), self._name(c.source)
            carried = without_noise(carried, self.carried_scale(c))
            local = self.shown_local(c)
            for i, style in enumerate(styles):
                if c.trivial:
                    symbolic[i].append(c.local_shown(style))
                    numeric[i].append(fmt_number(local, style))
                    continue
                factors = [derivative_symbol(target, source, style),
                           seeded_symbol(self.kind, source if tangent else target, other,
                                         None, style)]
                numbers = [parenthesize_negative(fmt_number(local, style), style),
                           parenthesize_negative(fmt_number(carried, style), style)]
                if not tangent:
                    factors.reverse()
                    numbers.reverse()
                symbolic[i].append(product(factors, style))
                numeric[i].append(product(numbers, style))
        own = self._name(self.node)
        scale = self.scale()
        return tuple([seeded_symbol(self.kind, own, other, None, style),  # type: ignore[return-value]
                      " + ".join(symbolic[i]), " + ".join(numeric[i]),
                      fmt_number(self.result, style, scale=scale)]
                     for i, style in enumerate(styles))

    def _name(self, node: str | None) -> str:
        """``node_label(self.graph, node)`` (read in place: a report asks 10⁵ times)."""
        if node is None:
            return "?"
        data = node_data(self.graph)[node]
        return str(data.get("label") or data["name"])

    def _parts(self, style: str, matrices: list[bool] | None = None) -> list[str]:
        """Symbol, symbols, numbers and result: the sides of :attr:`equation`."""
        matrices = self._matrices() if matrices is None else matrices
        return [self.symbol(style), self._symbolic(style, matrices),
                self._numeric(style, matrices), fmt_number(self.result, style, scale=self.scale())]

    def _matrices(self) -> list[bool]:
        """Per contribution, whether its term is in matrix form (see :meth:`_matrix`)."""
        return [self._matrix(c) for c in self.contributions]

    def _symbolic(self, style: str, matrices: list[bool]) -> str:
        if self.kind == "value":
            return definition(self.graph, self.node, style)
        if not self.contributions:
            return "0"
        return " + ".join([self._term(c, style, m) for c, m in zip(self.contributions, matrices)])

    def _term(self, c: Contribution, style: str, matrix: bool) -> str:
        if c.trivial:
            return c.local_shown(style)
        local = derivative_symbol(self._name(c.target), self._name(c.source), style)
        carried = self._symbol_of(c.source if self.kind == "tangent" else c.target, style)
        factors = [local, carried] if self.kind == "tangent" else [carried, local]
        prim = PRIMITIVES[node_data(self.graph)[c.target]["op"]]
        if prim.linear and (prim.matrix or matrix):  # ∂L/∂W = ∂L/∂z · xᵀ
            return show(hadamard_tree(c.rule_tree("g" if self.kind == "adjoint" else "d",
                                                  name_leaf(carried))), style)
        if not matrix or prim.linear:
            return product(factors, style)
        one = c.local_tree() == number_leaf(1.0)  # ∂z/∂b = 1: Σ_rows ∂L/∂z
        term = carried if one else hadamard(factors, style)
        summed = summed_over(c, True)
        return term if summed is None else sum_over(term, summed, style, not one)

    def _numeric(self, style: str, matrices: list[bool]) -> str:
        if self.kind == "value":
            data = node_data(self.graph)[self.node]
            if data["op"] == "input":
                return fmt_number(self.result, style, scale=self.scale())
            leaves = tuple(value_leaf(without_noise(node_data(self.graph)[o]["value"],
                                                    self._value_scale(o)), style)
                           for o in data["operands"])
            op = definition_tree(self.graph, self.node).op  # mul of matrices: ⊙
            return show(op_tree(op, leaves, data.get("params") or ()), style)
        if not self.contributions:
            return "0"
        terms = []
        for c, matrix in zip(self.contributions, matrices):
            if PRIMITIVES[node_data(self.graph)[c.target]["op"]].linear:
                terms.append(self._linear_numeric(c, style, matrix))
            else:
                terms.append(elementwise_numeric(c, self.kind, matrix, style,
                                                 self.carried_scale(c), self.shown_local(c)))
        return " + ".join(terms)

    def _matrix(self, c: Contribution) -> bool:
        """Whether a term is in matrix form (some value in it has two or more axes):
        elementwise products are then written ⊙ and sums over rows Σ_rows."""
        nodes = node_data(self.graph)
        target = nodes[c.target]
        for value in (c.carried, c.product, target["value"]):
            if not isinstance(value, float) and np.ndim(value) >= 2:
                return True
        for operand in target["operands"]:
            value = nodes[operand]["value"]
            if not isinstance(value, float) and np.ndim(value) >= 2:
                return True
        return False

    def _linear_numeric(self, c: Contribution, style: str, matrix: bool) -> str:
        """A linear-map op's term as its VJP (JVP) applied to the carried number, every
        part not involving it computed: ``2·𝟙``, ``Σ[0.5, −1, 2]``, ``0.5·[0, 1, 0]``."""
        data = node_data(self.graph)[c.target]
        nodes = node_data(self.graph)
        env = {**{k: Known(nodes[o]["value"]) for k, o in zip(OPERAND_NAMES, data["operands"])},
               "out": Known(nodes[c.target]["value"]), **dict(data.get("params", ()))}
        carried = (number_leaf(1.0) if c.trivial else
                   value_leaf(without_noise(c.carried, self.carried_scale(c)), style))
        algebra, trees = Shown(style), []
        for p in c.positions:
            kind, symbol = (("jvp", TANGENT_NAMES[p]) if self.kind == "tangent" else ("vjp", "g"))
            program = rule_program(data["op"], "show" if kind == "vjp" else kind, p)
            result = program.run(algebra, {**env, symbol: carried})
            trees.append(algebra.leaf(result))
        tree = trees[0]
        for extra in trees[1:]:
            tree = op_tree("add", (tree, extra))
        tree = simplify(tree)
        return show(hadamard_tree(tree) if matrix else tree, style)


def _equation(parts: list[str]) -> str:
    """``a = b = c``, a side equal to the one before it left out."""
    kept = [parts[0]]
    for part in parts[1:]:
        if part != kept[-1]:
            kept.append(part)
    return " = ".join(kept)


@dataclass(eq=False)
class Trace:
    """The result of a pass: an annotated copy of the graph and the ordered steps.

    Node attributes added: ``value`` always, ``tangent`` (forward) or ``adjoint``
    (reverse), and ``nonfinite=True`` where numbers became nan/inf.  Edges used by a
    derivative step get ``local`` (their local partial derivative).
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
        from ..explain.lookup import find_node  # deferred: explain/ is above core/

        return find_node(self.graph, query)

    def value(self, node: str) -> Any:
        """The value of a node given as :meth:`node` accepts it."""
        return self.graph.nodes[self.node(node)]["value"]

    def derivative(self, node: str) -> Any:
        """The tangent (forward) or adjoint (reverse) of a node given as :meth:`node`
        accepts it (``trace.derivative("exp(x)")``)."""
        attribute = self.derivative_attribute
        if attribute is None:
            raise GraphvizAdError("an evaluate trace has no derivatives")
        return self.graph.nodes[self.node(node)][attribute]

    def gradient(self) -> dict[str, Any]:
        """Reverse mode: ∂of/∂input for every input.  Forward mode: ∂output/∂wrt per output."""
        if self.mode == Mode.REVERSE:
            return {n: self.derivative(n) for n in program_of(self.graph).inputs}
        return {n: self.derivative(n) for n in self.outputs}

    def symbol(self, node: str, style: str = "text") -> str:
        """The symbol of ``node``'s derivative in this pass, as the steps write it:
        ``∂f3/∂x``, ``∂(Σy)/∂f3``, ``∂c⁽²⁾/∂x``; its label for an evaluate trace.  Seed
        captions use it too: ``trace.symbol(trace.wrt)`` is ``∂x/∂x`` (or ``∂z/∂z·1``)."""
        if self.mode == Mode.EVALUATE:
            return fmt_name(node_label(self.graph, node), style)
        return seeded_symbol(self.mode.kind, node_label(self.graph, node),
                             node_label(self.graph, self.seed_node), self.seed, style)

    @property
    def flagged(self) -> list[str]:
        """Nodes whose value or derivative is nan or inf, in graph order."""
        return [n for n in program_of(self.graph).order if self.graph.nodes[n].get("nonfinite")]

    def warnings(self) -> list[str]:
        """One line per node with a non-finite number, naming the source position."""
        lines = []
        for n in self.flagged:
            d = self.graph.nodes[n]
            what = ", ".join(f"{k} = {fmt_number(d[k])}" for k in ("value", "tangent", "adjoint")
                             if k in d and not np.all(np.isfinite(d[k])))
            if "through" in d:
                kind = self.mode.kind
                origin = d["through"]
                what += (", " if what else "") + (
                    f"{kind} = {fmt_number(d[kind])} (meaningless: computed through "
                    f"{node_label(self.graph, origin)} = {definition(self.graph, origin)}, "
                    f"which is {fmt_number(self.graph.nodes[origin]['value'])} here)")
            label = node_label(self.graph, n)
            shown = (f"{label} (input)" if d["op"] == "input"  # not "x = x"
                     else f"{label} = {definition(self.graph, n)}")
            lines.append(f"{d['line']}:{d['column']}: {shown} gives {what}")
        return lines

    # The report formats live in report.py; these keep the Trace convenient to use.
    def to_dict(self) -> dict[str, Any]:
        from ..explain.report import trace_dict  # deferred: explain/ is above core/
        return trace_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        from ..explain.report import trace_json  # deferred: explain/ is above core/
        return trace_json(self, indent)

    def table(self, width: int | None = None) -> str:
        """The terminal table; with ``width``, fitted to that many columns."""
        from ..explain.report import trace_table  # deferred: explain/ is above core/
        return trace_table(self, width)

    def markdown(self) -> str:
        from ..explain.report import trace_markdown  # deferred: explain/ is above core/
        return trace_markdown(self)

    def latex(self) -> str:
        from ..explain.report import trace_latex  # deferred: explain/ is above core/
        return trace_latex(self)

    # Notebook display: the final annotated graph, and the step-by-step player.
    def _repr_svg_(self) -> str:
        from ..draw.animate import derivative_frames  # deferred: draw/ is above core/

        frames, _ = derivative_frames(self)
        return frames[-1].svg

    def player(self, **options: Any) -> Player:
        """The self-contained HTML player of this pass (shows itself in Jupyter)."""
        from ..draw.animate import derivative_frames  # deferred: draw/ is above core/
        from ..draw.player import player_html

        frames, _ = derivative_frames(self, **options)
        return Player(player_html(frames, title=options.get("title") or "graphviz-ad"))

    def __repr__(self) -> str:
        return (f"<Trace {self.mode}: {self.graph.number_of_nodes()} nodes, "
                f"{len(self.steps)} steps>")


@dataclass(frozen=True)
class Player:
    """An HTML player page; Jupyter shows it in an isolated iframe, ``save`` writes it."""

    html: str

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{escape(self.html, quote=True)}" '
                'style="width:100%;height:640px;border:0"></iframe>')

    def save(self, path: str | Path) -> None:
        from ..draw.output import write_text_atomic  # deferred: draw/ is above core/

        write_text_atomic(Path(path), self.html)
