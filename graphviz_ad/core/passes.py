"""Run the pass(es) a mode names, once per ``wrt`` (forward) or ``of`` (reverse).

The one meaning of several names, shared by ``trace`` and ``render``: forward mode runs
one pass per input in ``wrt``, reverse mode one pass per output in ``of``, ``both`` the
forward passes then the reverse ones; ``evaluate`` runs once.  ``wrt`` restricts reverse
mode to the inputs named, and data inputs get no adjoint steps unless named.

>>> import graphviz_ad as ad
>>> G = ad.parse("y = x*w")
>>> [(str(t.mode), t.wrt) for t in run_passes(G, {"x": 2.0, "w": 3.0}, "forward", wrt=["x", "w"])]
[('forward', 'x'), ('forward', 'w')]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import networkx as nx

from .autodiff import Inputs, evaluate, forward_mode, reverse_mode
from .errors import GraphvizAdError
from .modes import Mode
from .program import program_of
from .shapes import element_limit
from .trace import Trace


def names_or_setting(given: Sequence[str], setting: Any) -> list[str]:
    """The ``wrt``/``of`` names given, else a graph file's setting (one name or a list)."""
    if given:
        return list(given)
    if isinstance(setting, str):
        return [setting]
    return [str(n) for n in setting] if isinstance(setting, list) else []


def pass_modes(mode: str) -> list[Mode]:
    """The passes a mode runs, in order: ``both`` is forward then reverse."""
    try:
        return list(Mode(mode).passes())
    except ValueError:
        raise GraphvizAdError(f"mode {mode!r}: choose one of {', '.join(Mode)}") from None


def run_passes(G: nx.DiGraph, inputs: Inputs, mode: str, *, wrt: Sequence[str] = (),
               of: Sequence[str] = (), direction: Any = None,
               data: Collection[str] = (),
               max_elements: int | None = None) -> list[Trace]:
    """The traces of ``mode`` over ``G``: one forward pass per ``wrt`` name (the default
    input when none), one reverse pass per ``of`` name (the first output when none).
    ``direction`` seeds a forward pass's tangent of its input or a reverse pass's adjoint
    of its output, so it needs a single pass of that kind.

    ``wrt`` also restricts reverse mode to the named inputs (only steps on their paths,
    as ``reverse_mode(wrt=…)``); without it, the inputs named in ``data`` (a graph file's
    ``[data]``, ``--data``) get no adjoint steps, nor are they forward mode's default.
    ``max_elements`` bounds every array (default: the limit in force, see
    :func:`~graphviz_ad.core.shapes.element_limit`)."""
    if max_elements is not None:
        with element_limit(max_elements):
            return run_passes(G, inputs, mode, wrt=wrt, of=of, direction=direction,
                              data=data)
    traces: list[Trace] = []
    parameters = [n for n in program_of(G).inputs if n not in set(data)]
    restrict = list(wrt) or (parameters if data and parameters else None)
    for each in pass_modes(mode):
        default: str | None = parameters[0] if each == Mode.FORWARD and data and parameters \
            else None
        names: Sequence[str | None] = {Mode.FORWARD: wrt, Mode.REVERSE: of}.get(each, ()) or [
            default]
        if direction is not None and len(names) > 1:
            option = "--wrt" if each == Mode.FORWARD else "--of"
            raise GraphvizAdError(f"--direction has one input's (output's) shape: give one "
                                  f"{option} with it (got {', '.join(map(str, names))})")
        for name in names:
            if each == Mode.FORWARD:
                traces.append(forward_mode(G, inputs, wrt=name, seed=direction))
            elif each == Mode.REVERSE:
                traces.append(reverse_mode(G, inputs, of=name, seed=direction, wrt=restrict))
            else:
                traces.append(evaluate(G, inputs))
    return traces
