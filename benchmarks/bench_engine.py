"""The engine against micrograd (and torch eager, when importable), issue 12 item 2.

One generated scalar workload, written in the ops both tools have (+ - * / ^const relu):
a list of statements, each a small expression in postfix over earlier results and three
inputs.  graphviz-ad gets it as source text and runs parse + reverse_mode (which
evaluates every node, then sweeps adjoints back to all inputs); micrograd builds its graph
by interpreting the same postfix lists (Value ops) and calls backward(); torch does the
same on 0-d tensors with requires_grad.  Times are the best of N wall-clock runs in this
one process; peak memory is tracemalloc's peak for one run of each tool at 100k ops,
measured the same way for both.

Run from the repository root:  python benchmarks/bench_engine.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best  # noqa: E402

import graphviz_ad as ad  # noqa: E402

INPUTS = {"x": 0.3, "w": -0.7, "b": 0.2}


def workload(operations: int, seed: int = 0) -> list[tuple[str, list]]:
    """About ``operations`` operations as statements ``(name, postfix)``; postfix items
    are ("load", name), ("const", number), ("pow", exponent) or an op: add sub mul div relu."""
    rng = random.Random(seed)
    names, statements, count = list(INPUTS), [], 0
    while count < operations:
        def pick():
            return ("load", rng.choice(names[-20:] if rng.random() < 0.8 else names))
        kind = rng.random()
        if kind < 0.35:  # a*b + c
            postfix = [pick(), pick(), ("mul",), pick(), ("add",)]
        elif kind < 0.6:  # relu(a - b) * k
            postfix = [pick(), pick(), ("sub",), ("relu",),
                       ("const", round(rng.uniform(0.5, 1.5), 3)), ("mul",)]
        elif kind < 0.85:  # a / (b^2 + k)
            postfix = [pick(), pick(), ("pow", 2), ("const", round(rng.uniform(1, 2), 3)),
                       ("add",), ("div",)]
        else:  # (a + b) * 0.5
            postfix = [pick(), pick(), ("add",), ("const", 0.5), ("mul",)]
        name = f"v{len(statements)}"
        statements.append((name, postfix))
        names.append(name)
        count += sum(1 for item in postfix if item[0] not in ("load", "const"))
    tail = [("load", n) for n in names[-5:]]
    postfix = tail[:1] + [item for t in tail[1:] for item in (t, ("add",))]
    statements.append(("y", postfix))
    return statements


_TEXT = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
_LEVEL = {"add": 1, "sub": 1, "mul": 2, "div": 2}


def source(statements: list[tuple[str, list]]) -> str:
    """The statements as graphviz-ad source text (parenthesised where the grammar needs)."""
    lines = []
    for name, postfix in statements:
        stack: list[tuple[str, int]] = []  # (text, binding level: 9 for atoms)
        for item in postfix:
            if item[0] == "load":
                stack.append((item[1], 9))
            elif item[0] == "const":
                stack.append((repr(item[1]), 9))
            elif item[0] == "relu":
                stack.append((f"relu({stack.pop()[0]})", 9))
            elif item[0] == "pow":
                base = stack.pop()
                stack.append((f"{base[0] if base[1] == 9 else f'({base[0]})'}^{item[1]}", 4))
            else:
                b, a = stack.pop(), stack.pop()
                level = _LEVEL[item[0]]
                left = a[0] if a[1] >= level else f"({a[0]})"
                right = b[0] if b[1] > level else f"({b[0]})"
                stack.append((f"{left} {_TEXT[item[0]]} {right}", level))
        lines.append(f"{name} = {stack.pop()[0]}")
    return "\n".join(lines)


def run_graphviz_ad(text: str) -> dict:
    G = ad.parse(text)
    trace = ad.reverse_mode(G, INPUTS, of="y", wrt=list(INPUTS))
    return trace.gradient()


def _interpret(statements, leaf, relu, setup=None) -> tuple:
    env = {n: leaf(v) for n, v in INPUTS.items()}
    for name, postfix in statements:
        stack: list = []
        for item in postfix:
            op = item[0]
            if op == "load":
                stack.append(env[item[1]])
            elif op == "const":
                stack.append(item[1])  # a plain number: each tool wraps it its own way
            elif op == "relu":
                stack.append(relu(stack.pop()))
            elif op == "pow":
                stack.append(stack.pop() ** item[1])
            else:
                b, a = stack.pop(), stack.pop()
                stack.append(a + b if op == "add" else a - b if op == "sub"
                             else a * b if op == "mul" else a / b)
        env[name] = stack.pop()
    return env, env["y"]


def run_micrograd(statements) -> dict:
    from micrograd.engine import Value

    env, y = _interpret(statements, Value, lambda v: v.relu())
    y.backward()
    return {n: env[n].grad for n in INPUTS}


def run_torch(statements) -> dict:
    import torch

    env, y = _interpret(statements, lambda v: torch.tensor(v, dtype=torch.float64,
                                                           requires_grad=True), torch.relu)
    y.backward()
    return {n: float(env[n].grad) for n in INPUTS}


def peak_bytes(func) -> int:
    """tracemalloc's peak while ``func`` runs (the same method for every tool)."""
    gc.collect()
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def measure(statements: list, repeat: int, have_torch: bool) -> tuple:
    """Best times of graphviz-ad, micrograd and torch (None without it) on one workload,
    after checking that the two give the same gradient."""
    text = source(statements)
    ours, micro = run_graphviz_ad(text), run_micrograd(statements)
    for n in INPUTS:
        assert abs(float(ours[n]) - micro[n]) <= 1e-9 * max(1.0, abs(micro[n])), (ours, micro)
    gc.collect()
    t_ours = best(lambda: run_graphviz_ad(text), repeat)
    gc.collect()
    t_micro = best(lambda: run_micrograd(statements), repeat)
    gc.collect()
    t_torch = best(lambda: run_torch(statements), repeat) if have_torch else None
    return t_ours, t_micro, t_torch


