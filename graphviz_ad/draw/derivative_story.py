"""The story of a derivative drawing, frame by frame, before any layout.

Each frame is a full picture of the graph at one moment: every node shows its
definition, its value once known and its tangent/adjoint once computed; the node
being computed and the edges it uses are highlighted; edges already used show their
local derivative; the caption writes the step's chain rule with numbers.  Frames are
plain dicts (slot → text or colour); :mod:`graphviz_ad.draw.derivatives` lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from ..core.errors import GraphvizAdError
from ..core.formula import definition, node_label
from ..core.modes import Mode
from ..core.nodes import node, node_data
from ..core.number_format import fmt_number, without_noise
from ..core.ops import is_constant, is_leaf
from ..core.program import program_of
from ..core.trace import Contribution, Step, Trace
from ..explain.steps import node_symbol, symbol
from .derivative_text import (
    EDGE_LINES,
    NODE_DERIVATIVE_LINES,
    compact_edge,
    derivative_lines,
    local_lines,
    short,
    step_equation,
)
from .frames import STEP_MS
from .layers import fold_lines, line_definitions
from .matrix_cells import (
    cell_key,
)
from .node_labels import ShortNames
from .palette import BORDER_OF, EDGE_OF, FILL_OF, NO_COLOUR
from .story_cells import GridNodes

FILL, BORDER, EDGE = FILL_OF, BORDER_OF, EDGE_OF  # a node's state / an edge's use → colour
DONE_LABEL = {("tangent",): "tangent known", ("adjoint",): "adjoint known",
              ("tangent", "adjoint"): "derivative known"}

MAX_DRAWN_NODES = 150


def legend(kinds: Sequence[str]) -> list[tuple[str, str]]:
    """The colour key; "derivative known" says which derivative the passes compute."""
    done = DONE_LABEL.get(tuple(kinds), "value computed")
    return [(FILL["value"], "value known"), (FILL["active"], "computing now"),
            (FILL["done"], done), (EDGE["active"], "edges used now"),
            (EDGE["used"], "edges used before")]


@dataclass
class _Picture:
    """The mutable state of the drawing; each frame is a snapshot of it."""

    texts: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)

    def snapshot(self) -> dict[str, str]:
        return {**self.texts, **self.colors}


def _node_state(picture: _Picture, node: str, state: str) -> None:
    picture.colors[f"{node}.fill"] = FILL[state]
    picture.colors[f"{node}.border"] = BORDER[state]


def visible_nodes(trace: Trace, show_constants: bool) -> list[str]:
    G = trace.graph
    data = node_data(G)
    return [n for n in program_of(G).order if show_constants or not is_constant(data[n]["op"])]


def edge_key(u: str, v: str) -> str:
    return f"{u}~{v}"


class DerivativeStory:
    """What each frame of one or more passes (``forward`` then ``reverse``) over one graph
    shows: every slot's value (colour or text), a caption and a duration per frame.
    ``only`` restricts the drawing to those nodes (one program line and what it reads).

    >>> import graphviz_ad as ad
    >>> G = ad.parse("y = sin(x)*x")
    >>> story = DerivativeStory([ad.reverse_mode(G, {"x": 1.0})])
    >>> len(story.states), story.captions[-1]
    (5, 'Done: ∂y/∂x = 1.382 (reverse mode, 2 steps)')
    """

    def __init__(self, traces: Sequence[Trace], *, show_constants: bool = False,
                 quiet: Iterable[str] = (), step_ms: int = STEP_MS,
                 compact: bool = False, fold: bool = False,
                 only: Collection[str] | None = None) -> None:
        if not traces:
            raise ValueError("no traces to draw")
        self.traces = list(traces)
        self.graph = self.traces[0].graph
        self.quiet = set(quiet)
        self.step_ms = step_ms  # first and last frames hold 1.25x and 2x as long
        # compact (slides): one-line labels, formulas in the captions, data folded away
        self.compact = compact
        self.nodes = [n for n in visible_nodes(self.traces[0], show_constants)
                      if not (compact and n in self.quiet)]
        # fold: a line whose intermediates are read once, inside it, is drawn as one node
        self.folded = fold_lines(self.graph, set(self.nodes)) if fold else {}
        self.definitions = line_definitions(self.graph) if self.folded else {}
        self.quiet |= set(self.folded)
        self.nodes = [n for n in self.nodes if n not in self.folded]
        if only is not None:  # a part of the graph (one program line and what it reads)
            self.nodes = [n for n in self.nodes if n in only]
        if len(self.nodes) > MAX_DRAWN_NODES:
            raise GraphvizAdError(
                f"the graph has {len(self.nodes)} nodes; drawings stop at {MAX_DRAWN_NODES} to "
                "stay readable: use `graphviz-ad trace` for the numbers, or a smaller program")
        shown = self.shown = set(self.nodes)
        self.edges = list(dict.fromkeys(  # an edge into a folded node ends at its line's node
            (u, self.folded.get(v, v)) for u, v in self.graph.edges
            if u in shown and self.folded.get(v, v) in shown and self.folded.get(v, v) != u))
        self.kinds = [t.derivative_attribute for t in self.traces if t.derivative_attribute]
        self.names = ShortNames(self.traces, enabled=compact)  # x̅, ẋ on slide nodes
        self.grid_nodes = GridNodes(self.traces, self.nodes, enabled=compact)
        self.grids = self.grid_nodes.grids  # matrix nodes drawn as cells
        self.numbered = self.grid_nodes.numbered  # ... with their numbers, if the layout allows
        self.states: list[dict[str, str]] = []  # every slot's value (colour or text) per frame
        self.text_keys: set[str] = set()  # which of those slots are texts (_Picture.texts)
        self.captions: list[str] = []
        self.durations: list[int] = []
        self._build()

    def cells(self, node: str) -> tuple[list[int], list[int]]:
        """The rows and columns of a grid node's cells."""
        return self.grid_nodes.cells(node)

    def cell_keys(self, node: str, which: str,
                  key: Callable[[str, str, int, int, int], str] = cell_key) -> list[str]:
        """The slots of a grid node's cells (see :meth:`GridNodes.keys`)."""
        return self.grid_nodes.keys(node, which, key)

    def _write_value(self, picture: _Picture, trace: Trace, n: str) -> None:
        picture.texts[f"{n}.value"] = self._value_text(trace, n)
        self.grid_nodes.colour(picture.colors, picture.texts, n, "v", trace.shown(n))

    def _write_derivative(self, picture: _Picture, trace: Trace, n: str, value: object,
                          kind: str) -> None:
        """A compact node's derivative: its short name and number, or its cells."""
        symbol = self.names.symbol(trace, n)
        text = f"{symbol} =" if n in self.grids else f"{symbol} = {short(value)}"
        picture.texts[self._slot(n, kind)] = text
        self.grid_nodes.colour(picture.colors, picture.texts, n, "d", value)

    def definition(self, node: str) -> str:
        """What ``node`` is: its definition, or for a folded line, the line as written."""
        if node in self.definitions and any(t == node for t in self.folded.values()):
            return self.definitions[node]
        return definition(self.graph, node)

    def _drawn_edge(self, u: str, v: str) -> str | None:
        """The slot key of the drawn edge that the graph's edge u → v is part of (None
        inside a folded line)."""
        if u in self.folded:
            return None
        return edge_key(u, self.folded.get(v, v))

    def label(self, node: str | None) -> str:
        """A node's display label (``?`` for none)."""
        return node_label(self.graph, node) if node is not None else "?"

    # -- the story, frame by frame --------------------------------------------------------
    def _build(self) -> None:
        picture = _Picture()
        for n in self.nodes:
            _node_state(picture, n, "pending")
            picture.texts[f"{n}.value"] = ""
            if self.compact and self._is_leaf(n):  # an input's name heads its label
                picture.texts[f"{n}.value"] = self.label(n)
            for kind in self._slot_kinds:
                for i in range(self._node_lines):
                    picture.texts[f"{n}.{kind}{i}"] = ""
            if n in self.grids:  # cells not known yet are laid out but not drawn
                self.grid_nodes.clear(picture.colors, picture.texts, n, "v")
                self.grid_nodes.clear(picture.colors, picture.texts, n, "d")
        for u, v in self.edges:
            picture.colors[edge_key(u, v) + ".color"] = EDGE["idle"]
            picture.colors[edge_key(u, v) + ".back"] = NO_COLOUR
            for i in range(self._edge_lines):
                picture.texts[f"{edge_key(u, v)}.label{i}"] = ""
        self._emit(picture, self._opening_caption(), round(1.25 * self.step_ms))
        for trace in self.traces:
            self._pass(picture, trace)
        self._settle(picture)
        self._emit(picture, self._closing_caption(), 2 * self.step_ms)

    @property
    def _slot_kinds(self) -> list[str]:
        """Derivative slots per node: one per pass; compact labels share one line, so the
        reverse half of ``--mode both`` replaces each tangent by the adjoint."""
        return ["derivative"] if self.compact and self.kinds else self.kinds

    def _slot(self, node: str, kind: str, line: int = 0) -> str:
        return f"{node}.{'derivative' if self.compact else kind}{line}"

    @property
    def _node_lines(self) -> int:
        return 1 if self.compact else NODE_DERIVATIVE_LINES

    @property
    def _edge_lines(self) -> int:
        return 1 if self.compact else EDGE_LINES

    def _is_leaf(self, n: str) -> bool:
        """Whether ``n`` is an input or a constant (no definition to show)."""
        return is_leaf(node(self.graph, n)["op"])

    def _value_text(self, trace: Trace, n: str) -> str:
        """The value line: ``= 4.367``; a compact input's ``x = 0.5`` (its only line)."""
        value = "=" if n in self.grids else f"= {short(trace.shown(n))}"
        return f"{self.label(n)} {value}" if self.compact and self._is_leaf(n) else value

    def _edge_text(self, contribution: Contribution, kind: str) -> list[str]:
        """A used edge's label in a ``kind`` step (see :func:`local_lines`; compact: one
        line, :func:`compact_edge`)."""
        if not self.compact:
            return local_lines(contribution, kind)
        return [compact_edge(contribution, kind)]

    def _emit(self, picture: _Picture, caption: str, duration: int) -> None:
        self.states.append(picture.snapshot())
        self.text_keys.update(picture.texts)
        self.captions.append(caption)
        self.durations.append(duration)

    def _settle(self, picture: _Picture) -> None:
        """End of a step: the active node is done, active edges become used."""
        for key, colour in picture.colors.items():
            if colour == EDGE["active"] and key.endswith((".color", ".back")):
                picture.colors[key] = EDGE["used"]
        for n in self.nodes:
            if picture.colors[f"{n}.fill"] == FILL["active"]:
                _node_state(picture, n, "done")

    def _show_values(self, picture: _Picture, trace: Trace, nodes: Sequence[str]) -> None:
        for n in nodes:
            if n not in self.shown:
                continue
            self._write_value(picture, trace, n)
            if picture.colors[f"{n}.fill"] == FILL["pending"]:
                _node_state(picture, n, "value")

    def _pass(self, picture: _Picture, trace: Trace) -> None:
        inputs = list(program_of(self.graph).inputs)
        if trace.mode == Mode.FORWARD and trace.wrt is not None:  # a forward pass has its seed
            self._show_values(picture, trace, inputs)
            for n in (n for n in inputs if n in self.shown):
                self._write_derivative(picture, trace, n, trace.shown_derivative(n), "tangent")
                _node_state(picture, n, "done" if n == trace.wrt else "value")
            self._settle(picture)
            at = ", ".join(f"{self.label(n)} = {self._number(trace.shown(n))}" for n in inputs)
            at = "" if self.compact and len(at) > 80 else f" at {at}"  # the nodes show them
            seed = f"{node_symbol(trace, trace.wrt)} = {fmt_number(trace.derivative(trace.wrt))}"
            self._emit(picture, f"Forward mode{at}: seed {seed}; every other input has "
                                "tangent 0.", self.step_ms)
        elif trace.mode == Mode.REVERSE and trace.of is not None:  # ... a reverse one its output
            self._show_values(picture, trace, self.nodes)
            for n in self.nodes:  # after a forward pass, "done" meant tangents: start afresh
                _node_state(picture, n, "value")
            for key in picture.colors:  # ... and its used edges are not this pass's
                if key.endswith((".color", ".back")):
                    picture.colors[key] = EDGE["idle"] if key.endswith(".color") else NO_COLOUR
            for key in picture.texts:  # ... nor its tangents and edge labels
                if any(part in key for part in (".tangent", ".derivative", ".label")):
                    picture.texts[key] = ""
            for n in self.grids:  # ... nor its derivative cells
                self.grid_nodes.clear(picture.colors, picture.texts, n, "d")
            seed = f"{node_symbol(trace, trace.of)} = {fmt_number(trace.derivative(trace.of))}"
            self._write_derivative(picture, trace, trace.of, trace.derivative(trace.of),
                                   "adjoint")
            _node_state(picture, trace.of, "done")
            self._settle(picture)
            self._emit(picture, f"Reverse mode: the forward sweep has computed every value; "
                                f"seed {seed} and sweep back to the inputs.", self.step_ms)
        else:
            self._show_values(picture, trace, inputs)
            self._emit(picture, "Evaluation: inputs " + ", ".join(
                f"{self.label(n)} = {self._number(trace.shown(n))}" for n in inputs), self.step_ms)
        for step in trace.steps:
            self._step(picture, trace, step, emit=self._shows(step))

    def _shows(self, step: Step) -> bool:
        """Whether a step gets a frame of its own.  Adjoints that are zero because the
        node does not reach the output, and the steps of ``quiet`` nodes (data), are
        still written onto the drawing, in the next frame, without a frame of their own."""
        if step.node in self.quiet:
            return False
        return step.kind != "adjoint" or bool(step.contributions)

    def _step(self, picture: _Picture, trace: Trace, step: Step, emit: bool = True) -> None:
        self._settle(picture)
        n = step.node
        if n in self.quiet:  # data: its number is written, the drawing does not dwell on it
            if step.kind != "value":
                self._derivative(picture, trace, step)
            return
        _node_state(picture, n, "active")
        caption = step_equation(step)
        if any(c.source in self.folded or c.target in self.folded for c in step.contributions):
            # through a line drawn as one node: its intermediates are not on the slide
            result = fmt_number(step.result, scale=step.scale())
            caption = f"{symbol(step)} = {result} (through the lines drawn as one node)"
        value_step = f"{self.label(n)} = {self.definition(n)}"
        if step.kind in ("value", "tangent"):
            self._write_value(picture, trace, n)
            caption = f"{value_step} = {fmt_number(trace.shown(n))}"
            if step.kind == "tangent":
                caption += "\n" + step_equation(step)
        elif self.compact and not self._is_leaf(n):
            caption = f"{value_step}\n{caption}"  # the formula the node no longer shows
        if step.kind != "value":
            self._derivative(picture, trace, step)
            for c in step.contributions:
                key = self._drawn_edge(c.source, c.target)
                if key is not None and key + ".color" in picture.colors:
                    picture.colors[key + ".color"] = EDGE["active"]
                    if step.kind == "adjoint":  # the derivative flows back along the edge
                        picture.colors[key + ".back"] = EDGE["active"]
                    for i, line in enumerate(self._edge_text(c, step.kind)):
                        picture.texts[f"{key}.label{i}"] = line
        else:
            for u, v in self.edges:  # the edges into the node (a folded line's inputs too)
                key = edge_key(u, v)
                if v == n and key + ".color" in picture.colors:
                    picture.colors[key + ".color"] = EDGE["active"]
        if emit:
            self._emit(picture, caption, self.step_ms)

    def _derivative(self, picture: _Picture, trace: Trace, step: Step) -> None:
        """Write a step's derivative into its node (compact: one line, the short name)."""
        if self.compact:
            self._write_derivative(picture, trace, step.node,
                                  without_noise(step.result, step.scale()), step.kind)
            return
        for i, line in enumerate(derivative_lines(step)):
            picture.texts[self._slot(step.node, step.kind, i)] = line

    def _opening_caption(self) -> str:
        outputs = ", ".join(self.label(n) for n in program_of(self.graph).outputs)
        lines = (program_of(self.graph).source or "").splitlines()
        program = " ; ".join(line.strip() for line in lines
                             if line.strip() and not line.strip().startswith("#"))
        folded = [self.label(n) for n in program_of(self.graph).inputs if n not in self.shown
                  and n in self.quiet]
        data = f"\ndata {', '.join(folded)} read inside the nodes that use them" if folded else ""
        if self.compact:  # on a slide every node shows its definition: no program listing
            return f"The computational graph (output: {outputs}): each node's definition, " \
                   f"value and derivative{data}"
        return f"The computational graph (output: {outputs})\n{program}{data}"

    def _closing_caption(self) -> str:
        parts = []
        for trace in self.traces:
            steps = f"{len(trace.steps)} steps"
            if trace.mode in (Mode.REVERSE, Mode.FORWARD):
                shown = (program_of(self.graph).inputs if trace.mode == Mode.REVERSE
                         else trace.outputs)
                shown = [n for n in shown if n not in self.quiet] or shown
                grads = ", ".join(f"{node_symbol(trace, n)} = "
                                  f"{self._number(trace.shown_derivative(n))}" for n in shown)
                parts.append(f"{grads} ({trace.mode} mode, {steps})")
            else:
                parts.append(", ".join(f"{self.label(o)} = {fmt_number(trace.shown(o))}"
                                       for o in trace.outputs))
        return "Done: " + "; ".join(parts)

    def _number(self, value: object) -> str:
        """A number for a caption; on a slide a matrix as its node shows it (the node
        holds it whole), elsewhere in full."""
        return short(value).partition(" ∈ ")[0] if self.compact else fmt_number(value)

    def _legend(self) -> list[tuple[str, str]]:
        """The colour key, keeping only the colours some frame shows."""
        shown = {v for state in self.states for k, v in state.items() if k not in self.text_keys}
        return [(colour, text) for colour, text in legend(self.kinds)
                if colour in shown] + self.names.legend()

    def variants(self) -> dict[str, list[str]]:
        """Every text each text slot shows over the animation (the widest sets the layout)."""
        out: dict[str, list[str]] = {}
        for state in self.states:
            for key, value in state.items():
                if key in self.text_keys:
                    out.setdefault(key, [])
                    if value not in out[key]:
                        out[key].append(value)
        return out
