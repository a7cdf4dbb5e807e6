"""Source text → networkx DAG: one node per input, constant and operation.

The grammar is written down in ``language.lark`` (the one place it lives).  It is read
with a hand-written, iterative operator-precedence parser: one regular expression cuts
the text into tokens (:mod:`~graphviz_ad.core.parse_tokens`, which also words the error
for a misplaced token) and a loop with two explicit stacks, operands and pending
operators (:mod:`~graphviz_ad.core.parse_walk`), calls this module's :class:`_Builder` in
exactly the order of the grammar's LALR reductions, so the DAG is built in one
left-to-right pass with no recursion (a 100,000-deep expression parses as easily as a
shallow one) and nothing is ever ``eval``-ed.  The tests check it against lark's LALR
parser generated from the grammar (``tests/parser_oracle/``, rebuilt by its
``build_standalone.py``; see ``tests/lark_oracle.py``).  Structurally identical
subexpressions are shared (CSE) and unnamed intermediates are called f1, f2, … in the
order they are completed.

>>> G = parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")
>>> sorted(G.predecessors("f3"))
['f1', 'f2']
>>> program_of(G).inputs, program_of(G).outputs
(('x',), ('y',))
"""

from __future__ import annotations

import difflib
import keyword
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from ._gc import gc_paused
from .build import GraphBuilder, version_label  # noqa: F401  (version_label: public here too)
from .errors import GraphvizAdError
from .names import as_name, name_problem  # noqa: F401  (as_name: public here too)
from .nodes import node
from .ops import (
    ALIAS,
    CONSTANTS,
    INPUT,
    MACRO_PARAMS,
    MACROS,
    OPERATORS,
    PRIMITIVES,
    function_names,
    is_constant,
    is_input,
    is_leaf,
    lookup_function,
)
from .parse_walk import walk
from .program import program_of

MAX_SOURCE_CHARS = 20_000_000
MAX_NODES = 2_000_000
DEFAULT_OUTPUT = "y"

@dataclass
class _Binding:
    name: str
    handle: int
    read: bool = False


@dataclass(frozen=True)
class _Tuple:
    """``(0, 1)`` as a keyword's value: the items' handles and the ``(``'s position."""

    items: tuple[int, ...]
    pos: tuple[int, int]


@dataclass(frozen=True)
class _Keyword:
    """``axis=1`` in a call: the keyword, the value's handle and the keyword's position."""

    name: str
    value: int | _Tuple
    pos: tuple[int, int]


def _binary(op: str) -> Callable[..., int]:  # (self, a, b[, at])
    """A builder callback for a binary operator (placed at its first operand)."""
    def method(self: _Builder, a: int, b: int, _at: tuple[int, int] | None = None) -> int:
        return self.node(op, (a, b), self.at(a))
    return method


