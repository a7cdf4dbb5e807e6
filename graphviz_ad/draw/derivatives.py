"""Frames of derivative passes: the graph laid out once, one frame per step.

Each frame is a full picture of the graph at one moment: every node shows its
definition, its value once known and its tangent/adjoint once computed; the node
being computed and the edges it uses are highlighted; edges already used show their
local derivative; the caption writes the step's chain rule with numbers.

The frames are described first as plain dicts (slot → text or colour), then the
DOT is built with every text slot at its widest variant and laid out ONCE
(:mod:`graphviz_ad.draw.template`), so no node moves between frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import GraphvizAdError
from ..formula import definition, fmt_number, fmt_shape, node_label
from ..ops import PRIMITIVES
from ..trace import Contribution, Step, Trace
from .arrows import add_back_arrows
from .camera import OVERVIEW_SHARE, Camera, follow, node_boxes, union
from .compose import canvas_size, compose_frames
from .frames import STEP_MS, Frame
from .graphviz_run import run_graphviz
from .legibility import FLOOR_PX, SLIDE_WIDTH, below_floor, measure
from .template import SlotDot, SvgTemplate, dot_quote

# Okabe & Ito's colour-blind-safe palette, with light tints for fills.
VERMILLION, BLUE, GREEN, SKY, ORANGE = "#D55E00", "#0072B2", "#009E73", "#56B4E9", "#E69F00"
INK, GREY = "#222222", "#B8B8B8"
FILL = {"pending": "#FFFFFF", "value": "#E4F1FA", "active": "#FBDCC4", "done": "#D4EFE6"}
BORDER = {"pending": "#666666", "value": "#0072B2", "active": VERMILLION, "done": GREEN}
EDGE = {"idle": GREY, "used": BLUE, "active": VERMILLION}
DONE_LABEL = {("tangent",): "tangent known", ("adjoint",): "adjoint known",
              ("tangent", "adjoint"): "derivative of this pass known"}

NODE_FONT, EDGE_FONT = 20, 17
CAPTION_FONT = 24  # points, like the node text's 20: the graph is the subject, not the band
SLIDE_CAPTION_SHARE = 56  # slide captions: 1/56 of the slide width (34 px at 1920; legend 29 px)
SPACINGS = ((0.3, 0.4), (0.2, 0.3))  # (nodesep, ranksep) in inches; compact tries both
MANY_NODES, NSLIMIT = 40, 3  # above 40 nodes, network simplex gets 3 × nodes iterations
MAX_DRAWN_NODES = 150
VIEWS = ("whole", "follow", "auto")
FLOOR_MARGIN = 1.04  # the follow camera zooms 4 % past the legibility floor
DEFAULT_ASPECT = 16 / 9  # the frame shape "auto" direction optimises for without --slide


def legend(kinds: Sequence[str]) -> list[tuple[str, str]]:
    """The colour key; "derivative known" says which derivative the passes compute."""
    done = DONE_LABEL.get(tuple(kinds), "value computed")
    return [(FILL["value"], "value known"), (FILL["active"], "computing now"),
            (FILL["done"], done), (VERMILLION, "edges used in this step"),
            (BLUE, "edges used before")]


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


def _visible_nodes(trace: Trace, show_constants: bool) -> list[str]:
    G = trace.graph
    return [n for n in G.graph["order"] if show_constants or G.nodes[n]["op"] != "const"]


def _edge_key(u: str, v: str) -> str:
    return f"{u}~{v}"


EDGE_LINES = 3  # ∂f4/∂f3 | = exp(f3) | = 78.81
NODE_DERIVATIVE_LINES = 2  # ∂y/∂f3 = 78.47 | (78.81 − 0.3386)
MAX_TERMS = 3  # a fan-in sum of more terms is written "Σ of n terms" in the node
NO_COLOUR = "none"  # a backward arrowhead that is not drawn


def _short(value: Any) -> str:
    """A number for a node or edge label: matrices and vectors of more than a few elements
    shortened to their first element and shape, ``[0.5, …] ∈ ℝ²ˣ³`` (the caption and
    `trace` show more)."""
    array = np.asarray(value)
    if array.size <= 3 and array.ndim <= 1:
        return fmt_number(value)
    return f"[{fmt_number(array.flat[0], digits=3)}, …] ∈ {fmt_shape(array.shape)}"


def _local_lines(contribution: Contribution) -> list[str]:
    """What a used edge shows, one part per line: ``∂f4/∂f3``, ``= exp(f3)``, ``= 78.81``."""
    text = contribution.local_formula()
    if ": G ↦ " in text:  # a matrix op's pullback: a map, no number
        symbol, _, formula = text.partition(": ")
        return [symbol, formula] + [""] * (EDGE_LINES - 2)
    symbol, _, formula = text.partition(" = ")
    number = _short(contribution.local)
    lines = [symbol, f"= {formula}"]
    if formula != number:
        lines.append(f"= {number}")
    return lines + [""] * (EDGE_LINES - len(lines))


def _scalar_terms(step: Step) -> str | None:
    """``78.81 − 0.3386``: the fan-in sum's terms, when there are several scalar ones."""
    if len(step.contributions) > 1 and all(np.ndim(c.product) == 0 for c in step.contributions):
        return " + ".join(fmt_number(c.product) for c in step.contributions).replace("+ −", "− ")
    return None


