"""SVG frames of a derivative animation: layout once + fill vs one ``dot`` call per frame.

The graph is a generated 30-operation program; ``--mode both`` (forward then reverse
on one layout) gives about 60 steps.  Ours: graphviz_ad's own renderer
(DerivativeFrames: one Graphviz layout, then slot filling).  Baseline: the same
frames, each written as its own DOT (the renderer's plain DOT of that frame) and
laid out by its own ``dot -Tsvg`` call.  Same run, best of several repetitions;
the target ratio is >= 20x.

    python benchmarks/bench_frames.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from graphviz_ad.core.program import program_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import best  # noqa: E402

import graphviz_ad as ad  # noqa: E402
from graphviz_ad.draw import derivatives  # noqa: E402
from graphviz_ad.draw.derivatives import DerivativeFrames  # noqa: E402
from graphviz_ad.draw.graphviz_run import run_graphviz  # noqa: E402

UNARY = ["sin", "cos", "exp", "tanh", "sigmoid"]


def program(operations: int = 30, seed: int = 1) -> str:
    """A random program of exactly ``operations`` operations over three inputs in which
    every value is used, so the output depends on every node: forward and reverse mode
    then take one step per operation each (about 60 frames for 30 operations)."""
    rng = random.Random(seed)
    names, lines, unused = ["x", "w", "b"], [], ["x", "w", "b"]
    while len(lines) + max(len(unused) - 1, 1) < operations:  # the last line: y = …
        a = unused.pop(0) if unused else rng.choice(names[-6:])
        if rng.random() < 0.3:
            expr = f"{rng.choice(UNARY)}({a})"
        else:
            b = unused.pop(0) if unused else rng.choice([n for n in names[-6:] if n != a])
            expr = f"{a} {rng.choice('*+-')} {b}"
        name = f"v{len(lines)}"
        lines.append(f"{name} = {expr}")
        names.append(name)
        unused.append(name)
    lines.append("y = " + (" + ".join(unused) if len(unused) > 1 else f"2*{unused[0]}"))
    return "\n".join(lines)


def builder(operations: int = 30) -> DerivativeFrames:
    G = ad.parse(program(operations))
    inputs = {name: 0.1 * (i + 1) for i, name in enumerate(program_of(G).inputs)}
    return DerivativeFrames([ad.forward_mode(G, inputs), ad.reverse_mode(G, inputs)])


def shared_weight(uses: int = 30) -> DerivativeFrames:
    """A 30-operation program with one weight ``w`` used by every operation: its adjoint
    is a 30-term fan-in sum (collapsed to "Σ of 30 terms" in the node)."""
    lines = [f"v{i} = sin(w*{i + 1})" for i in range(uses)]
    G = ad.parse("\n".join(lines) + "\ny = " + " + ".join(f"v{i}" for i in range(uses)))
    return DerivativeFrames([ad.forward_mode(G, {"w": 0.3}), ad.reverse_mode(G, {"w": 0.3})])


def ours(frames: DerivativeFrames, aspect: float | None = None):
    return frames.frames(aspect=aspect)


def baseline_svgs(frames: DerivativeFrames) -> list[bytes]:
    return [run_graphviz(frames.dot(state=s), "svg").output for s in frames.states]


def slide_search(operations: int = 12) -> tuple[float, float]:
    """Slide frames (16:9) of a program of ``operations`` operations: the full layout
    search (both directions, two spacings, one to three rows) against one row only, the
    search before wrapping existed (seconds, best of three each)."""
    G = ad.parse(program(operations))
    inputs = {name: 0.1 * (i + 1) for i, name in enumerate(program_of(G).inputs)}
    traces = [ad.reverse_mode(G, inputs)]

    def run() -> None:
        DerivativeFrames(traces, compact=True).frames(aspect=16 / 9, view="whole")

    full = best(run, 3)
    saved = derivatives.WRAPS
    derivatives.WRAPS = (1,)
    try:
        one_row = best(run, 3)
    finally:
        derivatives.WRAPS = saved
    return full, one_row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 operations, 2 repetitions")
    opts = parser.parse_args(argv)
    n_ops, repeat = (10, 2) if opts.quick else (30, 5)
    frames = builder(n_ops)
    fast = best(lambda: ours(frames), repeat)
    slow = best(lambda: baseline_svgs(frames), max(1, repeat // 2))
    print(f"| SVG frames, {n_ops} ops, {len(frames.states)} frames | dot per frame "
          f"{slow * 1000:.0f} ms | layout once + fill {fast * 1000:.0f} ms | "
          f"{slow / fast:.1f}x (target >= 20x) {'OK' if slow / fast >= 20 else 'MISSED'} |")
    shared = shared_weight(n_ops)
    layout = best(lambda: shared.layout(16 / 9), repeat)
    every = best(lambda: ours(shared), repeat)
    print(f"| one weight shared {n_ops} times, {len(shared.states)} frames | layout "
          f"{layout * 1000:.0f} ms (target < 1 s) {'OK' if layout < 1 else 'MISSED'} | layout + "
          f"every frame {every * 1000:.0f} ms |")
    full, one_row = slide_search()
    print(f"| slide frames, 12 ops, whole | layout search with wrapping {full * 1000:.0f} ms | "
          f"one row only {one_row * 1000:.0f} ms | {full / one_row:.1f}x the time |")


if __name__ == "__main__":
    main()
