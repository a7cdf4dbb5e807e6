"""The frame: the unit every drawing produces and every writer consumes."""

from __future__ import annotations

from dataclasses import dataclass

STEP_MS = 2000  # how long one step's frame shows in every animation (--frame-ms)


@dataclass(frozen=True)
class Frame:
    """One picture of an animation.

    ``svg`` is a complete standalone SVG document; all frames of one animation have
    the same width, height and viewBox, and every element sits at the same place.
    ``caption`` is the plain-text step description (shown by the HTML player, used
    as alt text).  ``duration_ms`` is how long animated formats show the frame.
    """

    svg: str
    caption: str = ""
    duration_ms: int = 1500
