"""A Trace as JSON: the one description of its node, step and contribution records
(:mod:`.jsontext`'s ``Record`` of typed members), from which both the dict form
(:func:`trace_dict`) and the streamed text (:func:`trace_json_chunks`) are made, and the
bound on the size of that text, counted from shapes before anything is written.

Numbers are floats, arrays nested lists (each node and step has its ``shape``, ``[]`` for
a scalar), and the non-finite numbers the strings ``"nan"``, ``"inf"`` and ``"-inf"`` (JSON
has no literal for them, and ``null`` would not tell them apart).  A node entry has
``name`` (as written) and ``label`` (as shown); a pass seeded with anything but the scalar
1 has ``"seed"`` (``"1"`` for ones, ``"[i]"`` one-hot, ``"v"`` other) and its symbols say so.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from json.encoder import encode_basestring as encode
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core._gc import gc_paused
from ..core.errors import GraphvizAdError
from ..core.formula import definition
from ..core.modes import Mode
from ..core.nodes import node, node_data, quantity
from ..core.noise import noise_flags
from ..core.program import program_of
from ..core.trace import Deferred
from .edges import local_formula
from .jsontext import (
    Entries,
    Layout,
    Member,
    Record,
    Written,
    integer,
    json_chunks,
    plain,
    records,
    string,
    strings,
    value_text,
)
from .nonfinite import nonfinite_warnings
from .report import derivative_header
from .steps import texts as step_texts

if TYPE_CHECKING:
    from ..core.trace import Step, Trace

#: The most numbers a JSON report writes (every array element is one): 10 M is ~200 MB.
MAX_JSON_NUMBERS = 10_000_000


def _plain(value: Any) -> Any:
    """numpy numbers/arrays → JSON-ready floats and lists; nan, inf and −inf → the
    strings ``"nan"``, ``"inf"`` and ``"-inf"``."""
    if isinstance(value, (float, int)):
        v = float(value)
        if math.isfinite(v):
            return v
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if np.ndim(value) > 0:
        array = np.asarray(value, dtype=float)
        if np.isfinite(array).all():
            return array.tolist()
        return [_plain(v) for v in array]
    return _plain(float(value))


@gc_paused
def trace_dict(trace: Trace) -> dict[str, Any]:
    """The machine-readable form (see the README for the schema)."""
    return {**_head(trace), "nodes": dict(_node_entries(trace)),
            "steps": list(_step_entries(trace)), "warnings": nonfinite_warnings(trace)}


@gc_paused
def trace_json(trace: Trace, indent: int | None = 2) -> str:
    """:func:`trace_dict` as JSON text (``json.dumps(..., ensure_ascii=False)``)."""
    return "".join(trace_json_chunks(trace, indent))


def trace_json_chunks(trace: Trace, indent: int | None = 2,
                      max_numbers: int | None = None) -> Iterator[str]:
    """:func:`trace_json` in pieces, a node or a step at a time, built as they are
    written: a caller writing them to a file never holds the whole document.  A document
    of more than ``max_numbers`` numbers (default :data:`MAX_JSON_NUMBERS`) is refused
    here, before its first piece."""
    check_json_size([trace], max_numbers)
    return json_chunks(_document(trace), indent)


def traces_json_chunks(traces: Sequence[Trace], indent: int | None = 2,
                       max_numbers: int | None = None) -> Iterator[str]:
    """Several passes as one JSON list of :func:`trace_json` documents, in pieces."""
    check_json_size(traces, max_numbers)
    return json_chunks(iter([Entries(_document(t).items()) for t in traces]), indent)


def json_numbers(trace: Trace) -> int:
    """How many numbers the JSON form of ``trace`` holds (every node's value and
    derivative, every step's result and each contribution's local, carried and product),
    counted from shapes before anything is written."""
    nodes = node_data(trace.graph)
    attribute = trace.derivative_attribute
    count = sum(int(np.size(v)) for v in trace.inputs.values())
    for n in program_of(trace.graph).order:
        d = nodes[n]
        count += int(np.size(d["value"])) + (int(np.size(quantity(d, attribute)))
                                             if attribute else 0)
    for s in trace.steps:
        count += int(np.size(s.result))
        for c in s.contributions:  # a linear map's local (not computed yet) has its source's shape
            local = (nodes[c.source]["value"] if isinstance(c.local_, Deferred) else c.local_)
            count += int(np.size(local)) + int(np.size(c.carried)) + int(np.size(c.product))
    return count


def check_json_size(traces: Sequence[Trace], max_numbers: int | None = None) -> None:
    """Refuse JSON text of more than ``max_numbers`` numbers (default
    :data:`MAX_JSON_NUMBERS`; about 20 bytes each) before any is written: the tables
    show large arrays in short, JSON writes every element."""
    max_numbers = MAX_JSON_NUMBERS if max_numbers is None else max_numbers
    count = 0
    for trace in traces:
        count += json_numbers(trace)
        if count > max_numbers:
            raise GraphvizAdError(
                f"the JSON report would hold {count:,} numbers or more, over the limit of "
                f"{max_numbers:,} (JSON writes arrays whole); use --format table, markdown "
                "or latex (large arrays shown in short), or fewer elements")


def _document(trace: Trace) -> dict[str, Any]:
    """The JSON form's members, its nodes and steps written when reached."""
    return {**_head(trace), "nodes": Written(lambda at: _nodes_text(trace, at)),
            "steps": Written(lambda at: _steps_text(trace, at)),
            "warnings": nonfinite_warnings(trace)}


