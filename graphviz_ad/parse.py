"""Source text → networkx DAG: one node per input, constant and operation.

The grammar lives in ``language.lark``; lark's LALR parser calls :class:`_Builder` on
every reduction, so the DAG is built in one left-to-right pass with no recursion (a
100,000-deep expression parses as easily as a shallow one) and nothing is ever
``eval``-ed.  Structurally identical subexpressions are shared (CSE) and unnamed
intermediates are called f1, f2, … in the order they are completed.

>>> G = parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")
>>> sorted(G.predecessors("f3"))
['f1', 'f2']
>>> G.graph["inputs"], G.graph["outputs"]
(['x'], ['y'])
"""

from __future__ import annotations

import keyword
import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
from lark import Lark, Token, Transformer
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from ._gc import gc_paused
from .build import GraphBuilder, version_label  # noqa: F401  (version_label: public here too)
from .errors import GraphvizAdError, source_lines
from .ops import CONSTANTS, MACRO_PARAMS, MACROS, PRIMITIVES, function_names, lookup_function

MAX_SOURCE_CHARS = 20_000_000
MAX_NODES = 2_000_000
DEFAULT_OUTPUT = "y"

_TOKEN_NAMES = {
    "$END": "end of input", "_NEWLINE": "end of line", "NAME": "name", "NUMBER": "number",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','",
    "EQUAL": "'='", "SEMICOLON": "';'", "POW": "power operator", "AUGOP": "augmented assignment",
    "MATMUL": "'@'", "DOT": "'.'",
}
_PYTHON_HINT = re.compile(r"\b(" + "|".join(keyword.kwlist) + r")\b|__\w+__|[\"'`:{}$]")


class _Separators:
    """Post-lexer: newlines inside (...) or [...] continue the statement, as in Python,
    and runs of separators (blank lines, ``;;``) count as one."""

    always_accept = ("_NEWLINE", "SEMICOLON")

    def process(self, stream):
        depth, after_separator = 0, True
        for tok in stream:
            if tok.type in ("LPAR", "LSQB"):
                depth += 1
            elif tok.type in ("RPAR", "RSQB"):
                depth = max(0, depth - 1)
            elif tok.type in ("_NEWLINE", "SEMICOLON"):
                if (tok.type == "_NEWLINE" and depth) or after_separator:
                    continue
                after_separator = True
                yield tok
                continue
            after_separator = False
            yield tok


@dataclass
class _Binding:
    name: str
    handle: int
    read: bool = False


@dataclass(frozen=True)
class _Keyword:
    """``axis=1`` in a call: the keyword, the value's handle and the keyword's position."""

    name: str
    value: int
    pos: tuple[int, int]


def _binary(op: str):
    """A builder callback for a binary operator."""
    def method(self, a: int, b: int) -> int:
        return self.node(op, (a, b), self.pos[a])
    return method