def _matrix_step(c: Contribution) -> bool:
    """Whether a contribution goes through a matrix op or carries a matrix."""
    op = c.graph.nodes[c.target]["op"]
    return PRIMITIVES[op].matrix or max(np.ndim(c.carried), np.ndim(c.product)) >= 2


def _derivative_lines(step: Step, compact: bool = False) -> list[str]:
    """A node's derivative; where several edges contribute, their terms (or, past
    MAX_TERMS, their count), then the sum.  ``compact``: the sum alone, on one line."""
    first = f"{step.symbol()} = {_short(step.result)}"
    if compact:
        return [first]
    terms = _scalar_terms(step)
    if terms is None:
        return [first, ""]
    n = len(step.contributions)
    return [first, f"= Σ of {n} terms" if n > MAX_TERMS else f"= {terms}"]


def _step_equation(step: Step) -> str:
    """The step's chain rule with numbers; past MAX_TERMS terms, the sum's terms only
    (``∂y/∂w = Σ of 30 terms = 0.2866 + … = 0.3953``), so the caption stays short; a
    matrix step whose numbers are previews shows its symbols and the result."""
    terms = _scalar_terms(step)
    if "…" in step.equation and any(_matrix_step(c) for c in step.contributions):
        return f"{step.formula} = {fmt_number(step.result)}"  # previewed matrices: symbols
    if terms is None or len(step.contributions) <= MAX_TERMS:
        return step.equation
    return (f"{step.symbol()} = Σ of {len(step.contributions)} terms = {terms} = "
            f"{fmt_number(step.result)}")


