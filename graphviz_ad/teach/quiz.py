"""Predict, then reveal: the questions of the HTML player's quiz mode.

Each frame that shows a derivative step (a value step in an evaluate pass) asks for that
step's number before it is shown.  A question carries the true number and the numbers of
the common mistakes (:mod:`.sheet`'s wrong paths, recomputed from the true earlier numbers
since the player reveals each step), so the page diagnoses a wrong answer offline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..draw.frames import Frame
from .pass_sheet import trace_sheet
from .sheet import MISTAKES


def quiz_questions(traces: Sequence[Any], frames: Sequence[Frame], quiet: Iterable[str] = ()
                   ) -> list[dict[str, Any] | None]:
    """One entry per frame: ``None``, or ``{"ask", "answer", "paths"}`` for the first
    frame whose caption states a scalar step (``paths``: ``[diagnosis, number]`` pairs)."""
    sheet = trace_sheet(traces, quiet)
    truth = sheet.truth.__getitem__
    blanks = {b.symbol: b for b in sheet.blanks if np.ndim(b.truth) == 0}
    asked: set[str] = set()
    out: list[dict[str, Any] | None] = []
    for frame in frames:
        question = None
        for line in reversed(frame.caption.splitlines()):  # a tangent's line is the last
            symbol = line.split(" = ")[0]
            b = blanks.get(symbol)
            if b is None or symbol in asked or not np.isfinite(b.truth):
                continue
            asked.add(symbol)
            paths = [[f"{MISTAKES[m]} ({detail})", float(n)]
                     for m, n, detail in b.wrong_paths(truth)
                     if np.ndim(n) == 0 and np.isfinite(n)]
            question = {"ask": symbol, "answer": float(b.truth), "paths": paths}
            break
        out.append(question)
    return out
