"""SVG frames: layout once + slot filling vs one ``dot -Tsvg`` call per frame.

A synthetic 30-operation DAG with three-line labels is animated over 60 steps
(forward pass: values appear; reverse pass: adjoints appear, edges light up).
Both approaches run in the same process on the same frames; the best of several
repetitions is reported, plus the ratio (the target is >= 20x).

    python benchmarks/bench_frames.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphviz_ad.draw.graphviz_run import run_graphviz  # noqa: E402
from graphviz_ad.draw.template import SlotDot, SvgTemplate, compose_frames  # noqa: E402

OPS = ["sin", "cos", "exp", "mul", "add", "div", "sub", "log"]
PALETTE = {"idle": "#ffffff", "active": "#ffd54f", "done": "#c8e6c9", "adjoint": "#90caf9",
           "edge": "#9e9e9e", "hot": "#d32f2f", "border": "#424242"}


def synthetic_graph(n_ops: int = 30, seed: int = 1) -> list[tuple[str, str, list[str]]]:
    """(name, op, argument names) for ``n_ops`` operations over three inputs."""
    rng = random.Random(seed)
    nodes: list[tuple[str, str, list[str]]] = [(f"x{i}", "input", []) for i in (1, 2, 3)]
    for i in range(1, n_ops + 1):
        op = rng.choice(OPS)
        pool = [n for n, _, _ in nodes[-8:]]
        args = rng.sample(pool, 1 if op in ("sin", "cos", "exp", "log") else 2)
        nodes.append((f"f{i}", op, args))
    return nodes


def frame_states(nodes: list[tuple[str, str, list[str]]], n_steps: int) -> list[dict[str, str]]:
    """Per-frame slot values: node colours/texts, edge colours/labels."""
    rng = random.Random(2)
    state: dict[str, str] = {}
    frames = []
    order = [n for n in nodes if n[1] != "input"]
    for step in range(n_steps):
        name, op, args = order[step % len(order)] if step < len(order) else order[::-1][
            (step - len(order)) % len(order)]
        forward = step < len(order)
        for key in [k for k, v in state.items() if v == PALETTE["active"]]:
            state[key] = PALETTE["done"] if forward else PALETTE["adjoint"]
        state[f"{name}.fill"] = PALETTE["active"]
        if forward:
            state[f"{name}.value"] = f"value = {rng.uniform(-50, 50):.4f}"
        else:
            state[f"{name}.adjoint"] = f"adjoint = {rng.uniform(-50, 50):.4f}"
            for a in args:
                state[f"{a}->{name}.color"] = PALETTE["hot"]
                state[f"{a}->{name}.label"] = f"∂/∂{a} = {rng.uniform(-9, 9):.3f}"
        frames.append(dict(state))
    return frames


def build_template_dot(nodes: list[tuple[str, str, list[str]]]) -> tuple[str, SlotDot]:
    """The DOT with slots: values/adjoints reserve room for the widest text."""
    slots = SlotDot()
    value_variants = ["value = ?", "value = −00.0000"]
    adj_variants = ["adjoint = ?", "adjoint = −00.0000"]
    lines = ['digraph G { rankdir=TB; node [id="n_\\N", shape=box, style="rounded,filled", '
             'fontname="DejaVu Sans"]; edge [id="e_\\T_\\H", fontname="DejaVu Sans"];']
    for name, op, args in nodes:
        fill = slots.color(f"{name}.fill", PALETTE["idle"])
        head = f"{name} = {op}({', '.join(args)})" if args else name
        label = slots.label(f"n_{name}", [head, (f"{name}.value", value_variants),
                                          (f"{name}.adjoint", adj_variants)])
        lines.append(f'{name} [fillcolor="{fill}", color="{PALETTE["border"]}", label={label}];')
        for a in args:
            col = slots.color(f"{a}->{name}.color", PALETTE["edge"])
            lab = slots.label(f"e_{a}_{name}", [(f"{a}->{name}.label", ["", f"∂/∂{a} = −0.000"])])
            lines.append(f'{a} -> {name} [color="{col}", fontcolor="{col}", label={lab}];')
    lines.append("}")
    return "\n".join(lines), slots


def baseline_dot(nodes: list[tuple[str, str, list[str]]], state: dict[str, str]) -> str:
    """One frame as its own DOT graph, values written straight into the labels."""
    lines = ['digraph G { rankdir=TB; node [id="n_\\N", shape=box, style="rounded,filled", '
             'fontname="DejaVu Sans"]; edge [fontname="DejaVu Sans"];']
    for name, op, args in nodes:
        head = f"{name} = {op}({', '.join(args)})" if args else name
        label = "\\n".join([head, state.get(f"{name}.value", "value = ?"),
                            state.get(f"{name}.adjoint", "adjoint = ?")])
        fill = state.get(f"{name}.fill", PALETTE["idle"])
        lines.append(f'{name} [fillcolor="{fill}", color="{PALETTE["border"]}", label="{label}"];')
        for a in args:
            col = state.get(f"{a}->{name}.color", PALETTE["edge"])
            lab = state.get(f"{a}->{name}.label", "")
            lines.append(f'{a} -> {name} [color="{col}", fontcolor="{col}", label="{lab}"];')
    lines.append("}")
    return "\n".join(lines)


def captions_for(n: int) -> list[str]:
    return [f"step {i + 1}: ∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3 = 1·23.85 + 1·(−1.00)"
            for i in range(n)]


def template_frames(nodes, states):  # -> list[Frame]
    dot, slots = build_template_dot(nodes)
    tpl = SvgTemplate.layout(dot, slots)
    return compose_frames(tpl, states, captions_for(len(states)), title="Reverse mode")


def baseline_frames(nodes, states) -> list[bytes]:
    return [run_graphviz(baseline_dot(nodes, s), "svg").output for s in states]


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 ops, 20 steps, 2 repetitions")
    opts = parser.parse_args(argv)
    n_ops, n_steps, repeat = (10, 20, 2) if opts.quick else (30, 60, 5)
    nodes = synthetic_graph(n_ops)
    states = frame_states(nodes, n_steps)
    fast = best_of(lambda: template_frames(nodes, states), repeat)
    slow = best_of(lambda: baseline_frames(nodes, states), max(1, repeat // 2))
    print(f"SVG frames, {n_ops} ops x {n_steps} steps: dot per frame {slow * 1000:.0f} ms | "
          f"layout once + fill {fast * 1000:.0f} ms | {slow / fast:.1f}x faster")


if __name__ == "__main__":
    main()
