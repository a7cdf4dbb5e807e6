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
            lines = source_lines(self.source)
            if 1 <= self.line <= len(lines):
                src_line = lines[self.line - 1]
                col = min(max(self.column or 1, 1), len(src_line) + 1)
                if len(src_line) > 120:  # keep the caret line short for huge one-liners
                    start = max(0, col - 60)
                    src_line, col = src_line[start:start + 120], col - start
                shown = visible(src_line.replace("\t", " "))
                caret = len(visible(src_line[:col - 1].replace("\t", " ")))
                text += f"\n  {shown}\n  {' ' * caret}^"
        return text


def source_lines(source: str) -> list[str]:
    """The lines of ``source`` as the parser counts them: only ``\\n`` ends a line (a lone
    CR, form feed, U+0085 or U+2028 does not), and a CR before it is dropped.

    >>> source_lines("a = 1\\r\\nb = a\\u2028c")
    ['a = 1', 'b = a\u2028c']
    """
    return [line.removesuffix("\r") for line in source.split("\n")]


_INVISIBLE = {*range(0x00, 0x20), *range(0x7F, 0xA0), 0x200E, 0x200F, *range(0x2028, 0x202F),
              *range(0x2066, 0x206A), 0xFEFF, 0xFFFE, 0xFFFF, *range(0xD800, 0xE000)}


def visible(text: str, keep: str = "") -> str:
    """``text`` with control characters, bidi overrides, line separators and lone
    surrogates written as escapes, so a terminal shows them instead of obeying them
    (characters in ``keep`` stay as they are).

    >>> visible("x\\x1b[31m\\u202e")
    'x\\\\x1b[31m\\\\u202e'
    """
    if text.isprintable() and not any(ord(ch) in _INVISIBLE for ch in text):
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch in keep or (code not in _INVISIBLE and (ch.isprintable() or ch == " ")):
            out.append(ch)
        else:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def quoted(value: object, limit: int = 40) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters.

    >>> quoted("abc"), quoted("x" * 50)
    ("'abc'", "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...")
    """
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class InputError(GraphvizAdError):
    """Bad values supplied for a graph's inputs (missing, unknown or non-numeric)."""


class RenderError(GraphvizAdError):
    """Graphviz or a raster/video backend failed or is missing."""
