"""``NAME=VALUE`` text as typed on the command line and in graph files: numbers, lists,
ranges (``phi0=-5:5:101``) and value lists (``phi1=0.5,1,2``).

The command line wraps these in ``click.ParamType``s (:mod:`graphviz_ad.cli.params`);
graph files' ``[[plots]]`` tables use them directly.  Nothing is ever eval'd: numbers go
through ``float``, lists through ``json``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from .data import as_array
from .errors import GraphvizAdError
from .names import as_name

#: most points along one axis of a range (curves, surfaces)
MAX_COUNT = 2001


def parse_assignment(text: str, option: str = "--at") -> tuple[str, str]:
    """``"x=0.5"`` → ``("x", "0.5")`` with a clear error for anything else.

    >>> parse_assignment("phi0 = -5:5")
    ('phi0', '-5:5')
    """
    name, eq, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not eq or not name or not value:
        raise GraphvizAdError(f"{option} {text!r}: expected NAME=VALUE, e.g. {option} x=0.5")
    plain = as_name(name)  # a name as the language reads it: β0, λ too
    if plain is None:
        raise GraphvizAdError(f"{option} {text!r}: {name!r} is not a valid input name")
    return plain, value


def parse_number(text: str, where: str) -> float:
    """A finite float from user text, or one clear error naming where it came from."""
    try:
        value = float(text)
    except ValueError:
        raise GraphvizAdError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise GraphvizAdError(f"{where}: {text!r} is not a finite number (nan and inf are "
                              "not inputs)")
    return value


def parse_value(text: str, where: str, name: str = "value") -> Any:
    """A number, or a JSON-style list such as ``[1, 2, 3]`` (``[[1, 2], [3, 4]]`` for a
    matrix) as a numpy array."""
    if not text.startswith("["):
        return parse_number(text, where)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise GraphvizAdError(f"{where}: {text!r} is not a list of numbers such as "
                              "[1, 2.5, -3]") from None
    return as_array(name, value, where)


def parse_range(text: str, default_count: int, option: str) -> tuple[str, np.ndarray]:
    """``phi0=-5:5:101`` → ("phi0", 101 evenly spaced values from −5 to 5).

    >>> name, values = parse_range("phi0=-1:1:5", 101, "--over")
    >>> name, values.tolist()
    ('phi0', [-1.0, -0.5, 0.0, 0.5, 1.0])
    """
    name, spec = parse_assignment(text, option)
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise GraphvizAdError(f"{option} {text!r}: expected NAME=LOW:HIGH[:COUNT], "
                              f"e.g. {option} {name}=-5:5:101")
    low, high = (parse_number(p, f"{option} {text}") for p in parts[:2])
    count = default_count
    if len(parts) == 3:
        try:
            count = int(parts[2])
        except ValueError:
            raise GraphvizAdError(f"{option} {text!r}: COUNT must be an integer") from None
    if not low < high:
        raise GraphvizAdError(f"{option} {text!r}: need finite LOW < HIGH")
    if not 2 <= count <= MAX_COUNT:
        raise GraphvizAdError(f"{option} {text!r}: COUNT must be between 2 and {MAX_COUNT}")
    return name, np.linspace(low, high, count)


def parse_values(text: str, option: str) -> tuple[str, list[float]]:
    """``phi1=0.5,1,2`` → ("phi1", [0.5, 1.0, 2.0])."""
    name, spec = parse_assignment(text, option)
    values = [parse_number(p.strip(), f"{option} {text}") for p in spec.split(",") if p.strip()]
    if not values:
        raise GraphvizAdError(f"{option} {text!r}: expected NAME=V1,V2,…")
    return name, values


def parse_point(text: str, option: str) -> tuple[str, float]:
    """``phi0=-2.5`` → ("phi0", -2.5): one number for one name."""
    name, value = parse_assignment(text, option)
    return name, parse_number(value, f"{option} {text}")
