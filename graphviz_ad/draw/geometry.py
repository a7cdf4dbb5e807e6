"""Boxes and edge paths: Graphviz paths as polylines, whether a piece of one passes through
a box (what the legibility checks and the camera's stub labels use to keep lines off
text), and how much of a box lies inside another.

>>> box = (4, 0, 6, 10)
>>> segment_meets_box((0, 5), (10, 5), box), segment_meets_box((0, 5), (3, 5), box)
(True, False)
"""

from __future__ import annotations

import re

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
_PATH_TOKEN = re.compile(r"[MCLmcl]|-?[0-9]*\.?[0-9]+(?:e-?[0-9]+)?")
BEZIER_SAMPLES = 12  # points per cubic piece when a path is followed as a polyline


def path_points(d: str) -> list[tuple[float, float]]:
    """A Graphviz edge path (``M`` then absolute ``C`` cubic pieces or ``L`` lines) as a
    polyline through points on the curve.

    >>> path_points("M0,0C0,10 0,20 0,30")[-1], len(path_points("M0,0C0,10 0,20 0,30"))
    ((0.0, 30.0), 13)
    """
    out: list[tuple[float, float]] = []
    command, numbers = "M", list[float]()
    tokens = _PATH_TOKEN.findall(d) + ["M"]
    for token in tokens:
        if token.isalpha():
            _path_piece(command.upper(), numbers, out)
            command, numbers = token, []
        else:
            numbers.append(float(token))
    return out


def _path_piece(command: str, numbers: list[float], out: list[tuple[float, float]]) -> None:
    pairs = list(zip(numbers[::2], numbers[1::2]))
    if command in ("M", "L"):
        out.extend(pairs)
        return
    for i in range(0, len(pairs) - 2, 3):  # C: (control, control, end) after the last point
        if not out:
            return
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = out[-1], *pairs[i:i + 3]
        for j in range(1, BEZIER_SAMPLES + 1):
            t = j / BEZIER_SAMPLES
            a, b, c, e = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            out.append((a * x0 + b * x1 + c * x2 + e * x3, a * y0 + b * y1 + c * y2 + e * y3))


def segment_meets_box(p: tuple[float, float], q: tuple[float, float], box: Box) -> bool:
    """Whether the segment p–q passes through the box (Liang–Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for edge_delta, distance in ((-dx, p[0] - box[0]), (dx, box[2] - p[0]),
                                 (-dy, p[1] - box[1]), (dy, box[3] - p[1])):
        if edge_delta == 0:
            if distance < 0:
                return False
            continue
        t = distance / edge_delta
        if edge_delta < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def union(boxes: list[Box]) -> Box:
    """The smallest box holding every box (at least one)."""
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def share_inside(box: Box, clip: Box, eps: float = 0.5) -> float:
    """The share of ``box``'s area inside ``clip`` (1 for a degenerate box lying inside).

    >>> share_inside((0, 0, 10, 10), (5, 0, 20, 20), eps=0)
    0.5
    """
    ix = min(box[2], clip[2] + eps) - max(box[0], clip[0] - eps)
    iy = min(box[3], clip[3] + eps) - max(box[1], clip[1] - eps)
    if ix < 0 or iy < 0:
        return 0.0
    area = max(box[2] - box[0], 1e-9) * max(box[3] - box[1], 1e-9)
    return min(1.0, max(ix, 1e-9) * max(iy, 1e-9) / area)


def boxes_meet(a: Box, b: Box) -> bool:
    """Whether two boxes (x0, y0, x1, y1) overlap or touch."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
