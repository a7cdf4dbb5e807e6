"""The terminals of language.lark: the tokenizer of :mod:`graphviz_ad.core.parse`, and the
one clear message (with line, column and caret) for a token the grammar does not allow
where it is.

>>> [kind for kind, *_ in tokens("y = x**2  # c\\n")]
['NAME', '=', 'NAME', '**', 'NUMBER', 'NL', 'END']
>>> unexpected_token("y = 2(x)", "LPAR", "(", 1, 6).message
"unexpected '('; write 2*(…) for a product (there is no implicit multiplication)"
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator

from .errors import GraphvizAdError, source_lines

# -- the tokenizer: the terminals of language.lark, one regular expression ---------------
# Blanks before a token are skipped in the same match; comments, line continuations
# (backslash-newline) and separators are tokens of their own.  Any other character is
# "BAD" and becomes an error when the parser reaches it.
NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_TOKEN = re.compile(r"""[ \t\f]*(?:
    (?P<NUMBER>""" + NUMBER.pattern + r""")
  | (?P<NAME>(?:[^\W\d]|[\u1885\u1886\u2118\u212e])(?:\w|[^\x00-\x7f\s])*)
  | (?P<OP>\*\*|[-+*/]=|[-+*/^@.()\[\],;=])
  | (?P<NL>\r?\n)
  | (?P<SKIP>\#[^\n]*|\\\r?\n)
  | (?P<BAD>.)
  | (?P<END>\Z))""", re.VERBOSE | re.DOTALL)

# the terminal names of language.lark, for messages and the tests' oracle
TERMINALS = {"(": "LPAR", ")": "RPAR", "[": "LSQB", "]": "RSQB", ",": "COMMA", "=": "EQUAL",
             ";": "SEMICOLON", "^": "POW", "**": "POW", "@": "MATMUL", ".": "DOT",
             "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "+=": "AUGOP",
             "-=": "AUGOP", "*=": "AUGOP", "/=": "AUGOP", "NL": "_NEWLINE", "END": "$END",
             "NAME": "NAME", "NUMBER": "NUMBER", "BAD": "BAD"}


def tokens(source: str) -> Iterator[tuple[str, str, int, int]]:
    """``(kind, text, line, column)`` per token: kind is NUMBER, NAME, NL, BAD, END or
    the operator's own text.  Lines end only at ``\\n``, as in the error display."""
    line, line_start = 1, 0
    for m in _TOKEN.finditer(source):
        kind = m.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        if kind == "OP":
            text = m.group(kind)
            yield text, text, line, m.start(kind) - line_start + 1
        elif kind == "NAME" or kind == "NUMBER":
            yield kind, m.group(kind), line, m.start(kind) - line_start + 1
        elif kind == "NL":
            yield kind, m.group(kind), line, m.start(kind) - line_start + 1
            line, line_start = line + 1, m.end()
        elif kind == "SKIP":
            if m.group(kind)[0] == "\\":
                line, line_start = line + 1, m.end()
        elif kind == "BAD":
            yield kind, m.group(kind), line, m.start(kind) - line_start + 1
        else:
            yield "END", "", line, m.start(kind) - line_start + 1
            return


# What an unexpected token is called in messages, by its terminal name in language.lark
_TOKEN_NAMES = {
    "$END": "end of input", "_NEWLINE": "end of line", "NAME": "name", "NUMBER": "number",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','",
    "EQUAL": "'='", "SEMICOLON": "';'", "POW": "power operator", "AUGOP": "augmented assignment",
    "MATMUL": "'@'", "DOT": "'.'",
}
_PYTHON_HINT = re.compile(r"\b(" + "|".join(keyword.kwlist) + r")\b|__\w+__|[\"'`:{}$]")


def unexpected_token(source: str, terminal: str, text: str, line: int,
                column: int) -> GraphvizAdError:
    """One clear message for a token the grammar does not allow where it is (``terminal``
    is its name in language.lark, "BAD" for a character no terminal matches), naming
    Python constructs that are not part of the language."""
    if terminal == "$END":
        lines = source_lines(source.rstrip("\n")) or [""]
        line, column = len(lines), len(lines[-1]) + 1
        message = "unexpected end of input (unclosed parenthesis or missing operand?)"
    elif terminal == "BAD":
        message = f"unexpected character {text!r}"
    else:
        what = _TOKEN_NAMES.get(terminal, f"{text!r}")
        if terminal in ("NAME", "NUMBER"):
            what = f"{what} {text!r}"
        message = f"unexpected {what}"
        before = source_lines(source)[line - 1][:column - 1] if line >= 1 else ""
        if terminal in ("NAME", "LPAR") and re.search(r"[0-9.]$", before):
            number = re.search(r"[0-9.eE]+$", before).group(0)  # type: ignore[union-attr]
            factor = "(…)" if terminal == "LPAR" else text
            message += (f"; write {number}*{factor} for a product (there is no implicit "
                        "multiplication)")
    lines = source_lines(source)
    source_line = lines[line - 1] if line <= len(lines) else ""
    hint = _PYTHON_HINT.search(source_line)
    if hint and hint.start() <= column:
        message += (f"; {hint.group(0)!r} looks like Python, which is not part of the "
                    "expression language")
    return GraphvizAdError(message, source=source, line=line, column=column)
