"""Backward arrowheads: the derivative of a reverse step flows against the edge.

Graphviz draws one arrowhead, at the head, in the edge's colour.  Reverse mode carries
the adjoint the other way, so every edge gets a second arrowhead at its tail, pointing
back into the source node, whose colour is a slot (``none`` when not in use).  It is
added to the laid-out SVG, so the layout is untouched.

>>> svg = ('<g id="e_a~b" class="edge"><path fill="none" stroke="#222" '
...        'd="M10,-10C10,-20 10,-30 10,-40"/></g>')
>>> 'class="back"' in add_back_arrows(svg, {"e_a~b": "#c0d001"})
True
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping

ARROW_LENGTH, ARROW_HALF_WIDTH = 16.0, 7.0  # points: larger than the forward head
_EDGE_RE = re.compile(r'<g id="([^"]+)" class="edge">')
_PATH_RE = re.compile(r'<path[^>]*\sd="M\s*([-0-9.e]+)[ ,]([-0-9.e]+)\s*C\s*([-0-9.e, ]+)"[^>]*/>')


def back_arrow_points(d_start: tuple[float, float], towards: tuple[float, float]) -> str:
    """An arrowhead's polygon with its tip at ``d_start`` (the edge's tail end), pointing
    away from ``towards`` (the next point of the path)."""
    (x0, y0), (x1, y1) = d_start, towards
    length = math.hypot(x0 - x1, y0 - y1) or 1.0
    ux, uy = (x0 - x1) / length, (y0 - y1) / length  # unit vector along the arrow
    bx, by = x0 - ARROW_LENGTH * ux, y0 - ARROW_LENGTH * uy
    px, py = -uy * ARROW_HALF_WIDTH, ux * ARROW_HALF_WIDTH
    return (f"{x0:.2f},{y0:.2f} {bx + px:.2f},{by + py:.2f} {bx - px:.2f},{by - py:.2f} "
            f"{x0:.2f},{y0:.2f}")


def add_back_arrows(svg: str, colours: Mapping[str, str]) -> str:
    """Insert after each edge's path (edge group id → colour, e.g. a slot sentinel) a
    backward arrowhead at the path's start."""
    out, pos = [], 0
    for m in _EDGE_RE.finditer(svg):
        colour = colours.get(html.unescape(m.group(1)))
        if colour is None:
            continue
        path = _PATH_RE.search(svg, m.end())
        if path is None:
            continue
        start = (float(path.group(1)), float(path.group(2)))
        numbers = [float(v) for v in re.split(r"[ ,]+", path.group(3).strip()) if v]
        points = list(zip(numbers[::2], numbers[1::2]))
        towards = next((p for p in points if math.hypot(p[0] - start[0], p[1] - start[1])
                        > 1e-3), None)
        if towards is None:
            continue
        out.append(svg[pos:path.end()])
        out.append(f'\n<polygon class="back" fill="{colour}" stroke="{colour}" '
                   f'stroke-width="1.5" points="{back_arrow_points(start, towards)}"/>')
        pos = path.end()
    out.append(svg[pos:])
    return "".join(out)
