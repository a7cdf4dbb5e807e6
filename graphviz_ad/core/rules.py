"""The derivative rules of :mod:`graphviz_ad.core.ops`, compiled once and put to every use.

A rule text such as ``"-a/b^2"`` is parsed by the language's own parser and compiled
into a :class:`RuleProgram`: straight-line code over named inputs (``a``, ``b``, the
adjoint ``g`` or tangent ``da``/``db``, the op's result ``out``).  Each primitive has
three kinds of rule per operand position:

* ``"partial"``: ∂op/∂operand, elementwise (only ops with ``partials``);
* ``"vjp"``: the adjoint pulled back to the operand, ``g ↦ …``;
* ``"jvp"``: the tangent pushed forward from the operand, ``da ↦ …``;
* ``"show"`` (linear-map ops): the VJP as written in the table, for display (the
  ``"vjp"`` of a ``promote`` op is wrapped in numpy's 1-D promotion, see :func:`promoted`).

Elementwise ops write only their partial P; their maps are *derived*:
``vjp = sum_like(g·P, a)`` and ``jvp = sum_like(P·da, out)`` (the un-broadcast sum,
omitted for one-operand elementwise ops, whose shapes always agree).  Linear-map ops
write ``jvp``/``vjp`` themselves.  One interpreter, :meth:`RuleProgram.run`, evaluates a
program over any *algebra* (an object with ``apply(op, args, params)`` and
``const(value)``): numbers, display trees, graph nodes or operation counts.

>>> import numpy as np
>>> float(partial_function("div", 1)(np.float64(3.0), np.float64(2.0)))
-0.75
>>> float(rule_program("mul", "vjp", 0).run(NUMBERS, {"g": 2.0, "a": 3.0, "b": 5.0}))
10.0
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, NamedTuple

import networkx as nx
import numpy as np

from .algebra import RuleAlgebra, V
from .nodes import node
from .ops import CONSTANT, OPERATORS, PRIMITIVES, is_alias, is_constant, is_input
from .parse import parse, parse_rule
from .program import program_of
from .simplify import Apply, Inner, Number, Operand, rewrite

OPERAND_NAMES = ("a", "b")
TANGENT_NAMES = ("da", "db")
KINDS = ("partial", "vjp", "jvp")

class Leaf(NamedTuple):
    """A display tree's leaf: a name or a number."""

    kind: Literal["leaf"]
    text: Any  # the name shown (a str), or the number when ``is_number``
    is_number: bool


class OpTree(NamedTuple):
    """A display tree's operation: a primitive over its children, with its keyword
    params (``(("axis", 1),)``)."""

    kind: Literal["op"]
    op: str
    children: tuple[Tree, ...]
    params: tuple[tuple[str, Any], ...] = ()


#: A display tree: every part of the package builds it from these two named tuples.
Tree = Leaf | OpTree


def op_tree(op: str, children: Sequence[Tree], params: Sequence[tuple[str, Any]] = ()
            ) -> OpTree:
    """An operation node of a display tree."""
    return OpTree("op", op, tuple(children), tuple(params))

#: One line of a program: (defined name, op, argument names, params); a ``"const"``
#: line has no arguments and its value as params.
Line = tuple[str, str, tuple[str, ...], Any]


@dataclass(frozen=True)
class RuleProgram:
    """Straight-line code: each line defines a name from earlier names or the inputs."""

    inputs: tuple[str, ...]
    lines: tuple[Line, ...]
    result: str

    def run(self, algebra: RuleAlgebra[V], env: Mapping[str, Any]) -> V:
        """The result, with ``env`` giving the inputs, each line applied by ``algebra``."""
        values: dict[str, Any] = dict(env)
        for name, op, args, params in self.lines:
            if is_constant(op):
                values[name] = algebra.const(params)
            else:
                values[name] = algebra.apply(op, [values[a] for a in args],
                                             bind(params, env))
        return values[self.result]

    @property
    def ops(self) -> list[str]:
        """The primitives applied, in order (constants not counted)."""
        return [op for _, op, _, _ in self.lines if not is_constant(op)]

    def then(self, op: str, args: tuple[str, ...], params: Any = ()) -> RuleProgram:
        """This program followed by one more line, which becomes the result
        (``"@"`` in ``args`` stands for the current result)."""
        name = f"t{len(self.lines)}"
        args = tuple(self.result if a == "@" else a for a in args)
        inputs = self.inputs + tuple(a for a in args if a not in self.inputs
                                     and all(a != line[0] for line in self.lines))
        return RuleProgram(inputs, self.lines + ((name, op, args, params),), name)


def bind(params: tuple, env: Mapping[str, Any]) -> tuple:
    """A rule line's params with the op's own parameters filled in from ``env``
    (``axis=axis`` → ``axis=1``; dropped when the op was called without it)."""
    if not any(isinstance(v, str) for _, v in params):
        return params
    return tuple((k, env[v] if isinstance(v, str) else v) for k, v in params
                 if not isinstance(v, str) or v in env)