class _Builder(GraphBuilder):
    """Receives lark's reductions: the lark callbacks and the bindings, over the shared
    :class:`~graphviz_ad.build.GraphBuilder` (nodes by handle, CSE, constants, naming)."""

    def __init__(self, source: str, cse: bool, rule: bool = False) -> None:
        super().__init__(cse)
        self.source = source
        self.rule = rule  # a rule text of ops.py: keyword values may name the op's params
        self.env: dict[str, _Binding] = {}
        self.bindings: list[_Binding] = []

    # -- errors -------------------------------------------------------------------
    def error(self, message: str, line: int, column: int) -> GraphvizAdError:
        return GraphvizAdError(message, source=self.source, line=line, column=column)

    def new(self, op: str, args: tuple[int, ...], pos: tuple[int, int]) -> int:
        if len(self.op) >= MAX_NODES:
            raise self.error(f"program too large: more than {MAX_NODES:,} nodes", *pos)
        self.op.append(op)  # GraphBuilder.new, inlined: parsing calls this for every node
        self.operands.append(args)
        self.pos.append(pos)
        return len(self.op) - 1

    # -- lark callbacks (one per grammar rule alias) ------------------------------------
    def number(self, tok: Token) -> int:
        value = float(tok)
        if not math.isfinite(value):
            raise self.error(f"number {tok} is too large", tok.line, tok.column)
        return self.const(value, str(tok), (tok.line, tok.column))

    def name(self, tok: Token) -> int:
        if tok.startswith("__") or keyword.iskeyword(str(tok)):
            raise self.error(f"{tok!s} is Python, not part of the expression language",
                             tok.line, tok.column)
        binding = self.env.get(str(tok))
        if binding is not None:
            binding.read = True
            return binding.handle
        if lookup_function(str(tok)) is not None:
            raise self.error(f"{tok!s} is a function: call it as {tok!s}(...)",
                             tok.line, tok.column)
        if str(tok) in CONSTANTS and not self.rule:  # e, pi (a binding shadows them)
            return self.const(*CONSTANTS[str(tok)], (tok.line, tok.column))
        handle = self.inputs.get(str(tok))
        if handle is None:
            handle = self.inputs[str(tok)] = self.new("input", (), (tok.line, tok.column))
        return handle

    def call(self, tok: Token, items: list | None) -> int:
        pos = (tok.line, tok.column)
        args = [a for a in items or [] if not isinstance(a, _Keyword)]
        keywords = [k for k in items or [] if isinstance(k, _Keyword)]
        if str(tok) in MACROS:
            allowed = MACRO_PARAMS[str(tok)][0] if str(tok) in MACRO_PARAMS else ()
        else:
            prim = lookup_function(str(tok))
            if prim is None:
                known = ", ".join(function_names())
                raise self.error(f"unknown function {tok!s}(); known functions: {known}", *pos)
            allowed = prim.params
        params = self._params(str(tok), items or [], keywords, allowed)
        if str(tok) in MACROS:
            return self._expand(str(tok), args, pos, params)
        if len(args) != prim.arity:
            plural = "s" if prim.arity != 1 else ""
            raise self.error(f"{tok!s}() takes {prim.arity} argument{plural}, got {len(args)}",
                             *pos)
        return self.node(prim.name, tuple(args), pos, params)

    def _params(self, name: str, items: list, keywords: list[_Keyword],
                allowed: tuple[str, ...]) -> tuple:
        """Keyword arguments as ``((name, value), …)`` in the table's order: names among
        ``allowed``, after every operand, each a constant integer (or, in a rule text,
        the name of the consumer's own parameter)."""
        if keywords and not isinstance(items[-1], _Keyword):
            k = keywords[0]
            raise self.error("an operand after a keyword argument", *k.pos)
        given: dict[str, int | str] = {}
        for k in keywords:
            if k.name not in allowed:
                takes = (f"takes only {', '.join(allowed)}=" if allowed
                         else "takes no keyword arguments")
                raise self.error(f"{name}() {takes}; got {k.name}=", *k.pos)
            if k.name in given:
                raise self.error(f"{k.name}= given twice", *k.pos)
            given[k.name] = self._constant_integer(k)
        return tuple((p, given[p]) for p in allowed if p in given)

    def _constant_integer(self, k: _Keyword) -> int | str:
        if self.rule and self.op[k.value] == "input":
            return self._input_name(k.value)
        if k.value not in self.constants or not self.constants[k.value][0].is_integer():
            raise self.error(f"{k.name}= must be a constant integer such as {k.name}=0",
                             *self.pos[k.value])
        return int(self.constants[k.value][0])

    def _input_name(self, handle: int) -> str:
        name = next(n for n, h in self.inputs.items() if h == handle)
        del self.inputs[name]  # a parameter's name, not an operand of the rule
        self.dropped.add(handle)
        return name

    def kwarg(self, tok: Token, value: int) -> _Keyword:
        return _Keyword(str(tok), value, (tok.line, tok.column))

    def args(self, *items: int) -> list:
        return list(items)

    add, sub, mul, div = _binary("add"), _binary("sub"), _binary("mul"), _binary("div")

    def pow(self, a: int, _tok: Token, b: int) -> int:
        return self.node("pow", (a, b), self.pos[a])

    def neg(self, a: int) -> int:
        if a in self.constants:  # fold "-2" into one constant
            value, text = self.constants[a]
            return self.const(-value, "-" + text, self.pos[a])
        return self.node("neg", (a,), self.pos[a])

    def matmul(self, a: int, tok: Token, b: int) -> int:
        """``W @ x``, placed at the ``@`` (where a shape error points)."""
        return self.node("matmul", (a, b), (tok.line, tok.column))

    def attribute(self, a: int, dot: Token, tok: Token) -> int:
        """``A.T``: the only attribute there is."""
        if str(tok) != "T":
            raise self.error(f"'.{tok!s}' looks like Python, which is not part of the "
                             "expression language; the only attribute is .T (transpose)",
                             dot.line, dot.column)
        return self.node("transpose", (a,), self.pos[a])

    def pos_(self, a: int) -> int:
        return a

    def _expand(self, name: str, args: list[int], pos: tuple[int, int],
                params: tuple = ()) -> int:
        """Inline a composed function (``softmax(z)`` → exp(z − logsumexp(z))) as nodes;
        with keyword arguments, its parametrised definition with their values."""
        G = _macro_graph(name, bool(params))
        given = dict(params)
        if len(args) != len(G.graph["inputs"]):
            plural = "s" if len(G.graph["inputs"]) != 1 else ""
            raise self.error(f"{name}() takes {len(G.graph['inputs'])} argument{plural}, "
                             f"got {len(args)}", *pos)
        handles = dict(zip(("a", "b"), args))
        for n in G.graph["order"]:
            data = G.nodes[n]
            if data["op"] == "const":
                handles[n] = self.const(data["value"], data["name"], pos)
            elif data["op"] != "input":
                own = tuple((k, given[v] if isinstance(v, str) else v)
                            for k, v in data.get("params", ()) if not isinstance(v, str)
                            or v in given)
                handles[n] = self.node(data["op"], tuple(handles[o] for o in data["operands"]),
                                        pos, own)
        return handles[G.graph["outputs"][0]]

    def index(self, a: int, i: int) -> int:
        """``s[0]``: a constant integer index into a vector (its adjoint scatters back)."""
        line, column = self.pos[i]
        if self.rule and self.op[i] == "input":  # "da[b]": the consumer's own index
            return self.node("index", (a, i), self.pos[a])
        if i not in self.constants:
            raise self.error("an index must be a constant integer such as s[0]", line, column)
        value = self.constants[i][0]
        if not value.is_integer():
            raise self.error(f"an index must be an integer, got {self.constants[i][1]}",
                             line, column)
        return self.node("index", (a, i), self.pos[a])

    def assign(self, tok: Token, handle: int) -> None:
        self._bind(str(tok), handle, (tok.line, tok.column))

    def augassign(self, tok: Token, augop: Token, handle: int) -> None:
        current = self.name(tok)
        op = {"+=": "add", "-=": "sub", "*=": "mul", "/=": "div"}[str(augop)]
        self._bind(str(tok), self.node(op, (current, handle), (tok.line, tok.column)),
                   (tok.line, tok.column))

    def bare(self, handle: int) -> None:
        self._bind(DEFAULT_OUTPUT, handle, self.pos[handle])

    def program(self, *_stmts) -> None:
        return None

    def _bind(self, name: str, handle: int, pos: tuple[int, int]) -> None:
        if name.startswith("__") or keyword.iskeyword(name):
            raise self.error(f"{name} is Python, not part of the expression language", *pos)
        if lookup_function(name) is not None:
            raise self.error(f"cannot assign to {name}: it is a function name", *pos)
        taken = self.op[handle] in ("input", "const") or handle in self.user_name
        if taken:  # an alias such as `b = a`: give the new name a node of its own
            handle = self.new("id", (handle,), pos)
        self.user_name[handle] = name
        binding = _Binding(name, handle)
        self.env[name] = binding
        self.bindings.append(binding)
        self.names.append((name, handle))


