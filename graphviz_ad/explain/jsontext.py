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
from collections.abc import Callable, Iterable, Iterator
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
