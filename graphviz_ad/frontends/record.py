"""The front ends' common half: a :class:`~graphviz_ad.core.build.GraphBuilder` fed by rules
written in the language, and the finished Program read back through the parser.

Each front end (numpy, micrograd, JAX) says what a foreign operation *is* as a short text in
the language over its operands ``a``, ``b``, … and parameters (``"a @ b"``, ``"log(1 + a)"``,
``"sum(a, axis=axis)"``): :meth:`Recorder.apply` replays that text's nodes into the one graph
builder (sharing identical nodes, as the parser does) and computes their values with the
primitive table's own functions.  :meth:`Recorder.finish` names the graph, writes it as
program text (:mod:`graphviz_ad.frontends.writer`) and parses that text, so a traced function
ends as exactly the Program the language builds for the same program, and as a file a
lecturer can keep.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import numpy as np

from ..core.build import GraphBuilder
from ..core.errors import GraphvizAdError, InputError
from ..core.nodes import node
from ..core.ops import INPUT, PRIMITIVES, is_constant, is_input, is_leaf
from ..core.parse import parse, parse_rule
from ..core.program import attach, program_of
from .writer import bindable, graph_file_text, program_text


class TraceError(GraphvizAdError):
    """A foreign operation graphviz-ad has no rule for, or cannot follow (one line)."""


@dataclass
class Traced:
    """A traced program: ``graph`` (what :func:`graphviz_ad.reverse_mode` and every other
    pass take), its ``inputs`` (the values it was traced at), which of them are ``data``
    (arrays the code read but was not given as parameters) and the names of the values the
    code returned (``of``, also first among the Program's outputs).  Unpacks as
    ``graph, inputs``."""

    graph: nx.DiGraph
    inputs: dict[str, Any]
    data: frozenset[str] = frozenset()
    of: tuple[str, ...] = ()
    title: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter((self.graph, self.inputs))

    @property
    def program(self) -> str:
        """The program in the language."""
        return program_of(self.graph).source or ""

    def graph_file(self) -> str:
        """The program and its values as a graph file (TOML) that loads back to it."""
        return graph_file_text(self.graph, self.inputs, title=self.title, data=self.data,
                               of=self.of)


@functools.cache
def rule_graph(text: str) -> nx.DiGraph:
    """A rule text parsed once: inputs are operands, keyword values may name parameters."""
    return parse_rule(text)


def reduces_all_axes(op: str) -> bool:
    """Whether the language's ``op(a)`` (sum, mean, logsumexp) reduces every axis, as numpy's
    default does, or only the first (as it once did): without an axis a front end writes the
    axes out when they differ."""
    return bool(np.ndim(PRIMITIVES[op].fn(np.ones((2, 2)))) == 0)


class Recorder:
    """Nodes by handle (a :class:`GraphBuilder`), their values, and the inputs' values."""

    def __init__(self) -> None:
        self.builder = GraphBuilder(cse=True)
        self.values: dict[int, Any] = {}
        self.given: dict[str, Any] = {}
        self.data: set[str] = set()
        self.label: dict[int, str] = {}  # how a message names a node

    # -- leaves -------------------------------------------------------------------------
    def input(self, name: str, value: Any, data: bool = False) -> int:
        """A new input called ``name`` (made bindable and unique) holding ``value``."""
        name = self.fresh(name)
        b = self.builder
        handle = b.inputs[name] = b.new(INPUT, (), (0, 0))
        self.values[handle] = value
        self.given[name] = value
        self.label[handle] = name
        if data:
            self.data.add(name)
        return handle

    def fresh(self, name: str) -> str:
        """``name`` if the language can bind it and no input has it, else a variant."""
        base = name if bindable(name, True) else (
            name + "_" if bindable(name + "_", True) else "x")
        taken = self.builder.inputs
        if base not in taken:
            return base
        k = 1
        while f"{base}{k}" in taken or not bindable(f"{base}{k}", True):
            k += 1
        return f"{base}{k}"

    def const(self, value: float) -> int:
        handle = self.builder.const(float(value), None, (0, 0))
        self.values[handle] = np.float64(value)
        self.label[handle] = self.builder.constants[handle][1]
        return handle

    # -- operations ---------------------------------------------------------------------
    def apply(self, rule: str, operands: Mapping[str, int], params: Mapping[str, Any] = {},
              pos: tuple[int, int] = (0, 0), where: str = "") -> int:
        """The nodes of ``rule`` over ``operands`` (handles by operand name), with its
        parameter names bound to ``params``; returns the handle of its result."""
        G = rule_graph(rule)
        handles: dict[str, int] = {}
        for n in program_of(G).order:
            data = node(G, n)
            if is_input(data["op"]):
                handles[n] = operands[n]
            elif is_constant(data["op"]):
                handles[n] = self.const(data["value"])
            else:
                own = tuple((k, params[v] if isinstance(v, str) else v)
                            for k, v in data.get("params", ()))
                handles[n] = self.node(data["op"], tuple(handles[o] for o in data["operands"]),
                                       own, pos, where)
        return handles[program_of(G).outputs[0]]

    def node(self, op: str, args: tuple[int, ...], params: tuple = (),
             pos: tuple[int, int] = (0, 0), where: str = "") -> int:
        """One primitive node (an existing identical one if there is one) and its value."""
        b = self.builder
        if op == "neg" and args[0] in b.constants:  # as the parser reads -2: one constant
            return self.const(-b.constants[args[0]][0])
        handle = b.node(op, args, pos, params)
        if handle not in self.values:
            try:
                with np.errstate(all="ignore"):
                    self.values[handle] = PRIMITIVES[op].fn(*[self.values[a] for a in args],
                                                            **dict(params))
            except InputError as err:
                names = dict(zip("ab", (self.label.get(a, "?") for a in args)))
                message = err.message.replace("{a}", names.get("a", "?")).replace(
                    "{b}", names.get("b", "?"))
                raise TraceError(f"{where}{': ' if where else ''}{op}: {message}") from None
            self.label[handle] = op
        return handle

    def reduce(self, op: str, handle: int, axis: int | tuple[int, ...] | None,
               pos: tuple[int, int] = (0, 0), where: str = "") -> int:
        """``op`` (sum, mean, logsumexp) over ``axis`` (None: every axis, as numpy): one node
        per axis, or ``op(a)`` where the language's own default means the same."""
        ndim = int(np.ndim(self.values[handle]))
        if axis is None:
            if ndim <= 1 or reduces_all_axes(op):
                return self.apply(f"{op}(a)", {"a": handle}, pos=pos, where=where)
            axis = tuple(range(ndim))
        if isinstance(axis, tuple):
            if ndim <= 1 and len(axis) == 1:  # the whole vector, as the language writes it
                return self.apply(f"{op}(a)", {"a": handle}, pos=pos, where=where)
            for a in sorted({a % max(ndim, 1) for a in axis}, reverse=True):
                handle = self.apply(f"{op}(a, axis=axis)", {"a": handle}, {"axis": a}, pos,
                                    where)
            return handle
        return self.apply(f"{op}(a, axis=axis)", {"a": handle}, {"axis": int(axis)}, pos, where)

    def select(self, mask: Any, when_false: int, when_true: int, where: str = "") -> int:
        """``when_true`` where ``mask`` holds, else ``when_false`` (numpy's ``where``, JAX's
        ``select_n``).  The mask is a fact about the traced numbers, so it is data: one
        branch when it is uniform, else ``a·(1 − mask) + b·mask``, exact for finite values,
        and the chain rule at the traced point (as Python's own ``if`` is)."""
        mask = np.asarray(mask, dtype=bool)
        if mask.size and (mask.all() or not mask.any()):
            return when_true if bool(mask.flat[0]) else when_false
        p = self.input("mask", mask.astype(float), data=True)
        return self.apply("a*(1 - p) + b*p", {"a": when_false, "b": when_true, "p": p},
                          where=where)

    def name(self, handle: int, name: str) -> None:
        """Call the node ``name`` (a binding in the traced code).  Inputs, constants and
        nodes named already keep their name: an alias adds no node."""
        b = self.builder
        if (not bindable(name) or is_leaf(b.op[handle])
                or handle in b.user_name):
            return
        b.user_name[handle] = name
        b.names.append((name, handle))
        self.label[handle] = name

    # -- the Program ------------------------------------------------------------------------
    def finish(self, returned: Sequence[int], name: str = "y", title: str = "") -> Traced:
        """The traced Program: ``returned`` are its outputs (named ``name`` when the code
        gave them no name), then every named value nobody used."""
        b = self.builder
        if not bindable(name):
            name = "y"
        outputs: list[int] = []
        for k, h in enumerate(returned):
            own = name if len(returned) == 1 else f"{name}{k + 1}"
            if is_leaf(b.op[h]):
                h = b.named(h, own, (0, 0))
                self.values[h] = self.values[b.operands[h][0]]
            else:
                self.name(h, own)
            outputs.append(h)
        used = {a for args in b.operands for a in args}
        outputs += [h for _, h in sorted(b.names, key=lambda item: item[1])
                    if h not in used and h not in outputs]
        keep: set[int] = set()
        stack = list(outputs) + [h for _, h in b.names]
        while stack:
            h = stack.pop()
            if h not in keep:
                keep.add(h)
                stack.extend(b.operands[h])
        b.dropped = set(range(len(b.op))) - keep
        b.inputs = {k: h for k, h in b.inputs.items() if h in keep}
        b.names.sort(key=lambda item: item[1])  # versions (c, c#2) in evaluation order
        traced = b.to_graph("f", outputs)
        G = parse(program_text(traced))
        returned_ids = tuple(b.ids[h] for h in outputs[:len(returned)])
        program = program_of(G)
        rest = tuple(n for n in program.outputs if n not in returned_ids)
        attach(G, replace(program, outputs=returned_ids + rest))
        inputs = {n: self.given[n] for n in program.inputs}
        return Traced(G, inputs, frozenset(self.data & set(inputs)), returned_ids, title)
