"""Any graph as the language's text, and as a graph file (TOML) that loads back to it.

The text names every node the reader should see: user-bound names and outputs get a
statement of their own, in evaluation order; the other intermediates (``f1``, ``f2``, …) are
written inline, a shared one again at each use (the parser shares it again), so
``y = exp(x)*x`` reads as it was written.  Only an expression too long or too deep to read
inline, or a long one used more than once, gets a statement of its own, named as it was.
The parser numbers the inline nodes in the order it completes them, skipping the names the
text binds: the numbering they had.

>>> import graphviz_ad as ad
>>> print(program_text(ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")))
y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)
>>> u = "exp(W @ x + b)*tanh(V @ x + c)/sqrt(x*x + 1)"
>>> print(program_text(ad.parse(f"y = log(1 + {u}) - {u}")))
f11 = exp(W @ x + b)*tanh(V @ x + c)/sqrt(x*x + 1)
y = log(1 + f11) - f11
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np

from ..core.build import graph_dicts
from ..core.errors import GraphvizAdError
from ..core.nodes import NodeData, node, node_data
from ..core.ops import (
    PREC_ATOM,
    PREC_NEG,
    PREC_POSTFIX,
    PRIMITIVES,
    Primitive,
    is_alias,
    is_constant,
    is_input,
)
from ..core.parse import parse
from ..core.program import program_of

_AUTO = re.compile(r"f\d+")  # the names the parser gives unnamed intermediates
# Inline expressions stay readable: nested at most so deep, at most so long; a subexpression
# used more than once (shared again by the parser) is written inline only while it is short.
MAX_NESTING, MAX_INLINE_CHARS, MAX_SHARED_CHARS = 24, 160, 40
# how tightly a form binds (the grammar's levels, the table's ``prec``): postfix and atoms
_UNARY, _POSTFIX, _ATOM = PREC_NEG, PREC_POSTFIX, PREC_ATOM


@functools.lru_cache(maxsize=4096)
def bindable(name: str, input: bool = False) -> bool:
    """Whether the language can bind ``name`` (as ``name = …``), or with ``input`` read it as
    an input: the parser itself is asked, so its own rules decide (no function's name, no
    Python dunder; an input is no built-in constant such as ``e`` or ``pi``, which a binding
    may shadow).

    >>> bindable("W1"), bindable("__x"), bindable("e"), bindable("e", input=True)
    (True, False, True, False)
    >>> bindable("y", input=True), bindable("x y"), bindable("x\\ny")
    (True, False, False)
    """
    if not name.isidentifier() or len(name) > 200:  # one name, nothing else, reaches parse
        return False
    try:
        G = parse(f"{name}_read = {name}" if input else f"{name} = 1")
    except GraphvizAdError:
        return False
    program = program_of(G)
    if input:
        return program.inputs == (name,)
    return [node(G, n)["name"] for n in program.outputs] == [name]


def _number(value: float) -> tuple[str, int]:
    if not math.isfinite(value):
        raise GraphvizAdError(f"cannot write the constant {value} as a program")
    text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return (f"{text}", _UNARY) if value < 0 or text.startswith("-") else (text, _ATOM)


def program_text(G: nx.DiGraph) -> str:
    """The program of G in the language, one statement per named node (see the module)."""
    nodes, succ = node_data(G), graph_dicts(G).succ
    program = program_of(G)
    outputs = set(program.outputs)
    for n in program.inputs:
        if not bindable(n, input=True):
            raise GraphvizAdError(f"cannot write the input {n!r} as a program: the language "
                                  "cannot name it")
    # each node's form where it is used: (text, precedence, nesting, nodes it names)
    form: dict[str, tuple[str, int, int, frozenset[str]]] = {}
    statements: list[tuple[str, str, frozenset[str]]] = []  # (node, text, nodes it names)
    for n in program.order:
        data = nodes[n]
        if is_constant(data["op"]):
            form[n] = (*_number(float(data["value"])), 0, frozenset())
            continue
        if is_input(data["op"]):
            form[n] = (n, _ATOM, 0, frozenset([n]))
            continue
        args = [form[a] for a in data["operands"]]
        text, prec = _expression(data, [(t, p) for t, p, _, _ in args])
        depth = 1 + max((d for _, _, d, _ in args), default=0)
        refs = frozenset().union(*(r for _, _, _, r in args))
        uses = sum(len(e["positions"]) for e in succ[n].values())
        own = (n in outputs or is_alias(data["op"]) or not _AUTO.fullmatch(data["name"])
               or len(text) > MAX_INLINE_CHARS or depth > MAX_NESTING
               or (uses != 1 and len(text) > MAX_SHARED_CHARS))
        if own:
            statements.append((n, text, refs))
            form[n] = (data["name"], _ATOM, 0, frozenset([n]))
        else:
            form[n] = (text, prec, depth, refs)
    current: dict[str, str] = {n: n for n in program.inputs}  # name -> the node it holds now
    lines = []
    for n, text, refs in statements:
        for r in refs:
            name = nodes[r]["name"] if not is_input(nodes[r]["op"]) else r
            if current.get(name) != r:
                raise GraphvizAdError(f"cannot write the program as text: {nodes[r]['label']} "
                                      f"is used after {name} is bound again")
        name = nodes[n]["name"]
        if not bindable(name):
            raise GraphvizAdError(f"cannot write {name!r} as a program: the language cannot "
                                  "name it")
        current[name] = n
        lines.append(f"{name} = {text}")
    return "\n".join(lines)


def _expression(data: NodeData, args: list[tuple[str, int]]) -> tuple[str, int]:
    """A node's expression over its operands' forms (text, precedence), with the fewest
    parentheses that parse back to the same tree."""
    op = data["op"]
    if is_alias(op):
        return args[0]
    prim = PRIMITIVES.get(op)
    if prim is None:
        raise GraphvizAdError(f"cannot write the operation {op!r} as a program")
    if prim.syntax is not None:
        return _operator(prim, args)
    params = [f"{k}={v}" for k, v in data.get("params", ())]
    return f"{op}({', '.join([a for a, _ in args] + params)})", _ATOM


def _operator(prim: Primitive, args: list[tuple[str, int]]) -> tuple[str, int]:
    """An operator's text from the table's ``syntax``: infix ``{a} + {b}`` (parenthesized
    by ``prec`` and ``assoc``), prefix ``-{a}`` or postfix ``{a}.T``, ``{a}[{b}]``."""
    syntax = prim.syntax or ""
    if not syntax.startswith("{a}"):  # prefix
        (text, prec), = args
        return syntax.format(a=f"({text})" if prec < prim.prec else text), prim.prec
    (left, lp), *rest = args
    if not syntax.endswith("{b}"):  # postfix: binds tightest; an index's b is a number
        left = f"({left})" if lp < _POSTFIX else left
        return syntax.format(a=left, b=rest[0][0] if rest else ""), _POSTFIX
    (right, rp), = rest
    prec, right_assoc = prim.prec, prim.assoc == "right"
    if lp < prec or (lp == prec and right_assoc):
        left = f"({left})"
    if rp < prec or (rp == prec and not right_assoc):
        right = f"({right})"
    return syntax.format(a=left, b=right), prec


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and DEL, which TOML forbids raw."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        number = float(array)
        return ("nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")
                if math.isinf(number) else repr(number))
    return "[" + ", ".join(_toml_value(v) for v in array) + "]"


def graph_file_text(G: nx.DiGraph, inputs: Mapping[str, Any], *, title: str = "",
                    data: Iterable[str] = (), of: Iterable[str] = (),
                    description: str = "") -> str:
    """A graph file for G at ``inputs``: the names in ``data`` go to ``[data]`` (read by a
    pass, never varied), the others to ``[inputs]``; ``of`` is the default output."""
    text = program_text(G)
    data = set(data)
    lines = []
    if title:
        lines.append(f"title = {_toml_string(title)}")
    if description:
        lines.append(f"description = {_toml_string(description)}")
    lines.append(f"program = '''\n{text}\n'''")
    of = list(of)
    if of:
        lines.append(f"of = {json.dumps(of[0] if len(of) == 1 else of)}")
    for table, names in (("inputs", [n for n in inputs if n not in data]),
                         ("data", [n for n in inputs if n in data])):
        if names:
            lines.append(f"\n[{table}]")
            lines += [f"{n} = {_toml_value(inputs[n])}" for n in names]
    return "\n".join(lines) + "\n"