def _forward(rule: str):
    target = "pos_" if rule == "pos" else rule

    def method(self, children):
        return getattr(self.builder, target)(*children)
    return method


class _Dispatch(Transformer):
    """lark needs its inline transformer at construction; this forwards to the current build."""

    builder: _Builder | None = None


for _rule in ("number", "name", "call", "args", "kwarg", "add", "sub", "mul", "div", "pow",
              "matmul", "attribute", "neg", "pos", "index", "assign", "augassign", "bare",
              "program"):
    setattr(_Dispatch, _rule, _forward(_rule))

_DISPATCH = _Dispatch()
_LOCK = threading.Lock()
_PARSER = Lark(
    (Path(__file__).with_name("language.lark")).read_text(encoding="utf-8"),
    parser="lalr", start="program", transformer=_DISPATCH, postlex=_Separators(),
    maybe_placeholders=True,
)


def parse_rule(text: str) -> nx.DiGraph:
    """Parse a rule text of :mod:`graphviz_ad.ops` (``"sum(da, axis=axis)"``): as
    :func:`parse`, except that a keyword's value may name the op's own parameter, kept
    as that name in the node's ``params`` and bound when the rule is applied."""
    return parse(text, _rule=True)


@gc_paused
def parse(source: str, cse: bool = True, *, _rule: bool = False) -> nx.DiGraph:
    """Parse a bare expression (its output is ``y``) or a program of assignments into a DAG.

    Node attributes: ``op`` (``"input"``, ``"const"`` or a primitive name), ``operands``
    (node ids in argument order), ``params`` (only when keyword arguments were given:
    ``(("axis", 1),)``), ``name`` (the name as written), ``label`` (what every
    display shows: the name, except that a re-bound name's later versions, node ids
    ``c#2``, ``c#3``, read ``c⁽²⁾``, ``c⁽³⁾``; see :func:`version_label`),
    ``line``/``column`` (first occurrence in the source) and, for constants, ``value``.
    Each edge carries the argument ``positions`` it fills.  Graph attributes:
    ``inputs``, ``outputs``, ``order`` (every node, operands before results), ``source``.

    Raises :class:`GraphvizAdError` with line, column and a caret for bad source.
    """
    if not isinstance(source, str):
        raise GraphvizAdError("source must be text")
    if len(source) > MAX_SOURCE_CHARS:
        raise GraphvizAdError(f"source too large: {len(source):,} characters "
                              f"(limit {MAX_SOURCE_CHARS:,})")
    builder = _Builder(source, cse, _rule)
    with _LOCK:
        _DISPATCH.builder = builder
        try:
            _PARSER.parse(source)
        except VisitError as err:  # an error raised inside a callback
            if isinstance(err.orig_exc, GraphvizAdError):
                raise err.orig_exc from None
            raise
        except UnexpectedInput as err:
            raise _syntax_error(source, err) from None
        finally:
            _DISPATCH.builder = None
    if not builder.bindings:
        raise GraphvizAdError("empty source: write an expression such as  sin(x)*x  "
                              "or assignments such as  y = sin(x)*x", source=source,
                              line=1, column=1)
    outputs = [bd.handle for bd in builder.bindings
               if not bd.read and builder.env[bd.name] is bd]
    return builder.to_graph("f", outputs, source)


