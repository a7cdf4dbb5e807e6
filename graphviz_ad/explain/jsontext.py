"""JSON text exactly as ``json.dumps(value, indent=indent, ensure_ascii=False)`` writes it,
but fast when indented, and streamed: lists and objects may be given lazily.

The standard library falls back to its pure-Python encoder whenever ``indent`` is set
(about 1 µs per item); a 10,000-step trace is a million items.  This writer walks the
value once with strings escaped by the C escaper, and accepts an iterator for a list and
:class:`Entries` (an iterator of key/value pairs) for an object, so a report is written
item by item and the whole document never exists as Python dicts at once.

>>> json_text({"a": [1, 2.5, "∂"], "b": {}}, indent=2) == __import__("json").dumps(
...     {"a": [1, 2.5, "∂"], "b": {}}, indent=2, ensure_ascii=False)
True
>>> "".join(json_chunks({"steps": iter([{"i": 0}, {"i": 1}])}, indent=None))
'{"steps": [{"i": 0}, {"i": 1}]}'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from json.encoder import encode_basestring
from typing import Any


class Layout:
    """Where a container opens: what starts its first item's line (``first``), goes
    between items (``between``) and closes it (``last``), for an indent ``step`` (None:
    one line) and the line start ``pad`` it opens on.  :attr:`inner` is its items'."""

    __slots__ = ("step", "pad", "first", "between", "last")

    def __init__(self, step: str | None, pad: str | None) -> None:
        self.step, self.pad = step, pad
        self.first, self.between, self.last, _ = _separators(step, pad)

    @property
    def inner(self) -> Layout:
        return Layout(self.step, None if self.pad is None or self.step is None
                      else self.pad + self.step)


class Written:
    """A value whose text its maker writes: ``chunks(layout)`` gives it in pieces, as
    :func:`json_text` would write it opening at ``layout`` (see :func:`value_text`)."""

    __slots__ = ("chunks",)

    def __init__(self, chunks: Callable[[Layout], Iterable[str]]) -> None:
        self.chunks = chunks


def value_text(value: Any, at: Layout) -> str:
    """``value``'s JSON text written where a container would open at ``at``."""
    encode = _SCALARS.get(type(value))
    if encode is not None:
        return encode(value)
    out: list[str] = []
    _write(value, out, at.step, at.pad)
    return "".join(out)


class Entries:
    """An object's members given lazily: an iterable of ``(key, value)`` pairs."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[str, Any]]) -> None:
        self.pairs = pairs


class Member:
    """One member of a :class:`Record`: its ``key``, its value's JSON-ready form
    (``plain``), and ``writer(layout)``: a function writing its value's text where a
    container would open at ``layout`` (``value_text(plain(value), layout)``, fast).
    An ``optional`` member is left out when its value is None."""

    __slots__ = ("key", "plain", "writer", "optional")

    def __init__(self, key: str, plain: Callable[[Any], Any],
                 writer: Callable[[Layout], Callable[[Any], str]],
                 optional: bool = False) -> None:
        self.key, self.plain, self.writer, self.optional = key, plain, writer, optional


def string(key: str) -> Member:
    """A string member."""
    return Member(key, _same, lambda at: encode_basestring)


def integer(key: str) -> Member:
    """A whole-number member."""
    return Member(key, int, lambda at: int.__repr__)


def strings(key: str) -> Member:
    """A member listing strings (given as any sequence)."""
    def writer(at: Layout) -> Callable[[Any], str]:
        first, between, last = "[" + at.first, at.between, at.last + "]"
        return lambda value: (first + between.join(map(encode_basestring, value)) + last
                              if value else "[]")
    return Member(key, list, writer)


def plain(key: str, optional: bool = False) -> Member:
    """A member whose value is JSON-ready as it is (a dict, a list, a bool)."""
    return Member(key, _same, lambda at: lambda value: value_text(value, at), optional)


def records(key: str, record: Record) -> Member:
    """A member listing records of ``record``'s members, each given as its values."""
    def writer(at: Layout) -> Callable[[Any], str]:
        write = record.writer(at.inner)
        first, between, last = "[" + at.first, at.between, at.last + "]"
        return lambda values: (first + between.join(map(write, values)) + last
                               if values else "[]")
    return Member(key, lambda values: [record.to_dict(v) for v in values], writer)


class Record:
    """A JSON object of fixed members, described once: :meth:`to_dict` gives the dict
    that ``json.dumps`` writes, :meth:`writer` the same text written directly (no dict
    made, fast).  A record is given as its values, in the members' order; an optional
    member is left out when its value is None (a required one is never None).

    >>> point = Record([string("name"), integer("x"), plain("tags", optional=True)])
    >>> point.to_dict(("p", 3, None))
    {'name': 'p', 'x': 3}
    >>> point.writer(Layout("  ", "\\n"))(("p", 3, ["a"])) == __import__("json").dumps(
    ...     {"name": "p", "x": 3, "tags": ["a"]}, indent=2)
    True
    """

    __slots__ = ("members", "_writers")

    def __init__(self, members: Iterable[Member]) -> None:
        self.members = tuple(members)
        if not self.members or self.members[0].optional:
            raise ValueError("a record opens with a required member")
        self._writers: dict[tuple[str | None, str | None], Callable[[Sequence[Any]], str]] = {}

    def to_dict(self, values: Sequence[Any]) -> dict[str, Any]:
        """The record as a dict of JSON-ready values."""
        return {m.key: m.plain(v) for m, v in zip(self.members, values)
                if v is not None or not m.optional}

    def writer(self, at: Layout) -> Callable[[Sequence[Any]], str]:
        """A function writing a record's values as the object's text, opening at ``at``
        (what :func:`value_text` of :meth:`to_dict` gives)."""
        key = (at.step, at.pad)
        write = self._writers.get(key)
        if write is None:
            write = self._writers[key] = self._writer(at)
        return write

    def _writer(self, at: Layout) -> Callable[[Sequence[Any]], str]:
        """The writer: each member's head (its key, after the right separator) and text
        writer made once, so writing a record is one pass over its values."""
        inner = at.inner
        heads = [("{" + at.first if k == 0 else at.between) + encode_basestring(m.key) + ": "
                 for k, m in enumerate(self.members)]
        writers = [m.writer(inner) for m in self.members]
        close = at.last + "}"
        if not any(m.optional for m in self.members):
            members = list(zip(heads, writers))

            def write_all(v: Sequence[Any]) -> str:
                return "".join([h + w(x) for (h, w), x in zip(members, v)]) + close
            return write_all
        parts = list(zip(heads, writers, [m.optional for m in self.members]))

        def write(v: Sequence[Any]) -> str:
            return "".join([h + w(x) for (h, w, optional), x in zip(parts, v)
                            if x is not None or not optional]) + close
        return write


