"""The words of a receptive-field drawing: row labels, captions, the path-count scale.

Each caption is one line of the recurrence with its numbers; each row's label reveals
r and j from the frame its layer is reached on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..draw.palette import COUNT_RAMP, INK, WHITE
from .fields import StackField
from .text import recurrence, sub

MAX_SWATCHES = 12  # path counts get one legend swatch each up to this many distinct counts


def count_scale(counts: Sequence[float]) -> list[tuple[str, str, str]]:
    """Discrete path-count colours: ``(label, fill, ink)`` per distinct count, light to dark
    (counts grouped into MAX_SWATCHES ranges when there are more)."""
    values = sorted({int(c) for c in counts if c > 0})
    groups = ([[v] for v in values] if len(values) <= MAX_SWATCHES
              else [list(g) for g in np.array_split(values, MAX_SWATCHES)])
    ramp = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in COUNT_RAMP], float)
    out = []
    for i, group in enumerate(groups):
        t = 0.15 + 0.85 * (i / (len(groups) - 1) if len(groups) > 1 else 1.0)
        pos = t * (len(ramp) - 1)
        lo = min(int(pos), len(ramp) - 2)
        rgb = ramp[lo] + (pos - lo) * (ramp[lo + 1] - ramp[lo])
        fill = "#" + "".join(f"{round(v):02X}" for v in rgb)
        light = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255 > 0.55
        label = str(group[0]) if len(group) == 1 else f"{group[0]}–{group[-1]}"
        out.append((label, fill, INK if light else WHITE))
    return out


def count_colour(count: float, scale: list[tuple[str, str, str]]) -> tuple[str, str]:
    """Fill and ink of the swatch whose count (or range) holds ``count``."""
    c = int(count)
    for label, fill, ink in scale:
        lo, _, hi = label.partition("–")
        if int(lo) <= c <= int(hi or lo):
            return fill, ink
    return scale[-1][1], scale[-1][2]


def row_numbers(field: StackField, n_frames: int) -> list[list[str]]:
    """Second label line of each row per frame: r and j revealed from frame m on."""
    out = [[f"r{sub(0)} = 1,  j{sub(0)} = 1"] * n_frames]
    for row in field.layers:
        done = f"r{sub(row.index)} = {row.receptive_field},  j{sub(row.index)} = {row.jump}"
        hidden = f"r{sub(row.index)} = ?"
        out.append([done if f >= row.index else hidden for f in range(n_frames)])
    return out


def row_head(field: StackField, m: int) -> list[str]:
    """The fixed lines of a row's label (name and kind, then the layer's numbers): short
    lines keep the label column narrow, so the units get the slide's width."""
    if m == 0:
        return ["input", f"n = {field.input_size}"]
    lay = field.layers[m - 1]
    parts = [f"k={lay.kernel}"]
    parts += [f"s={lay.stride}"] if lay.stride != 1 else []
    parts += [f"d={lay.dilation}"] if lay.dilation != 1 else []
    if lay.pad_left or lay.pad_right:
        parts.append(f"p={lay.pad_left}" if lay.pad_left == lay.pad_right
                     else f"p={lay.pad_left},{lay.pad_right}")
    return [f"{lay.name}: {lay.kind}", " ".join(parts)]


def captions(field: StackField, paths: bool, top: float) -> list[str]:
    last = field.layers[-1]
    caps = [f"{len(field.layers)} layers over {field.input_size} input units (dashed: zero "
            f"padding). Which inputs does output unit {field.unit} of {last.name} see?"]
    r_prev, j_prev = 1, 1
    for row in field.layers:
        text = f"{row.name}: {recurrence(row, r_prev, j_prev)}."
        if row.start is not None and row.end is not None:  # None: reached only via padding
            text += (f" Unit {row.unit} of {row.name} sees inputs [{row.start}, {row.end}]"
                     .replace("-", "−"))
            lo, hi = max(row.start, 0), min(row.end, field.input_size - 1)
            if (lo, hi) != (row.start, row.end):
                text += f", real inputs {lo} to {hi}, the rest is zero padding"
            text += "."
        if row.index == len(field.layers) and field.holes:
            text += f" {len(field.holes)} units inside that span are holes: not connected."
        caps.append(text)
        r_prev, j_prev = row.receptive_field, row.jump
    if paths:
        caps.append(f"Number of paths from output unit {field.unit} to each input unit (1 to "
                    f"{top:.0f}): the edges of the field are reached by few paths, the middle by "
                    f"many, so the effective receptive field is concentrated there "
                    f"(Luo et al. 2016).")
    return caps
