"""The command line's value types: each turns typed text into a value or one clear line
(click reports it as a usage error: exit 2, no traceback)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

from ..core import assignments
from ..core.errors import GraphvizAdError
from .messages import BadInput


class _Text(click.ParamType):
    """A ParamType whose parsing is a library function raising GraphvizAdError."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        if not isinstance(value, str):  # a default, or already converted
            return value
        try:
            return self.parse(value, _flag(param))
        except GraphvizAdError as err:
            raise BadInput(str(err)) from None

    parse: Any  # each subclass: parse(text, option) -> value, raising GraphvizAdError


def _flag(param: click.Parameter | None) -> str:
    if isinstance(param, click.Option) and param.opts:
        return max(param.opts, key=len)
    return param.name if param is not None and param.name else "value"


class Assignment(_Text):
    """``NAME=VALUE``: VALUE a number or a list ``[1, 2, 3]`` → ``(name, value)``."""

    name = "assignment"

    def parse(self, text: str, option: str) -> tuple[str, Any]:
        name, value = assignments.parse_assignment(text, option)
        return name, assignments.parse_value(value, f"{option} {text}", name)


class Point(_Text):
    """``NAME=NUMBER`` → ``(name, number)``."""

    name = "point"

    def parse(self, text: str, option: str) -> tuple[str, float]:
        return assignments.parse_point(text, option)


class RangeParam(_Text):
    """``NAME=LOW:HIGH[:COUNT]`` → ``(name, COUNT evenly spaced values)``."""

    name = "range"

    def __init__(self, default_count: int) -> None:
        self.default_count = default_count

    def parse(self, text: str, option: str) -> Any:
        return assignments.parse_range(text, self.default_count, option)


class ValueList(_Text):
    """``NAME=V1,V2,…`` → ``(name, [v1, v2, …])``."""

    name = "values"

    def parse(self, text: str, option: str) -> tuple[str, list[float]]:
        return assignments.parse_values(text, option)


class Slide(_Text):
    """``W:H`` (also ``WxH``), validated as every drawing validates it → the text."""

    name = "slide"

    def parse(self, text: str, option: str) -> str:
        from ..draw.writers import slide_canvas  # deferred: the writers import PIL

        slide_canvas(text)
        return text


class Formats(_Text):
    """A comma list of the given formats → the list, in order, without repeats."""

    name = "formats"

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = list(choices)

    def parse(self, text: str, option: str) -> list[str]:
        names = [part.strip().lower() for part in text.split(",") if part.strip()]
        if not names:
            raise GraphvizAdError(f"{option} needs at least one of: {', '.join(self.choices)}")
        for name in names:
            if name not in self.choices:
                raise GraphvizAdError(f"{option}: unknown format {name!r}; "
                                      f"choose from {', '.join(self.choices)}")
        return list(dict.fromkeys(names))


class Descent(_Text):
    """The deprecated ``gd:lr=RATE,steps=N`` spelling → ``(lr, steps)``, None for a part
    left out (the plot's defaults then apply)."""

    name = "descent"

    def parse(self, text: str, option: str) -> tuple[float | None, int | None]:
        kind, _, rest = text.partition(":")
        settings: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in rest.split(","))):
            key, eq, value = item.partition("=")
            if key not in ("lr", "steps") or not eq:
                raise GraphvizAdError(f"{option} {text!r}: expected gd:lr=RATE,steps=N")
            settings[key] = value
        if kind.strip() != "gd":
            raise GraphvizAdError(f"{option} {text!r}: expected gd:lr=RATE,steps=N")
        lr = settings.get("lr")
        steps = settings.get("steps")
        if steps is not None and not steps.strip().isdigit():
            raise GraphvizAdError(f"{option} {text!r}: steps must be an integer")
        return (None if lr is None else assignments.parse_number(lr, f"{option} {text}"),
                None if steps is None else int(steps))


class PerAxis(_Text):
    """``N`` or ``N,M`` (also ``NxM``): an integer, or one per axis → a list of ints."""

    name = "per-axis"

    def parse(self, text: str, option: str) -> list[int | None]:
        try:
            return [int(part) for part in text.replace("x", ",").split(",")]
        except ValueError:
            raise GraphvizAdError(f"{option} needs an integer (or one per axis), got "
                                  f"{text!r}") from None
