"""The walk of :mod:`graphviz_ad.core.parse`: language.lark's ``program`` read token by token
with operator precedence and two explicit stacks (operands and pending operators), calling
the builder's grammar callbacks in exactly the order of the grammar's LALR reductions.  No
recursion: a 100,000-deep expression is read as easily as a shallow one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import GraphvizAdError, source_lines
from .ops import OPERATORS, PRIMITIVES
from .parse_tokens import NUMBER, TERMINALS, tokens, unexpected_token

if TYPE_CHECKING:
    from .parse import _Builder

# Binding strength as in language.lark, which is each op's display precedence: sum <
# product < unary minus < power (right associative; its exponent is a unary, so 2^-x is
# fine); postfix [i] and .T bind tightest.  Each binary operator: (strength, op, right
# associative); ** is a second spelling of ^.
_UNARY = PRIMITIVES["neg"].prec
_BINARY = {symbol: (PRIMITIVES[op].prec, op, PRIMITIVES[op].assoc == "right")
           for symbol, op in {**OPERATORS, "**": OPERATORS["^"]}.items()}
_AUGOPS = ("+=", "-=", "*=", "/=")
_STATEMENT_END = ("NL", ";", "END")
_BARRIER = (0, None, None)  # an open (, call( or [ on the operator stack


class _Group:
    """An open bracket: ``kind`` is "(", "call" or "["; a call collects its arguments."""

    __slots__ = ("kind", "name", "pos", "items", "keyword")

    def __init__(self, kind: str, name: str = "", pos: tuple[int, int] = (0, 0)) -> None:
        self.kind, self.name, self.pos = kind, name, pos
        self.items: list = []
        self.keyword: tuple[str, tuple[int, int]] | None = None


def walk(b: _Builder, source: str) -> None:
    """Parse ``source`` as language.lark's ``program``, calling ``b``'s callbacks."""
    _Walk(b, source).run()


class _Walk:
    """One parse: the token stream, the two stacks and where the walk is in a statement."""

    __slots__ = ("b", "source", "binary", "vals", "ops", "groups", "operand", "head",
                 "fresh", "pending", "target", "keyword_value", "closed_tuple", "next")

    def __init__(self, b: _Builder, source: str) -> None:
        self.b, self.source = b, source
        self.next = tokens(source).__next__
        self.binary = {k: (prec, getattr(b, op), right) for k, (prec, op, right) in _BINARY.items()}
        self.vals: list = []  # operand handles
        self.ops: list = [_BARRIER]  # (strength, callback, position) and barriers
        self.groups: list[_Group] = []
        self.operand = True  # expecting an operand (else an operator)
        self.head = True  # at a statement's or call argument's start: NAME = may follow
        self.fresh = True  # nothing of the current statement read yet (separators skipped)
        # the last atom, reduced once the token after it is known to fit
        self.pending: tuple[str, str, tuple[int, int]] | None = None
        self.target: tuple[str, str, tuple[int, int]] | None = None  # (augop or "", name, pos)
        self.keyword_value = False  # the token just read is the first of a keyword's value
        self.closed_tuple = False  # a keyword's tuple value just closed: "," or ")" must follow

    def unexpected(self, kind: str, text: str, line: int, column: int) -> GraphvizAdError:
        return unexpected_token(self.source, TERMINALS.get(kind, TERMINALS.get(text, "")),
                                text, line, column)

    def run(self) -> None:
        """The token loop.  The two commonest tokens are handled here (an atom where an
        operand may start, a binary operator after an operand); the rest in the methods
        below, by what the walk expects."""
        nxt, vals, ops, binary = self.next, self.vals, self.ops, self.binary
        name, number = self.b.name, self.b.number
        while True:
            kind, text, line, column = nxt()
            if self.operand:
                if kind == "NAME" or kind == "NUMBER":
                    self.pending = (kind, text, (line, column))
                    self.operand = self.fresh = self.keyword_value = False
                elif self.operand_token(kind, text, line, column):
                    return
                continue
            entry = binary.get(kind)
            if entry is None or self.closed_tuple:
                if self.operator_token(kind, text, line, column):
                    return
                continue
            pending = self.pending  # an atom before an operator is an operand
            if pending is not None:
                self.pending = None
                vals.append(name(pending[1], pending[2]) if pending[0] == "NAME"
                            else number(pending[1], pending[2]))
            self.head = False
            strength, callback, right = entry
            while ops[-1][0] > strength or (ops[-1][0] == strength and not right):
                _reduce(ops, vals)
            ops.append((strength, callback, (line, column)))
            self.operand = True

    # -- expecting an operand -------------------------------------------------------------
    def operand_token(self, kind: str, text: str, line: int, column: int) -> bool:
        """A token other than an atom where an operand may start; True at the end of the
        program."""
        ops, groups = self.ops, self.groups
        starts_value, self.keyword_value = self.keyword_value, False
        if kind == "(":
            ops.append(_BARRIER)  # "=" marks a group that may be a tuple: axis=(0, 1)
            groups.append(_Group("(", "=" if starts_value else "", (line, column)))
            self.head = self.fresh = False
        elif kind == "-" or kind == "+":
            ops.append((_UNARY, self.b.neg if kind == "-" else self.b.pos_, None))
            self.head = self.fresh = False
        elif kind == ")" and groups and groups[-1].kind == "call" and self.head \
                and not groups[-1].items and groups[-1].keyword is None:
            ops.pop()
            group = groups.pop()  # f(): a call without arguments
            self.vals.append(self.b.call(group.name, group.pos, None))
            self.operand = self.head = False
        elif kind == ")" and groups and groups[-1].kind == "(" and groups[-1].items:
            ops.pop()  # (0,) or (0, 1,): a tuple closed after its comma
            group = groups.pop()
            self.vals.append(self.b.tuple_(group.items, group.pos))
            self.operand, self.closed_tuple = False, True
        elif (self.fresh and (kind == "NL" or kind == ";")) or (kind == "NL" and groups):
            pass
        elif self.fresh and kind == "END":
            return True
        elif kind in ("+=", "-="):  # a unary + or -, then =
            raise self.unexpected("=", "=", line, column + 1)
        else:
            raise self.unexpected(kind, text, line, column)
        return False

    # -- expecting an operator ------------------------------------------------------------
    def operator_token(self, kind: str, text: str, line: int, column: int) -> bool:
        """A token other than a binary operator after an operand; True at the end of the
        program."""
        if self.closed_tuple:
            if kind == "NL" and self.groups:
                return False
            if kind != "," and kind != ")":
                raise self.unexpected(kind, text, line, column)
            self.closed_tuple = False
        if kind == "NAME" or kind == "NUMBER" or kind == "BAD":
            raise self.misplaced_atom(kind, text, line, column)
        if self.pending is not None and self.after_atom(kind, text, line, column):
            return False
        self.head = False
        if kind == "[":
            self.ops.append(_BARRIER)
            self.groups.append(_Group("["))
            self.operand = True
        elif kind == ".":
            kind2, text2, line2, column2 = self.next()
            if kind2 != "NAME":
                raise self.unexpected(kind2, text2, line2, column2)
            self.vals[-1] = self.b.attribute(self.vals[-1], (line, column), text2,
                                             (line2, column2))
        elif kind == ")" or kind == "]" or kind == ",":
            self.close(kind, text, line, column)
        elif kind == "NL" and self.groups:
            pass
        elif kind in _STATEMENT_END and not self.groups:
            return self.end_statement(kind)
        elif kind in _AUGOPS:  # an operator, then =
            raise self.unexpected("=", "=", line, column + 1)
        else:
            raise self.unexpected(kind, text, line, column)
        return False

    def misplaced_atom(self, kind: str, text: str, line: int, column: int) -> GraphvizAdError:
        """A name, number or stray character right after an operand."""
        if kind == "NUMBER" and text[0] == ".":  # x.5 is x . 5: the 5 is unexpected
            after = source_lines(self.source)[line - 1][column:]
            number = NUMBER.match(after)
            assert number is not None  # the digits after the dot
            return self.unexpected(kind, number.group(), line, column + 1)
        return self.unexpected(kind, text, line, column)

    def after_atom(self, kind: str, text: str, line: int, column: int) -> bool:
        """The token after a name or number: ``(`` opens a call and ``=`` or ``+=`` starts
        an assignment or a keyword's value (True: the token is taken); otherwise the atom
        becomes an operand."""
        assert self.pending is not None
        atom_kind, atom, pos = self.pending
        groups = self.groups
        if atom_kind == "NAME":
            if kind == "(":  # a call
                self.ops.append(_BARRIER)
                groups.append(_Group("call", atom, pos))
                self.pending, self.operand, self.head = None, True, True
                return True
            if self.head and kind == "=" and (not groups or groups[-1].kind == "call"):
                if groups:
                    groups[-1].keyword = (atom, pos)
                    self.keyword_value = True
                else:
                    self.target = ("", atom, pos)
                self.pending, self.operand, self.head = None, True, False
                return True
            if self.head and not groups and kind in _AUGOPS:
                self.target = (kind, atom, pos)
                self.pending, self.operand, self.head = None, True, False
                return True
        elif kind == "(":
            raise self.unexpected(kind, text, line, column)
        self.pending = None
        self.vals.append(self.b.name(atom, pos) if atom_kind == "NAME"
                         else self.b.number(atom, pos))
        return False

    def close(self, kind: str, text: str, line: int, column: int) -> None:
        """``)``, ``]`` or ``,``: end a group's item, and the group itself unless a comma."""
        ops, groups, vals, b = self.ops, self.groups, self.vals, self.b
        while ops[-1][0]:
            _reduce(ops, vals)
        if not groups or (groups[-1].kind == "[") != (kind == "]") or (
                kind == "," and groups[-1].kind == "[") or (
                kind == "," and groups[-1].kind == "(" and groups[-1].name != "="):
            raise self.unexpected(kind, text, line, column)
        group = groups[-1]
        if group.kind == "(" and (kind == "," or group.items):  # a tuple: (0, 1)
            group.items.append(vals.pop())
            if kind == ",":
                self.operand = True
                return
            vals.append(b.tuple_(group.items, group.pos))
            self.closed_tuple = True
        elif group.kind == "call":
            value = vals.pop()
            if group.keyword is not None:
                value = b.kwarg(group.keyword[0], value, group.keyword[1])
                group.keyword = None
            group.items.append(value)
            if kind == ",":
                self.operand = self.head = True
                return
            vals.append(b.call(group.name, group.pos, group.items))
        elif group.kind == "[":
            index = vals.pop()
            vals[-1] = b.index(vals[-1], index)
        ops.pop()
        groups.pop()

    def end_statement(self, kind: str) -> bool:
        """A statement's end: bind its value; True at the end of the program."""
        while self.ops[-1][0]:
            _reduce(self.ops, self.vals)
        handle, target = self.vals.pop(), self.target
        if target is None:
            self.b.bare(handle)
        elif target[0]:
            self.b.augassign(target[1], target[2], target[0], handle)
        else:
            self.b.assign(target[1], target[2], handle)
        if kind == "END":
            return True
        self.target, self.operand, self.head, self.fresh = None, True, True, True
        return False


def _reduce(ops: list, vals: list) -> None:
    """Apply the operator on top of the stack to its operands."""
    strength, callback, at = ops.pop()
    if strength == _UNARY:
        vals[-1] = callback(vals[-1], at)
    else:
        right = vals.pop()
        vals[-1] = callback(vals[-1], right, at)
