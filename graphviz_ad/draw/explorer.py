"""The explorer page: one self-contained HTML file where the graph is live.

The graph is the slides' fixed layout (the same DOT, laid out once by
:mod:`graphviz_ad.draw.template`), its slots marked so the page fills them.  Clicking a
node shows its definition, value, tangent and adjoint with each chain-rule step in
symbols (the ones ``trace`` prints) and in numbers; the step controls walk the slides'
frames, coloured as on the slides.  Every number is computed in the page by the rule
table compiled to JavaScript (:mod:`graphviz_ad.core.jsrules`) over a small runtime
(``explorer.js``), so changing an input recomputes everything; ops the runtime lacks
are named on the page, which then shows Python's numbers.  No network is used.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Collection, Mapping
from importlib import resources
from typing import Any

import networkx as nx
import numpy as np

from ..core.autodiff import forward_mode
from ..core.errors import GraphvizAdError
from ..core.formula import definition, node_label
from ..core.jsrules import compile_rules, unsupported_ops
from ..core.modes import Mode
from ..core.nodes import node_data
from ..core.ops import LEAF_OPS, is_constant, is_leaf
from ..core.passes import run_passes
from ..core.program import program_of
from ..core.trace import Contribution, Step, Trace
from ..explain.steps import formula, matrix_terms, node_symbol, term
from .derivative_story import FILL, DerivativeStory, edge_key
from .derivative_text import local_lines, maps_edge
from .derivatives import DEFAULT_ASPECT, DerivativeFrames
from .frames import STEP_MS
from .notebook import Player
from .palette import BACKGROUND, INK, VERMILLION, WRONG_TEXT
from .template import SvgTemplate

MAX_WRT = 8  # forward passes offered (one per parameter, the default first)
MAX_CELLS = 400  # array inputs with more entries are shown, not edited, on the page
MAX_PAGE_ELEMENTS = 200_000  # numbers written into one page (inputs; Python's when needed)
MODES = ("forward", "reverse", "both")
_MARK = "@@{}@@"
_COLOUR_MARK = re.compile(r'([a-z-]+)="@@(\d+)@@"')
_TEXT_MARK = re.compile(r"<text([^>]*)>@@(\d+)@@</text>")
_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)
_SIZE = re.compile(r'<svg width="([^"]*)" height="([^"]*)"')


class _Layout(DerivativeFrames):
    """The slides' layout of both passes, laid out once (no frame composed)."""

    def template(self) -> SvgTemplate:
        return self.layout(DEFAULT_ASPECT)


def _number(value: Any) -> Any:
    """A number or array as JSON: arrays as ``{"shape", "data"}``, non-finite as text."""
    def one(v: float) -> Any:
        if math.isfinite(v):
            return v
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return one(float(array))
    return {"shape": list(array.shape), "data": [one(float(v)) for v in array.ravel()]}


def _params(params: Any) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in (params or ())}


def _frames(story: DerivativeStory, index: dict[str, int], forward: int
            ) -> list[dict[str, Any]]:
    """A story's frames as differences: colours changed, text slots turned on and off,
    and the step each shows (``[kind, node]`` where a node is active, else None).  The
    first ``forward`` frames are the forward pass's (tangents), the others adjoints."""
    out: list[dict[str, Any]] = []
    colours: dict[str, str] = {}
    shown: set[str] = set()
    texts = story.text_keys
    for i, state in enumerate(story.states):
        kind = (Mode.FORWARD if i < forward else Mode.REVERSE).kind
        changed = {str(index[k]): v for k, v in state.items()
                   if k in index and k not in texts and colours.get(k) != v}
        colours.update({k: v for k, v in state.items() if k not in texts})
        now = {k for k, v in state.items() if k in index and k in texts and v}
        active = [n for n in story.nodes if state.get(f"{n}.fill") == FILL["active"]]
        out.append({"c": changed, "on": sorted(str(index[k]) for k in now - shown),
                    "off": sorted(str(index[k]) for k in shown - now),
                    "step": [kind, active[0]] if active else None})
        shown = now
    return out


