"""A trace in a notebook: its final annotated graph as SVG, and the step-by-step player.

A :class:`~graphviz_ad.core.trace.Trace` is a plain record and draws nothing itself:
``import graphviz_ad`` inside IPython/Jupyter registers :func:`trace_svg` as its SVG form
(by the class's module and name, so nothing is drawn or imported until a trace is shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ..core.trace import Trace
from .animate import derivative_frames
from .output import write_text_atomic
from .player import player_html


@dataclass(frozen=True)
class Player:
    """An HTML page (the player, the explorer); Jupyter shows it in an isolated iframe,
    ``save`` writes it."""

    html: str

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{escape(self.html, quote=True)}" '
                'style="width:100%;height:640px;border:0"></iframe>')

    def save(self, path: str | Path) -> None:
        write_text_atomic(Path(path), self.html)


def trace_svg(trace: Trace) -> str:
    """The trace's last frame: the whole graph with every number of the pass."""
    frames, _ = derivative_frames(trace)
    return frames[-1].svg


def player(trace: Trace, **options: Any) -> Player:
    """The self-contained HTML player of this pass (shows itself in Jupyter); ``options``
    as :func:`~graphviz_ad.draw.animate.derivative_frames` takes them, and ``title``."""
    frames, _ = derivative_frames(trace, **options)
    return Player(player_html(frames, title=options.get("title") or "graphviz-ad"))
