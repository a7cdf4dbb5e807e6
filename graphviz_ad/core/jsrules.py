"""The rule table compiled to JavaScript: the explorer page's arithmetic, generated.

Every JVP, VJP and elementwise partial of :data:`~graphviz_ad.core.ops.PRIMITIVES` is a
rule program (:func:`~graphviz_ad.core.rules.rule_program`); each becomes one JavaScript
function of an environment object (``a``, ``b``, ``g``, ``da``, ``db``, ``out`` and the
op's params) whose every line calls the page runtime's forward function of a primitive,
``R.call("mul", [x, y], params)``.  Forward values are those runtime functions too, so a
new primitive runs in the page as soon as the runtime knows its forward function: its
derivatives need no JavaScript.  Ops whose forward function the runtime lacks are
reported by :func:`unsupported_ops`, and the page falls back to Python's numbers.

>>> print(compile_program(rule_program("sin", "partial", 0)))
function (e) {
  var v = {};
  v["y"] = R.call("cos", [e["a"]], R.bind(e, []));
  return v["y"];
}
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from .ops import PRIMITIVES, is_constant
from .rules import RuleProgram, rule_program

#: the primitives whose forward function the page's JavaScript runtime implements
#: (``graphviz_ad/draw/explorer.js``, ``R.fn``; a browser test checks the two agree)
RUNTIME_OPS = frozenset({
    "add", "sub", "mul", "hadamard", "div", "neg", "pow", "id", "exp", "log", "sin", "cos",
    "tan", "tanh", "sqrt", "abs", "sigmoid", "relu", "softplus", "square", "sign", "step",
    "index", "sum", "mean", "dot", "matmul", "transpose", "outer", "row", "unrow", "col",
    "uncol", "logsumexp", "softmax", "spread", "size", "targets_times", "onehot", "sum_like",
    "max", "min", "amax", "argmax_share", "reshape", "reshape_like"})


def _literal(value: Any) -> str:
    """A constant as a JavaScript expression (nan and infinities included)."""
    if isinstance(value, tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(int(number)) if isinstance(value, int) else repr(number)


def _params(params: Any) -> str:
    """A rule line's params as ``R.bind``'s list: ``[name, value, is_reference]``; a
    reference names an env entry (the op's own ``axis``), dropped when absent."""
    items = []
    for key, value in params:
        if isinstance(value, str):
            items.append(f"[{json.dumps(key)}, {json.dumps(value)}, true]")
        else:
            items.append(f"[{json.dumps(key)}, {_literal(value)}, false]")
    return "[" + ", ".join(items) + "]"


def compile_program(program: RuleProgram) -> str:
    """One rule program as a JavaScript function expression ``function (e) {…}``."""
    defined: set[str] = set()

    def ref(name: str) -> str:
        return f"v[{json.dumps(name)}]" if name in defined else f"e[{json.dumps(name)}]"

    lines = ["function (e) {", "  var v = {};"]
    for name, op, args, params in program.lines:
        if is_constant(op):
            expr = _literal(params)
        else:
            expr = (f"R.call({json.dumps(op)}, [{', '.join(ref(a) for a in args)}], "
                    f"R.bind(e, {_params(params)}))")
        lines.append(f"  v[{json.dumps(name)}] = {expr};")
        defined.add(name)
    lines.append(f"  return {ref(program.result)};")
    lines.append("}")
    return "\n".join(lines)


def _kinds(op: str) -> list[str]:
    return ["vjp", "jvp"] if PRIMITIVES[op].linear else ["partial", "vjp", "jvp"]


def rule_ops(ops: Iterable[str]) -> set[str]:
    """``ops`` and every primitive their rules call (what the page's runtime must run)."""
    needed = set(ops)
    for op in list(needed):
        if op not in PRIMITIVES:
            continue
        for kind in _kinds(op):
            for position in range(PRIMITIVES[op].arity):
                needed.update(rule_program(op, kind, position).ops)
    return needed


def unsupported_ops(ops: Iterable[str]) -> list[str]:
    """The ops (of ``ops`` or their rules) the page cannot compute, sorted: unknown to
    the table or without a forward function in the JavaScript runtime."""
    return sorted(op for op in rule_ops(ops) if op not in RUNTIME_OPS)


def compile_rules(ops: Iterable[str]) -> str:
    """A JavaScript object literal ``{op: {kind: [per operand position: function]}}`` of
    every rule of ``ops`` (elementwise ops: partial, vjp, jvp; linear maps: vjp, jvp)."""
    entries = []
    for op in sorted(set(ops)):
        if op not in PRIMITIVES:
            continue
        kinds = []
        for kind in _kinds(op):
            functions = [compile_program(rule_program(op, kind, p)).replace("\n", "\n    ")
                         for p in range(PRIMITIVES[op].arity)]
            kinds.append(f"  {json.dumps(kind)}: [\n    " + ",\n    ".join(functions) + "]")
        entries.append(f"{json.dumps(op)}: {{\n" + ",\n".join(kinds) + "}")
    return "{\n" + ",\n".join(entries) + "\n}"