def _pass_texts(forwards: Mapping[str, Trace], rev: Trace, order: list[str]
                ) -> dict[str, Any]:
    """Each node's derivative symbol and each step's chain rule, per forward pass (by its
    input) and for the reverse pass: the symbols ``trace`` prints."""
    return {"symbols": {"tangent": {w: {n: node_symbol(f, n) for n in order}
                                    for w, f in forwards.items()},
                        "adjoint": {n: node_symbol(rev, n) for n in order}},
            "steps": {"tangent": {w: {s.node: _step_info(s) for s in f.steps}
                                  for w, f in forwards.items()},
                      "adjoint": {s.node: _step_info(s) for s in rev.steps}}}


def _step_info(step: Step) -> dict[str, Any]:
    """A step's symbols: the chain rule as ``trace`` writes it, and each term's."""
    matrices = matrix_terms(step)
    return {"formula": formula(step),
            "terms": [{"source": c.source, "target": c.target,
                       "text": term(step, c, "text", m)}
                      for c, m in zip(step.contributions, matrices)]}


def _marked_svg(template: SvgTemplate, keys: list[str], initial: Mapping[str, str]) -> str:
    """The laid-out SVG with every slot marked for the page: text slots as
    ``data-slot="i"``, colour slots as ``data-slot-fill="i"`` (``stroke``…) beside their
    initial colour; sized by its container."""
    svg = template.fill({k: _MARK.format(i) for i, k in enumerate(keys)})

    def colour(m: re.Match[str]) -> str:
        key = keys[int(m.group(2))]
        return (f'{m.group(1)}="{html.escape(initial.get(key, "none"), quote=True)}" '
                f'data-slot-{m.group(1)}="{m.group(2)}"')

    svg = _COLOUR_MARK.sub(colour, svg)
    svg = _TEXT_MARK.sub(lambda m: f'<text{m.group(1)} data-slot="{m.group(2)}"></text>', svg)
    svg = _PROLOG.sub("", svg).strip()
    return _SIZE.sub(r'<svg width="100%" data-width="\1"', svg, count=1)


def _slot_meaning(G: nx.DiGraph, nodes: list[str], edges: list[tuple[str, str]],
                  keys: Collection[str]) -> dict[str, list[Any]]:
    """What each text slot shows, by key: ``["value", n]``, ``["tangent", n, line]``,
    ``["adjoint", n, line]`` or ``["label", u, v, line]``."""
    out: dict[str, list[Any]] = {}
    for n in nodes:
        out[f"{n}.value"] = ["value", n]
        for kind in ("tangent", "adjoint"):
            for line in range(4):
                out[f"{n}.{kind}{line}"] = [kind, n, line]
    for u, v in edges:
        for line in range(4):
            out[f"{edge_key(u, v)}.label{line}"] = ["label", u, v, line]
    return {k: m for k, m in out.items() if k in keys}