class _Builder(GraphBuilder):
    """Receives the grammar's reductions (one callback per rule alias of language.lark,
    tokens given as text and ``(line, column)``) and keeps the bindings, over the shared
    :class:`~graphviz_ad.core.build.GraphBuilder` (nodes by handle, CSE, constants, naming)."""

    def __init__(self, source: str, cse: bool, rule: bool = False) -> None:
        super().__init__(cse)
        self.source = source
        self.rule = rule  # a rule text of ops.py: keyword values may name the op's params
        self.env: dict[str, _Binding] = {}
        self.bindings: list[_Binding] = []
        self.nones: set[int] = set()  # handles of `None`: a keyword's value, nothing else
        # where this statement reads a bound name or a known input: an op on that operand
        # is placed there, not at the operand's definition (error carets point at the use)
        self.reads: dict[int, tuple[int, int]] = {}

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

    # -- grammar callbacks (one per rule alias) -----------------------------------------
    def number(self, text: str, pos: tuple[int, int]) -> int:
        value = float(text)
        if not math.isfinite(value):
            raise self.error(f"number {text} is too large", *pos)
        return self.const(value, text, pos)

    def identifier(self, text: str, pos: tuple[int, int]) -> str:
        """A NAME token as Python reads it (see :mod:`graphviz_ad.core.names`)."""
        if text.isascii():  # the NAME pattern over ASCII is always an identifier
            return text
        problem = name_problem(text)
        if problem is not None:
            raise self.error(problem[1], pos[0], pos[1] + problem[0])
        return unicodedata.normalize("NFKC", text)

    def name(self, text: str, pos: tuple[int, int]) -> int:
        text = self.identifier(text, pos)
        binding = self.env.get(text)
        if binding is not None:
            binding.read = True
            self.reads[binding.handle] = pos
            return binding.handle
        handle = self.inputs.get(text)
        if handle is not None:
            self.reads[handle] = pos
            return handle
        if text == "None":  # axis=None; anywhere else an error (see finish)
            handle = self.new("none", (), pos)
            self.nones.add(handle)
            self.dropped.add(handle)
            return handle
        if text.startswith("__") or keyword.iskeyword(text):
            raise self.error(f"{text} is Python, not part of the expression language", *pos)
        if lookup_function(text) is not None:
            raise self.error(f"{text} is a function: call it as {text}(...), or assign "
                             f"{text} = … first to use the name for a value", *pos)
        if text in CONSTANTS and not self.rule:  # e, pi (a binding shadows them)
            return self.const(*CONSTANTS[text], pos)
        handle = self.inputs[text] = self.new(INPUT, (), pos)
        return handle

    def call(self, name: str, pos: tuple[int, int], items: list | None) -> int:
        name = self.identifier(name, pos)
        args = [a for a in items or [] if not isinstance(a, _Keyword)]
        keywords = [k for k in items or [] if isinstance(k, _Keyword)]
        if name in MACROS:
            allowed = MACRO_PARAMS[name][0] if name in MACRO_PARAMS else ()
            return self._expand(name, args, pos, self._params(name, items or [], keywords,
                                                              allowed))
        prim = lookup_function(name)
        if prim is None:
            raise self.error(f"unknown function {name}(){did_you_mean(name)}; "
                             f"known functions: {', '.join(function_names())}", *pos)
        params = self._params(name, items or [], keywords, prim.params)
        if len(args) != prim.arity:
            plural = "s" if prim.arity != 1 else ""
            raise self.error(f"{name}() takes {prim.arity} argument{plural}, got {len(args)}",
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
        given: dict[str, int | str | tuple[int, ...] | None] = {}
        for k in keywords:
            if k.name not in allowed:
                takes = (f"takes only {', '.join(allowed)}=" if allowed
                         else "takes no keyword arguments")
                raise self.error(f"{name}() {takes}; got {k.name}=", *k.pos)
            if k.name in given:
                raise self.error(f"{k.name}= given twice", *k.pos)
            given[k.name] = self._param_value(k)
        return tuple((p, given[p]) for p in allowed if p in given and given[p] is not None)

    def _param_value(self, k: _Keyword) -> int | str | tuple[int, ...] | None:
        """A keyword's value: a constant integer, a tuple of them, None (the same as not
        giving it) or, in a rule text, the name of the consumer's own parameter."""
        if isinstance(k.value, _Tuple):
            return tuple(self._integer(k.name, h) for h in k.value.items)
        if k.value in self.nones:
            self.nones.discard(k.value)
            return None
        if self.rule and is_input(self.op[k.value]):
            return self._input_name(k.value)
        return self._integer(k.name, k.value)

    def _integer(self, keyword: str, handle: int) -> int:
        if handle not in self.constants or not self.constants[handle][0].is_integer():
            raise self.error(f"{keyword}= must be a constant integer such as {keyword}=0, "
                             f"a tuple such as {keyword}=(0, 1) or None", *self.pos[handle])
        return int(self.constants[handle][0])

    def tuple_(self, items: list[int], pos: tuple[int, int]) -> _Tuple:
        """``(0, 1)``: only a keyword's value may be a tuple (the grammar says so)."""
        return _Tuple(tuple(items), pos)

    def _input_name(self, handle: int) -> str:
        name = next(n for n, h in self.inputs.items() if h == handle)
        del self.inputs[name]  # a parameter's name, not an operand of the rule
        self.dropped.add(handle)
        return name

    def kwarg(self, name: str, value: int | _Tuple, pos: tuple[int, int]) -> _Keyword:
        name = self.identifier(name, pos)
        return _Keyword(name, value, pos)

    add, sub, mul, div = _binary("add"), _binary("sub"), _binary("mul"), _binary("div")
    pow = _binary("pow")

    def neg(self, a: int, _at: tuple[int, int] | None = None) -> int:
        if a in self.constants:  # fold "-2" into one constant
            value, text = self.constants[a]
            return self.const(-value, "-" + text, self.at(a))
        return self.node("neg", (a,), self.at(a))

    def pos_(self, a: int, _at: tuple[int, int] | None = None) -> int:
        return a

    def matmul(self, a: int, b: int, at: tuple[int, int]) -> int:
        """``W @ x``, placed at the ``@`` (where a shape error points)."""
        return self.node("matmul", (a, b), at)

    def attribute(self, a: int, dot: tuple[int, int], name: str, _pos: tuple[int, int]) -> int:
        """``A.T``: the only attribute there is."""
        if name != "T":
            raise self.error(f"'.{name}' looks like Python, which is not part of the "
                             "expression language; the only attribute is .T (transpose)", *dot)
        return self.node("transpose", (a,), self.at(a))

    def _expand(self, name: str, args: list[int], pos: tuple[int, int],
                params: tuple = ()) -> int:
        """Inline a composed function (``softmax(z)`` → exp(z − logsumexp(z))) as nodes;
        with keyword arguments, its parametrised definition with their values."""
        G = _macro_graph(name, bool(params))
        given = dict(params)
        if len(args) != len(program_of(G).inputs):
            plural = "s" if len(program_of(G).inputs) != 1 else ""
            raise self.error(f"{name}() takes {len(program_of(G).inputs)} argument{plural}, "
                             f"got {len(args)}", *pos)
        handles = dict(zip(("a", "b"), args))
        for n in program_of(G).order:
            data = node(G, n)
            if is_constant(data["op"]):
                handles[n] = self.const(data["value"], data["name"], pos)
            elif not is_leaf(data["op"]):
                own = tuple((k, given[v] if isinstance(v, str) else v)
                            for k, v in data.get("params", ()) if not isinstance(v, str)
                            or v in given)
                handles[n] = self.node(data["op"], tuple(handles[o] for o in data["operands"]),
                                        pos, own)
        return handles[program_of(G).outputs[0]]

    def index(self, a: int, i: int) -> int:
        """``s[0]``: a constant integer index into a vector (its adjoint scatters back)."""
        line, column = self.pos[i]
        if self.rule and is_input(self.op[i]):  # "da[b]": the consumer's own index
            return self.node("index", (a, i), self.at(a))
        if i not in self.constants:
            raise self.error("an index must be a constant integer such as s[0]", line, column)
        value = self.constants[i][0]
        if not value.is_integer():
            raise self.error(f"an index must be an integer, got {self.constants[i][1]}",
                             line, column)
        return self.node("index", (a, i), self.at(a))

    def assign(self, name: str, pos: tuple[int, int], handle: int) -> None:
        self._bind(self.identifier(name, pos), handle, pos)

    def augassign(self, name: str, pos: tuple[int, int], augop: str, handle: int) -> None:
        name = self.identifier(name, pos)
        current = self.name(name, pos)
        op = OPERATORS[augop[:-1]]  # "+=" is "+"
        self._bind(name, self.node(op, (current, handle), pos), pos)

    def bare(self, handle: int) -> None:
        self._bind(DEFAULT_OUTPUT, handle, self.pos[handle])

    def at(self, handle: int) -> tuple[int, int]:
        """Where an op on ``handle`` is placed: where this statement reads it (a name or an
        input), else where it was made (a subexpression of this statement)."""
        return self.reads.get(handle, self.pos[handle])

    def _bind(self, name: str, handle: int, pos: tuple[int, int]) -> None:
        self.reads.clear()  # the statement ends: its reads say nothing about the next
        if handle in self.nones:
            raise self.error(_NONE_MESSAGE, *self.pos[handle])
        if name.startswith("__") or keyword.iskeyword(name):
            raise self.error(f"{name} is Python, not part of the expression language", *pos)
        # a function's name may be bound (dot = w0*x0 + w1*x1): read without a call it is
        # the value, and dot(u, v) is still the function, as the grammar tells them apart
        taken = is_leaf(self.op[handle]) or handle in self.user_name
        if taken:  # an alias such as `b = a`: give the new name a node of its own
            handle = self.new(ALIAS, (handle,), pos)
        self.user_name[handle] = name
        binding = _Binding(name, handle)
        self.env[name] = binding
        self.bindings.append(binding)
        self.names.append((name, handle))


def parse_rule(text: str) -> nx.DiGraph:
    """Parse a rule text of :mod:`graphviz_ad.core.ops` (``"sum(da, axis=axis)"``): as
    :func:`parse`, except that a keyword's value may name the op's own parameter, kept
    as that name in the node's ``params`` and bound when the rule is applied."""
    return parse(text, _rule=True)


@gc_paused
def parse(source: str, cse: bool = True, *, _rule: bool = False) -> nx.DiGraph:
    """Parse a bare expression (its output is ``y``) or a program of assignments into a DAG.

    Node attributes: ``op`` (``"input"``, ``"const"`` or a primitive name), ``operands``
    (node ids in argument order), ``params`` (only when keyword arguments were given:
    ``(("axis", 1),)``), ``name`` (the name as written), ``label`` (what every
    display shows: the name, except that a re-bound name's earlier versions, node ids
    ``c#1``, ``c#2``, read ``c⁽¹⁾``, ``c⁽²⁾``; its last binding is node ``c``, as a
    name means its last binding in Python; see :func:`version_label`),
    ``line``/``column`` (first occurrence in the source) and, for constants, ``value``.
    Each edge carries the argument ``positions`` it fills (read-only: see
    :func:`~graphviz_ad.core.build.edge_data`; ``G.copy()`` is writable).  Graph attributes:
    ``inputs``, ``outputs``, ``order`` (every node, operands before results), ``source``.

    Raises :class:`GraphvizAdError` with line, column and a caret for bad source.
    """
    if not isinstance(source, str):
        raise GraphvizAdError("source must be text")
    if len(source) > MAX_SOURCE_CHARS:
        raise GraphvizAdError(f"source too large: {len(source):,} characters "
                              f"(limit {MAX_SOURCE_CHARS:,})")
    builder = _Builder(source, cse, _rule)
    walk(builder, source)
    return finish(builder, source)


_NONE_MESSAGE = ("None is Python, not part of the expression language (it is allowed only "
                 "as a keyword's value, as in sum(A, axis=None))")


def finish(builder: _Builder, source: str) -> nx.DiGraph:
    """The graph of a completed build: its outputs are the bindings nobody read."""
    if builder.nones:  # a None that no keyword took: the first one used as an operand
        first = min(builder.nones)
        raise builder.error(_NONE_MESSAGE, *builder.pos[first])
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


def did_you_mean(name: str) -> str:
    """``" (did you mean sin()?)"`` for a misspelt function name, else ``""``.

    >>> did_you_mean("sinn"), did_you_mean("zzz")
    (' (did you mean sin()?)', '')
    """
    close = difflib.get_close_matches(name, function_names(), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}()?)" if close else ""


assert set(PRIMITIVES) >= {"add", "sub", "mul", "div", "neg", "pow", ALIAS}
# parsed at import
_MACROS.update({(name, False): parse(text) for name, text in MACROS.items()})
_MACROS.update({(name, True): parse_rule(text) for name, (_, text) in MACRO_PARAMS.items()})