def _compile_text(text: str, root: str | None = None) -> RuleProgram:
    """Parse a rule text; with ``root``, keep only the lines that ``root`` depends on."""
    return _from_graph(parse_rule(text), root)


def _from_graph(G: nx.DiGraph, root: str | None = None) -> RuleProgram:
    root = root or program_of(G).outputs[0]
    keep = nx.ancestors(G, root) | {root}
    alias: dict[str, str] = {}
    lines: list[Line] = []
    for n in program_of(G).order:
        if n not in keep:
            continue
        d = node(G, n)
        if is_alias(d["op"]):
            alias[n] = alias.get(d["operands"][0], d["operands"][0])
        elif is_constant(d["op"]):
            lines.append((n, CONSTANT, (), np.float64(d["value"])))
        elif not is_input(d["op"]):
            args = tuple(alias.get(o, o) for o in d["operands"])
            lines.append((n, d["op"], args, tuple(d.get("params", ()))))
    inputs = tuple(n for n in program_of(G).inputs if n in keep)
    return RuleProgram(inputs, tuple(lines), alias.get(root, root))


def promoted(text: str, position: int) -> str:
    """A matmul-like VJP text wrapped in numpy's 1-D promotion: a vector ``a`` is a row,
    a vector ``b`` a column, ``g`` gets the axes they lost; the result is turned back
    into the operand's shape and summed over broadcast batch axes."""
    lifted = {"a": "row(a, a)", "b": "col(b, b)", "g": "row(col(g, b), a)"}
    body = re.sub(r"\b[abg]\b", lambda m: lifted[m.group(0)], text)
    operand = OPERAND_NAMES[position]
    undo = "unrow" if position == 0 else "uncol"
    return f"sum_like({undo}({body}, {operand}), {operand})"


def _jvp_terms(text: str) -> dict[str, str]:
    """The top-level ``+`` terms of a JVP text, keyed by the one tangent each mentions."""
    G = parse_rule(text)
    terms, todo = [], [program_of(G).outputs[0]]
    while todo:
        n = todo.pop()
        d = node(G, n)
        if d["op"] == OPERATORS["+"] or is_alias(d["op"]):
            todo.extend(reversed(d["operands"]))
        else:
            terms.append(n)
    by_tangent: dict[str, str] = {}
    for term in terms:
        used = [t for t in TANGENT_NAMES if t in nx.ancestors(G, term) | {term}]
        if len(used) != 1 or used[0] in by_tangent:
            raise ValueError(f"JVP {text!r}: each + term must use exactly one tangent")
        by_tangent[used[0]] = term
    return {t: by_tangent[t] for t in TANGENT_NAMES if t in by_tangent}


def _partial_text(op: str, position: int) -> str:
    """The table's text of ∂op/∂(operand ``position``); ValueError for a linear map."""
    partials = PRIMITIVES[op].partials
    if partials is None:
        raise ValueError(f"{op} is a linear map; it has no elementwise partial")
    return partials[position]


@cache
def rule_program(op: str, kind: str, position: int) -> RuleProgram:
    """The compiled ``kind`` rule ("partial", "vjp" or "jvp") of ``op`` for operand
    ``position``: written in the table, or derived from the elementwise partial."""
    prim = PRIMITIVES[op]
    operand, tangent = OPERAND_NAMES[position], TANGENT_NAMES[position]
    if kind == "partial":
        return _compile_text(_partial_text(op, position))
    if prim.vjp is not None:  # a linear map
        if kind == "show":  # the rule as written, for display (no 1-D promotion)
            return _compile_text(prim.vjp[position])
        if kind == "vjp":
            text = prim.vjp[position]
            return _compile_text(promoted(text, position) if prim.promote else text)
        if prim.jvp is None:
            raise ValueError(f"{op} is a linear map without a jvp rule")
        G = parse_rule(prim.jvp)
        term = _jvp_terms(prim.jvp).get(tangent)
        return _from_graph(G, term) if term else _compile_text("0")
    partial = rule_program(op, "partial", position)
    shaped = prim.arity > 1 or prim.reduces  # shapes may differ: un-broadcast
    if kind == "vjp":
        program = partial.then("mul", ("g", "@"))
        return program.then("sum_like", ("@", operand)) if shaped else program
    if kind == "jvp":
        program = partial.then("mul", ("@", tangent))
        return program.then("sum_like", ("@", "out")) if shaped else program
    raise ValueError(f"unknown rule kind {kind!r}; choose one of {', '.join(KINDS)}")


class _Numbers:
    """Programs over numpy values."""

    @staticmethod
    def apply(op: str, args: Sequence[Any], params: Any) -> Any:
        return PRIMITIVES[op].fn(*args, **dict(params))

    @staticmethod
    def const(value: Any) -> Any:
        return value


class _Trees:
    """Programs over display trees."""

    @staticmethod
    def apply(op: str, args: Sequence[Tree], params: Any) -> Tree:
        return op_tree(op, args, params)

    @staticmethod
    def const(value: Any) -> Tree:
        return number_leaf(value)


