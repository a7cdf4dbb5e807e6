"""The tests' oracle for graphviz_ad.core.parse: lark's LALR(1) parser generated from
language.lark (tests/parser_oracle/, by its build_standalone.py) driving the same builder.
parse.py's hand-written parser must give the same graphs and, for bad source, the same kind
of error at the same place."""

from __future__ import annotations

import networkx as nx
from parser_oracle import _parser_standalone as lalr

from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.core.parse import MAX_SOURCE_CHARS, _Builder, finish
from graphviz_ad.core.parse_tokens import unexpected_token


class _Separators:
    """Post-lexer: newlines inside (...) or [...] continue the statement, as in Python,
    and runs of separators (blank lines, ``;;``) count as one."""

    always_accept = ("_NEWLINE", "SEMICOLON")

    def process(self, stream):
        depth, after_separator = 0, True
        for tok in stream:
            if tok.type in ("LPAR", "LSQB"):
                depth += 1
            elif tok.type in ("RPAR", "RSQB"):
                depth = max(0, depth - 1)
            elif tok.type in ("_NEWLINE", "SEMICOLON"):
                if (tok.type == "_NEWLINE" and depth) or after_separator:
                    continue
                after_separator = True
                yield tok
                continue
            after_separator = False
            yield tok


def _at(tok) -> tuple[int, int]:
    return (tok.line, tok.column)


class _Dispatch(lalr.Transformer):
    """lark's inline transformer, forwarding each reduction to the builder's callback."""

    def __init__(self, b: _Builder) -> None:
        self.b = b

    def number(self, c):
        return self.b.number(str(c[0]), _at(c[0]))

    def name(self, c):
        return self.b.name(str(c[0]), _at(c[0]))

    def call(self, c):
        return self.b.call(str(c[0]), _at(c[0]), c[1])

    def args(self, c):
        return list(c)

    def tuple(self, c):
        return self.b.tuple_([x for x in c if not isinstance(x, lalr.Token)], _at(c[0]))

    def kwarg(self, c):
        return self.b.kwarg(str(c[0]), c[1], _at(c[0]))

    def add(self, c):
        return self.b.add(c[0], c[1])

    def sub(self, c):
        return self.b.sub(c[0], c[1])

    def mul(self, c):
        return self.b.mul(c[0], c[1])

    def div(self, c):
        return self.b.div(c[0], c[1])

    def pow(self, c):
        return self.b.pow(c[0], c[2])

    def matmul(self, c):
        return self.b.matmul(c[0], c[2], _at(c[1]))

    def attribute(self, c):
        return self.b.attribute(c[0], _at(c[1]), str(c[2]), _at(c[2]))

    def neg(self, c):
        return self.b.neg(c[0])

    def pos(self, c):
        return self.b.pos_(c[0])

    def index(self, c):
        return self.b.index(c[0], c[1])

    def assign(self, c):
        return self.b.assign(str(c[0]), _at(c[0]), c[1])

    def augassign(self, c):
        return self.b.augassign(str(c[0]), _at(c[0]), str(c[1]), c[2])

    def bare(self, c):
        return self.b.bare(c[0])

    def program(self, c):
        return None


def oracle_parse(source: str) -> nx.DiGraph:
    """:func:`graphviz_ad.core.parse.parse` with lark's generated LALR parser."""
    if len(source) > MAX_SOURCE_CHARS:
        raise GraphvizAdError("source too large")
    b = _Builder(source, True)
    parser = lalr.Lark_StandAlone(transformer=_Dispatch(b), postlex=_Separators())
    try:
        parser.parse(source)
    except lalr.VisitError as err:
        if isinstance(err.orig_exc, GraphvizAdError):
            raise err.orig_exc from None
        raise
    except lalr.UnexpectedCharacters as err:
        raise unexpected_token(source, "BAD", source[err.pos_in_stream], err.line,
                          err.column) from None
    except lalr.UnexpectedEOF:
        raise unexpected_token(source, "$END", "", 1, 1) from None
    except lalr.UnexpectedToken as err:
        raise unexpected_token(source, err.token.type, str(err.token), err.line or 1,
                          err.column or 1) from None
    return finish(b, source)