def _same(value: Any) -> Any:
    return value


def json_text(value: Any, indent: int | str | None = 2) -> str:
    """``value`` as JSON text, byte for byte what ``json.dumps(value, indent=indent,
    ensure_ascii=False)`` gives (:class:`Entries` and iterators written as objects and
    lists)."""
    return "".join(json_chunks(value, indent))


def json_chunks(value: Any, indent: int | str | None = 2) -> Iterator[str]:
    """:func:`json_text` in pieces: one per item of a lazy list or object (a report's
    node or step), so a caller can write them out as they come."""
    step = " " * indent if isinstance(indent, int) else indent
    pad = "\n" if step is not None else None
    if isinstance(value, dict) and step is not None:  # a document's top level
        return _lazy_object(value.items(), step, pad)
    return _chunks(value, step, pad)


def _chunks(value: Any, step: str | None, pad: str | None) -> Iterator[str]:
    if type(value) is Written:
        yield from value.chunks(Layout(step, pad))
    elif type(value) is not dict and isinstance(value, Entries):  # a report's entries are dicts
        yield from _lazy_object(value.pairs, step, pad)
    elif type(value) is not dict and isinstance(value, Iterator):
        yield from _lazy_list(value, step, pad)
    else:
        out: list[str] = []
        _write(value, out, step, pad)
        yield "".join(out)


def _separators(step: str | None, pad: str | None) -> tuple[str, str, str, str | None]:
    """What opens the first item's line, goes between items and closes a container,
    and the items' own line start."""
    if step is None or pad is None:
        return "", ", ", "", None
    inner = pad + step
    return inner, "," + inner, pad, inner


def _lazy_object(pairs: Iterable[tuple[Any, Any]], step: str | None,
                 pad: str | None) -> Iterator[str]:
    first, between, last, inner = _separators(step, pad)
    opening = "{" + first
    for key, value in pairs:
        yield f"{opening}{_key(key)}: "
        opening = between
        yield from _chunks(value, step, inner)
    yield "{}" if opening != between else last + "}"


def _lazy_list(items: Iterable[Any], step: str | None, pad: str | None) -> Iterator[str]:
    first, between, last, inner = _separators(step, pad)
    opening = "[" + first
    for value in items:
        yield opening
        opening = between
        yield from _chunks(value, step, inner)
    yield "[]" if opening != between else last + "]"


def _write(value: Any, out: list[str], step: str | None, pad: str | None) -> None:
    """Append ``value``'s JSON text to ``out``; ``pad`` is the current line's start
    (a newline and the indent), None on one line.  Recursion follows the value's
    nesting, which a report keeps shallow (an array's number of axes)."""
    encode = _SCALARS.get(type(value))
    if encode is not None:
        out.append(encode(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        first, between, last, inner = _separators(step, pad)
        opening = "{" + first
        for key, item in value.items():
            prefix = f"{opening}{encode_basestring(key) if type(key) is str else _key(key)}: "
            encode = _SCALARS.get(type(item))
            if encode is not None:
                out.append(prefix + encode(item))
            else:
                out.append(prefix)
                _write(item, out, step, inner)
            opening = between
        out.append(last + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        first, between, last, inner = _separators(step, pad)
        encode = _SCALARS.get(type(value[0]))
        if encode is not None and all(type(item) is type(value[0]) for item in value):
            out.append(f"[{first}{between.join(map(encode, value))}{last}]")  # one piece
            return
        opening = "[" + first
        for item in value:
            out.append(opening)
            opening = between
            _write(item, out, step, inner)
        out.append(last + "]")
    elif isinstance(value, (Entries, Iterator, Written)):
        out.extend(_chunks(value, step, pad))
    elif isinstance(value, str):  # subclasses of the JSON scalars (numpy's float64)
        out.append(encode_basestring(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    else:  # what json.dumps does with it: its TypeError
        out.append(json.dumps(value, ensure_ascii=False))


def _float(value: float) -> str:
    """A float as json writes it (``NaN``, ``Infinity`` for the non-finite)."""
    if value - value == 0.0:  # finite (inf − inf and nan − nan are nan)
        return float.__repr__(value)
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """An object key as json writes it: strings as they are, numbers, booleans and None
    as their JSON text in quotes."""
    if isinstance(key, str):
        return encode_basestring(key)
    if key is True or key is False or key is None:
        return encode_basestring(json.dumps(key))
    if isinstance(key, int):
        return encode_basestring(int.__repr__(key))
    if isinstance(key, float):
        return encode_basestring(_float(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


#: How each JSON scalar type is written (exact types: subclasses take the slow path).
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring, float: _float, int: int.__repr__,
    bool: lambda v: "true" if v else "false", type(None): lambda v: "null",
}