NUMBERS, TREES = _Numbers(), _Trees()


def rule_tree(program: RuleProgram, leaves: Mapping[str, Tree]) -> Tree:
    """The display tree of a program with its inputs shown as ``leaves``, simplified."""
    return simplify(program.run(TREES, leaves))


@cache
def partial_graph(op: str, position: int) -> nx.DiGraph:
    """The parsed DAG of ∂op/∂(operand ``position``), with inputs among ``a``, ``b``."""
    return parse(_partial_text(op, position))


@cache
def partial_function(op: str, position: int) -> Callable[..., Any]:
    """A callable ``f(a[, b])`` giving the number of ∂op/∂(operand ``position``)."""
    compiled = _closure(rule_program(op, "partial", position))
    return lambda *operands: compiled(operands)


@cache
def local_function(op: str, position: int) -> Callable[..., Any]:
    """Like :func:`partial_function`, called as ``f(operands, out)`` with the op's own
    result ``out``: wherever the partial recomputes ``op(a, b)`` (exp's ``exp(a)``,
    sigmoid's ``sigmoid(a)·(1 − sigmoid(a))``) it reads ``out`` instead, which on large
    arrays saves reverse mode a transcendental function per edge."""
    compiled = _closure(rule_program(op, "partial", position), op)
    return lambda operands, result: compiled((*operands, result))


def _closure(program: RuleProgram, reuse: str | None = None
             ) -> Callable[[Sequence[object]], object]:
    """Nested closures evaluating a partial's program from the operand tuple (the fast
    path of numbers); with ``reuse=op`` the tuple ends with op's result, read for any
    line ``op(a[, b])``."""
    lines = {line[0]: line for line in program.lines}
    own = OPERAND_NAMES[:PRIMITIVES[reuse].arity] if reuse else None

    def build(name: str):
        if name not in lines:
            index = OPERAND_NAMES.index(name)
            return lambda v: v[index]
        _, op, args, params = lines[name]
        if is_constant(op):
            return lambda v: params
        if op == reuse and args == own:
            return lambda v: v[-1]
        fn = PRIMITIVES[op].fn
        children = [build(a) for a in args]
        if len(children) == 1:
            (c0,) = children
            return lambda v: fn(c0(v))
        c0, c1 = children
        return lambda v: fn(c0(v), c1(v))

    return build(program.result)


def partial_tree(op: str, position: int, operands: Sequence[Tree]) -> Tree:
    """The display tree of ∂op/∂(operand ``position``) with ``a``, ``b`` replaced by
    ``operands`` (leaves or trees), constants folded and ×1, +0, ^1 simplified away."""
    return rule_tree(rule_program(op, "partial", position), dict(zip(OPERAND_NAMES, operands)))


def number_leaf(value: float) -> Leaf:
    """A leaf showing a number."""
    return Leaf("leaf", float(value), True)


def name_leaf(name: str) -> Leaf:
    """A leaf showing a node's name."""
    return Leaf("leaf", name, False)


#: the display of an array of ones (``spread(1, a)``: ``∂Σa/∂a``)
ONES = name_leaf("𝟙")


def simplify(tree: Tree) -> Leaf | OpTree:
    """Fold constant subtrees and drop identities, so ∂(f1^2)/∂f1 shows as 2·f1 (the
    rewrites of :mod:`graphviz_ad.core.simplify`, display ones included)."""
    if isinstance(tree, Leaf):
        return tree
    return _simplified(tree.op, tuple([simplify(c) for c in tree.children]), tree.params)


def _simplified(op: str, children: tuple[Leaf | OpTree, ...], params: Any) -> Leaf | OpTree:
    """``op`` over already simplified ``children``, simplified."""
    first = children[0]
    done = rewrite(op, [c.text if c.kind == "leaf" and c.is_number else None for c in children],
                   params, display=True, inner=first.op if first.kind == "op" else None,
                   ones=[c == ONES for c in children] if ONES in children else ())
    if done is None:
        return OpTree("op", op, children, tuple(params))
    if isinstance(done, Operand):
        return children[done.operand]
    if isinstance(done, Number):
        return number_leaf(done.value)
    if isinstance(done, Apply):
        return _simplified(done.op, tuple(children[i] for i in done.operands), ())
    if isinstance(done, Inner):
        inner = children[done.operand]
        assert inner.kind == "op"
        return inner.children[done.position]
    return ONES


def check_table() -> None:
    """Every op used by any rule has rules itself (so Hessians, which differentiate the
    rules again, never meet an op without one), and every rule compiles."""
    for op, prim in PRIMITIVES.items():
        kinds = ("vjp", "jvp") if prim.linear else KINDS
        for kind in kinds:
            for position in range(prim.arity):
                for used in rule_program(op, kind, position).ops:
                    if used not in PRIMITIVES:
                        raise AssertionError(f"{op}'s {kind} uses {used}, which has no entry")


# check_table() is run by tests/test_rules.py, not at import: compiling every rule of the
# table costs ~50 ms of every CLI start, and rules compile on first use anyway (cached)