def explorer_model(G: nx.DiGraph, inputs: Mapping[str, Any], *, data: Collection[str] = (),
                   wrt: str | None = None, of: str | None = None,
                   ranges: Mapping[str, tuple[float, float]] | None = None,
                   rankdir: str = "auto", show_constants: bool = False,
                   mode: str = "reverse") -> tuple[dict[str, Any], str]:
    """The page's data (JSON-ready) and its marked SVG."""
    program = program_of(G)
    if not program.inputs:
        raise GraphvizAdError("the explorer needs a program with at least one input")
    elements = sum(int(np.size(inputs[n])) for n in program.inputs)
    if elements > MAX_PAGE_ELEMENTS:
        raise GraphvizAdError(f"the inputs hold {elements:,} numbers; the explorer page takes "
                              f"at most {MAX_PAGE_ELEMENTS:,}: use smaller data")
    fwd, rev = run_passes(G, dict(inputs), Mode.BOTH, wrt=[wrt] if wrt else (),
                          of=[of] if of else (), data=data)
    graph = rev.graph
    quiet = set(data)
    parameters = [n for n in program.inputs if n not in quiet]
    default = fwd.seed_node
    choices = [default, *(n for n in parameters if n != default)][:MAX_WRT]
    forwards = {default: fwd, **{w: forward_mode(G, dict(inputs), wrt=w) for w in choices[1:]}}
    drawn: dict[str, Any] = {"show_constants": show_constants, "quiet": quiet}
    # the layout of the slides of --mode both (the default forward pass, then reverse);
    # forward passes by another input fill the same slots (a slot no pass of the slides
    # fills, e.g. an edge only that pass uses, stays empty)
    layout = _Layout([fwd, rev], rankdir=rankdir, **drawn)
    template = layout.template()
    keys = sorted(template.keys)
    index = {k: i for i, k in enumerate(keys)}
    both = {w: DerivativeStory([f, rev], **drawn) for w, f in forwards.items()}
    last = both[default].states[-1]
    svg = _marked_svg(template, keys, {k: v for k, v in last.items() if k in index})
    meaning = _slot_meaning(graph, layout.nodes, layout.edges, template.keys)
    frames: dict[str, Any] = {"reverse": _frames(DerivativeStory([rev], **drawn), index, 0),
                              "forward": {}, "both": {}}
    for w, f in forwards.items():
        alone = DerivativeStory([f], **drawn)  # opening, the forward frames, closing
        frames["forward"][w] = _frames(alone, index, len(alone.states))
        frames["both"][w] = _frames(both[w], index, len(alone.states) - 1)
    order = list(program.order)
    nodes = _node_table(graph, order)
    edges, used = _edge_table([*forwards.values(), rev])
    unsupported = unsupported_ops({d["op"] for d in nodes.values()} - LEAF_OPS)
    model = {
        "order": order, "nodes": nodes, "edges": edges,
        "inputs": _input_specs(graph, inputs, quiet, dict(ranges or {})),
        "start": {n: _number(inputs[n]) for n in program.inputs},
        "parameters": parameters, "outputs": list(program.outputs),
        "wrt": default, "wrts": choices, "of": rev.of,
        "mode": mode if mode in MODES else "reverse",
        "needed": None if not rev.skipped else [n for n in order if n not in rev.skipped],
        **_pass_texts(forwards, rev, order),
        "slots": {str(index[k]): m for k, m in meaning.items()},
        "frames": frames, "step_ms": STEP_MS, "max_cells": MAX_CELLS,
        "unsupported": unsupported,
        "python": (_python_numbers(graph, forwards, order, used) if unsupported else
                   {"values": {}, "tangent": {}, "adjoint": {}, "locals": {}}),
    }
    return model, svg


def _node_table(graph: nx.DiGraph, order: list[str]) -> dict[str, Any]:
    """What the page's passes read of each node: op, operands grouped by node (``x·x``:
    one operand in positions 0 and 1), consumers with their positions, params, texts."""
    nodes: dict[str, Any] = {}
    data = node_data(graph)
    for n in order:
        d = data[n]
        groups: dict[str, list[int]] = {}
        for p, o in enumerate(d["operands"]):
            groups.setdefault(o, []).append(p)
        consumers = [[c, list(graph.edges[n, c]["positions"])] for c in graph.successors(n)]
        nodes[n] = {"label": node_label(graph, n), "op": d["op"],
                    "operands": list(d["operands"]), "params": _params(d.get("params")),
                    "groups": [[o, ps] for o, ps in groups.items()], "consumers": consumers,
                    "def": "" if is_leaf(d["op"]) else definition(graph, n)}
        if is_constant(d["op"]):
            nodes[n]["value"] = float(d["value"])
    return nodes


def _edge_table(traces: list[Trace]) -> tuple[dict[str, Any], dict[str, Contribution]]:
    """Each edge some pass uses, as its label writes it (:func:`local_lines`: symbol, the
    formula or a linear map's map in each pass's direction), and one contribution each."""
    edges: dict[str, Any] = {}
    used: dict[str, Contribution] = {}
    for step in (s for t in traces for s in t.steps):
        for c in step.contributions:
            key = edge_key(c.source, c.target)
            if key in edges:
                continue
            lines = {kind: local_lines(c, kind) for kind in ("tangent", "adjoint")}
            edges[key] = {"symbol": lines["adjoint"][0], "map": maps_edge(c),
                          "tangent": lines["tangent"][1], "adjoint": lines["adjoint"][1],
                          "number": "" if maps_edge(c) else lines["adjoint"][2]}
            used[key] = c
    return edges, used


