"""Frames of derivative passes: the graph laid out once, one frame per step.

:class:`~graphviz_ad.draw.derivative_story.DerivativeStory` decides what every frame
shows; here the DOT is built with every text slot at its widest variant and laid out
ONCE (:mod:`graphviz_ad.draw.template`), so no node moves between frames, then each
frame is filled in and framed (title, legend, caption; optionally a camera that
follows the step).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ..core.errors import RenderError
from ..core.formula import fmt_shape, node_label
from ..core.program import program_of
from ..core.trace import Trace
from ..explain.steps import node_symbol
from .arrows import add_back_arrows
from .camera import Camera, Stubs, follow, node_boxes, plan_windows, union
from .compose import canvas_size, compose_frames
from .derivative_story import EDGE, FILL, DerivativeStory, edge_key
from .derivative_text import padded
from .frames import STEP_MS, Frame
from .graphviz_run import run_graphviz
from .legibility import FLOOR_PX, SLIDE_WIDTH, below_floor, measure
from .matrix_cells import (
    cell_key,
    cell_size,
    channel_indices,
    grid_html,
    more_channels,
    number_key,
    tint_key,
)
from .palette import BACKGROUND, INK, NO_COLOUR
from .template import SlotDot, SvgTemplate, dot_quote

__all__ = ["EDGE", "FILL", "STEP_MS", "VIEWS", "DerivativeFrames", "legible"]

NODE_FONT, EDGE_FONT = 20, 17
CAPTION_FONT = 24  # points, like the node text's 20: the graph is the subject, not the band
SLIDE_CAPTION_SHARE = 56  # slide captions: 1/56 of the slide width (34 px at 1920; legend 29 px)
#: ... and at least this (points): the legend (0.85 of it) stays at 28 px up to 1370 pt wide
SLIDE_CAPTION_FONT = 23.4
SPACINGS = ((0.3, 0.4), (0.2, 0.3))  # (nodesep, ranksep) in inches; compact tries both
MANY_NODES, NSLIMIT = 40, 3  # above 40 nodes, network simplex gets 3 × nodes iterations
VIEWS = ("whole", "follow", "auto")
WRAPS = (1, 2, 3)  # a slide tries the graph in one row, and wrapped into two and three
WHOLE_NODES = 16  # graphs of up to this many drawn nodes are never followed by a camera
FLOOR_MARGIN = 1.04  # the follow camera zooms 4 % past the legibility floor
DEFAULT_ASPECT = 16 / 9  # the frame shape "auto" direction optimises for without --slide


class DerivativeFrames(DerivativeStory):
    """Lays out and frames the story of one or more passes over one graph.

    >>> import graphviz_ad as ad
    >>> G = ad.parse("y = sin(x)*x")
    >>> frames = DerivativeFrames([ad.reverse_mode(G, {"x": 1.0})])
    >>> len(frames.states), frames.captions[-1]
    (5, 'Done: ∂y/∂x = 1.382 (reverse mode, 2 steps)')
    """

    def __init__(self, traces: Sequence[Trace], *, rankdir: str = "auto",
                 show_constants: bool = False, title: str = "",
                 quiet: Iterable[str] = (), step_ms: int = STEP_MS,
                 compact: bool = False, fold: bool = False) -> None:
        self.rankdir = rankdir  # LR, TB, ... or "auto"
        self._direction, self._spacing = ("LR" if rankdir == "auto" else rankdir), SPACINGS[0]
        self._slots: SlotDot | None = None
        self._state: dict[str, str] = {}
        self._rows = 1  # a long chain wrapped into this many rows (columns when TB)
        self._readers_row = False  # wrapped: inputs in their first reader's row (else row 0)
        self._numbers = True  # small grids show their numbers (the layout search decides)
        self.title = title
        super().__init__(traces, show_constants=show_constants, quiet=quiet,
                         step_ms=step_ms, compact=compact, fold=fold)

    def dot(self, slots: SlotDot | None = None, state: dict[str, str] | None = None) -> str:
        """The DOT source: with ``slots``, slot sentinels and widest texts for the layout;
        with ``state``, the plain DOT of that frame (the last one by default)."""
        state = state if state is not None else self.states[-1]
        variants = self.variants()
        self._slots, self._state = slots, state  # for the matrix nodes' HTML labels

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
               f'fontname="DejaVu Sans", bgcolor="{BACKGROUND}"];',
               f'  node [fontname="DejaVu Sans", fontsize={NODE_FONT}, shape=box, '
               'style="rounded,filled", penwidth=2.5, margin="0.14,0.06", id="n_\\N"];',
               f'  edge [fontname="DejaVu Sans", fontsize={EDGE_FONT}, penwidth=2.5, '
               f'arrowsize=0.9, fontcolor="{INK}"];']
        rows = self._row_of()
        for row in range(self._rows):
            if self._rows > 1:  # an invisible cluster keeps each row's nodes together
                out.append(f"  subgraph cluster_row{row} {{ graph [peripheries=0, margin=4];")
            out += self._node_lines_dot([n for n in self.nodes if rows[n] == row],
                                        text_lines, colour, variants)
            if self._rows > 1:
                out.append("  }")
        firsts = [next(n for n in self.nodes if rows[n] == r) for r in range(self._rows)
                  if r in rows.values()]
        for r, (a, b) in enumerate(zip(firsts, firsts[1:])):  # row r above (left of) row r+1
            out.append(f"  {{ rank=same; {dot_quote(a)}; {dot_quote(b)}; }} {dot_quote(a)} -> "
                       f'{dot_quote(b)} [style=invis, id="wrap_{r}"];')
        for u, v in self.edges:
            key = edge_key(u, v)
            lines = [(f"{key}.label{i}", [padded(text, self._direction)
                                          for text in variants[f"{key}.label{i}"]])
                     for i in range(self._edge_lines)
                     if any(variants.get(f"{key}.label{i}", [""]))]
            label = f", label={text_lines('e_' + key, lines)}" if lines else ""
            wrap = ", constraint=false" if rows[u] != rows[v] else ""  # from one row to the next
            out.append(f'  {dot_quote(u)} -> {dot_quote(v)} [id={dot_quote("e_" + key)}, '
                       f'color="{colour(key + ".color")}"{label}{wrap}];')
        out.append("}")
        return "\n".join(out) + "\n"

    def _depths(self) -> dict[str, int]:
        """Each drawn node's depth: the longest path to it from a node without drawn
        operands."""
        depth: dict[str, int] = {}
        for n in self.nodes:  # program order is topological
            depth[n] = 1 + max((depth[u] for u in self.graph.predecessors(n) if u in depth),
                               default=-1)
        return depth

    def _row_of(self) -> dict[str, int]:
        """Each drawn node's row when the graph wraps: its depth cut into ``self._rows``
        equal runs."""
        depth = self._depths()
        levels = max(depth.values(), default=0) + 1
        rows = {n: d * self._rows // levels for n, d in depth.items()}
        for n in self.nodes if self._rows > 1 and self._readers_row else ():  # inputs join
            readers = [rows[v] for v in self.graph.successors(n) if v in rows]
            if depth[n] == 0 and readers:
                rows[n] = min(readers)
        return rows

    def _node_lines_dot(self, nodes: list[str], text_lines, colour, variants) -> list[str]:
        """The DOT statements of ``nodes``."""
        G = self.graph
        out = []
        for n in nodes:
            data = G.nodes[n]
            if n in self.grids:
                out.append(self._grid_node(n, colour, variants))
                continue
            head = node_label(G, n) if data["op"] in ("input", "const") else \
                f"{node_label(G, n)} = {self.definition(n)}"
            # compact: an input's value slot heads its label ("x = 0.5")
            lines: list = [] if self.compact and data["op"] in ("input", "const") else [head]
            keys = [f"{n}.value"] + [f"{n}.{kind}{i}" for kind in self._slot_kinds
                                     for i in range(self._node_lines)]
            lines += [(key, variants[key]) for key in keys if any(variants.get(key, [""]))]
            shape = ""
            if data["op"] == "input":
                shape = ", shape=ellipse, style=filled, margin=0.02"
            if n in program_of(G).outputs:
                shape += ", peripheries=2"
            out.append(f'  {dot_quote(n)} [label={text_lines("n_" + n, lines)}, '
                       f'fillcolor="{colour(n + ".fill")}", color="{colour(n + ".border")}"'
                       f'{shape}];')
        return out

    def _grid_node(self, n: str, colour: Callable[[str], str],
                   variants: dict[str, list[str]]) -> str:
        """A matrix node: an HTML-like table of its definition, its value's cells beside
        its shape, and its derivative's cells (slot colours, fixed-size cells)."""
        G = self.graph
        slots = self._slots
        rows, cols = self.cells(n)
        size = cell_size(len(rows))
        index = 0
        parts = []

        def text(key: str | None, fixed: str = "") -> str:
            nonlocal index
            if key is None or not any(variants.get(key, [""])):
                shown = fixed
            elif slots is not None:
                shown = slots.text(key, variants[key], group="n_" + n, index=index)
            else:
                shown = self._state[key]
            index += 1 if shown.strip() else 0
            return html.escape(shown, quote=False)

        shape = np.shape(self.traces[0].value(n))
        stack = channel_indices(shape)

        def grid(which: str) -> str:
            if self._numbers and n in self.numbered:  # one stack: a matrix or a vector
                return grid_html(
                    [[colour(tint_key(n, which, 0, i, j)) for j in range(len(cols))]
                     for i in range(len(rows))], size,
                    [[text(number_key(n, which, 0, i, j)) for j in range(len(cols))]
                     for i in range(len(rows))])
            grids = [grid_html([[colour(cell_key(n, which, k, i, j)) for j in range(len(cols))]
                                for i in range(len(rows))], size) for k in range(len(stack))]
            if len(grids) == 1:
                return grids[0]
            more = f"<TD>{text(None, '…')}</TD>" if more_channels(shape) else ""
            return ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="0"><TR>'
                    + "".join(f"<TD>{g}</TD>" for g in grids) + more + "</TR></TABLE>")

        derivative = self._slot_kinds[:1]  # one derivative slot per node on a slide
        width = 6 if derivative else 3
        if G.nodes[n]["op"] not in ("input", "const"):
            head = text(None, f"{node_label(G, n)} = {self.definition(n)}")
            parts.append(f'<TR><TD COLSPAN="{width}">{head}</TD></TR>')
        value = (f'<TD ALIGN="RIGHT">{text(f"{n}.value")}</TD><TD>{grid("v")}</TD>'
                 f'<TD ALIGN="LEFT">{text(None, fmt_shape(shape))}'
                 "</TD>")
        if derivative:  # a spacer cell keeps the shape and the derivative apart
            value += (f'<TD WIDTH="8"></TD><TD ALIGN="RIGHT">{text(f"{n}.{derivative[0]}0")}</TD>'
                      f'<TD>{grid("d")}</TD>')
        parts.append(f"<TR>{value}</TR>")
        table = ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
                 + "".join(parts) + "</TABLE>")
        # an input keeps the default rounded box: an ellipse around a table is √2 times
        # the table's width, most of it empty
        shape = ", peripheries=2" if n in program_of(G).outputs else ""
        return (f'  {dot_quote(n)} [label=<{table}>, fillcolor="{colour(n + ".fill")}", '
                f'color="{colour(n + ".border")}"{shape}];')

    def layout(self, aspect: float, wrap: bool = True) -> SvgTemplate:
        """The best layout (see :meth:`_search`): small grids with their numbers if that
        reaches the legibility floor, else with plain cells."""
        self._numbers = bool(self.numbered)
        template, legible = self._search(aspect, wrap)
        if self._numbers and not legible:
            self._numbers = False
            template, legible = self._search(aspect, wrap)
        return template

    def _search(self, aspect: float, wrap: bool) -> tuple[SvgTemplate, bool]:
        """Lay out once per candidate and keep the one shown largest on a canvas of the
        given aspect ratio (title, legend and caption band included): ``rankdir="auto"``
        tries LR and TB; compact (slide) drawings also try tighter spacing.  Returns it
        and whether it reaches the floor."""
        laid_out = []  # (scale shown, rankdir, spacing, rows, template) in the order tried
        levels = max(self._depths().values(), default=0) + 1
        wraps = [r for r in WRAPS if r == 1 or (wrap and self.compact and levels >= 2 * r
                                                  and len(self.nodes) <= MANY_NODES)]
        legible_width = SLIDE_WIDTH * min(NODE_FONT / FLOOR_PX["node"],
                                          EDGE_FONT / FLOOR_PX["edge"])

        def largest(candidates: list) -> tuple:
            """Of the candidates that reach the floor the roomiest within 3 % of the
            largest (tried first); if none does, the largest."""
            legible = [c for c in candidates if 1 / c[0] <= legible_width]
            if not legible:
                return max(candidates, key=lambda c: c[0])
            best = legible[0]
            for candidate in legible[1:]:
                if candidate[0] > 1.03 * best[0]:
                    best = candidate
            return best

        directions = ["LR", "TB"] if self.rankdir == "auto" else [self.rankdir]
        for rows in wraps:  # the fewest rows that reach the floor: wrap only when needed
            group = []
            for rankdir, readers_row, spacing in [
                    (d, f, sp) for d in directions for f in (False, True)[:rows]
                    for sp in (SPACINGS if self.compact else SPACINGS[:1])]:
                self._direction, self._spacing = rankdir, spacing
                self._rows, self._readers_row = rows, readers_row
                try:
                    template = self._layout_once()
                except RenderError:  # dot's ranking can fail on wrapped rows
                    if rows == 1:
                        raise
                    continue
                width, _ = canvas_size((template.width, template.height), self.captions,
                                       **self._band_options(template, aspect))
                group.append((1 / width, rankdir, spacing, rows, readers_row, template))
            laid_out += group
            if group and 1 / largest(group)[0] <= legible_width:
                laid_out = group
                break
        best = largest(laid_out)
        _, self._direction, self._spacing, self._rows, self._readers_row, template = best
        return template, 1 / best[0] <= legible_width

    def _layout_once(self) -> SvgTemplate:
        """One Graphviz layout of the slot DOT, with the backward arrowheads added."""
        slots = SlotDot(font_size=NODE_FONT)
        source = self.dot(slots)
        backs = {"e_" + edge_key(u, v): slots.color(edge_key(u, v) + ".back", NO_COLOUR)
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
                caption_font_size = max(SLIDE_CAPTION_FONT, base / SLIDE_CAPTION_SHARE)
        return {"caption_font_size": caption_font_size, "title": self.title or None,
                "legend": self._legend(), "aspect": aspect}

    def frames(self, aspect: float | None = None, caption_font_size: float | None = None,
               view: str = "whole") -> list[Frame]:
        """Lay the graph out once and fill it for every frame.

        ``view``: ``whole`` shows the whole graph in every frame; ``follow`` (slides only)
        a window that follows the step, at a zoom that meets the legibility floor;
        ``auto`` follows only when some whole frame of a graph of more than
        :data:`WHOLE_NODES` nodes is below the floor."""
        if view not in VIEWS:
            raise ValueError(f"view {view!r}: choose one of {', '.join(VIEWS)}")
        template = self.layout(aspect or DEFAULT_ASPECT)
        keys = template.keys  # slots that are empty in every frame were never declared
        states = [{k: v for k, v in state.items() if k in keys} for state in self.states]
        whole = None
        if view != "follow" or not aspect:
            whole = compose_frames(template, states, self.captions, self.durations,
                                   **self._band_options(template, aspect, caption_font_size))
            small = len(self.nodes) <= WHOLE_NODES  # a small graph is always shown whole
            if view == "whole" or not aspect or small or legible(whole):
                return whole
        if self._rows > 1:  # a camera follows steps along one row, not across a wrap
            template = self.layout(aspect, wrap=False)
            states = [{k: v for k, v in state.items() if k in template.keys}
                      for state in self.states]
        camera, options = self._camera(template, aspect, caption_font_size)
        if camera is None:  # the whole graph already shows at the camera's zoom
            return whole or self.frames(aspect, caption_font_size, "whole")
        return compose_frames(template, *self._tours(camera, states), camera=camera,
                              **options)

    def _tours(self, camera: Camera, states: list[dict[str, str]]) -> tuple[list, list, list]:
        """A followed graph's opening and closing as a tour, one window at a time: the
        opening frame is followed by windows over the rest of the program (every node's
        definition, in program order), the closing one by windows over the remaining
        inputs' derivatives.  Returns the frames' states, captions and durations, and
        puts the tour's windows into ``camera``."""
        window = camera.window

        def chunks(nodes: list[str]) -> list[list[str]]:
            out: list[list[str]] = []
            for n in nodes:
                box = camera.boxes.get("n_" + n)
                if box is None:
                    continue
                grown = union([camera.boxes["n_" + m] for m in (out[-1] if out else [])] + [box])
                if out and grown and grown[2] - grown[0] + 12 <= window[0] \
                        and grown[3] - grown[1] + 12 <= window[1]:
                    out[-1].append(n)
                else:
                    out.append([n])
            return out

        def focus(nodes: list[str]) -> tuple[float, float, float, float] | None:
            return union([camera.boxes["n_" + n] for n in nodes])

        program = chunks(self.nodes)
        inputs = [n for n in program_of(self.graph).inputs if n in self.shown]
        results = chunks(inputs) if self.traces[-1].derivative_attribute else []
        if program:
            camera.windows[0] = self._window(camera, focus(program[0]))
        if results:
            camera.windows[-1] = self._window(camera, focus(results[0]))
        camera.windows[1:1] = [self._window(camera, focus(c)) for c in program[1:]]
        camera.windows.extend(self._window(camera, focus(c)) for c in results[1:])
        trace = self.traces[-1]
        opening = [f"The computational graph, part {k + 2} of {len(program)}: " + "; ".join(
            f"{self.label(n)} = {self.definition(n)}" for n in c
            if self.graph.nodes[n]["op"] not in ("input", "const"))
            for k, c in enumerate(program[1:])]
        closing = [f"Done, part {k + 2} of {len(results)}: " + ", ".join(
            f"{node_symbol(trace, n)} = {self._number(trace.derivative(n))}" for n in c)
            for k, c in enumerate(results[1:])]
        captions = ([self.captions[0]] + opening + self.captions[1:] + closing)
        durations = ([self.durations[0]] + [self.step_ms] * len(opening) + self.durations[1:]
                     + [self.step_ms] * len(closing))
        states = [states[0]] * (1 + len(opening)) + states[1:] + [states[-1]] * len(closing)
        return states, captions, durations

    @staticmethod
    def _window(camera: Camera, box: tuple[float, float, float, float] | None,
                ) -> tuple[float, float, float, float]:
        """The camera's window (x, y, w, h) holding ``box``."""
        graph = (camera.graph[2], camera.graph[3])
        return plan_windows([box], graph, camera.window, list(camera.boxes.values()))[0]

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
        for state in self.states:  # the node being computed and every node it reads or writes
            active = [n for n in self.nodes if state[f"{n}.fill"] == FILL["active"]]
            used = {n for u, v in self.edges if state[edge_key(u, v) + ".color"] == EDGE["active"]
                    for n in (u, v)}
            focus.append(union([boxes["n_" + n] for n in set(active) | used if "n_" + n in boxes]))
        stubs = Stubs({"e_" + edge_key(u, v): ("n_" + u, "n_" + v) for u, v in self.edges},
                      {"n_" + n: self.label(n) for n in self.nodes}, EDGE_FONT)
        return follow(template.svg, template.view_box, focus, area, stubs), options


def legible(frames: Sequence[Frame]) -> bool:
    """Whether every frame, shown 1920 wide, meets the legibility floor."""
    return all(not below_floor(measure(frame.svg)) for frame in frames)
