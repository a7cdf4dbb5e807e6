"""Any graph as the language's text, and as a graph file (TOML) that loads back to it.

The text names every node the reader should see: inputs, user-bound names, every node used
more than once and every output get a statement of their own, in evaluation order; the other
intermediates (``f1``, ``f2``, … used once) are written inline, so ``y = exp(x)*x`` reads as it
was written.  The parser numbers the inline nodes in the order it completes them, skipping the
names the text binds, which is the numbering they had.

>>> import graphviz_ad as ad
>>> print(program_text(ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")))
f1 = exp(x)
f3 = f1 + f1^2
y = exp(f3) + sin(f3)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np

from ..core.build import graph_dicts
from ..core.errors import GraphvizAdError
from ..core.ops import CONSTANTS, PRIMITIVES, lookup_function
from ..core.program import program_of

_AUTO = re.compile(r"f\d+")  # the names the parser gives unnamed intermediates
MAX_NESTING = 24  # deepest expression written inline (readable, and no deep recursion)
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
# how each operator is written, and how tightly it binds (the grammar's precedence levels)
_SUM, _PRODUCT, _UNARY, _POWER, _POSTFIX, _ATOM = 1, 2, 3, 4, 5, 10
_INFIX = {"add": ("+", _SUM), "sub": ("-", _SUM), "mul": ("*", _PRODUCT),
          "div": ("/", _PRODUCT), "matmul": ("@", _PRODUCT), "pow": ("^", _POWER)}


def bindable(name: str, input: bool = False) -> bool:
    """Whether the language can bind ``name``: an ASCII identifier that is no function and
    no Python dunder; an ``input`` is also no built-in constant (``e``, ``pi``: a binding
    shadows them, an input cannot).

    >>> bindable("W1"), bindable("exp"), bindable("φ"), bindable("e"), bindable("e", input=True)
    (True, False, False, True, False)
    """
    return (bool(_NAME.fullmatch(name)) and not name.startswith("__")
            and lookup_function(name) is None and not (input and name in CONSTANTS))


def _number(value: float) -> tuple[str, int]:
    if not math.isfinite(value):
        raise GraphvizAdError(f"cannot write the constant {value} as a program")
    text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return (f"{text}", _UNARY) if value < 0 or text.startswith("-") else (text, _ATOM)


def program_text(G: nx.DiGraph) -> str:
    """The program of G in the language, one statement per named node (see the module)."""
    nodes, succ, _ = graph_dicts(G)
    program = program_of(G)
    outputs = set(program.outputs)
    uses = {n: sum(len(e["positions"]) for e in succ[n].values()) for n in nodes}
    own = {n for n in program.order if nodes[n]["op"] not in ("input", "const") and (
        n in outputs or uses[n] != 1 or nodes[n]["op"] == "id"
        or not _AUTO.fullmatch(nodes[n]["name"]))}
    depth: dict[str, int] = {}  # nesting of an inline expression: a deep one gets a name
    for n in program.order:
        inner = [depth[a] for a in nodes[n]["operands"] if a not in own]
        depth[n] = 1 + max(inner, default=0)
        if depth[n] > MAX_NESTING and nodes[n]["op"] not in ("input", "const"):
            own.add(n)
            depth[n] = 0
    current: dict[str, str] = {n: n for n in program.inputs}  # name -> the node it holds now
    for n in program.inputs:
        if not bindable(n, input=True):
            raise GraphvizAdError(f"cannot write the input {n!r} as a program: the language "
                                  "cannot name it")

    def ref(n: str) -> tuple[str, int]:
        data = nodes[n]
        if data["op"] == "const":
            return _number(float(data["value"]))
        if n in own or data["op"] == "input":
            name = data["name"] if data["op"] != "input" else n
            if current.get(name) != n:
                raise GraphvizAdError(f"cannot write the program as text: {data['label']} is "
                                      f"used after {name} is bound again")
            return name, _ATOM
        return expression(n)

    def expression(n: str) -> tuple[str, int]:
        data = nodes[n]
        op, args = data["op"], [ref(a) for a in data["operands"]]
        if op in _INFIX:
            symbol, prec = _INFIX[op]
            (left, lp), (right, rp) = args
            right_assoc = op == "pow"
            if lp < prec or (lp == prec and right_assoc):
                left = f"({left})"
            if rp < prec or (rp == prec and not right_assoc):
                right = f"({right})"
            spaced = f" {symbol} " if op in ("add", "sub", "matmul") else symbol
            return f"{left}{spaced}{right}", prec
        if op == "neg":
            (text, prec), = args
            return f"-({text})" if prec < _UNARY else f"-{text}", _UNARY
        if op in ("transpose", "index"):
            text, prec = args[0]
            text = f"({text})" if prec < _POSTFIX else text
            return (f"{text}.T" if op == "transpose" else f"{text}[{args[1][0]}]"), _POSTFIX
        if op == "id":
            return args[0][0], args[0][1]
        if op not in PRIMITIVES:
            raise GraphvizAdError(f"cannot write the operation {op!r} as a program")
        params = [f"{k}={v}" for k, v in data.get("params", ())]
        return f"{op}({', '.join([a for a, _ in args] + params)})", _ATOM

    lines = []
    for n in program.order:
        if n not in own:
            continue
        name = nodes[n]["name"]
        if not bindable(name):
            raise GraphvizAdError(f"cannot write {name!r} as a program: the language cannot "
                                  "name it")
        text = expression(n)[0]
        current[name] = n
        lines.append(f"{name} = {text}")
    return "\n".join(lines)


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
        lines.append(f"title = {json.dumps(title, ensure_ascii=False)}")
    if description:
        lines.append(f"description = {json.dumps(description, ensure_ascii=False)}")
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
