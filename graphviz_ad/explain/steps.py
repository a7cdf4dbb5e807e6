"""A step's text, built from the plain records of :mod:`graphviz_ad.core.trace`.

:func:`symbol` names the quantity a step computes (``∂y/∂f3``), :func:`formula` writes its
chain rule in symbols, :func:`equation` (:func:`latex`) adds its numbers and result, and
:func:`texts` gives all four at once (what a JSON report shows), each symbol and term
built once.  A contribution's own text (``∂f4/∂f3 = exp(f3)``, or a linear map's
``∂z/∂W: G ↦ G · xᵀ``) is written by :mod:`graphviz_ad.explain.edges`.  Nothing is kept
on the records: a long trace's steps stay small however often they are shown.

>>> import graphviz_ad as ad
>>> step = ad.reverse_mode(ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"),
...                        {"x": 0.0}).steps[2]
>>> formula(step)
'∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3'
>>> equation(step)
'∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3 = 1·7.389 + 1·(−0.4161) = 6.973'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..core.formula import (
    definition,
    definition_tree,
    derivative_symbol,
    fmt_name,
    hadamard,
    hadamard_tree,
    seeded_symbol,
    show,
    sum_over,
)
from ..core.modes import Mode
from ..core.nodes import NodeData, node_data
from ..core.number_format import fmt_number, parenthesize_negative, product, without_noise
from ..core.ops import PRIMITIVES, is_input
from ..core.rules import (
    OPERAND_NAMES,
    TANGENT_NAMES,
    name_leaf,
    number_leaf,
    op_tree,
    rule_program,
    simplify,
)
from .edges import label, local_shown, local_tree, rule_tree
from .shown import Known, Shown, elementwise_numeric, summed_over, value_leaf

if TYPE_CHECKING:
    from ..core.trace import Contribution, Step, Trace


_STYLES = ("text", "latex")


class StepTexts(NamedTuple):
    """A step's four texts, as a JSON report names them."""

    derivative: str  # the quantity's symbol: ``∂y/∂f3`` (a value step: the node's label)
    formula: str  # ``∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3``
    equation: str  # the formula, then its numbers, then the result
    latex: str  # the equation in LaTeX (for an ``align*`` block)


def symbol(step: Step, style: str = "text") -> str:
    """The step's quantity as a symbol (text or LaTeX), labels and seed included:
    ``∂y/∂f3``, ``∂f3/∂x``, ``∂(Σy)/∂f3``, or the node's label for a value step."""
    if step.kind == "value":
        return fmt_name(label(step.graph, step.node), style)
    return _symbol_of(step, step.node, style)


def node_symbol(trace: Trace, node: str, style: str = "text") -> str:
    """The symbol of ``node``'s derivative in ``trace``, as its steps write it: ``∂f3/∂x``,
    ``∂(Σy)/∂f3``, ``∂c⁽²⁾/∂x``; its label for an evaluate trace.  Seed captions use it
    too: ``node_symbol(trace, trace.wrt)`` is ``∂x/∂x`` (or ``∂z/∂z·1``)."""
    if trace.mode == Mode.EVALUATE:
        return fmt_name(label(trace.graph, node), style)
    return seeded_symbol(trace.mode.kind, label(trace.graph, node),
                         label(trace.graph, trace.seed_node), trace.seed, style)


def _symbol_of(step: Step, node: str, style: str) -> str:
    """The tangent or adjoint symbol of any node of ``step``'s pass."""
    other = step.wrt if step.kind == "tangent" else step.of
    return seeded_symbol(step.kind, label(step.graph, node), label(step.graph, other),
                         step.seed, style)


def formula(step: Step) -> str:
    """The chain rule in symbols: ``∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3``."""
    return f"{symbol(step)} = {_symbolic(step, 'text', matrix_terms(step))}"


def equation(step: Step, style: str = "text") -> str:
    """Symbols, then numbers, then the result (what a slide caption shows); a side equal
    to the one before it is left out.  ``style="latex"``: :func:`latex`."""
    return _equation(_parts(step, style))


def latex(step: Step) -> str:
    """:func:`equation` in LaTeX (for an ``align*`` block)."""
    return _equation(_parts(step, "latex"))


