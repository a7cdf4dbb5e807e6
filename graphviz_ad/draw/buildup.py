"""Opening and closing a graph too big to show whole: the program built up a line at a time.

A lecturer with a graph too big for the board writes the program one statement at a time,
drawing each statement's nodes beside the ones before, and starts a fresh board when the
next statement would not fit.  A followed graph (see :mod:`graphviz_ad.draw.camera`) opens
the same way: the program's lines are cut into *pages*, runs of consecutive lines whose
nodes (and the nodes they read) are laid out together, whole, at the floor or larger; one
frame per line adds that line's nodes to its page's picture (every node with its
definition; the page's layout stays put while it fills).  It closes with one frame per page
in its final state: every node's value and derivative, so every input's derivative shows
beside the lines that read it.  Where one line alone is too big for a page, or the nodes
carry no line (a traced program), the camera's tour of windows takes over.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..core.nodes import node_data
from ..core.ops import is_leaf
from ..core.program import program_of
from .compose import Scene
from .derivative_story import DerivativeStory
from .derivative_text import short

#: states (slot → value), captions, durations and scenes of a followed graph's frames
Story = tuple[list[dict[str, str]], list[str], list[int], list[Scene | None]]
_NODE_RE = re.compile(r'<g id="n_([^"]*)" class="node">.*?</g>\n?', re.DOTALL)
_EDGE_RE = re.compile(r'<g id="e_([^"]*)" class="edge">.*?</g>\n?', re.DOTALL)


@dataclass(frozen=True)
class LinePart:
    """One program line's part of the graph: its number and source text, the drawn nodes
    it defines and the drawn nodes it reads (program order)."""

    line: int
    source: str
    nodes: list[str]
    reads: list[str]

    @property
    def drawn(self) -> set[str]:
        return {*self.nodes, *self.reads}


#: a page's picture drawn by the caller: one scene per line added, and the final one
Drawn = tuple[list[Scene], Scene]


def line_parts(story: DerivativeStory) -> list[LinePart] | None:
    """The program's lines that define drawn nodes, in order (None when some drawn node
    carries no source line, e.g. a traced program)."""
    data = node_data(story.graph)
    by_line: dict[int, list[str]] = {}
    lines_of: dict[str, int] = {}
    for n in program_of(story.graph).order:  # topological: operands first
        if is_leaf(data[n]["op"]):
            continue
        line = data[n].get("line")
        if line is None:
            return None
        # no node is computed before its operands (a shared subexpression can carry the
        # position of an earlier line's constant)
        lines_of[n] = max([line] + [lines_of[u] for u in story.graph.predecessors(n)
                                    if u in lines_of])
        if n in story.shown:
            by_line.setdefault(lines_of[n], []).append(n)
    lines = (program_of(story.graph).source or "").splitlines()
    parts = []
    for line, nodes in sorted(by_line.items()):
        own = set(nodes)
        reads = {u for u, v in story.edges if v in own and u not in own}
        source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        parts.append(LinePart(line, source, nodes, [n for n in story.nodes if n in reads]))
    return parts


def showing(body: str, nodes: set[str]) -> str:
    """A laid-out page's SVG body with only ``nodes`` and the edges between them."""
    def edge(m: re.Match[str]) -> str:
        u, _, v = html.unescape(m.group(1)).partition("~")
        return m.group(0) if u in nodes and v in nodes else ""

    body = _NODE_RE.sub(lambda m: m.group(0) if html.unescape(m.group(1)) in nodes else "",
                        body)
    return _EDGE_RE.sub(edge, body)