def _input_specs(graph: nx.DiGraph, inputs: Mapping[str, Any], quiet: Collection[str],
                 ranges: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """Each input's label, whether it is data, and a scalar's slider range (given, else
    its value ± max(1, |value|); always containing the value)."""
    specs = {}
    for n in program_of(graph).inputs:
        value = np.asarray(inputs[n], dtype=float)
        spec: dict[str, Any] = {"label": node_label(graph, n), "data": n in quiet}
        if value.ndim == 0:
            v = float(value)
            lo, hi = ranges.get(n, (v - max(1.0, abs(v)), v + max(1.0, abs(v))))
            spec["range"] = [min(lo, v), max(hi, v)]
        specs[n] = spec
    return specs


def _python_numbers(graph: nx.DiGraph, forwards: Mapping[str, Trace], order: list[str],
                    used: Mapping[str, Contribution]) -> dict[str, Any]:
    """Python's numbers at the given inputs, for a page that cannot compute them."""
    nodes = node_data(graph)
    tangents = {w: node_data(f.graph) for w, f in forwards.items()}
    return {"values": {n: _number(nodes[n]["value"]) for n in order},
            "tangent": {w: {n: _number(t[n]["tangent"]) for n in order if "tangent" in t[n]}
                        for w, t in tangents.items()},
            "adjoint": {n: _number(nodes[n]["adjoint"]) for n in order
                        if "adjoint" in nodes[n]},
            "locals": {key: _number(c.local) for key, c in used.items()}}


def _asset(name: str) -> str:
    return resources.files("graphviz_ad.draw").joinpath(name).read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</``, no line separators)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
:root {{ --ink: {ink}; --bg: {background}; --active: {active}; --wrong: {wrong}; }}
{css}
</style></head>
<body>
<header><h1>{title}</h1><p id="fallback" hidden></p><p id="notice"></p></header>
<nav id="controls">
<button id="prev" title="previous step (←)">←</button>
<button id="play" title="play (space)">▶</button>
<button id="next" title="next step (→)">→</button>
<label>mode <select id="mode"><option value="forward">forward</option>
<option value="reverse">reverse</option><option value="both">both</option></select></label>
<label title="the input forward mode differentiates by">forward by
<select id="wrt"></select></label>
<span id="counter"></span>
<button id="zoom" title="the graph at its own size (scroll) or fitted to the page">zoom</button>
<button id="check" title="compare every derivative with central differences">check</button>
</nav>
<main><div id="graph">{svg}</div><aside id="panel"></aside></main>
<section><h2>Inputs</h2><div id="inputs"></div></section>
<section><h2>Check</h2><table id="checks"></table></section>
<div id="tip" hidden></div>
<script type="application/json" id="model">{model}</script>
<script>
{runtime}
var RULES = {rules};
{page}
</script>
</body></html>
"""


def explorer_html(G: nx.DiGraph, inputs: Mapping[str, Any], *, title: str = "graphviz-ad",
                  **options: Any) -> str:
    """The explorer page of program ``G`` at ``inputs`` as one HTML string (options as
    :func:`explorer_model`)."""
    model, svg = explorer_model(G, inputs, **options)
    ops = {d["op"] for d in model["nodes"].values()} - LEAF_OPS
    script = _asset("explorer.js")
    runtime, _, page = script.partition("/* -- the page")
    return PAGE.format(title=html.escape(title), ink=INK, background=BACKGROUND,
                       active=VERMILLION, wrong=WRONG_TEXT, css=_asset("explorer.css"),
                       svg=svg, model=_script_json(model), runtime=runtime,
                       rules=compile_rules(ops - set(model["unsupported"])),
                       page="/* -- the page" + page)


def explorer(program: Trace | nx.DiGraph, inputs: Mapping[str, Any] | None = None, *,
             title: str = "graphviz-ad", **options: Any) -> Player:
    """The explorer of a program (a graph from :func:`~graphviz_ad.core.parse.parse` with
    ``inputs``, or a :class:`Trace`, at its inputs): Jupyter shows it inline, ``save``
    writes the page.

    >>> import graphviz_ad as ad
    >>> page = ad.explorer(ad.parse("y = sin(x)*x"), {"x": 1.0})  # doctest: +SKIP
    >>> page.save("explorer.html")                                 # doctest: +SKIP
    """
    given: Mapping[str, Any] | None
    if isinstance(program, Trace):
        G, given = program.graph, program.inputs
    else:
        G, given = program, inputs
    if given is None:
        raise GraphvizAdError("explorer: give the inputs of the program")
    return Player(explorer_html(G, given, title=title, **options))