def texts(step: Step) -> StepTexts:
    """The symbol, :func:`formula`, :func:`equation` and :func:`latex` at once, each symbol
    and term built once for all four (what a JSON report shows)."""
    parts = _scalar_parts(step)
    if parts is None:
        matrices = matrix_terms(step)
        parts = _parts(step, "text", matrices), _parts(step, "latex", matrices)
    text, tex = parts
    return StepTexts(text[0], f"{text[0]} = {text[1]}", _equation(text), _equation(tex))


def _equation(parts: list[str]) -> str:
    """``a = b = c``, a side equal to the one before it left out."""
    kept = [parts[0]]
    for part in parts[1:]:
        if part != kept[-1]:
            kept.append(part)
    return " = ".join(kept)


def _parts(step: Step, style: str, matrices: list[bool] | None = None) -> list[str]:
    """Symbol, symbols, numbers and result: the sides of :func:`equation`."""
    matrices = matrix_terms(step) if matrices is None else matrices
    return [symbol(step, style), _symbolic(step, style, matrices),
            _numeric(step, style, matrices), fmt_number(step.result, style, scale=step.scale())]


def _scalar_parts(step: Step) -> tuple[list[str], list[str]] | None:
    """:func:`_parts` in both styles in one pass, for the common step: a derivative of a
    pass seeded with 1 whose terms are all scalar products carried·local of elementwise
    ops on scalars (what :func:`term` and ``elementwise_numeric`` write for them, no term
    in matrix form); None for any other step."""
    if step.kind == "value" or step.seed is not None or not step.contributions:
        return None
    nodes = node_data(step.graph)
    for c in step.contributions:
        target = nodes[c.target]
        if (PRIMITIVES[target["op"]].linear or not isinstance(target["value"], float)
                or not (isinstance(c.local, float) and isinstance(c.carried, float)
                        and isinstance(c.product, float))
                or not all(isinstance(nodes[o]["value"], float) for o in target["operands"])):
            return None
    other = label(step.graph, step.wrt if step.kind == "tangent" else step.of)
    own, scale = label(step.graph, step.node), step.scale()
    sides = _scalar_terms(step, other)
    return tuple([seeded_symbol(step.kind, own, other, None, style),  # type: ignore[return-value]
                  " + ".join(sides[i][0]), " + ".join(sides[i][1]),
                  fmt_number(step.result, style, scale=scale)]
                 for i, style in enumerate(_STYLES))



def _scalar_terms(step: Step, other: str) -> tuple[tuple[list[str], list[str]], ...]:
    """A scalar step's terms in symbols and in numbers, per style (see :func:`_scalar_parts`):
    each contribution's numbers and names looked up once for both styles."""
    tangent = step.kind == "tangent"
    sides: tuple[tuple[list[str], list[str]], ...] = tuple(([], []) for _ in _STYLES)
    for c in step.contributions:
        local = step.shown_local(c)
        if c.trivial:
            for (symbolic, numeric), style in zip(sides, _STYLES):
                symbolic.append(local_shown(c, style))
                numeric.append(fmt_number(local, style))
            continue
        target, source = label(step.graph, c.target), label(step.graph, c.source)
        carried = without_noise(c.carried, step.carried_scale(c))
        for (symbolic, numeric), style in zip(sides, _STYLES):
            factors = [derivative_symbol(target, source, style),
                       seeded_symbol(step.kind, source if tangent else target, other, None,
                                     style)]
            numbers = [parenthesize_negative(fmt_number(local, style), style),
                       parenthesize_negative(fmt_number(carried, style), style)]
            if not tangent:
                factors.reverse()
                numbers.reverse()
            symbolic.append(product(factors, style))
            numeric.append(product(numbers, style))
    return sides


def matrix_terms(step: Step) -> list[bool]:
    """Per contribution, whether its term is in matrix form (some value in it has two or
    more axes): elementwise products are then written ⊙ and sums over rows Σ_rows."""
    nodes = node_data(step.graph)
    return [_matrix(nodes, c) for c in step.contributions]


def _matrix(nodes: dict[str, NodeData], c: Contribution) -> bool:
    target = nodes[c.target]
    for value in (c.carried, c.product, target["value"]):
        if not isinstance(value, float) and np.ndim(value) >= 2:
            return True
    for operand in target["operands"]:
        value = nodes[operand]["value"]
        if not isinstance(value, float) and np.ndim(value) >= 2:
            return True
    return False


