"""Text from graph files and rosters (titles, names, descriptions) escaped for each output
it reaches: one helper per output kind.  HTML uses :func:`html.escape`; LaTeX prose
:func:`graphviz_ad.teach.worksheet.tex` (with :func:`one_line` for titles).

>>> csv_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> markdown_text("<script>x</script> [a](javascript:b)")
'&lt;script&gt;x&lt;/script&gt; \\\\[a\\\\](javascript:b)'
"""

from __future__ import annotations

import re

from ..core.errors import visible

__all__ = ["csv_cell", "markdown_text", "one_line", "terminal_text"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}|#!~])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_text(text: str) -> str:
    """Control characters, bidi overrides and line separators shown as escapes."""
    return visible(text)


def one_line(text: str) -> str:
    """Line breaks (also U+2028/U+2029, and blank lines) as single spaces: a title or a
    name is one line in every output."""
    return " ".join(re.split(r"[\s\u2028\u2029]+", text)).strip()


def markdown_text(text: str) -> str:
    """Prose for Markdown: no raw HTML (``<``, ``>``, ``&`` as entities), no link, image,
    emphasis or table syntax (backslash-escaped), control characters shown as escapes."""
    text = visible(text, keep="\n").replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def csv_cell(text: str) -> str:
    """A spreadsheet cell that is never a formula: text starting with ``= + - @`` (or a
    tab or carriage return) gets a leading ``'``; numbers are left as they are."""
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