def _head(trace: Trace) -> dict[str, Any]:
    """What the JSON form says before its nodes and steps."""
    out: dict[str, Any] = {"mode": trace.mode,
                           "inputs": {k: _plain(v) for k, v in trace.inputs.items()},
                           "outputs": trace.outputs}
    if trace.mode == Mode.FORWARD:
        out["wrt"] = trace.wrt
    if trace.mode == Mode.REVERSE:
        out["of"] = trace.of
        if trace.skipped:  # restricted by wrt: these adjoints were not computed (0 here)
            out["skipped"] = [n for n in program_of(trace.graph).order if n in trace.skipped]
    if trace.mode != Mode.EVALUATE:
        out["derivative"] = derivative_header(trace)
        if trace.seed is not None:
            out["seed"] = trace.seed
    return out


# The nodes and steps, described once: each record's members (jsontext.Record) and a
# function giving a node's or step's values in their order.  trace_dict makes dicts of
# them, the streamed text writes the same members directly.

def _number(key: str) -> Member:
    """A number or array: floats and nested lists, nan and ±inf as strings (:func:`_plain`)."""
    def writer(at: Layout) -> Callable[[Any], str]:
        def text(value: Any) -> str:  # a finite float (numpy's included) directly
            if isinstance(value, float) and math.isfinite(value):
                return float.__repr__(value)
            return value_text(_plain(value), at)
        return text
    return Member(key, _plain, writer)


def _shape(key: str) -> Member:
    """A number's or array's shape (``[]`` for a scalar)."""
    def writer(at: Layout) -> Callable[[Any], str]:
        return lambda value: ("[]" if isinstance(value, float)
                              else value_text(list(np.shape(value)), at))
    return Member(key, _shape_of, writer)


def _shape_of(value: Any) -> list[int]:
    return [] if isinstance(value, float) else list(np.shape(value))


@functools.cache
def _node_record(attribute: str | None) -> Record:
    """A node's members; ``attribute`` (tangent, adjoint) names its derivative's (an
    evaluation has none)."""
    derivative = [_number(attribute)] if attribute else []
    return Record([string("name"), string("label"), string("op"), strings("operands"),
                   string("definition"), _shape("shape"), _number("value"),
                   plain("params", optional=True), *derivative,
                   plain("nonfinite", optional=True), plain("noise", optional=True)])


_CONTRIBUTION = Record([strings("edge"), string("local_formula"), _number("local"),
                        _number("carried"), _number("product")])
_STEP = Record([integer("index"), string("node"), string("kind"), string("derivative"),
                string("formula"), string("equation"), string("latex"), _shape("shape"),
                _number("value"), records("contributions", _CONTRIBUTION),
                plain("noise", optional=True)])


def _node_values(trace: Trace, n: str, attribute: str | None) -> tuple[Any, ...]:
    """Node ``n``'s values in :func:`_node_record`'s order (None: member left out)."""
    G = trace.graph
    d = node(G, n)
    value = d["value"]
    return (d["name"], d.get("label") or d["name"], d["op"], d["operands"], definition(G, n),
            value, value, dict(d["params"]) if d.get("params") else None,
            *((quantity(d, attribute),) if attribute else ()),
            True if d.get("nonfinite") else None,
            _noise(trace, n, attribute) or None)


def _step_values(s: Step) -> tuple[Any, ...]:
    """A step's values in :data:`_STEP`'s order (None: member left out)."""
    derivative, formula, equation, latex = step_texts(s)
    return (s.index, s.node, s.kind, derivative, formula, equation, latex, s.result,
            s.result, [((c.source, c.target), local_formula(c, kind=s.kind), c.local,
                        c.carried, c.product) for c in s.contributions],
            noise_flags(s.result, s.scale()))


def _node_entries(trace: Trace) -> Iterator[tuple[str, dict[str, Any]]]:
    attribute = trace.derivative_attribute
    record = _node_record(attribute)
    for n in program_of(trace.graph).order:
        yield n, record.to_dict(_node_values(trace, n, attribute))


def _step_entries(trace: Trace) -> Iterator[dict[str, Any]]:
    for s in trace.steps:
        yield _STEP.to_dict(_step_values(s))


def _noise(trace: Trace, node: str, attribute: str | None) -> dict[str, Any]:
    """Which of a node's numbers are rounding noise (shown as 0): ``{"value": true}``,
    ``{"adjoint": [false, true]}``; empty when none is."""
    flags = {}
    for name in ("value", attribute) if attribute else ("value",):
        found = trace.scales.noise(node, name)
        if found is not None:
            flags[name] = found
    return flags


def _nodes_text(trace: Trace, at: Layout) -> Iterator[str]:
    """The ``nodes`` object, a node at a time."""
    attribute = trace.derivative_attribute
    write = _node_record(attribute).writer(at.inner)
    opening = "{" + at.first
    for n in program_of(trace.graph).order:
        yield f"{opening}{encode(n)}: {write(_node_values(trace, n, attribute))}"
        opening = at.between
    yield "{}" if opening != at.between else at.last + "}"


def _steps_text(trace: Trace, at: Layout) -> Iterator[str]:
    """The ``steps`` list, a step at a time."""
    write = _STEP.writer(at.inner)
    opening = "[" + at.first
    for s in trace.steps:
        yield opening + write(_step_values(s))
        opening = at.between
    yield "[]" if opening != at.between else at.last + "]"