_MACROS: dict[tuple[str, bool], nx.DiGraph] = {}


def _macro_graph(name: str, with_params: bool = False) -> nx.DiGraph:
    """The parsed definition of a composed function (parsed at import: see the end)."""
    return _MACROS[name, with_params]


def _syntax_error(source: str, err: UnexpectedInput) -> GraphvizAdError:
    """One clear message for a lark error, naming Python constructs that are not allowed."""
    line, column = getattr(err, "line", 1) or 1, getattr(err, "column", 1) or 1
    if isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken)
                                           and err.token.type == "$END"):
        lines = source_lines(source.rstrip("\n")) or [""]
        line, column = len(lines), len(lines[-1]) + 1
        message = "unexpected end of input (unclosed parenthesis or missing operand?)"
    elif isinstance(err, UnexpectedCharacters):
        message = f"unexpected character {source[err.pos_in_stream]!r}"
    elif isinstance(err, UnexpectedToken):
        tok = err.token
        what = _TOKEN_NAMES.get(tok.type, f"{str(tok)!r}")
        if tok.type in ("NAME", "NUMBER"):
            what = f"{what} {str(tok)!r}"
        message = f"unexpected {what}"
    else:  # pragma: no cover - lark has no other kinds today
        message = "syntax error"
    lines = source_lines(source)
    source_line = lines[line - 1] if line <= len(lines) else ""
    hint = _PYTHON_HINT.search(source_line)
    if hint and hint.start() <= column:
        message += (f"; {hint.group(0)!r} looks like Python, which is not part of the "
                    "expression language")
    return GraphvizAdError(message, source=source, line=line, column=column)


assert set(PRIMITIVES) >= {"add", "sub", "mul", "div", "neg", "pow", "id"}
# parsed at import, not under a callback
_MACROS.update({(name, False): parse(text) for name, text in MACROS.items()})
_MACROS.update({(name, True): parse_rule(text) for name, (_, text) in MACRO_PARAMS.items()})