def row(what: str, value: str, target: str, ok: bool) -> str:
    return f"| {what} | {value} | {target} | {'OK' if ok else 'MISSED'} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    sys.setrecursionlimit(1_000_000)  # micrograd's backward() sorts its graph recursively
    try:
        import micrograd.engine  # noqa: F401
    except ImportError:
        sys.exit("micrograd is not installed: pip install micrograd")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    repeat = 2 if args.quick else 5
    ours_t, micro_t, torch_t = {}, {}, {}
    for ops in (10_000, 100_000):
        n = repeat if ops == 10_000 else max(1, repeat // 2)
        ours_t[ops], micro_t[ops], torch_t[ops] = measure(workload(ops), n, have_torch)
    G = ad.parse(source(workload(10_000)))
    counted = sum(1 for v in G if G.nodes[v]["op"] not in ("input", "const"))
    print(f"workload: {counted:,} operation nodes at 10k; best of {repeat} (100k: "
          f"{max(1, repeat // 2)}); micrograd with its default GC on")
    print("| what | measured | target | |")
    print("|---|---|---|---|")
    for ops in (10_000, 100_000):
        ratio = ours_t[ops] / micro_t[ops]
        print(row(f"parse+evaluate+reverse, {ops // 1000}k ops vs micrograd",
                  f"{ours_t[ops] * 1e3:,.0f} ms vs {micro_t[ops] * 1e3:,.0f} ms = {ratio:.2f}x",
                  "<= 3x", ratio <= 3))
        if have_torch:
            ratio = ours_t[ops] / torch_t[ops]
            print(row(f"same, {ops // 1000}k ops vs torch eager",
                      f"{ours_t[ops] * 1e3:,.0f} ms vs {torch_t[ops] * 1e3:,.0f} ms = {ratio:.2f}x",
                      "<= 5x", ratio <= 5))
    if not have_torch:
        print("| vs torch eager | torch not installed: not measured | <= 5x | - |")
    growth = ours_t[100_000] / ours_t[10_000]
    print(row("100k ops / 10k ops", f"{growth:.1f}x", "<= 11x", growth <= 11))
    statements = workload(100_000)
    text = source(statements)
    ours_m = peak_bytes(lambda: run_graphviz_ad(text))
    micro_m = peak_bytes(lambda: run_micrograd(statements))
    ratio = ours_m / micro_m
    print(row("peak memory, 100k ops (tracemalloc)",
              f"{ours_m / 1e6:,.0f} MB vs micrograd {micro_m / 1e6:,.0f} MB = {ratio:.2f}x",
              "<= 1.5x", ratio <= 1.5))


if __name__ == "__main__":
    main()
