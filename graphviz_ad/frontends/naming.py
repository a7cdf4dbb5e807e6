"""The names a running function gives its values: the targets of its assignments.

While :class:`BindingWatcher` is active, ``sys.settrace`` reports each line executed in the
watched source files (the traced function's own file: its helpers too, never numpy's or
graphviz-ad's code).  Before each line and at each return, the frame's locals are compared
with what they held before the previous line: a name now holding a different object was just
bound, and ``on_bind(name, value)`` is told.  This reads the names from the running code
itself, so a loop (``h = tanh(h @ W)`` three times) gives ``h``, ``h⁽²⁾``, ``h⁽³⁾``, tuple
unpacking and augmented assignment work, and nothing in the user's code is rewritten.  The
snapshots hold the values themselves, so an object's ``id`` cannot be reused unnoticed.

A debugger or coverage tool's own trace function is paused while the watcher runs and put
back afterwards.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any


class BindingWatcher:
    """A context manager calling ``on_bind(name, value)`` for each local variable bound in a
    frame whose code lives in one of ``files``, for values ``wanted(value)`` accepts."""

    def __init__(self, files: Iterable[str], on_bind: Callable[[str, Any], None],
                 wanted: Callable[[Any], bool]) -> None:
        self.files = set(files)
        self.on_bind, self.wanted = on_bind, wanted
        self.seen: dict[FrameType, dict[str, Any]] = {}
        self.previous: Any = None

    def __enter__(self) -> BindingWatcher:
        self.previous = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self.previous)
        self.seen.clear()

    def _call(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event != "call" or frame.f_code.co_filename not in self.files:
            return None
        self.seen[frame] = self._wanted(frame)  # parameters are not bindings
        return self._line

    def _wanted(self, frame: FrameType) -> dict[str, Any]:
        return {k: v for k, v in frame.f_locals.items() if self.wanted(v)}

    def _line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event in ("line", "return"):
            before = self.seen.get(frame, {})
            now = self._wanted(frame)
            for name, value in now.items():
                if before.get(name) is not value:
                    self.on_bind(name, value)
            if event == "return":
                self.seen.pop(frame, None)
            else:
                self.seen[frame] = now
        return self._line


def user_frame(files: set[str], depth: int = 2) -> FrameType | None:
    """The innermost frame running code from ``files`` (the line a traced call came from)."""
    frame: FrameType | None = sys._getframe(depth)
    while frame is not None and frame.f_code.co_filename not in files:
        frame = frame.f_back
    return frame


def position(frame: FrameType) -> tuple[int, int]:
    """``(line, column)`` (1-based) of the instruction the frame is running."""
    positions = list(frame.f_code.co_positions())
    index = frame.f_lasti // 2
    if 0 <= index < len(positions):
        line, _, column, _ = positions[index]
        if line is not None:
            return line, (column or 0) + 1
    return frame.f_lineno, 1