class DerivativeFrames:
    """Builds the frames of one or more passes (``forward`` then ``reverse``) over one graph.

    >>> import graphviz_ad as ad
    >>> G = ad.parse("y = sin(x)*x")
    >>> frames = DerivativeFrames([ad.reverse_mode(G, {"x": 1.0})])
    >>> len(frames.states), frames.captions[-1]
    (5, 'Done: ∂y/∂x = 1.382 (reverse mode, 2 steps)')
    """

    def __init__(self, traces: Sequence[Trace], *, rankdir: str = "auto",
                 show_constants: bool = False, title: str = "",
                 quiet: Iterable[str] = (), step_ms: int = STEP_MS,
                 compact: bool = False) -> None:
        if not traces:
            raise ValueError("no traces to draw")
        self.traces = list(traces)
        self.graph = self.traces[0].graph
        self.rankdir = rankdir  # LR, TB, ... or "auto"
        self._direction, self._spacing = ("LR" if rankdir == "auto" else rankdir), SPACINGS[0]
        self.title = title
        self.quiet = set(quiet)
        self.step_ms = step_ms  # first and last frames hold 1.25x and 2x as long
        # compact (slides): one-line labels, formulas in the captions, data folded away
        self.compact = compact
        self.nodes = [n for n in _visible_nodes(self.traces[0], show_constants)
                      if not (compact and n in self.quiet)]
        if len(self.nodes) > MAX_DRAWN_NODES:
            raise GraphvizAdError(
                f"the graph has {len(self.nodes)} nodes; drawings stop at {MAX_DRAWN_NODES} to "
                "stay readable: use `graphviz-ad trace` for the numbers, or a smaller program")
        shown = self.shown = set(self.nodes)
        self.edges = [(u, v) for u, v in self.graph.edges if u in shown and v in shown]
        self.kinds = [t.derivative_attribute for t in self.traces if t.derivative_attribute]
        self.states: list[dict[str, str]] = []  # every slot's value (colour or text) per frame
        self._text_keys: set[str] = set()  # which of those slots are texts (_Picture.texts)
        self.captions: list[str] = []
        self.durations: list[int] = []
        self._build()

    # -- the story, frame by frame --------------------------------------------------------
    def _build(self) -> None:
        picture = _Picture()
        for n in self.nodes:
            _node_state(picture, n, "pending")
            picture.texts[f"{n}.value"] = ""
            if self.compact:
                picture.texts[f"{n}.value"] = _n(self, n)
            for kind in self._slot_kinds:
                for i in range(self._node_lines):
                    picture.texts[f"{n}.{kind}{i}"] = ""
        for u, v in self.edges:
            picture.colors[_edge_key(u, v) + ".color"] = EDGE["idle"]
            picture.colors[_edge_key(u, v) + ".back"] = NO_COLOUR
            for i in range(self._edge_lines):
                picture.texts[f"{_edge_key(u, v)}.label{i}"] = ""
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

    def _value_text(self, trace: Trace, n: str) -> str:
        """The value line: ``= 4.367``, or in compact labels ``f3 = 4.367``."""
        value = f"= {_short(trace.value(n))}"
        return f"{_n(self, n)} {value}" if self.compact else value

    def _edge_text(self, contribution: Contribution) -> list[str]:
        """A used edge's label: its local derivative (compact: the number alone, or a
    matrix op's pullback ``G ↦ Xᵀ · G``)."""
        if not self.compact:
            return _local_lines(contribution)
        if PRIMITIVES[contribution.graph.nodes[contribution.target]["op"]].matrix:
            return [contribution.local_formula().partition(": ")[2]]  # G ↦ Xᵀ · G
        return [_short(contribution.local)]

    def _emit(self, picture: _Picture, caption: str, duration: int) -> None:
        self.states.append(picture.snapshot())
        self._text_keys.update(picture.texts)
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
            picture.texts[f"{n}.value"] = self._value_text(trace, n)
            if picture.colors[f"{n}.fill"] == FILL["pending"]:
                _node_state(picture, n, "value")

    def _pass(self, picture: _Picture, trace: Trace) -> None:
        inputs = list(self.graph.graph["inputs"])
        if trace.mode == "forward" and trace.wrt is not None:  # a forward pass has its seed
            self._show_values(picture, trace, inputs)
            for n in (n for n in inputs if n in self.shown):
                seed = f"{trace.symbol(n)} = {_short(trace.derivative(n))}"
                picture.texts[self._slot(n, "tangent")] = seed
                _node_state(picture, n, "done" if n == trace.wrt else "value")
            self._settle(picture)
            at = ", ".join(f"{_n(self, n)} = {fmt_number(trace.value(n))}" for n in inputs)
            seed = f"{trace.symbol(trace.wrt)} = {fmt_number(trace.derivative(trace.wrt))}"
            self._emit(picture, f"Forward mode at {at}: seed {seed}; every other input has "
                                "tangent 0.", self.step_ms)
        elif trace.mode == "reverse" and trace.of is not None:  # ... a reverse one its output
            self._show_values(picture, trace, self.nodes)
            for n in self.nodes:  # after a forward pass, "done" meant tangents: start afresh
                _node_state(picture, n, "value")
            for key in picture.colors:  # ... and its used edges are not this pass's
                if key.endswith(".color"):
                    picture.colors[key] = EDGE["idle"]
            for key in picture.texts:  # ... nor its tangents and edge labels
                if any(part in key for part in (".tangent", ".derivative", ".label")):
                    picture.texts[key] = ""
            seed = f"{trace.symbol(trace.of)} = {fmt_number(trace.derivative(trace.of))}"
            picture.texts[self._slot(trace.of, "adjoint")] = \
                f"{trace.symbol(trace.of)} = {_short(trace.derivative(trace.of))}"
            _node_state(picture, trace.of, "done")
            self._settle(picture)
            self._emit(picture, f"Reverse mode: the forward sweep has computed every value; "
                                f"seed {seed} and sweep back to the inputs.", self.step_ms)
        else:
            self._show_values(picture, trace, inputs)
            self._emit(picture, "Evaluation: inputs " + ", ".join(
                f"{_n(self, n)} = {fmt_number(trace.value(n))}" for n in inputs), self.step_ms)
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
                for i, line in enumerate(_derivative_lines(step, self.compact)):
                    picture.texts[self._slot(n, step.kind, i)] = line
            return
        _node_state(picture, n, "active")
        caption = _step_equation(step)
        value_step = f"{_n(self, n)} = {definition(self.graph, n)}"
        if step.kind in ("value", "tangent"):
            picture.texts[f"{n}.value"] = self._value_text(trace, n)
            caption = f"{value_step} = {fmt_number(trace.value(n))}"
            if step.kind == "tangent":
                caption += "\n" + _step_equation(step)
        elif self.compact and self.graph.nodes[n]["op"] not in ("input", "const"):
            caption = f"{value_step}\n{caption}"  # the formula the node no longer shows
        if step.kind != "value":
            for i, line in enumerate(_derivative_lines(step, self.compact)):
                picture.texts[self._slot(n, step.kind, i)] = line
            for c in step.contributions:
                key = _edge_key(c.source, c.target)
                if key + ".color" in picture.colors:
                    picture.colors[key + ".color"] = EDGE["active"]
                    if step.kind == "adjoint":  # the derivative flows back along the edge
                        picture.colors[key + ".back"] = EDGE["active"]
                    for i, line in enumerate(self._edge_text(c)):
                        picture.texts[f"{key}.label{i}"] = line
        else:
            for operand in self.graph.nodes[n]["operands"]:
                key = _edge_key(operand, n)
                if key + ".color" in picture.colors:
                    picture.colors[key + ".color"] = EDGE["active"]
        if emit:
            self._emit(picture, caption, self.step_ms)

    def _opening_caption(self) -> str:
        outputs = ", ".join(_n(self, n) for n in self.graph.graph["outputs"])
        program = " ; ".join(line.strip() for line in self.graph.graph["source"].splitlines()
                             if line.strip() and not line.strip().startswith("#"))
        folded = [_n(self, n) for n in self.graph.graph["inputs"] if n not in self.shown
                  and n in self.quiet]
        data = f"\ndata {', '.join(folded)} read inside the nodes that use them" if folded else ""
        return f"The computational graph (output: {outputs})\n{program}{data}"

    def _closing_caption(self) -> str:
        parts = []
        for trace in self.traces:
            steps = f"{len(trace.steps)} steps"
            if trace.mode in ("reverse", "forward"):
                shown = self.graph.graph["inputs"] if trace.mode == "reverse" else trace.outputs
                shown = [n for n in shown if n not in self.quiet] or shown
                grads = ", ".join(f"{trace.symbol(n)} = {fmt_number(trace.derivative(n))}"
                                  for n in shown)
                parts.append(f"{grads} ({trace.mode} mode, {steps})")
            else:
                parts.append(", ".join(f"{_n(self, o)} = {fmt_number(trace.value(o))}"
                                       for o in trace.outputs))
        return "Done: " + "; ".join(parts)

    def _legend(self) -> list[tuple[str, str]]:
        """The colour key, keeping only the colours some frame shows."""
        shown = {v for state in self.states for k, v in state.items() if k not in self._text_keys}
        return [(colour, text) for colour, text in legend(self.kinds) if colour in shown]

    # -- drawing ----------------------------------------------------------------------
    def variants(self) -> dict[str, list[str]]:
        """Every text each text slot shows over the animation (the widest sets the layout)."""
        out: dict[str, list[str]] = {}
        for state in self.states:
            for key, value in state.items():
                if key in self._text_keys:
                    out.setdefault(key, [])
                    if value not in out[key]:
                        out[key].append(value)
        return out

    def dot(self, slots: SlotDot | None = None, state: dict[str, str] | None = None) -> str:
        """The DOT source: with ``slots``, slot sentinels and widest texts for the layout;
        with ``state``, the plain DOT of that frame (the last one by default)."""
        state = state if state is not None else self.states[-1]
        variants = self.variants()

        def colour(key: str) -> str:
            return slots.color(key, self.states[0][key]) if slots else state[key]

        def text_lines(group: str, lines: list) -> str:
            if slots is not None:
                return slots.label(group, lines)
            shown = [state[line[0]] if isinstance(line, tuple) else line for line in lines]
            return dot_quote("\n".join(line for line in shown if line))

        # large graphs: bound dot's network simplex (x positions), which otherwise spends
        # minutes on the virtual nodes of long edges (x^x^…^x, 70 terms: 28 s → 1 s)
        limit = f" nslimit={NSLIMIT}," if len(self.nodes) > MANY_NODES else ""
        nodesep, ranksep = self._spacing
        out = ["digraph graphviz_ad {",
               f'  graph [rankdir={self._direction},{limit} nodesep={nodesep}, '
               f'ranksep={ranksep}, pad=0.2, '
               'fontname="DejaVu Sans", bgcolor="white"];',
               f'  node [fontname="DejaVu Sans", fontsize={NODE_FONT}, shape=box, '
               'style="rounded,filled", penwidth=2.5, margin="0.14,0.06", id="n_\\N"];',
               f'  edge [fontname="DejaVu Sans", fontsize={EDGE_FONT}, penwidth=2.5, '
               'arrowsize=0.9, fontcolor="#222222"];']
        G = self.graph
        for n in self.nodes:
            data = G.nodes[n]
            head = node_label(G, n) if data["op"] in ("input", "const") else \
                f"{node_label(G, n)} = {definition(G, n)}"
            lines: list = [] if self.compact else [head]  # compact: the value slot heads
            keys = [f"{n}.value"] + [f"{n}.{kind}{i}" for kind in self._slot_kinds
                                     for i in range(self._node_lines)]
            lines += [(key, variants[key]) for key in keys if any(variants.get(key, [""]))]
            shape = ""
            if data["op"] == "input":
                shape = ", shape=ellipse, style=filled, margin=0.02"
            if n in G.graph["outputs"]:
                shape += ", peripheries=2"
            out.append(f'  {dot_quote(n)} [label={text_lines("n_" + n, lines)}, '
                       f'fillcolor="{colour(n + ".fill")}", color="{colour(n + ".border")}"'
                       f'{shape}];')
        for u, v in self.edges:
            key = _edge_key(u, v)
            lines = [(f"{key}.label{i}", variants[f"{key}.label{i}"])
                     for i in range(self._edge_lines)
                     if any(variants.get(f"{key}.label{i}", [""]))]
            label = f", label={text_lines('e_' + key, lines)}" if lines else ""
            out.append(f'  {dot_quote(u)} -> {dot_quote(v)} [id={dot_quote("e_" + key)}, '
                       f'color="{colour(key + ".color")}"{label}];')
        out.append("}")
        return "\n".join(out) + "\n"

    def _layout(self, aspect: float) -> SvgTemplate:
        """Lay out once per candidate and keep the one shown largest on a canvas of the
        given aspect ratio (title, legend and caption band included): ``rankdir="auto"``
        tries LR and TB; compact (slide) drawings also try tighter spacing."""
        laid_out = []  # (scale shown, rankdir, spacing, template) in the order tried
        for rankdir in (["LR", "TB"] if self.rankdir == "auto" else [self.rankdir]):
            for spacing in SPACINGS if self.compact else SPACINGS[:1]:
                self._direction, self._spacing = rankdir, spacing
                template = self._layout_once()
                width, _ = canvas_size((template.width, template.height), self.captions,
                                       **self._band_options(template, aspect))
                laid_out.append((1 / width, rankdir, spacing, template))
        best = laid_out[0]
        for candidate in laid_out[1:]:
            if candidate[0] > 1.03 * best[0]:  # ties: the roomier one (tried first)
                best = candidate
        _, self._direction, self._spacing, template = best
        return template

    def _layout_once(self) -> SvgTemplate:
        """One Graphviz layout of the slot DOT, with the backward arrowheads added."""
        slots = SlotDot(font_size=NODE_FONT)
        source = self.dot(slots)
        backs = {"e_" + _edge_key(u, v): slots.color(_edge_key(u, v) + ".back", NO_COLOUR)
                 for u, v in self.edges}
        result = run_graphviz(source, "svg")
        svg = add_back_arrows(result.output.decode("utf-8"), backs)
        return SvgTemplate.from_svg(svg, slots, result.warnings)

    def _band_options(self, template: SvgTemplate, aspect: float | None,
                      caption_font_size: float | None = None) -> dict:
        """Title, legend and caption settings of :func:`compose_frames`."""
        if caption_font_size is None:
            caption_font_size = CAPTION_FONT
            if aspect:  # on a slide the caption keeps one size (1/56 of the slide's width)
                base = max(template.width, template.height * aspect)
                caption_font_size = max(CAPTION_FONT, base / SLIDE_CAPTION_SHARE)
        return {"caption_font_size": caption_font_size, "title": self.title or None,
                "legend": self._legend(), "aspect": aspect}

    def frames(self, aspect: float | None = None, caption_font_size: float | None = None,
               view: str = "whole") -> list[Frame]:
        """Lay the graph out once and fill it for every frame.

        ``view``: ``whole`` shows the whole graph in every frame; ``follow`` (slides only)
        a window that follows the step, at a zoom that meets the legibility floor;
        ``auto`` follows only when some whole frame is below the floor."""
        if view not in VIEWS:
            raise ValueError(f"view {view!r}: choose one of {', '.join(VIEWS)}")
        template = self._layout(aspect or DEFAULT_ASPECT)
        keys = template.keys  # slots that are empty in every frame were never declared
        states = [{k: v for k, v in state.items() if k in keys} for state in self.states]
        whole = None
        if view != "follow" or not aspect:
            whole = compose_frames(template, states, self.captions, self.durations,
                                   **self._band_options(template, aspect, caption_font_size))
            if view == "whole" or not aspect or legible(whole):
                return whole
        camera, options = self._camera(template, aspect, caption_font_size)
        if camera is None:  # the whole graph already shows at the camera's zoom
            return whole or self.frames(aspect, caption_font_size, "whole")
        return compose_frames(template, states, self.captions, self.durations,
                              camera=camera, **options)

    def _camera(self, template: SvgTemplate, aspect: float,
                caption_font_size: float | None) -> tuple[Camera | None, dict]:
        """A camera whose zoom puts node and edge text above the floor on a slide 1920
        wide, following each frame's active node and the edges it uses."""
        zoom = min(NODE_FONT / FLOOR_PX["node"], EDGE_FONT / FLOOR_PX["edge"]) / FLOOR_MARGIN
        width = SLIDE_WIDTH * zoom  # the canvas width (points) at which text meets the floor
        fs = caption_font_size or max(CAPTION_FONT, width / SLIDE_CAPTION_SHARE)
        options = {**self._band_options(template, aspect, fs)}
        area_w = width - 2 * 0.6 * fs  # compose's margins
        _, bands = canvas_size((area_w, 0.0), self.captions, **{**options, "aspect": None})
        area = (area_w, width / aspect - bands)
        if area[1] < 4 * NODE_FONT or (template.width <= area[0] and template.height <= area[1]):
            return None, options
        boxes = node_boxes(template.svg)
        focus = []
        for state in self.states:
            active = [n for n in self.nodes if state[f"{n}.fill"] == FILL["active"]]
            used = {n for u, v in self.edges if state[_edge_key(u, v) + ".color"] == EDGE["active"]
                    for n in (u, v)}
            near = union([boxes["n_" + n] for n in set(active) | used if "n_" + n in boxes])
            if near is not None and (near[2] - near[0] > area[0] * (1 - OVERVIEW_SHARE)
                                     or near[3] - near[1] > area[1] * (1 - OVERVIEW_SHARE)):
                near = union([boxes["n_" + n] for n in active if "n_" + n in boxes])
            focus.append(near)
        return follow(template.svg, template.view_box, focus, area), options


def legible(frames: Sequence[Frame]) -> bool:
    """Whether every frame, shown 1920 wide, meets the legibility floor."""
    return all(not below_floor(measure(frame.svg)) for frame in frames)


def _n(self: DerivativeFrames, node: str | None) -> str:
    return node_label(self.graph, node) if node is not None else "?"

