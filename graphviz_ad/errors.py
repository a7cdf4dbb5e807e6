"""The one exception type users see, with source positions rendered as a caret line."""

from __future__ import annotations


class GraphvizAdError(Exception):
    """A problem with user input or the environment, reported as one clear message.

    When ``source`` and a 1-based ``line``/``column`` are given, ``str(err)`` shows
    ``line:column: message`` followed by the offending source line and a caret.

    >>> print(GraphvizAdError("unknown function 'foo'", source="y = foo(x)", line=1, column=5))
    1:5: unknown function 'foo'
      y = foo(x)
          ^
    """

    def __init__(self, message: str, *, source: str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        super().__init__(self.format())

    def format(self) -> str:
        if self.line is None:
            return self.message
        where = f"{self.line}:{self.column}" if self.column is not None else f"line {self.line}"
        text = f"{where}: {self.message}"
        if self.source is not None:
            lines = self.source.splitlines()
            if 1 <= self.line <= len(lines):
                src_line = lines[self.line - 1].replace("\t", " ")
                if len(src_line) > 120:  # keep the caret line short for huge one-liners
                    start = max(0, (self.column or 1) - 60)
                    src_line = src_line[start:start + 120]
                    col = (self.column or 1) - start
                else:
                    col = self.column or 1
                text += f"\n  {src_line}\n  {' ' * (col - 1)}^"
        return text


class InputError(GraphvizAdError):
    """Bad values supplied for a graph's inputs (missing, unknown or non-numeric)."""


class RenderError(GraphvizAdError):
    """Graphviz or a raster/video backend failed or is missing."""
