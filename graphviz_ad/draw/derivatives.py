"""Frames of derivative passes: the graph laid out once, one frame per step.

:class:`~graphviz_ad.draw.derivative_story.DerivativeStory` decides what every frame
shows; here the DOT is built with every text slot at its widest variant and laid out
ONCE (:mod:`graphviz_ad.draw.template`), so no node moves between frames, then each
frame is filled in and framed (title, legend, caption; optionally a camera that
follows the step).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from ..core.errors import RenderError
from ..core.program import program_of
from ..core.trace import Trace
from ..explain.steps import node_symbol
from .arrows import add_back_arrows
from .buildup import BuildUp, Drawn, LinePart, page_scenes, scene_size
from .camera import Camera, Stubs, follow, node_boxes, plan_windows, union
from .compose import canvas_size, compose_frames
from .derivative_story import EDGE, FILL, edge_key
from .frames import STEP_MS, Frame
from .graphviz_run import run_graphviz
from .legibility import FLOOR_PX, SLIDE_WIDTH, below_floor, edges_through_text, measure
from .palette import NO_COLOUR
from .story_dot import EDGE_FONT, MANY_NODES, NODE_FONT, SPACINGS, StoryDot
from .template import SlotDot, SvgTemplate, svg_body

__all__ = ["EDGE", "FILL", "STEP_MS", "VIEWS", "DerivativeFrames", "legible"]

CAPTION_FONT = 24  # points, like the node text's 20: the graph is the subject, not the band
SLIDE_CAPTION_SHARE = 56  # slide captions: 1/56 of the slide width (34 px at 1920; legend 29 px)
#: ... and at least this (points): the legend (0.85 of it) stays at 28 px up to 1370 pt wide
SLIDE_CAPTION_FONT = 23.4
VIEWS = ("whole", "follow", "auto")
WRAPS = (1, 2, 3)  # a slide tries the graph in one row, and wrapped into two and three
WHOLE_NODES = 16  # graphs of up to this many drawn nodes are never followed by a camera
FLOOR_MARGIN = 1.04  # the follow camera zooms 4 % past the legibility floor
DEFAULT_ASPECT = 16 / 9  # the frame shape "auto" direction optimises for without --slide
MAX_SCENE_SCALE = 1.5  # a program line drawn on its own is enlarged at most this much


class DerivativeFrames(StoryDot):
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
                 compact: bool = False, fold: bool = False,
                 only: Collection[str] | None = None) -> None:
        quiet = tuple(quiet)
        #: what a drawing of a part of the graph (see :meth:`_page`) is built with
        self._options: dict[str, Any] = {
            "rankdir": rankdir, "show_constants": show_constants, "title": title,
            "quiet": quiet, "step_ms": step_ms, "compact": compact, "fold": fold}
        self.rankdir = rankdir  # LR, TB, ... or "auto"
        self._direction, self._spacing = ("LR" if rankdir == "auto" else rankdir), SPACINGS[0]
        self._slots: SlotDot | None = None
        self._state: dict[str, str] = {}
        self._rows = 1  # a long chain wrapped into this many rows (columns when TB)
        self._readers_row = False  # wrapped: inputs in their first reader's row (else row 0)
        self._numbers = True  # small grids show their numbers (the layout search decides)
        self.title = title
        super().__init__(traces, show_constants=show_constants, quiet=quiet,
                         step_ms=step_ms, compact=compact, fold=fold, only=only)

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

        clear: dict[int, bool] = {}  # id(template) → whether no edge runs through a label

        def crosses(candidate: tuple) -> bool:
            if id(candidate[-1]) not in clear:
                clear[id(candidate[-1])] = _clear(candidate[-1])
            return self.compact and not clear[id(candidate[-1])]

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
            if group and 1 / _largest(group, legible_width, crosses)[0] <= legible_width:
                laid_out = group
                break
        best = _largest(laid_out, legible_width, crosses)
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
        build = BuildUp.of(self)  # its captions are in the band the camera leaves
        camera, options = self._camera(template, aspect, caption_font_size,
                                       self.captions + (build.captions() if build else []))
        if camera is None:  # the whole graph already shows at the camera's zoom
            return whole or self.frames(aspect, caption_font_size, "whole")
        area = camera.area
        story = build.frames(states, camera.windows,
                             lambda page, wrap: self._page(page, area, wrap)) if build else None
        if story is None:  # some line's graph is too big itself: a tour of windows
            story = (*self._tours(camera, states), [])
        frames, captions, durations, scenes = story
        return compose_frames(template, frames, captions, durations, camera=camera,
                              scenes=scenes, **options)

    def _page(self, page: list[LinePart], area: tuple[float, float], wrap: bool,
              ) -> Drawn | None:
        """Program lines laid out on their own, filling ``area`` (at least at the camera's
        zoom, so at the floor): a scene per line added, and the whole page in its last
        state (None if it does not fit, wrapped into rows if ``wrap``)."""
        sub = DerivativeFrames(self.traces, only=set().union(*(p.drawn for p in page)),
                               **self._options)
        # (scale, size, template) of each direction's best layout that fits the area
        fits: list[tuple[float, tuple[float, float], SvgTemplate]] = []
        for rows, direction in [(r, d) for r in (False, True)[:1 + wrap]
                                for d in (["LR", "TB"] if self.rankdir == "auto"
                                          else [self.rankdir])]:
            if fits:  # wrapped only if one row does not fit
                break
            sub.rankdir = direction
            template, _ = sub._search(area[0] / area[1], wrap=rows)
            size = scene_size((template.width, template.height), area, MAX_SCENE_SCALE)
            fits += [(size[0] / template.width, size, template)] if size else []
        if not fits:
            return None
        _, size, template = max(fits, key=lambda f: f[0])

        def body(which: int) -> str:
            state = sub.states[which]
            return svg_body(template.fill({k: v for k, v in state.items() if k in template.keys}))

        return page_scenes(body, page, template.view_box, size)

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
            if not self._is_leaf(n))
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

    def _camera(self, template: SvgTemplate, aspect: float, caption_font_size: float | None,
                captions: Sequence[str]) -> tuple[Camera | None, dict]:
        """A camera whose zoom puts node and edge text above the floor on a slide 1920
        wide, following each frame's active node and the edges it uses; the caption band
        holds the longest of ``captions``."""
        zoom = min(NODE_FONT / FLOOR_PX["node"], EDGE_FONT / FLOOR_PX["edge"]) / FLOOR_MARGIN
        width = SLIDE_WIDTH * zoom  # the canvas width (points) at which text meets the floor
        fs = caption_font_size or max(CAPTION_FONT, width / SLIDE_CAPTION_SHARE)
        options = {**self._band_options(template, aspect, fs)}
        area_w = width - 2 * 0.6 * fs  # compose's margins
        _, bands = canvas_size((area_w, 0.0), captions, **{**options, "aspect": None})
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


def _clear(template: SvgTemplate) -> bool:
    """Whether no edge of a layout (every label at its widest) runs through a label."""
    return not edges_through_text(measure(template.svg))


def legible(frames: Sequence[Frame]) -> bool:
    """Whether every frame, shown 1920 wide, meets the legibility floor."""
    return all(not below_floor(measure(frame.svg)) for frame in frames)


def _roomiest(pool: list) -> tuple:
    """The first candidate (tried first) unless a later one is shown over 3 % larger."""
    best = pool[0]
    for candidate in pool[1:]:
        if candidate[0] > 1.03 * best[0]:
            best = candidate
    return best


def _largest(candidates: list, legible_width: float, crosses: Callable[[tuple], bool]) -> tuple:
    """Of the candidates (scale shown first) that reach the floor the roomiest within 3 % of
    the largest, unless an edge runs through a label in it and not in another; if none
    reaches the floor, the largest."""
    legible = [c for c in candidates if 1 / c[0] <= legible_width]
    if not legible:
        return max(candidates, key=lambda c: c[0])
    best = _roomiest(legible)
    if crosses(best):  # slides: a line across a label is worse than a tighter fit
        best = _roomiest([c for c in legible if not crosses(c)] or [best])
    return best