@dataclass(frozen=True)
class BuildUp:
    """A line-by-line opening and closing of one story."""

    story: DerivativeStory
    parts: list[LinePart]

    @classmethod
    def of(cls, story: DerivativeStory) -> BuildUp | None:
        """The build-up of a story's graph (None when its nodes carry no lines)."""
        parts = line_parts(story)
        return cls(story, parts) if parts else None

    def opening(self, k: int) -> str:
        """The caption of the frame adding line ``k`` (0-based)."""
        part, count = self.parts[k], len(self.parts)
        text = f"line 1 of {count}: {part.source}"
        return f"{self.story.captions[0]}\n{text}" if k == 0 else \
            f"The program, line {k + 1} of {count}: {part.source}"

    def closing(self, page: Sequence[LinePart]) -> str:
        """The caption of a page's closing frame: its lines and its inputs' derivatives."""
        count = len(self.parts)
        first, last = self.parts.index(page[0]) + 1, self.parts.index(page[-1]) + 1
        lines = f"line {first} of {count}: {page[0].source}" if first == last else \
            f"lines {first}–{last} of {count}"
        return f"Done, {lines}" + self._results(page)

    def captions(self) -> list[str]:
        """Every caption a build-up may show (the longest sets the caption band)."""
        return ([self.opening(k) for k in range(len(self.parts))]
                + [self.closing([part]) for part in self.parts] + [self.closing(self.parts)])

    def _results(self, page: Sequence[LinePart]) -> str:
        trace = self.story.traces[-1]
        if not trace.derivative_attribute:
            return ""
        read = {n for part in page for n in part.reads}
        inputs = [n for n in program_of(self.story.graph).inputs if n in read]
        shown = ", ".join(f"{self.story.names.symbol(trace, n)} = "
                          f"{short(trace.shown_derivative(n))}" for n in inputs)
        return f"\n{shown}" if shown else ""

    def frames(self, states: list[dict[str, str]], windows: list,
               draw: Callable[[list[LinePart], bool], Drawn | None]) -> Story | None:
        """The story's frames with this opening and closing.  ``draw`` lays out a page,
        wrapped into rows if allowed and needed (None: it does not fit at the floor); lines
        join a page while it fits unwrapped.  None if a single line does not fit.
        ``windows`` (the camera's, one per state) is stretched to the frames in place."""
        pages: list[tuple[list[LinePart], Drawn]] = []
        for part in self.parts:  # a page grows while it fits in one row
            grown = draw(pages[-1][0] + [part], False) if pages else None
            if grown is not None:
                pages[-1] = (pages[-1][0] + [part], grown)
                continue
            alone = draw([part], True)
            if alone is None:
                return None
            pages.append(([part], alone))
        story, count = self.story, len(self.parts)
        opening = [scene for _, (scenes, _) in pages for scene in scenes]
        closing = [final for _, (_, final) in pages]
        captions = ([self.opening(k) for k in range(count)] + story.captions[1:-1]
                    + [self.closing(page) for page, _ in pages])
        durations = ([story.durations[0]] + [story.step_ms] * (count - 1)
                     + story.durations[1:-1] + [story.step_ms] * (len(pages) - 1)
                     + [story.durations[-1]])
        frames = [states[0]] * count + states[1:-1] + [states[-1]] * len(pages)
        windows[:] = [windows[0]] * count + windows[1:-1] + [windows[-1]] * len(pages)
        middle: list[Scene | None] = [None] * (len(states) - 2)
        return frames, captions, durations, [*opening, *middle, *closing]


def page_scenes(body: Callable[[int], str], page: Sequence[LinePart],
                view_box: tuple[float, float, float, float],
                size: tuple[float, float]) -> Drawn:
    """A laid-out page's scenes: ``body(0)`` (its first state) with one more line's nodes
    per scene, then ``body(-1)`` (its last state) whole."""
    first, shown = body(0), set()
    scenes = []
    for part in page:
        shown |= part.drawn
        scenes.append(Scene(showing(first, shown), view_box, size))
    return scenes, Scene(body(-1), view_box, size)


def scene_size(size: tuple[float, float], area: tuple[float, float],
               largest: float) -> tuple[float, float] | None:
    """The size a drawing of ``size`` takes in ``area``: scaled to fill it, up to
    ``largest`` times; None if it would have to shrink (its text below the floor).

    >>> scene_size((100, 50), (400, 400), 1.5), scene_size((500, 50), (400, 400), 1.5)
    ((150.0, 75.0), None)
    """
    scale = min(area[0] / size[0], area[1] / size[1], largest)
    return (scale * size[0], scale * size[1]) if scale >= 1 else None