def _symbolic(step: Step, style: str, matrices: list[bool]) -> str:
    if step.kind == "value":
        return definition(step.graph, step.node, style)
    if not step.contributions:
        return "0"
    return " + ".join([term(step, c, style, m) for c, m in zip(step.contributions, matrices)])


def term(step: Step, c: Contribution, style: str = "text", matrix: bool = False) -> str:
    """One contribution's term of :func:`formula`: ``∂y/∂f4·∂f4/∂f3``, in matrix form
    (``matrix``, see :func:`matrix_terms`) ``∂L/∂f1 ⊙ ∂f1/∂W`` or ``Σ_rows ∂L/∂z``, for a
    linear map its rule ``∂L/∂z · xᵀ``."""
    if c.trivial:
        return local_shown(c, style)
    local = derivative_symbol(label(step.graph, c.target), label(step.graph, c.source), style)
    carried = _symbol_of(step, c.source if step.kind == "tangent" else c.target, style)
    factors = [local, carried] if step.kind == "tangent" else [carried, local]
    prim = PRIMITIVES[node_data(step.graph)[c.target]["op"]]
    if prim.linear and (prim.matrix or matrix):  # ∂L/∂W = ∂L/∂z · xᵀ
        return show(hadamard_tree(rule_tree(c, "g" if step.kind == "adjoint" else "d",
                                            name_leaf(carried))), style)
    if not matrix or prim.linear:
        return product(factors, style)
    one = local_tree(c) == number_leaf(1.0)  # ∂z/∂b = 1: Σ_rows ∂L/∂z
    shown = carried if one else hadamard(factors, style)
    summed = summed_over(c, True)
    return shown if summed is None else sum_over(shown, summed, style, not one)


def _numeric(step: Step, style: str, matrices: list[bool]) -> str:
    if step.kind == "value":
        return _value_numeric(step, style)
    if not step.contributions:
        return "0"
    nodes = node_data(step.graph)
    terms = []
    for c, matrix in zip(step.contributions, matrices):
        if PRIMITIVES[nodes[c.target]["op"]].linear:
            terms.append(_linear_numeric(step, c, style, matrix))
        else:
            terms.append(elementwise_numeric(c, step.kind, matrix, style,
                                             step.carried_scale(c), step.shown_local(c)))
    return " + ".join(terms)


def _value_numeric(step: Step, style: str) -> str:
    """A value step's numbers: its op over its operands' (shown) values."""
    nodes = node_data(step.graph)
    data = nodes[step.node]
    if is_input(data["op"]):
        return fmt_number(step.result, style, scale=step.scale())
    leaves = tuple(value_leaf(without_noise(nodes[o]["value"], step.value_scale(o)), style)
                   for o in data["operands"])
    op = definition_tree(step.graph, step.node).op  # mul of matrices: ⊙
    return show(op_tree(op, leaves, data.get("params") or ()), style)


def _linear_numeric(step: Step, c: Contribution, style: str, matrix: bool) -> str:
    """A linear-map op's term as its VJP (JVP) applied to the carried number, every part
    not involving it computed: ``2·𝟙``, ``Σ[0.5, −1, 2]``, ``0.5·[0, 1, 0]``."""
    nodes = node_data(step.graph)
    data = nodes[c.target]
    env = {**{k: Known(nodes[o]["value"]) for k, o in zip(OPERAND_NAMES, data["operands"])},
           "out": Known(nodes[c.target]["value"]), **dict(data.get("params", ()))}
    carried = (number_leaf(1.0) if c.trivial else
               value_leaf(without_noise(c.carried, step.carried_scale(c)), style))
    algebra, trees = Shown(style), []
    for p in c.positions:
        kind, name = ("jvp", TANGENT_NAMES[p]) if step.kind == "tangent" else ("vjp", "g")
        program = rule_program(data["op"], "show" if kind == "vjp" else kind, p)
        trees.append(algebra.leaf(program.run(algebra, {**env, name: carried})))
    tree = trees[0]
    for extra in trees[1:]:
        tree = op_tree("add", (tree, extra))
    tree = simplify(tree)
    return show(hadamard_tree(tree) if matrix else tree, style)
